//! Running `ferrisdb-bench` in the test's process, for the bench tests.

use ferrisdb_tools::bench::args::BenchArgs;
use ferrisdb_tools::bench::progress::Progress;
use ferrisdb_tools::bench::run;

/// Runs the bench with `flags`: its exit code, standard output and
/// standard error.
pub fn run_bench(flags: &[String]) -> (i32, String, String) {
    let args = BenchArgs::try_parse_args(
        std::iter::once("ferrisdb-bench".to_string()).chain(flags.iter().cloned()),
    )
    .unwrap();
    let (mut out, mut err) = (Vec::new(), Vec::new());
    let code = run(&args, Progress::new(false), &mut out, &mut err);
    (
        code,
        String::from_utf8(out).unwrap(),
        String::from_utf8(err).unwrap(),
    )
}

/// [`run_bench`] of a run that must succeed: its standard output.
#[allow(dead_code)] // not every bench test needs it
pub fn run_ok(flags: &[String]) -> String {
    let (code, out, err) = run_bench(flags);
    assert_eq!(code, 0, "{err}\n{out}");
    out
}

//! `ferrisdb-bench --benchmarks=fillseq,readrandom --num=1000000 ...`:
//! db_bench's workloads and output on FerrisDB. See `ferrisdb_tools::bench`.

use ferrisdb_tools::bench::args::BenchArgs;
use ferrisdb_tools::bench::progress::Progress;
use ferrisdb_tools::bench::run;

fn main() {
    let args = match BenchArgs::try_parse_args(std::env::args_os()) {
        Ok(args) => args,
        Err((0, text)) => {
            print!("{text}");
            return;
        }
        Err((code, message)) => {
            eprintln!("{message}");
            std::process::exit(code);
        }
    };
    let code = run(
        &args,
        Progress::for_stderr(),
        &mut std::io::stdout().lock(),
        &mut std::io::stderr(),
    );
    std::process::exit(code);
}

//! How much memory this test process holds resident, for the tests that
//! check what a MemTable keeps (each in a file of its own, so other tests'
//! memory stays out of the measure).

/// `RssAnon` of this process: resident memory not backed by a file.
pub fn resident_anonymous_bytes() -> usize {
    let status = std::fs::read_to_string("/proc/self/status").unwrap();
    let line = status
        .lines()
        .find(|l| l.starts_with("RssAnon:"))
        .expect("Linux reports RssAnon");
    let kib: usize = line.split_whitespace().nth(1).unwrap().parse().unwrap();
    kib * 1024
}

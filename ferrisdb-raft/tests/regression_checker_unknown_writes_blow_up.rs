//! Bug: writes of unknown outcome made the checker's search exponential,
//! even on a history that is linearizable.
//!
//! Now a write of unknown outcome whose value no read saw is left out (it
//! can always be taken as never done).

use std::sync::mpsc;
use std::time::Duration;

use ferrisdb_raft::linearizability::{register_is_linearizable, Kind, Operation};

#[test]
fn many_unknown_writes_are_checked_quickly() {
    // A partition or a crashed leader leaves many writes without an
    // answer; a read afterwards sees the value before all of them (none
    // took effect). That is linearizable ("never" for each), but the
    // search tries every subset and order of the unknown writes before
    // it places the read.
    let n = 20u64;
    let mut ops: Vec<Operation> = (0..n)
        .map(|i| Operation {
            call: i,
            ret: None,
            kind: Kind::Write(Some(format!("v{i}").into_bytes())),
        })
        .collect();
    ops.push(Operation {
        call: n,
        ret: Some(n + 1),
        kind: Kind::Read(None),
    });
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(register_is_linearizable(&ops));
    });
    match rx.recv_timeout(Duration::from_secs(10)) {
        Ok(linearizable) => assert!(linearizable),
        Err(_) => panic!("the checker took more than 10 s on {} operations", n + 1),
    }
}

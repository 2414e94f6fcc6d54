//! Bug: the checker rejected linearizable histories whose instants
//! coincide: an operation's own return bounded when it could go.
//!
//! Now an operation may go next unless another remaining one returned
//! before it was invoked.

use ferrisdb_raft::linearizability::{register_is_linearizable, Kind, Operation};

#[test]
fn an_operation_of_zero_duration_is_linearizable() {
    // One write, invoked and answered at the same instant of a coarse
    // clock (a timestamp, not the cluster tests' counter): the history
    // is trivially linearizable.
    let write = Operation {
        call: 5,
        ret: Some(5),
        kind: Kind::Write(Some(b"a".to_vec())),
    };
    assert!(register_is_linearizable(std::slice::from_ref(&write)));
    // And a read of the initial value, in zero time.
    let read = Operation {
        call: 1,
        ret: Some(1),
        kind: Kind::Read(None),
    };
    assert!(register_is_linearizable(&[read]));
}

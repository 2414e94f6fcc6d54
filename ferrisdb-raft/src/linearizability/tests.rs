//! Unit tests of the checker: histories known to be linearizable or not,
//! with overlapping operations and unknown outcomes.

use super::*;

fn v(s: &str) -> Option<Vec<u8>> {
    Some(s.as_bytes().to_vec())
}

fn write(call: u64, ret: Option<u64>, value: Option<Vec<u8>>) -> Operation {
    Operation {
        call,
        ret,
        kind: Kind::Write(value),
    }
}

fn read(call: u64, ret: u64, value: Option<Vec<u8>>) -> Operation {
    Operation {
        call,
        ret: Some(ret),
        kind: Kind::Read(value),
    }
}

#[test]
fn sequential_histories() {
    let ok = [
        write(1, Some(2), v("a")),
        read(3, 4, v("a")),
        write(5, Some(6), None),
        read(7, 8, None),
    ];
    assert!(register_is_linearizable(&ok));
    // A read after a write returned must see it: a stale read.
    let stale = [
        write(1, Some(2), v("a")),
        write(3, Some(4), v("b")),
        read(5, 6, v("a")),
    ];
    assert!(!register_is_linearizable(&stale));
    // A value nobody wrote.
    assert!(!register_is_linearizable(&[read(1, 2, v("x"))]));
    // The register starts absent.
    assert!(register_is_linearizable(&[read(1, 2, None)]));
}

#[test]
fn overlapping_operations_take_effect_in_either_order() {
    // The read overlaps the write: it may see the old or the new value.
    for seen in [None, v("a")] {
        let history = [write(1, Some(4), v("a")), read(2, 3, seen)];
        assert!(register_is_linearizable(&history));
    }
    // Two reads overlapping one write, the first to return saw the new
    // value, the later one the old: no order explains both.
    let flicker = [
        write(1, Some(10), v("a")),
        read(2, 4, v("a")),
        read(5, 6, None),
    ];
    assert!(!register_is_linearizable(&flicker));
}

#[test]
fn a_write_of_unknown_outcome_may_take_effect_late_or_never() {
    // Never: later reads see the old value.
    let never = [
        write(1, Some(2), v("a")),
        write(3, None, v("b")),
        read(4, 5, v("a")),
    ];
    assert!(register_is_linearizable(&never));
    // Late: long after its invocation, a read sees it.
    let late = [
        write(1, None, v("b")),
        read(10, 11, None),
        read(20, 21, v("b")),
    ];
    assert!(register_is_linearizable(&late));
    // But not before it was invoked.
    let early = [read(1, 2, v("b")), write(3, None, v("b"))];
    assert!(!register_is_linearizable(&early));
    // And once: seen, then gone without another write, is not explained.
    let twice = [write(1, None, v("b")), read(2, 3, v("b")), read(4, 5, None)];
    assert!(!register_is_linearizable(&twice));
}

#[test]
fn check_names_the_first_key_that_fails() {
    let mut history = BTreeMap::new();
    history.insert(
        b"good".to_vec(),
        vec![write(1, Some(2), v("a")), read(3, 4, v("a"))],
    );
    history.insert(
        b"bad".to_vec(),
        vec![write(1, Some(2), v("a")), read(3, 4, v("z"))],
    );
    let err = check(&history).unwrap_err();
    assert_eq!(err.key, b"bad");
    assert!(err.to_string().contains("not linearizable"), "{err}");
    history.remove(b"bad".as_slice());
    check(&history).unwrap();
}

#[test]
fn many_concurrent_clients_are_checked_quickly() {
    // 8 clients, 30 rounds: each round every client writes its own value
    // and then reads, all overlapping; every read sees the last write of
    // its round, which is linearizable (that write last, then the reads).
    let mut ops = Vec::new();
    let mut t = 0;
    for round in 0..30u64 {
        let start = t;
        for client in 0..8u64 {
            ops.push(write(
                start + client,
                Some(start + 20 + client),
                v(&format!("{round}-{client}")),
            ));
        }
        for client in 0..8u64 {
            ops.push(read(
                start + 30 + client,
                start + 40,
                v(&format!("{round}-7")),
            ));
        }
        t += 50;
    }
    assert!(register_is_linearizable(&ops));
    // One read in the middle sees a value from the round before.
    let last = ops.len() - 200;
    if let Kind::Read(value) = &mut ops[last].kind {
        *value = v("0-0");
    }
    assert!(!register_is_linearizable(&ops));
}

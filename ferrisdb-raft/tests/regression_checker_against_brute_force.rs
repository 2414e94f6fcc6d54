//! The linearizability checker against a brute-force one on small random
//! histories (distinct instants, writes and deletes, reads of absent keys,
//! writes of unknown outcome).

use ferrisdb_raft::linearizability::{register_is_linearizable, Kind, Operation};
use rand::{Rng, SeedableRng};

/// Whether some subset of the unknown writes plus every completed
/// operation has an order that respects real time (a before b when a
/// returned before b was invoked) and the register's semantics.
fn brute_force(ops: &[Operation]) -> bool {
    let ops: Vec<&Operation> = ops
        .iter()
        .filter(|op| !(matches!(op.kind, Kind::Read(_)) && op.ret.is_none()))
        .collect();
    let unknown: Vec<usize> = (0..ops.len()).filter(|&i| ops[i].ret.is_none()).collect();
    for mask in 0..(1u32 << unknown.len()) {
        let chosen: Vec<usize> = (0..ops.len())
            .filter(|&i| match unknown.iter().position(|&u| u == i) {
                Some(bit) => mask & (1 << bit) != 0,
                None => true,
            })
            .collect();
        let mut order = Vec::new();
        let mut used = vec![false; ops.len()];
        if permute(&ops, &chosen, &mut used, &mut order, None) {
            return true;
        }
    }
    false
}

fn permute(
    ops: &[&Operation],
    chosen: &[usize],
    used: &mut Vec<bool>,
    order: &mut Vec<usize>,
    value: Option<Vec<u8>>,
) -> bool {
    if order.len() == chosen.len() {
        return true;
    }
    for &i in chosen {
        if used[i] {
            continue;
        }
        // Every chosen operation not yet placed must not have returned
        // before i was invoked.
        let blocked = chosen
            .iter()
            .any(|&j| j != i && !used[j] && ops[j].ret.is_some_and(|r| r < ops[i].call));
        if blocked {
            continue;
        }
        let next = match &ops[i].kind {
            Kind::Write(v) => v.clone(),
            Kind::Read(v) if *v == value => value.clone(),
            Kind::Read(_) => continue,
        };
        used[i] = true;
        order.push(i);
        if permute(ops, chosen, used, order, next) {
            return true;
        }
        order.pop();
        used[i] = false;
    }
    false
}

fn random_history(rng: &mut rand::rngs::StdRng) -> Vec<Operation> {
    let n = rng.random_range(1..=6);
    // Distinct instants: 2n of them, shuffled into (call, ret) pairs.
    let mut instants: Vec<u64> = (0..2 * n as u64).collect();
    for i in (1..instants.len()).rev() {
        let j = rng.random_range(0..=i);
        instants.swap(i, j);
    }
    let value = |rng: &mut rand::rngs::StdRng| match rng.random_range(0..3u8) {
        0 => None,
        1 => Some(b"a".to_vec()),
        _ => Some(b"b".to_vec()),
    };
    (0..n)
        .map(|i| {
            let (a, b) = (instants[2 * i], instants[2 * i + 1]);
            let (call, ret) = (a.min(b), a.max(b));
            let is_write = rng.random_bool(0.5);
            let ret = if is_write && rng.random_bool(0.3) {
                None
            } else {
                Some(ret)
            };
            let kind = if is_write {
                Kind::Write(value(rng))
            } else {
                Kind::Read(value(rng))
            };
            Operation { call, ret, kind }
        })
        .collect()
}

#[test]
fn the_checker_agrees_with_brute_force() {
    let mut rng = rand::rngs::StdRng::seed_from_u64(25);
    for case in 0..20_000 {
        let history = random_history(&mut rng);
        assert_eq!(
            register_is_linearizable(&history),
            brute_force(&history),
            "case {case}: {history:#?}"
        );
    }
}

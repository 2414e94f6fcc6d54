use super::*;

fn load(id: KeyspaceId, active_log: u64, active_bytes: usize, frozen: usize) -> KeyspaceLoad {
    KeyspaceLoad {
        id,
        active_log,
        active_bytes,
        frozen_bytes: frozen * 1000,
        frozen,
    }
}

fn logs(total: u64, oldest: Option<u64>, requested: Option<u64>) -> LogsNow {
    LogsNow {
        total,
        limit: 100,
        oldest,
        requested,
    }
}

#[test]
fn live_logs_count_sealed_logs_until_retired() {
    let mut live = LiveLogs::default();
    assert_eq!((live.total(), live.oldest(), live.len()), (0, None, 0));
    live.sealed(4, 100);
    live.sealed(7, 50);
    live.sealed(9, 25);
    assert_eq!((live.total(), live.oldest(), live.len()), (175, Some(4), 3));
    // Retiring below a log keeps that log.
    live.retire_below(7);
    assert_eq!((live.total(), live.oldest(), live.len()), (75, Some(7), 2));
    live.retire_below(7);
    assert_eq!(live.total(), 75);
    live.retire_below(100);
    assert_eq!((live.total(), live.oldest(), live.len()), (0, None, 0));
}

#[test]
fn within_the_wal_limit_nothing_is_frozen() {
    let keyspaces = [load(0, 3, 10, 0), load(1, 1, 10, 0)];
    assert_eq!(
        pick_for_wal_size(logs(100, Some(1), None), keyspaces, 2),
        None
    );
    // Past it with no sealed log: the one log being written cannot go.
    assert_eq!(pick_for_wal_size(logs(500, None, None), keyspaces, 2), None);
}

#[test]
fn past_the_wal_limit_the_keyspaces_holding_the_oldest_log_are_frozen() {
    let keyspaces = [
        // Began after the oldest log: holds none of it.
        load(0, 8, 500, 0),
        // Holds writes in log 5 and before.
        load(1, 2, 10, 0),
        load(2, 5, 10, 1),
        // Empty: pins nothing.
        load(3, 1, 0, 0),
    ];
    let picked = pick_for_wal_size(logs(101, Some(5), None), keyspaces, 2).unwrap();
    assert_eq!(
        picked,
        WalFlush {
            oldest: 5,
            freeze: vec![1, 2],
            complete: true
        }
    );
}

#[test]
fn the_wal_request_is_made_once_per_oldest_log() {
    // Risk R13: the oldest log stays until the frozen MemTables are
    // flushed; asking again would freeze the keyspaces again and again.
    let keyspaces = [load(1, 2, 10, 0)];
    assert_eq!(
        pick_for_wal_size(logs(500, Some(2), Some(2)), keyspaces, 2),
        None
    );
    // A newer oldest log is asked for again.
    let picked = pick_for_wal_size(logs(500, Some(3), Some(2)), keyspaces, 2).unwrap();
    assert_eq!(picked.freeze, vec![1]);
}

#[test]
fn a_keyspace_with_no_frozen_slot_left_is_asked_again_later() {
    let keyspaces = [load(1, 2, 10, 2), load(2, 2, 10, 0)];
    let picked = pick_for_wal_size(logs(500, Some(4), None), keyspaces, 2).unwrap();
    assert_eq!((picked.freeze, picked.complete), (vec![2], false));
    // Only the full one left: nothing to do now, and nothing recorded.
    let keyspaces = [load(1, 2, 10, 2), load(2, 9, 0, 0)];
    assert_eq!(
        pick_for_wal_size(logs(500, Some(4), None), keyspaces, 2),
        None
    );
}

#[test]
fn a_log_pinned_only_by_frozen_memtables_is_requested_with_nothing_to_freeze() {
    // Every active MemTable began after it: the flushes already queued let
    // it go, and the request is recorded so the next writes skip the scan.
    let keyspaces = [load(0, 7, 10, 1), load(1, 7, 0, 1)];
    let picked = pick_for_wal_size(logs(500, Some(4), None), keyspaces, 2).unwrap();
    assert_eq!(
        picked,
        WalFlush {
            oldest: 4,
            freeze: vec![],
            complete: true
        }
    );
}

#[test]
fn within_the_write_buffer_nothing_happens() {
    let keyspaces = [load(0, 1, 40, 0), load(1, 2, 40, 0)];
    assert_eq!(
        pick_for_budget(keyspaces, 20, 100, 200, 2),
        BudgetStep::Within
    );
}

#[test]
fn past_the_write_buffer_the_oldest_active_memtable_is_frozen() {
    let keyspaces = [
        load(0, 5, 60, 0),
        load(1, 3, 10, 0),
        load(2, 3, 30, 0),
        // Empty: never picked, however old its log.
        load(3, 1, 0, 0),
    ];
    // The oldest log first, then the larger of the two in it.
    assert_eq!(
        pick_for_budget(keyspaces, 1, 100, 200, 2),
        BudgetStep::Freeze(2)
    );
    // One with every frozen slot taken is passed over.
    let keyspaces = [load(1, 3, 60, 2), load(2, 4, 50, 0)];
    assert_eq!(
        pick_for_budget(keyspaces, 1, 100, 200, 2),
        BudgetStep::Freeze(2)
    );
}

#[test]
fn writers_stall_past_twice_the_write_buffer_while_flushes_are_due() {
    // Actives within the budget, frozen ones past twice it: wait.
    let keyspaces = [load(0, 5, 50, 1), load(1, 6, 10, 0)];
    assert_eq!(
        pick_for_budget(keyspaces, 1, 500, 1000, 2),
        BudgetStep::Stall
    );
    // No frozen MemTable to wait for: a stall would never end; the
    // actives past the budget with none to freeze go on.
    let keyspaces = [load(0, 5, 1500, 2)];
    let keyspaces = keyspaces.map(|k| KeyspaceLoad {
        frozen_bytes: 0,
        ..k
    });
    assert_eq!(
        pick_for_budget(keyspaces, 1, 500, 1000, 2),
        BudgetStep::Within
    );
}

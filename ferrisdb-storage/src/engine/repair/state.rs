//! The manifest a repair stores: what it wrote, with what of the old
//! manifest is still true (its features and keyspace ids) when it read one.

use super::report::{RepairReport, RepairedKeyspace};
use super::Repaired;
use crate::manifest::{ClosedLog, Features, KeyspaceRecord, KeyspacesState, ManifestState};
use crate::Timestamp;

/// The manifest of the repaired database: `repaired`'s tables, every
/// keyspace needing the logs from `log_number` on (the empty log just
/// written, sealed at `log_length`), `old`'s features and keyspace ids when
/// it was read. Adds each keyspace to `report`.
pub(super) fn new_state(
    old: Option<&ManifestState>,
    repaired: Repaired,
    log_number: u64,
    log_length: u64,
    last_timestamp: Timestamp,
    report: &mut RepairReport,
) -> ManifestState {
    let mut state = ManifestState {
        next_file_number: log_number + 1,
        log_number,
        last_timestamp: old.map_or(0, |s| s.last_timestamp).max(last_timestamp),
        tables: Vec::new(),
        closed_log: Some(ClosedLog {
            number: log_number,
            length: log_length,
        }),
        features: old.map_or_else(Features::default, |s| s.features.clone()),
        keyspaces: KeyspacesState::none(log_number),
    };
    if let Some(previous) = old {
        state.keyspaces.next_keyspace_id = previous.keyspaces.next_keyspace_id;
    }
    for (keyspace, (tables, keys)) in repaired {
        report.keyspaces.push(RepairedKeyspace {
            name: keyspace.name.clone(),
            keys,
            tables: tables.len(),
        });
        match keyspace.stored {
            None => state.tables = tables,
            Some(options) => {
                // An id read from a damaged file may be the largest: the
                // counter stops there rather than wrap.
                let after = keyspace.id.saturating_add(1);
                state.keyspaces.next_keyspace_id = state.keyspaces.next_keyspace_id.max(after);
                state.keyspaces.records.push(KeyspaceRecord {
                    id: keyspace.id,
                    name: keyspace.name,
                    log_number,
                    options,
                    tables,
                });
            }
        }
    }
    state
}

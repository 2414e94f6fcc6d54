//! `keyspaces`, `manifest`, `verify`, `repair`, `compact`, `checkpoint` and
//! `stats`: the database as a whole.

use std::io::Write;
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use ferrisdb_storage::{Error, ManifestUse, RepairOptions, StorageEngine, TableRecord};
use serde_json::json;

use super::progress::Progress;
use super::{say, Failure, Global, Outcome, EXIT_DAMAGED};

/// `keyspaces`: one name per line (a JSON array with `--json`).
pub fn keyspaces(g: &Global, out: &mut dyn Write) -> Outcome {
    let names = g.read()?.keyspaces();
    if g.json {
        say(out, json!(names))?;
    } else {
        for name in names {
            say(out, name)?;
        }
    }
    Ok(0)
}

/// `manifest`: each keyspace's tables, level by level (or `--keyspace`'s).
pub fn manifest(g: &Global, out: &mut dyn Write) -> Outcome {
    let db = g.read()?;
    let names = match &g.keyspace {
        Some(_) => vec![g.keyspace(&db)?.name().to_owned()],
        None => db.keyspaces(),
    };
    let mut keyspaces = Vec::new();
    for name in names {
        let tables = db.keyspace(&name)?.live_tables();
        if !g.json {
            say(out, format!("keyspace {name}: {} tables", tables.len()))?;
            for table in &tables {
                say(out, format!("  {}", describe(g, table)))?;
            }
        }
        keyspaces.push(json!({
            "name": name,
            "tables": tables.iter().map(|t| table_json(g, t)).collect::<Vec<_>>(),
        }));
    }
    if g.json {
        say(out, json!({ "keyspaces": keyspaces }))?;
    }
    Ok(0)
}

/// One table as a line of `manifest`.
fn describe(g: &Global, t: &TableRecord) -> String {
    format!(
        "L{} {:06}.sst {} bytes, {} entries ({} tombstones), keys {} to {}, timestamps {} to {}",
        t.level,
        t.file_number,
        t.file_size,
        t.entry_count,
        t.tombstone_count,
        g.show(&t.smallest.user_key),
        g.show(&t.largest.user_key),
        t.min_timestamp,
        t.max_timestamp
    )
}

fn table_json(g: &Global, t: &TableRecord) -> serde_json::Value {
    json!({
        "level": t.level,
        "file_number": t.file_number,
        "file_size": t.file_size,
        "entry_count": t.entry_count,
        "tombstone_count": t.tombstone_count,
        "smallest_key": g.show(&t.smallest.user_key),
        "largest_key": g.show(&t.largest.user_key),
        "min_timestamp": t.min_timestamp,
        "max_timestamp": t.max_timestamp,
    })
}

/// `verify`: the report; exit code [`EXIT_DAMAGED`] when it found damage,
/// including damage that stops the database from opening at all.
pub fn verify(g: &Global, out: &mut dyn Write) -> Outcome {
    // A mistyped --db is the operator's error, not damage.
    if !g.db.is_dir() {
        return Err(Failure(format!(
            "no database at {}: there is no such directory",
            g.db.display()
        )));
    }
    let db = match g.read_only() {
        Ok(db) => db,
        // A log cut short, a missing log: what the open refuses as damaged is
        // damage, and a health check tells damage from a mistyped command
        // only by the exit code.
        Err(e) if e.is_corruption() => return refused_as_damaged(g, &e, out),
        Err(e) => return Err(e.into()),
    };
    let progress = Progress::bytes("verifying", Some(0));
    let report = db.verify_with_progress(&mut |p| progress.set(p.done, p.total))?;
    progress.finish();
    if g.json {
        let damage: Vec<_> = report
            .damage
            .iter()
            .map(|d| json!({ "file": d.file, "offset": d.offset, "reason": d.reason }))
            .collect();
        say(
            out,
            json!({
                "intact": report.is_intact(),
                "tables": report.tables,
                "table_entries": report.table_entries,
                "table_bytes": report.table_bytes,
                "logs": report.logs,
                "log_records": report.log_records,
                "unlisted": report.unlisted,
                "damage": damage,
            }),
        )?;
    } else {
        say(out, &report)?;
    }
    Ok(if report.is_intact() { 0 } else { EXIT_DAMAGED })
}

/// The report of a database whose open refused it as damaged: the one error,
/// with exit code [`EXIT_DAMAGED`].
fn refused_as_damaged(g: &Global, error: &Error, out: &mut dyn Write) -> Outcome {
    if g.json {
        let (file, offset) = match error {
            Error::Corruption { file, offset, .. }
            | Error::ChecksumMismatch { file, offset, .. } => {
                (Some(file.display().to_string()), Some(*offset))
            }
            _ => (None, None),
        };
        say(
            out,
            json!({
                "intact": false,
                "opened": false,
                "damage": [{ "file": file, "offset": offset, "reason": error.to_string() }],
            }),
        )?;
    } else {
        say(out, format!("the database does not open: {error}"))?;
    }
    Ok(EXIT_DAMAGED)
}

/// `repair [--strict]`: the report; exit code [`EXIT_DAMAGED`] when damage
/// may have hidden newer versions or tombstones somewhere.
pub fn repair(g: &Global, strict: bool, out: &mut dyn Write) -> Outcome {
    let options = if strict {
        RepairOptions::strict()
    } else {
        RepairOptions::default()
    };
    let progress = Progress::bytes("repairing", Some(0));
    let report = StorageEngine::repair_with_progress(g.config(), options, &mut |p| {
        progress.set(p.done, p.total);
    });
    progress.finish();
    let report = report?;
    if g.json {
        let (rebuilt, stale) = match &report.manifest {
            ManifestUse::Rebuilt(why) => (Some(why.clone()), None),
            ManifestUse::Stale(why) => (None, Some(why.clone())),
            _ => (None, None),
        };
        let key = |k: &Option<Vec<u8>>| k.as_deref().map(|k| g.show(k));
        say(
            out,
            json!({
                "complete": report.is_complete(),
                "manifest_rebuilt": rebuilt,
                "manifest_stale": stale,
                "tables_read": report.tables_read,
                "table_entries": report.table_entries,
                "logs_read": report.logs_read,
                "log_records": report.log_records,
                "keyspaces": report.keyspaces.iter().map(|k| json!({
                    "name": k.name, "keys": k.keys, "tables": k.tables,
                })).collect::<Vec<_>>(),
                "moved": report.moved.iter().map(|m| json!({
                    "from": m.from, "to": m.to, "reason": m.reason,
                })).collect::<Vec<_>>(),
                "affected": report.affected.iter().map(|r| json!({
                    "keyspace": r.keyspace, "start": key(&r.start), "end": key(&r.end),
                    "file": r.file, "offset": r.offset, "reason": r.reason,
                })).collect::<Vec<_>>(),
            }),
        )?;
    } else {
        say(out, &report)?;
    }
    Ok(if report.is_complete() {
        0
    } else {
        EXIT_DAMAGED
    })
}

/// `compact`: the whole database, into its deepest level. Its bar counts
/// the bytes compactions read against the bytes of the tables and
/// MemTables when it began: a table merged on its way down is read, once
/// or more (the bar stops at the total); one moved down whole is not, and
/// the bar ends short of it.
pub fn compact(g: &Global) -> Outcome {
    let db = g.write(false)?;
    let start = db.stats();
    let memtables = start.memtable_bytes + start.immutable_memtable_bytes;
    let total = start.table_bytes() + memtables as u64;
    let progress = Progress::bytes("compacting", Some(total));
    let done = AtomicBool::new(false);
    let result = std::thread::scope(|scope| {
        scope.spawn(|| {
            // Relaxed: the flag carries no other data, and a poll late by
            // one round only draws once more.
            while !done.load(Ordering::Relaxed) {
                let read = db.stats().compaction_bytes_read - start.compaction_bytes_read;
                progress.set(read.min(total), total);
                std::thread::sleep(Duration::from_millis(200));
            }
        });
        // Set however `compact` returns, a panic included, so the scope
        // does not wait on the poller forever.
        let _stop = StopOnDrop(&done);
        db.compact()
    });
    progress.finish();
    result?;
    db.close()?;
    Ok(0)
}

/// Sets its flag when dropped.
struct StopOnDrop<'a>(&'a AtomicBool);

impl Drop for StopOnDrop<'_> {
    fn drop(&mut self) {
        self.0.store(true, Ordering::Relaxed);
    }
}

/// `checkpoint DIR`.
pub fn checkpoint(g: &Global, dir: &Path) -> Outcome {
    let db = g.write(false)?;
    db.checkpoint(dir)?;
    db.close()?;
    Ok(0)
}

/// `stats`: the engine's counters (JSON with `--json`).
pub fn stats(g: &Global, out: &mut dyn Write) -> Outcome {
    let db: StorageEngine = g.read()?;
    let stats = db.stats();
    if g.json {
        say(out, serde_json::to_string(&stats)?)?;
    } else {
        say(out, format!("{stats:#?}"))?;
    }
    Ok(0)
}

//! The tour of `docs/getting-started.md`: open, write, read, scan, snapshots,
//! keyspaces, transactions, durability, close and reopen.
//!
//! ```sh
//! cargo run --example getting_started                # uses a fresh temp directory
//! cargo run --example getting_started -- /tmp/my-db  # or a new (missing or empty) directory
//! ```

use std::path::PathBuf;

use ferrisdb_storage::{
    CompactionStyle, Error, Keyspace, KeyspaceOptions, Result, Slice, StorageConfig, StorageEngine,
    SyncMode, WriteBatch,
};

fn main() -> Result<()> {
    let dir: PathBuf = match std::env::args().nth(1) {
        Some(dir) => dir.into(),
        None => {
            let dir = std::env::temp_dir().join("ferrisdb-getting-started");
            let _ = std::fs::remove_dir_all(&dir); // start from an empty database
            dir
        }
    };

    // Open (or create) the database. Every setting but the directory keeps
    // its default; `SyncMode::Full` makes each write survive a power loss.
    let config = StorageConfig {
        wal_sync_mode: SyncMode::Full,
        ..StorageConfig::new(&dir)
    };
    let db = StorageEngine::open(config)?;

    // Write: every write returns its timestamp.
    let ts = db.put("user:1", "alice")?;
    db.put("user:2", "bob")?;
    db.put("order:7", "2 x coffee")?;
    println!("put user:1 at timestamp {ts}");

    // Read: `None` when the key is absent or deleted.
    assert_eq!(db.get("user:1")?, Some("alice".into()));
    assert_eq!(db.get("user:9")?, None);

    // Delete writes a tombstone that hides every older version.
    db.delete("order:7")?;
    assert_eq!(db.get("order:7")?, None);

    // A batch is atomic: after a crash all of its writes are there or none.
    let mut batch = WriteBatch::new();
    batch
        .put("user:3", "carol")
        .put("user:1", "alice@example.com")
        .delete("user:2");
    db.write(batch)?;

    // A range delete is one write however many keys it covers: every key in
    // the range, or with the prefix, written before it reads as absent. An
    // empty or inverted range (`"b".."a"`) deletes nothing.
    db.delete_range("order:100".."order:200")?;
    db.delete_prefix("cart:")?;

    // A snapshot is a consistent view: later writes are invisible through it.
    let snapshot = db.snapshot()?;
    db.put("user:1", "alice (renamed)")?;
    assert_eq!(snapshot.get("user:1")?, Some("alice@example.com".into()));
    assert_eq!(db.get("user:1")?, Some("alice (renamed)".into()));
    drop(snapshot); // lets compaction drop the versions only it could see

    // Scan a key range in order (any `..` range works; `.rev()` goes backwards),
    // or every key with a prefix.
    for item in db.scan("user:1"..="user:3")? {
        let (key, value) = item?;
        println!("scan:   {} = {}", show(&key), show(&value));
    }
    let users: Vec<_> = db.scan_prefix("user:")?.collect::<Result<_>>()?;
    assert_eq!(users.len(), 2); // user:1 and user:3; user:2 was deleted
    for (key, value) in &users {
        println!("prefix: {} = {}", show(key), show(value));
    }

    // Keyspaces: independent sets of keys in one database. A batch across
    // keyspaces is atomic, which keeps an index in step with its table.
    let users: Keyspace = db.keyspace("users")?; // opens, or creates
    let by_email = db.keyspace_with(
        "users_by_email",
        KeyspaceOptions {
            compaction_style: CompactionStyle::size_tiered(),
            ..KeyspaceOptions::default()
        },
    )?;
    let mut batch = WriteBatch::new();
    batch
        .put_in(&users, "u:1", "ada@example.com")
        .put_in(&by_email, "ada@example.com", "u:1");
    db.write(batch)?;
    let snapshot = db.snapshot()?; // one instant across every keyspace
    assert_eq!(
        snapshot.get_in(&by_email, "ada@example.com")?,
        Some("u:1".into())
    );
    assert_eq!(users.get("u:1")?, Some("ada@example.com".into()));
    assert_eq!(db.get("u:1")?, None); // `db.get` reads the `default` keyspace
    drop(snapshot);
    assert_eq!(db.keyspaces(), ["default", "users", "users_by_email"]);
    db.drop_keyspace("users_by_email")?; // its files go in the background

    // A transaction reads the database as it was when it began, sees its own
    // writes over that, and writes them all at once when it commits.
    db.put("acct:alice", "100")?;
    db.put("acct:bob", "0")?;
    let mut tx = db.transaction()?;
    let alice = number(tx.get("acct:alice")?);
    tx.put("acct:alice", (alice - 30).to_string())?;
    tx.put("acct:bob", "30")?;
    assert_eq!(number(tx.get("acct:alice")?), 70); // its own write
    assert_eq!(number(db.get("acct:alice")?), 100); // not written yet
    tx.commit()?;
    assert_eq!(number(db.get("acct:bob")?), 30);

    // Two transactions read acct:bob and both write it: the first commit
    // wins, the second fails with `TransactionConflict` and writes nothing.
    let mut first = db.transaction()?;
    let mut second = db.transaction()?;
    let seen_by_first = number(first.get("acct:bob")?);
    let seen_by_second = number(second.get("acct:bob")?);
    first.put("acct:bob", (seen_by_first + 1).to_string())?;
    second.put("acct:bob", (seen_by_second + 2).to_string())?;
    first.commit()?;
    let error = second.commit().unwrap_err();
    assert!(matches!(error, Error::TransactionConflict { .. }));
    assert!(error.is_conflict()); // run it again to retry
    assert_eq!(number(db.get("acct:bob")?), 31);

    // `run_transaction` commits, and on a conflict runs the closure again
    // in a new transaction (a bounded number of times, after a short
    // random pause), so the closure must do nothing but read and write
    // through `tx`. `get_in` and `put_in` reach other keyspaces.
    let total = |db: &StorageEngine| -> Result<u64> {
        Ok(number(db.get("acct:alice")?) + number(db.get("acct:bob")?))
    };
    let before = total(&db)?;
    db.run_transaction(|tx| {
        let alice = number(tx.get("acct:alice")?);
        let bob = number(tx.get("acct:bob")?);
        tx.put("acct:alice", (alice - 10).to_string())?;
        tx.put("acct:bob", (bob + 10).to_string())?;
        tx.put_in(&users, "u:1:transfers", "1")
    })?;
    assert_eq!(total(&db)?, before); // 10 moved, none made or lost

    // A scan counts as reading the whole range: a key written into it
    // meanwhile (a phantom) makes the commit fail too.
    let mut tx = db.transaction()?;
    let accounts = tx.scan_prefix("acct:")?.count();
    db.put("acct:carol", "5")?; // a plain write into the scanned range
    tx.put("stats:accounts", accounts.to_string())?;
    assert!(tx.commit().unwrap_err().is_conflict());

    // A transaction that only reads always commits: it saw the database as
    // it was at one instant, whatever was written after.
    let mut reader = db.transaction()?;
    let before = reader.scan_prefix("acct:")?.count();
    db.put("acct:dave", "0")?;
    assert_eq!(reader.scan_prefix("acct:")?.count(), before); // not dave
    reader.commit()?;

    // A transaction dropped without `commit` writes nothing.
    let mut tx = db.transaction()?;
    tx.put("acct:alice", "1000000")?;
    drop(tx);
    assert_eq!(number(db.get("acct:alice")?), 60);

    // One-key shortcuts: set a key only if it holds what you expect, or
    // update it from its current value, both atomic.
    let mine = db.compare_and_swap("lock", None, Some(b"me".as_ref()))?;
    assert!(mine.is_ok()); // it was absent: now it holds "me"
    let taken = db.compare_and_swap("lock", None, Some(b"you".as_ref()))?;
    assert_eq!(taken, Err(Some("me".into()))); // taken: here is by whom
    db.fetch_update("visits", |old| {
        let visits = old.map_or(0, |v| show(v).parse::<u64>().unwrap_or(0));
        Some((visits + 1).to_string())
    })?;
    assert_eq!(number(db.get("visits")?), 1);

    // Close stops the background flush and syncs the log. Reopening replays
    // the log: every acknowledged write is still there.
    db.close()?;
    let db = StorageEngine::open(StorageConfig::new(&dir))?;
    assert_eq!(db.get("user:3")?, Some("carol".into()));
    assert_eq!(db.keyspaces(), ["default", "users"]);
    println!("reopened {}: user:3 = carol", dir.display());
    db.close()
}

fn show(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// The number a value holds as text; 0 for an absent key.
fn number(value: Option<Slice>) -> u64 {
    value.map_or(0, |v| show(&v).parse().expect("a number"))
}

//! Bank transfer: four threads move money between eight accounts in random
//! transactions (`run_transaction`, which retries on conflict) while a
//! checker reads every balance, point by point, by a scan forwards and by a
//! scan backwards, in read-only transactions.
//!
//! Promise: the total never changes, whatever the interleaving: each
//! checker transaction reads one consistent state, and every transfer is
//! whole or absent. Nor does the number of accounts. After the threads,
//! after a close and a reopen, the total and the count still hold, and the
//! transfers each thread counted (a counter it increments in the same
//! transaction) add up to the transfers it made. Small MemTables make
//! flushes run under the transactions' snapshots. Once in the `default`
//! keyspace, once with the accounts in a keyspace (`get_in`, `put_in`,
//! `scan_prefix_in`) and the counters in `default`, so a transaction spans
//! two keyspaces.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use ferrisdb_storage::fs::FaultFileSystem;
use ferrisdb_storage::{Keyspace, Result, Slice, StorageConfig, StorageEngine, Transaction};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

const THREADS: usize = 4;
const ACCOUNTS: usize = 8;
const TRANSFERS: usize = 400;
const OPENING_BALANCE: u64 = 1_000;
const TOTAL: u64 = ACCOUNTS as u64 * OPENING_BALANCE;

fn config(fs: &FaultFileSystem) -> StorageConfig {
    StorageConfig {
        file_system: Arc::new(fs.clone()),
        memtable_size: 8 << 10,
        ..StorageConfig::new("/db")
    }
}

fn account(i: usize) -> String {
    format!("acct:{i}")
}

fn number(value: Option<Slice>) -> u64 {
    let value = value.expect("an account is never deleted");
    std::str::from_utf8(&value).unwrap().parse().unwrap()
}

/// Where the accounts are: `default`, or a keyspace.
#[derive(Clone)]
struct Bank {
    keyspace: Option<Keyspace>,
}

impl Bank {
    fn get(&self, tx: &mut Transaction, key: &str) -> Result<Option<Slice>> {
        match &self.keyspace {
            Some(ks) => tx.get_in(ks, key),
            None => tx.get(key),
        }
    }

    fn put(&self, tx: &mut Transaction, key: &str, value: u64) -> Result<()> {
        match &self.keyspace {
            Some(ks) => tx.put_in(ks, key, value.to_string()),
            None => tx.put(key, value.to_string()),
        }
    }

    /// The accounts as a scan of the transaction reads them, forwards or
    /// backwards (then put back in key order).
    fn scan(&self, tx: &mut Transaction, reversed: bool) -> Vec<(Slice, Slice)> {
        let scan = match &self.keyspace {
            Some(ks) => tx.scan_prefix_in(ks, "acct:"),
            None => tx.scan_prefix("acct:"),
        }
        .unwrap();
        let mut pairs: Vec<_> = if reversed {
            scan.rev().map(|item| item.unwrap()).collect()
        } else {
            scan.map(|item| item.unwrap()).collect()
        };
        if reversed {
            pairs.reverse();
        }
        pairs
    }

    /// Checks, in one read-only transaction, that the accounts hold the
    /// total, read point by point and by a scan.
    fn check(&self, db: &StorageEngine, reversed: bool, what: &str) {
        let mut tx = db.transaction().unwrap();
        let mut points = 0;
        for i in 0..ACCOUNTS {
            points += number(self.get(&mut tx, &account(i)).unwrap());
        }
        assert_eq!(points, TOTAL, "{what}: the balances read one by one");
        let pairs = self.scan(&mut tx, reversed);
        assert_eq!(pairs.len(), ACCOUNTS, "{what}: the accounts scanned");
        assert!(
            pairs.windows(2).all(|w| w[0].0 < w[1].0),
            "{what}: scan order"
        );
        let scanned: u64 = pairs.into_iter().map(|(_, v)| number(Some(v))).sum();
        assert_eq!(
            scanned, TOTAL,
            "{what}: the balances scanned (reversed: {reversed})"
        );
        tx.commit().expect("a read-only transaction always commits");
    }
}

/// Thread `t`'s transfers: each moves a random amount (up to the balance)
/// between two random accounts and counts itself in `done:t`.
fn transfer(db: &StorageEngine, bank: &Bank, t: usize) {
    let mut rng = StdRng::seed_from_u64(t as u64);
    for _ in 0..TRANSFERS {
        let from = account(rng.random_range(0..ACCOUNTS));
        let to = account(rng.random_range(0..ACCOUNTS));
        let wanted = rng.random_range(1..=300);
        let counter = format!("done:{t}");
        db.run_transaction(|tx| {
            let balance = number(bank.get(tx, &from)?);
            let amount = wanted.min(balance);
            bank.put(tx, &from, balance - amount)?;
            // Read after the write above, so a transfer to oneself nets zero.
            let balance = number(bank.get(tx, &to)?);
            bank.put(tx, &to, balance + amount)?;
            let done = tx.get(&counter)?.map_or(0, |v| number(Some(v)));
            tx.put(&counter, (done + 1).to_string())
        })
        .expect("a transfer commits within the retries");
    }
}

fn run(keyspace: Option<&str>) {
    let fs = FaultFileSystem::new();
    let db = StorageEngine::open(config(&fs)).unwrap();
    let bank = Bank {
        keyspace: keyspace.map(|name| db.keyspace(name).unwrap()),
    };
    db.run_transaction(|tx| {
        for i in 0..ACCOUNTS {
            bank.put(tx, &account(i), OPENING_BALANCE)?;
        }
        Ok(())
    })
    .unwrap();

    let done = AtomicBool::new(false);
    let checks = std::thread::scope(|s| {
        let checker = s.spawn(|| {
            let mut checks = 0;
            // At least once more after the transfers ended.
            loop {
                let last = done.load(Ordering::Acquire);
                bank.check(&db, checks % 2 == 1, &format!("check {checks}"));
                checks += 1;
                if last {
                    return checks;
                }
            }
        });
        let transfers: Vec<_> = (0..THREADS)
            .map(|t| {
                let (db, bank) = (&db, &bank);
                s.spawn(move || transfer(db, bank, t))
            })
            .collect();
        for thread in transfers {
            thread.join().unwrap();
        }
        done.store(true, Ordering::Release);
        checker.join().unwrap()
    });
    assert!(checks >= 1);
    let flushes = db.stats().flushes;
    eprintln!("{keyspace:?}: {checks} checks while transferring, {flushes} flushes");
    assert!(
        flushes > 0,
        "the transactions' snapshots lived through flushes"
    );

    let check_all = |db: &StorageEngine, bank: &Bank, what: &str| {
        bank.check(db, false, what);
        bank.check(db, true, what);
        for t in 0..THREADS {
            let count = number(db.get(format!("done:{t}")).unwrap());
            assert_eq!(count, TRANSFERS as u64, "{what}: thread {t}'s transfers");
        }
        let stats = db.stats();
        assert_eq!(stats.live_transactions, 0, "{what}");
        assert_eq!(
            stats.live_snapshots, 0,
            "{what}: a transaction's snapshot outlived it"
        );
    };
    check_all(&db, &bank, "after the transfers");
    drop(bank);
    db.close().unwrap();
    let db = StorageEngine::open(config(&fs)).unwrap();
    let bank = Bank {
        keyspace: keyspace.map(|name| db.keyspace(name).unwrap()),
    };
    check_all(&db, &bank, "after a reopen");
}

#[test]
fn the_total_never_changes() {
    run(None);
}

#[test]
fn the_total_never_changes_with_the_accounts_in_a_keyspace() {
    run(Some("bank"));
}

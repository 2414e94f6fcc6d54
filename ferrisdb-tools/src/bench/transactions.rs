//! The transaction workloads of `ferrisdb-bench`: what a transaction costs,
//! and how often transactions conflict under contention.
//!
//! - `txn_transfer`: each thread runs `--num` transactions through
//!   `run_transaction`, each moving a random amount (1 to [`MAX_AMOUNT`], at
//!   most the balance) from one random account of `--txn_accounts` to
//!   another: two reads, two writes. Before it is timed every account is
//!   set to [`INITIAL_BALANCE`]; after it, the balances must add up to what
//!   they did. Fewer accounts mean more transactions write what another
//!   read, so more conflict and run again.
//! - `fetch_update`: each thread increments a random one of
//!   `--txn_counters` counters `--num` times with `fetch_update`. The
//!   counters are set to 0 before it is timed; after it they must add up to
//!   threads x num.
//! - `txn_put`: fillrandom with each put a transaction of its own
//!   (`tx.put(k, v); tx.commit()`), into a fresh database as fillrandom's,
//!   so the two lines give the cost of a single-key transaction against a
//!   plain `put`. A transaction that read nothing never conflicts.
//! - `txn_readput`: a random existing key read and written back in one
//!   transaction through `run_transaction`.
//!
//! Balances and counters are 8-byte little-endian numbers under the keys of
//! indexes 0 to N-1 (db_bench keys, see [`fill_key`]); the accounts, and
//! txn_put's and txn_readput's keys, go to keyspace `i mod --keyspaces` as
//! every workload's do, the counters stay in `default` (`fetch_update` is a
//! method of the database). An attempt is one call of the transaction's
//! closure (of `fetch_update`'s update): attempts above operations are
//! conflicts that ran again. A failed total panics with the figures: it
//! means the engine lost or doubled an update.

use ferrisdb_storage::{Result, Slice, StorageEngine};

use super::args::BenchArgs;
use super::data::{fill_key, make_key, Rng, ValueSource};
use super::keyspaces::Targets;
use super::meter::{Meter, Outcome};
use super::workloads::Benchmark;

/// Every account's balance before `txn_transfer`.
pub const INITIAL_BALANCE: u64 = 1_000_000;

/// The largest amount one transfer moves.
pub const MAX_AMOUNT: u64 = 100;

/// The number an account or counter holds; `what` names it in the panic
/// if it holds something else, which only a broken engine can make it.
fn number(value: Option<&[u8]>, what: &str) -> u64 {
    let value = value.unwrap_or_else(|| panic!("{what} is missing: it was written before"));
    let bytes = value
        .try_into()
        .unwrap_or_else(|_| panic!("{what} holds {} bytes, not 8", value.len()));
    u64::from_le_bytes(bytes)
}

/// Writes what `bench` starts from, before it is timed: the accounts of
/// `txn_transfer`, the counters of `fetch_update`.
pub(super) fn prepare(
    db: &StorageEngine,
    targets: &Targets,
    args: &BenchArgs,
    bench: Benchmark,
) -> Result<()> {
    let mut key = vec![0; args.key_size];
    match bench {
        Benchmark::TxnTransfer => {
            for account in 0..args.txn_accounts {
                fill_key(&mut key, account);
                targets.put(db, account, &key, &INITIAL_BALANCE.to_le_bytes())?;
            }
        }
        Benchmark::FetchUpdate => {
            for counter in 0..args.txn_counters {
                fill_key(&mut key, counter);
                db.put(&key, 0u64.to_le_bytes())?;
            }
        }
        _ => {}
    }
    Ok(())
}

/// One thread's `num` operations of `bench`, a transaction workload.
#[allow(clippy::too_many_arguments)]
pub(super) fn run_thread(
    db: &StorageEngine,
    targets: &Targets,
    args: &BenchArgs,
    bench: Benchmark,
    num: u64,
    rng: &mut Rng,
    values: &mut ValueSource,
    meter: &mut Meter<'_>,
) -> Result<()> {
    let entry_bytes = args.key_size + args.value_size;
    let mut key = vec![0u8; args.key_size];
    let mut other = vec![0u8; args.key_size];
    for _ in 0..num {
        let outcome = match bench {
            Benchmark::TxnTransfer => {
                let accounts = args.txn_accounts;
                let from = rng.below(accounts);
                // Another account: one of the other accounts - 1, shifted
                // past `from`.
                let to = rng.below(accounts - 1);
                let to = if to >= from { to + 1 } else { to };
                let amount = 1 + rng.below(MAX_AMOUNT);
                fill_key(&mut key, from);
                fill_key(&mut other, to);
                let outcome = db.run_transaction(|tx| {
                    meter.attempts += 1;
                    let a = number(targets.tx_get(tx, from, &key)?.as_deref(), "an account");
                    let b = number(targets.tx_get(tx, to, &other)?.as_deref(), "an account");
                    let moved = amount.min(a);
                    targets.tx_put(tx, from, &key, &(a - moved).to_le_bytes())?;
                    targets.tx_put(tx, to, &other, &(b + moved).to_le_bytes())
                });
                meter.done(0);
                outcome
            }
            Benchmark::FetchUpdate => {
                fill_key(&mut key, rng.below(args.txn_counters));
                let outcome = db.fetch_update(&key, |old| {
                    meter.attempts += 1;
                    Some((number(old, "a counter") + 1).to_le_bytes())
                });
                meter.done(0);
                outcome.map(drop)
            }
            Benchmark::TxnPut => {
                let index = rng.below(num);
                fill_key(&mut key, index);
                let mut tx = db.transaction()?;
                targets.tx_put(&mut tx, index, &key, values.next_value())?;
                tx.commit()?;
                meter.attempts += 1;
                meter.done(entry_bytes);
                Ok(())
            }
            Benchmark::TxnReadPut => {
                let index = rng.below(num);
                fill_key(&mut key, index);
                let found = db.run_transaction(|tx| {
                    meter.attempts += 1;
                    let found = targets.tx_get(tx, index, &key)?.is_some();
                    targets.tx_put(tx, index, &key, values.next_value())?;
                    Ok(found)
                });
                meter.found += u64::from(found.as_ref().is_ok_and(|&f| f));
                meter.done(entry_bytes);
                found.map(drop)
            }
            _ => Ok(()),
        };
        match outcome {
            Err(error) if error.is_conflict() => meter.gave_up += 1,
            outcome => outcome?,
        }
    }
    Ok(())
}

/// The note of `bench`'s result line, after checking what it must leave:
/// the accounts' total unchanged, the counters at threads x num.
///
/// # Panics
///
/// If the accounts or counters do not add up: the engine lost or doubled
/// an update.
pub(super) fn check(
    db: &StorageEngine,
    targets: &Targets,
    args: &BenchArgs,
    bench: Benchmark,
    outcomes: &[Outcome],
) -> Result<String> {
    let sum = |f: fn(&Outcome) -> u64| outcomes.iter().map(f).sum::<u64>();
    let (ops, attempts, gave_up) = (sum(|o| o.ops), sum(|o| o.attempts), sum(|o| o.gave_up));
    let committed = ops - gave_up;
    let conflicts = attempts.saturating_sub(committed);
    let rate = 100.0 * conflicts as f64 / attempts.max(1) as f64;
    let conflicts = format!("{conflicts} conflicts in {attempts} attempts, {rate:.1}%");
    let gave_up = if gave_up > 0 {
        format!(
            "; {gave_up} gave up after {} attempts",
            ferrisdb_storage::TRANSACTION_ATTEMPTS
        )
    } else {
        String::new()
    };
    Ok(match bench {
        Benchmark::TxnTransfer => {
            let accounts = args.txn_accounts;
            let mut total: u64 = 0;
            for account in 0..accounts {
                let key = make_key(account, args.key_size);
                let value = targets.get(db, account, &key)?;
                total += number(value.as_deref(), "an account");
            }
            let expected = accounts * INITIAL_BALANCE;
            assert_eq!(
                total, expected,
                "txn_transfer: the {accounts} accounts hold {total} in all, not the {expected} \
                 they started with: a transfer was lost or applied twice"
            );
            format!("({conflicts}{gave_up}; {accounts} accounts, total {total} unchanged)")
        }
        Benchmark::FetchUpdate => {
            let counters = args.txn_counters;
            let mut total: u64 = 0;
            for counter in 0..counters {
                let value: Option<Slice> = db.get(make_key(counter, args.key_size))?;
                total += number(value.as_deref(), "a counter");
            }
            assert_eq!(
                total, committed,
                "fetch_update: the {counters} counters add up to {total}, not the {committed} \
                 increments made: an increment was lost or applied twice"
            );
            let per_op = attempts as f64 / ops.max(1) as f64;
            let s = if counters == 1 { "" } else { "s" };
            let made = if committed == ops {
                format!("{} threads x {}", outcomes.len(), args.num)
            } else {
                "the increments committed".to_string()
            };
            format!(
                "({per_op:.2} attempts per op, {conflicts}{gave_up}; {counters} counter{s} \
                 adding up to {total} = {made})"
            )
        }
        Benchmark::TxnReadPut => {
            let found = sum(|o| o.found);
            format!("({found} of {ops} found; {conflicts}{gave_up})")
        }
        _ => String::new(),
    })
}

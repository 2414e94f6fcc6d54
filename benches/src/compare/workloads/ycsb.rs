//! YCSB's key choosers and its six core workloads, A to F.
//!
//! Keys are chosen as YCSB's `ScrambledZipfianGenerator` does: a Zipfian
//! rank with constant 0.99 (a few keys take most requests), hashed with
//! FNV-1a so the hot keys are spread over the key space instead of
//! clustered at its start. Workload D reads the latest inserts
//! (`SkewedLatestGenerator`).

use std::sync::atomic::{AtomicU64, Ordering};

use ferrisdb_tools::bench::data::{fill_key, Rng};

use super::cell::{space_amp, Context, Writes};
use super::measure::{measure, Outcome};
use super::values::Values;
use crate::compare::engine::{Opener, PeerResult};
use crate::compare::record::Record;

/// YCSB's Zipfian constant.
pub const ZIPFIAN_CONSTANT: f64 = 0.99;

/// Zipfian ranks in `0..items`, by the method of Gray et al., "Quickly
/// Generating Billion-Record Synthetic Databases" (the one YCSB uses).
#[derive(Debug, Clone)]
pub struct Zipfian {
    items: u64,
    theta: f64,
    alpha: f64,
    zeta_n: f64,
    eta: f64,
}

impl Zipfian {
    /// Ranks over `items` (at least 1) items.
    pub fn new(items: u64) -> Self {
        let items = items.max(1);
        let theta = ZIPFIAN_CONSTANT;
        let zeta_n = zeta(items, theta);
        let zeta_2 = zeta(2.min(items), theta);
        let alpha = 1.0 / (1.0 - theta);
        let eta = (1.0 - (2.0 / items as f64).powf(1.0 - theta)) / (1.0 - zeta_2 / zeta_n);
        Zipfian {
            items,
            theta,
            alpha,
            zeta_n,
            eta,
        }
    }

    /// The next rank: 0 is the most popular.
    pub fn next(&self, rng: &mut Rng) -> u64 {
        let u = (rng.next_u64() >> 11) as f64 / (1u64 << 53) as f64;
        let uz = u * self.zeta_n;
        if uz < 1.0 {
            return 0;
        }
        if uz < 1.0 + 0.5f64.powf(self.theta) {
            return 1.min(self.items - 1);
        }
        let rank = (self.items as f64 * (self.eta * u - self.eta + 1.0).powf(self.alpha)) as u64;
        rank.min(self.items - 1)
    }

    /// A scrambled Zipfian key index in `0..items`: the rank hashed, so the
    /// popular keys are scattered.
    pub fn next_scrambled(&self, rng: &mut Rng) -> u64 {
        fnv1a(self.next(rng)) % self.items
    }
}

/// Sum of `1 / i^theta` for `i` in `1..=n`.
fn zeta(n: u64, theta: f64) -> f64 {
    (1..=n).map(|i| 1.0 / (i as f64).powf(theta)).sum()
}

/// FNV-1a over the eight bytes of `value`, as YCSB's `Utils.fnvhash64`.
pub fn fnv1a(value: u64) -> u64 {
    let mut hash: u64 = 0xCBF2_9CE4_8422_2325;
    for byte in value.to_le_bytes() {
        hash ^= u64::from(byte);
        hash = hash.wrapping_mul(0x0000_0100_0000_01B3);
    }
    hash
}

/// One of YCSB's core workloads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ycsb {
    /// 50% reads, 50% updates.
    A,
    /// 95% reads, 5% updates.
    B,
    /// 100% reads.
    C,
    /// 95% reads of the latest keys, 5% inserts.
    D,
    /// 95% short scans (1 to 100 entries), 5% inserts.
    E,
    /// 50% reads, 50% read-modify-writes.
    F,
}

/// What one YCSB operation does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// Read the key.
    Read,
    /// Overwrite the key.
    Update,
    /// Write a new key.
    Insert,
    /// Read this many entries from the key.
    Scan(usize),
    /// Read the key, then write it.
    ReadModifyWrite,
}

impl Ycsb {
    /// The workloads in YCSB's recommended order (D and E insert, so they
    /// come last).
    pub const ORDER: [Ycsb; 6] = [Ycsb::A, Ycsb::B, Ycsb::C, Ycsb::F, Ycsb::D, Ycsb::E];

    /// The workload's name in the results.
    pub fn name(self) -> &'static str {
        match self {
            Ycsb::A => "ycsb-a",
            Ycsb::B => "ycsb-b",
            Ycsb::C => "ycsb-c",
            Ycsb::D => "ycsb-d",
            Ycsb::E => "ycsb-e",
            Ycsb::F => "ycsb-f",
        }
    }

    /// The next operation's action.
    pub fn action(self, rng: &mut Rng) -> Action {
        let roll = rng.below(100);
        match self {
            Ycsb::A if roll < 50 => Action::Read,
            Ycsb::A => Action::Update,
            Ycsb::B if roll < 95 => Action::Read,
            Ycsb::B => Action::Update,
            Ycsb::C => Action::Read,
            Ycsb::D if roll < 95 => Action::Read,
            Ycsb::D => Action::Insert,
            Ycsb::E if roll < 95 => Action::Scan(1 + rng.below(100) as usize),
            Ycsb::E => Action::Insert,
            Ycsb::F if roll < 50 => Action::Read,
            Ycsb::F => Action::ReadModifyWrite,
        }
    }
}

/// A step coprime with `num`, so `i * step % num` visits every index once.
fn coprime_step(num: u64) -> u64 {
    [1_000_003u64, 998_244_353, 2_147_483_647]
        .into_iter()
        .find(|p| !num.is_multiple_of(*p))
        .unwrap_or(1)
}

/// YCSB's load of every key in a scattered order, then A, B, C, F, D and E
/// on the loaded database.
///
/// # Errors
/// The first error of the engine or of the file system.
pub fn run(engine: &dyn Opener, ctx: &Context, emit: &mut dyn FnMut(Record)) -> PeerResult<()> {
    let s = &ctx.scale;
    let dir = ctx.dirs.root.join("db");
    let handle = ctx.open(engine, &dir, false, false)?;
    let db = &*handle;
    let values = Values::new(s.value_size, 1.0, ctx.seed_of("values"));
    let step = coprime_step(s.num);
    let load_seed = ctx.seed_of("ycsb-load");
    let writes = Writes {
        user_bytes: s.num * s.entry_bytes(),
        settle: true,
    };
    let mut r = ctx.cell(engine, db, "ycsb-load", 1, s.num, writes, |t, i| {
        let mut key = [0u8; 64];
        let key = &mut key[..s.key_size];
        fill_key(
            key,
            (u128::from(i) * u128::from(step) % u128::from(s.num)) as u64,
        );
        db.put(key, values.pick(&mut Context::rng(load_seed, t, i)))?;
        Ok(Outcome::Written)
    })?;
    r.space_amp = space_amp(&dir, s.num * s.entry_bytes())?;
    emit(r);
    let zipf = Zipfian::new(s.num);
    // Keys inserted by D and E follow the loaded ones.
    let inserted = AtomicU64::new(0);
    for workload in Ycsb::ORDER {
        let seed = ctx.seed_of(workload.name());
        let puts = AtomicU64::new(0);
        let start = ctx.begin();
        let measured = measure(1, s.ycsb_ops, |t, i| {
            let mut rng = Context::rng(seed, t, i);
            let action = workload.action(&mut rng);
            let mut key = [0u8; 64];
            let key = &mut key[..s.key_size];
            // Relaxed: one client thread; the count only names new keys.
            let latest = s.num + inserted.load(Ordering::Relaxed);
            let index = match (workload, action) {
                (_, Action::Insert) => s.num + inserted.fetch_add(1, Ordering::Relaxed),
                (Ycsb::D, _) => latest - 1 - zipf.next(&mut rng).min(latest - 1),
                _ => zipf.next_scrambled(&mut rng),
            };
            fill_key(key, index);
            Ok(match action {
                Action::Read => match db.get(key)? {
                    Some(_) => Outcome::Found,
                    None => Outcome::Missing,
                },
                Action::Update | Action::Insert => {
                    db.put(key, values.pick(&mut rng))?;
                    puts.fetch_add(1, Ordering::Relaxed);
                    Outcome::Written
                }
                Action::Scan(entries) => {
                    db.seek(key, entries)?;
                    Outcome::Found
                }
                Action::ReadModifyWrite => {
                    db.get(key)?;
                    db.put(key, values.pick(&mut rng))?;
                    puts.fetch_add(1, Ordering::Relaxed);
                    Outcome::Written
                }
            })
        })?;
        // Relaxed: read after the client thread joined.
        let writes = Writes {
            user_bytes: puts.load(Ordering::Relaxed) * s.entry_bytes(),
            settle: true,
        };
        let mut r = ctx.finish(engine, db, workload.name(), 1, measured, writes, start)?;
        r.note = String::new();
        emit(r);
    }
    handle.close()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zipfian_ranks_are_skewed_and_in_range() {
        let zipf = Zipfian::new(1000);
        let mut rng = Rng::new(7);
        let mut counts = vec![0u32; 1000];
        for _ in 0..100_000 {
            counts[zipf.next(&mut rng) as usize] += 1;
        }
        // Rank 0 takes about 1 / zeta(1000) = 13% of the draws; the top ten
        // take far more than the 1% a uniform choice would give them.
        assert!((10_000..17_000).contains(&counts[0]), "{}", counts[0]);
        let top: u32 = counts[..10].iter().sum();
        assert!(top > 30_000, "{top}");
        assert!(counts[0] > counts[1] && counts[1] > counts[10]);
        let scrambled: Vec<u64> = (0..1000).map(|_| zipf.next_scrambled(&mut rng)).collect();
        assert!(scrambled.iter().all(|&k| k < 1000));
        assert!(Zipfian::new(1).next(&mut rng) == 0);
    }

    #[test]
    fn mixes_have_their_proportions() {
        let mut rng = Rng::new(3);
        let reads = (0..10_000)
            .filter(|_| Ycsb::B.action(&mut rng) == Action::Read)
            .count();
        assert!((9_300..9_700).contains(&reads), "{reads}");
        assert!((0..1000).all(|_| Ycsb::C.action(&mut rng) == Action::Read));
        let scans = (0..10_000)
            .filter(|_| matches!(Ycsb::E.action(&mut rng), Action::Scan(1..=100)))
            .count();
        assert!((9_300..9_700).contains(&scans), "{scans}");
    }
}

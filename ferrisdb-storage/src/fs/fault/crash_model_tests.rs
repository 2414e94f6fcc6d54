//! Tests of [`FaultFileSystem::crash_with`]: every kind of crash state
//! happens, synced data and synced names are never touched, and a seed
//! replays its state.

use std::collections::BTreeSet;

use super::*;
use crate::fs::FileSystem;

const SEEDS: u64 = 300;

fn dir() -> PathBuf {
    PathBuf::from("/db")
}

fn path(name: &str) -> PathBuf {
    dir().join(name)
}

/// Recognisable bytes: byte `i` of a file is a function of `i` and a salt,
/// never zero.
fn pattern(salt: u8, range: std::ops::Range<usize>) -> Vec<u8> {
    range.map(|i| (i % 251) as u8 ^ salt | 1).collect()
}

/// The durable size of `prealloc`, zeros past [`PREALLOC_SYNCED`].
const PREALLOC_LEN: usize = 5 * PAGE_SIZE + 300;
/// The bytes of `prealloc` written and synced.
const PREALLOC_SYNCED: usize = 5000;
/// The end of the bytes written over `prealloc`'s zeros since.
const PREALLOC_WRITTEN: usize = 3 * PAGE_SIZE + 50;

/// A file system with a bit of everything: a log with 3 synced pages and 5
/// unsynced ones (its name synced), a log preallocated with zeros whose
/// unsynced writes overwrite them, a file cut short since its last sync, a
/// synced file renamed without a directory sync, a new file never synced, a
/// removed file, and a new directory holding a synced file.
fn scene() -> FaultFileSystem {
    let fs = FaultFileSystem::new();
    fs.create_dir_all(&dir()).unwrap();
    fs.enable_strict_directories();
    let mut log = fs.create(&path("log")).unwrap();
    log.append(&pattern(1, 0..3 * PAGE_SIZE + 100)).unwrap();
    log.sync().unwrap();
    let mut prealloc = fs.create(&path("prealloc")).unwrap();
    prealloc.append(&pattern(4, 0..PREALLOC_SYNCED)).unwrap();
    prealloc.set_len(PREALLOC_LEN as u64).unwrap();
    prealloc.sync().unwrap();
    prealloc
        .append(&pattern(4, PREALLOC_SYNCED..PREALLOC_WRITTEN))
        .unwrap();
    let mut cut = fs.create(&path("cut")).unwrap();
    cut.append(&pattern(5, 0..2 * PAGE_SIZE)).unwrap();
    cut.set_len(4 * PAGE_SIZE as u64).unwrap();
    cut.sync().unwrap();
    cut.set_len(2 * PAGE_SIZE as u64).unwrap();
    let mut tmp = fs.create(&path("table.tmp")).unwrap();
    tmp.append(&pattern(2, 0..5000)).unwrap();
    tmp.sync().unwrap();
    let mut doomed = fs.create(&path("doomed")).unwrap();
    doomed.append(b"to be removed").unwrap();
    doomed.sync().unwrap();
    fs.sync_dir(&dir()).unwrap();

    log.append(&pattern(1, 3 * PAGE_SIZE + 100..8 * PAGE_SIZE + 7))
        .unwrap();
    fs.rename(&path("table.tmp"), &path("table")).unwrap();
    fs.remove(&path("doomed")).unwrap();
    let mut new = fs.create(&path("new")).unwrap();
    new.append(&pattern(3, 0..2 * PAGE_SIZE)).unwrap();
    let sub = dir().join("sub");
    fs.create_dir_all(&sub).unwrap();
    let mut inner = fs.create(&sub.join("f")).unwrap();
    inner.append(b"synced in a new directory").unwrap();
    inner.sync().unwrap();
    fs.sync_dir(&sub).unwrap();
    fs
}

/// Every file of `fs` with its contents.
fn contents(fs: &FaultFileSystem) -> Vec<(PathBuf, Vec<u8>)> {
    fs.files()
        .into_iter()
        .map(|p| {
            let data = fs.read_all(&p).unwrap();
            (p, data)
        })
        .collect()
}

#[test]
fn the_same_seed_gives_the_same_state_and_others_differ() {
    let fs = scene();
    let copy = fs.fork();
    let mut states = BTreeSet::new();
    for seed in 0..20 {
        let (a, report) = fs.crash_with(CrashModel::new(seed));
        let (b, _) = copy.crash_with(CrashModel::new(seed));
        assert_eq!(contents(&a), contents(&b), "seed {seed}:\n{report}");
        states.insert(contents(&a));
    }
    assert!(states.len() > 15, "only {} states", states.len());
}

#[test]
fn synced_data_and_synced_names_are_never_touched() {
    for seed in 0..SEEDS {
        let (fs, report) = scene().crash_with(CrashModel::new(seed));
        let log = fs.read_all(&path("log")).unwrap();
        assert_eq!(
            log[..3 * PAGE_SIZE + 100],
            pattern(1, 0..3 * PAGE_SIZE + 100),
            "seed {seed}:\n{report}"
        );
        // The synced file is under one of its names, whole.
        let table: Vec<_> = ["table.tmp", "table"]
            .iter()
            .filter_map(|name| fs.read_all(&path(name)).ok())
            .collect();
        assert_eq!(table, [pattern(2, 0..5000)], "seed {seed}:\n{report}");
        if fs.exists(&dir().join("sub")).unwrap() {
            assert_eq!(
                fs.read_all(&dir().join("sub/f")).unwrap(),
                b"synced in a new directory"
            );
        }
        // Bytes written over synced zeros are new, zeros or garbage; the
        // synced bytes around them, and the synced size, stay.
        let prealloc = fs.read_all(&path("prealloc")).unwrap();
        assert!(prealloc.len() >= PREALLOC_LEN, "seed {seed}:\n{report}");
        assert_eq!(
            prealloc[..PREALLOC_SYNCED],
            pattern(4, 0..PREALLOC_SYNCED),
            "seed {seed}:\n{report}"
        );
        assert!(prealloc[PREALLOC_WRITTEN..PREALLOC_LEN]
            .iter()
            .all(|&b| b == 0));
        // The unsynced cut survives, or the synced size and bytes do.
        let cut = fs.read_all(&path("cut")).unwrap();
        let mut synced = pattern(5, 0..2 * PAGE_SIZE);
        assert_eq!(cut[..2 * PAGE_SIZE], synced, "seed {seed}:\n{report}");
        synced.resize(4 * PAGE_SIZE, 0);
        assert!(cut.len() == 2 * PAGE_SIZE || cut[..4 * PAGE_SIZE] == synced);
    }
}

#[test]
fn an_unsynced_cut_survives_or_not_and_overwritten_pages_each_go_their_way() {
    let (mut cuts, mut fates) = (BTreeSet::new(), BTreeSet::new());
    for seed in 0..SEEDS {
        let (fs, report) = scene().crash_with(CrashModel::new(seed));
        cuts.insert(fs.read_all(&path("cut")).unwrap().len() == 2 * PAGE_SIZE);
        let file = report.files.iter().find(|f| f.path == path("prealloc"));
        for (_, fate) in &file.unwrap().overwritten {
            fates.insert(format!("{fate:?}").chars().take(4).collect::<String>());
        }
    }
    assert_eq!(cuts.len(), 2);
    assert_eq!(fates, ["Kept", "Old", "Torn"].map(String::from).into());
}

#[test]
fn every_kind_of_crash_state_happens() {
    let mut seen = BTreeSet::new();
    for seed in 0..SEEDS {
        let (_, report) = scene().crash_with(CrashModel::new(seed));
        seen.extend(report.kinds().iter().copied());
    }
    let all = [
        CrashKind::CutShort,
        CrashKind::KeptAfterLost,
        CrashKind::ZeroedPage,
        CrashKind::TornPage,
        CrashKind::Garbage,
        CrashKind::OverwriteLost,
        CrashKind::Extended,
        CrashKind::UnsyncedNameKept,
        CrashKind::UnsyncedNameLost,
        CrashKind::UnsyncedNameWithoutData,
        CrashKind::UnsyncedDirKept,
        CrashKind::UnsyncedDirLost,
    ];
    assert_eq!(seen, all.into_iter().collect());
}

#[test]
fn each_unsynced_page_is_what_its_report_says() {
    let written = pattern(1, 0..8 * PAGE_SIZE + 7);
    let synced = 3 * PAGE_SIZE + 100;
    let mut later_kept_after_a_loss = 0;
    for seed in 0..SEEDS {
        let (fs, report) = scene().crash_with(CrashModel::new(seed));
        let log = fs.read_all(&path("log")).unwrap();
        let file = report.files.iter().find(|f| f.path == path("log")).unwrap();
        assert_eq!(file.len, log.len());
        let mut at = synced;
        for (range, fate) in &file.pieces {
            assert_eq!(range.start, at, "pieces are contiguous");
            assert!(
                range.start / PAGE_SIZE == (range.end - 1) / PAGE_SIZE,
                "one page"
            );
            let got = &log[range.clone()];
            let want = &written[range.clone()];
            match fate {
                PageFate::Kept => assert_eq!(got, want),
                PageFate::Zeroed => assert!(got.iter().all(|&b| b == 0)),
                PageFate::Torn(n) => {
                    assert_eq!((range.start + n) % SECTOR_SIZE, 0);
                    assert_eq!(got[..*n], want[..*n]);
                    assert!(got[*n..].iter().all(|&b| b == 0));
                }
                PageFate::Garbage => assert_ne!(got, want),
                PageFate::Old => panic!("nothing was written in place"),
            }
            at = range.end;
        }
        match &file.tail {
            Some(tail) => {
                assert_eq!(tail.range.start, at);
                assert_eq!(tail.range.end % PAGE_SIZE, 0);
                assert_eq!(tail.range.end, log.len());
                let zeros = log[tail.range.clone()].iter().all(|&b| b == 0);
                assert_eq!(zeros, !tail.garbage, "seed {seed}");
            }
            None => assert_eq!(at, log.len()),
        }
        if file.kept_after_lost() {
            later_kept_after_a_loss += 1;
        }

        // Pages overwritten in place, whose durable bytes past
        // `PREALLOC_SYNCED` are zeros.
        let prealloc = fs.read_all(&path("prealloc")).unwrap();
        let mut live = pattern(4, 0..PREALLOC_WRITTEN);
        live.resize(PREALLOC_LEN, 0);
        let mut durable = pattern(4, 0..PREALLOC_SYNCED);
        durable.resize(PREALLOC_LEN, 0);
        let file = report.files.iter().find(|f| f.path == path("prealloc"));
        let mut at = PREALLOC_SYNCED / PAGE_SIZE * PAGE_SIZE;
        for (range, fate) in &file.unwrap().overwritten {
            assert_eq!(range.start, at, "pieces are contiguous");
            let (got, new, old) = (
                &prealloc[range.clone()],
                &live[range.clone()],
                &durable[range.clone()],
            );
            match fate {
                PageFate::Kept => assert_eq!(got, new),
                PageFate::Old => assert_eq!(got, old),
                PageFate::Torn(n) => {
                    assert_eq!((range.start + n) % SECTOR_SIZE, 0);
                    assert_eq!(got[..*n], new[..*n]);
                    assert_eq!(got[*n..], old[*n..]);
                }
                PageFate::Garbage | PageFate::Zeroed => {
                    panic!("a page overwritten in place is never garbage or a hole")
                }
            }
            at = range.end;
        }
        assert_eq!(at, PREALLOC_WRITTEN.div_ceil(PAGE_SIZE) * PAGE_SIZE);
    }
    assert!(later_kept_after_a_loss > SEEDS / 10);
}

#[test]
fn an_unsynced_rename_moves_the_file_whole_or_not_at_all() {
    let mut outcomes = BTreeSet::new();
    for seed in 0..SEEDS {
        let (fs, _) = scene().crash_with(CrashModel::new(seed));
        let old = fs.exists(&path("table.tmp")).unwrap();
        let new = fs.exists(&path("table")).unwrap();
        assert!(old != new, "seed {seed}: old name {old}, new name {new}");
        outcomes.insert(new);
        outcomes.insert(fs.exists(&path("doomed")).unwrap());
    }
    assert_eq!(outcomes.len(), 2);
}

#[test]
fn a_new_name_can_survive_without_its_data() {
    let mut shapes = BTreeSet::new();
    for seed in 0..SEEDS {
        let (fs, _) = scene().crash_with(CrashModel::new(seed));
        if let Ok(data) = fs.read_all(&path("new")) {
            let intact = data == pattern(3, 0..2 * PAGE_SIZE);
            shapes.insert((data.is_empty(), intact));
        } else {
            shapes.insert((true, false));
        }
    }
    // Gone or empty, some but not all, and all of it.
    assert!(shapes.contains(&(true, false)));
    assert!(shapes.contains(&(false, false)));
    assert!(shapes.contains(&(false, true)));
}

#[test]
fn a_directory_sync_makes_names_durable_in_every_state() {
    let fs = scene();
    fs.sync_dir(&dir()).unwrap();
    for seed in 0..50 {
        let (crashed, report) = fs.crash_with(CrashModel::new(seed));
        assert_eq!(
            crashed.list(&dir()).unwrap(),
            ["cut", "log", "new", "prealloc", "table"].map(String::from),
            "seed {seed}:\n{report}"
        );
    }
}

#[test]
fn the_model_can_be_narrowed() {
    let written = pattern(1, 0..8 * PAGE_SIZE + 7);
    for seed in 0..SEEDS {
        let model = CrashModel {
            seed,
            reorder_pages: false,
            garbage: false,
            reorder_names: false,
        };
        let (fs, report) = scene().crash_with(model);
        assert!(!fs.exists(&path("table")).unwrap(), "no unsynced name");
        assert!(!fs.exists(&path("new")).unwrap(), "no unsynced name");
        assert!(!fs.exists(&dir().join("sub")).unwrap());
        assert!(fs.exists(&path("doomed")).unwrap());
        // A prefix of what was written, then perhaps zeros to a page
        // boundary.
        let log = fs.read_all(&path("log")).unwrap();
        let kept = log.iter().zip(&written).take_while(|(a, b)| a == b).count();
        assert!(
            log[kept..].iter().all(|&b| b == 0),
            "seed {seed}:\n{report}"
        );
        assert!(!report.kinds().contains(&CrashKind::Garbage));
        assert!(!report.kinds().contains(&CrashKind::KeptAfterLost));
        // So too over preallocated zeros: a prefix, then zeros.
        let prealloc = fs.read_all(&path("prealloc")).unwrap();
        let written = pattern(4, 0..PREALLOC_WRITTEN);
        let kept = prealloc
            .iter()
            .zip(&written)
            .take_while(|(a, b)| a == b)
            .count();
        assert!(kept >= PREALLOC_SYNCED);
        assert!(prealloc[kept..].iter().all(|&b| b == 0), "seed {seed}");
    }
}

#[test]
fn the_report_names_the_seed_and_what_happened() {
    let (_, report) = scene().crash_with(CrashModel::new(42));
    let text = report.to_string();
    assert!(text.contains("crash seed 42"), "{text}");
    assert!(
        text.contains("/db/log: synced 12388 of 32775 bytes"),
        "{text}"
    );
    assert!(text.contains("rename /db/table.tmp -> /db/table"), "{text}");
    assert!(
        text.contains("/db/prealloc: synced 20780 of 20780 bytes written"),
        "{text}"
    );
    assert!(text.contains("overwritten in place: 4096.."), "{text}");
    assert!(text.contains("unsynced directory"), "{text}");
}

#[test]
fn a_crashed_file_system_can_be_crashed_again_and_keeps_working() {
    let fs = scene();
    let (first, _) = fs.crash_with(CrashModel::new(1));
    assert!(fs.is_dead());
    // The rebooted file system works and its own unsynced data is subject to
    // the next crash.
    let mut f = first.create(&path("after")).unwrap();
    f.append(b"unsynced").unwrap();
    first.sync_dir(&dir()).unwrap();
    let (second, _) = first.crash_with(CrashModel {
        reorder_pages: false,
        garbage: false,
        ..CrashModel::new(2)
    });
    let after = second.read_all(&path("after")).unwrap();
    let kept = after.iter().take_while(|&&b| b != 0).count();
    assert!(b"unsynced".starts_with(&after[..kept]));
    assert!(after[kept..].iter().all(|&b| b == 0));
}

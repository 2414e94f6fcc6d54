//! The operations of the keyspace model test, each done on the database and
//! on the model, then checked.

use std::collections::BTreeMap;

use ferrisdb_storage::{Error, StorageEngine, WriteBatch};
use rand::seq::{IndexedRandom, IteratorRandom};
use rand::Rng;

use super::{
    assert_dropped, assert_files_match_manifest, assert_pairs, config, consume, filtered,
    other_options, owned, show, Ks, Map, Read, Run, Taken, NAMES,
};

/// Applies a put (`Some` value) or a delete (`None`) to `map`.
fn apply(map: &mut Map, key: Vec<u8>, value: Option<Vec<u8>>) {
    match value {
        Some(value) => map.insert(key, value),
        None => map.remove(&key),
    };
}

fn describe(value: &Option<Vec<u8>>) -> String {
    match value {
        Some(v) => format!("put={}", show(v)),
        None => "delete".into(),
    }
}

impl Read {
    fn describe(&self) -> String {
        match self {
            Read::All => "all".into(),
            Read::Range((start, end)) => format!(
                "{:?}..{:?}",
                start.as_ref().map(|k| show(k)),
                end.as_ref().map(|k| show(k))
            ),
            Read::Prefix(p) => format!("prefix {:?}", show(p)),
        }
    }
}

impl Run {
    /// A put or a delete in one keyspace, through its handle or, for
    /// `default`, through the engine's own methods too.
    pub(super) fn put_or_delete(&mut self) {
        let ks = self.pick_live();
        let key = self.key();
        let value = if self.rng.random_bool(0.25) {
            None
        } else {
            Some(self.value())
        };
        let via_engine = ks.name == "default" && self.rng.random_bool(0.5);
        let via = if via_engine { "db" } else { "handle" };
        let op = format!("{via} {} {} {}", ks.name, show(&key), describe(&value));
        self.log("write", op);
        let result = match (&value, via_engine) {
            (Some(v), true) => self.db.put(&key, v),
            (Some(v), false) => ks.handle.put(&key, v),
            (None, true) => self.db.delete(&key),
            (None, false) => ks.handle.delete(&key),
        };
        result.unwrap_or_else(|e| panic!("{}: {e}", self.context()));
        apply(self.contents.get_mut(&ks.name).unwrap(), key, value);
    }

    /// A batch across one to three keyspaces; now and then with an entry for
    /// a dropped keyspace, when the whole batch is refused.
    pub(super) fn batch(&mut self) {
        let count = self.rng.random_range(1..=3).min(self.live.len());
        let targets: Vec<Ks> = self
            .live
            .values()
            .cloned()
            .choose_multiple(&mut self.rng, count);
        let mut batch = WriteBatch::new();
        let poisoned = !self.stale.is_empty() && self.rng.random_bool(0.1);
        let mut entries = Vec::new();
        let mut op = String::from("batch");
        for i in 0..self.rng.random_range(1..=8) {
            if poisoned && i == 0 {
                let stale = self.stale.choose(&mut self.rng).unwrap().clone();
                let key = self.key();
                batch.put_in(&stale.handle, &key, "stale");
                op += &format!(
                    " [dropped {}#{} {}]",
                    stale.name,
                    stale.generation,
                    show(&key)
                );
            }
            let ks = targets.choose(&mut self.rng).unwrap().clone();
            let key = self.key();
            let value = if self.rng.random_bool(0.3) {
                None
            } else {
                Some(self.value())
            };
            let plain = ks.name == "default" && self.rng.random_bool(0.5);
            match (&value, plain) {
                (Some(v), true) => batch.put(&key, v),
                (Some(v), false) => batch.put_in(&ks.handle, &key, v),
                (None, true) => batch.delete(&key),
                (None, false) => batch.delete_in(&ks.handle, &key),
            };
            op += &format!(" [{} {} {}]", ks.name, show(&key), describe(&value));
            entries.push((ks.name, key, value));
        }
        self.log("batch", op);
        let result = self.db.write(&batch);
        if poisoned {
            return assert_dropped(result, &self.context());
        }
        result.unwrap_or_else(|e| panic!("{}: {e}", self.context()));
        for (name, key, value) in entries {
            apply(self.contents.get_mut(&name).unwrap(), key, value);
        }
    }

    pub(super) fn get(&mut self) {
        let ks = self.pick_live();
        let key = self.key();
        let via_engine = ks.name == "default" && self.rng.random_bool(0.5);
        self.log("get", format!("get {} {}", ks.name, show(&key)));
        let got = if via_engine {
            self.db.get(&key)
        } else {
            ks.handle.get(&key)
        };
        assert_eq!(
            got.unwrap().as_deref(),
            self.contents[&ks.name].get(&key).map(Vec::as_slice),
            "{}: get",
            self.context()
        );
    }

    pub(super) fn scan(&mut self) {
        let ks = self.pick_live();
        let read = self.read();
        let via_engine = ks.name == "default" && self.rng.random_bool(0.5);
        self.log("scan", format!("scan {} {}", ks.name, read.describe()));
        let scan = match (&read, via_engine) {
            (Read::All, true) => self.db.iter(),
            (Read::All, false) => ks.handle.iter(),
            (Read::Range(range), true) => self.db.scan(range.clone()),
            (Read::Range(range), false) => ks.handle.scan(range.clone()),
            (Read::Prefix(p), true) => self.db.scan_prefix(p),
            (Read::Prefix(p), false) => ks.handle.scan_prefix(p),
        };
        let got = consume(scan.unwrap(), &mut self.rng);
        let want = read.expected(&self.contents[&ks.name]);
        assert_pairs(&got, &want, &self.context());
    }

    /// Takes a snapshot, or reads one and maybe lets it go.
    pub(super) fn snapshot(&mut self) {
        if self.snapshots.len() < 3 && (self.snapshots.is_empty() || self.rng.random_bool(0.5)) {
            self.log("snapshot", "snapshot".into());
            let snapshot = self.db.snapshot().unwrap();
            self.snapshots.push(Taken {
                snapshot,
                contents: self.contents.clone(),
                live: self.live.clone(),
            });
            return;
        }
        let i = self.rng.random_range(0..self.snapshots.len());
        let taken = self.snapshots.swap_remove(i);
        let op = format!("read snapshot at {}", taken.snapshot.timestamp());
        self.log("read snapshot", op);
        self.check_snapshot(&taken);
        if self.rng.random_bool(0.5) {
            self.snapshots.push(taken);
        }
    }

    /// Reads `taken` through every handle at hand: those of its instant,
    /// the live ones and those of dropped keyspaces.
    fn check_snapshot(&mut self, taken: &Taken) {
        let context = self.context();
        let generation = |live: &BTreeMap<String, Ks>, ks: &Ks| {
            live.get(&ks.name).map(|k| k.generation) == Some(ks.generation)
        };
        let empty = Map::new();
        let handles: Vec<Ks> = (taken.live.values())
            .chain(self.live.values())
            .chain(&self.stale)
            .cloned()
            .collect();
        for ks in handles {
            let expected = if generation(&taken.live, &ks) {
                Some(&taken.contents[&ks.name])
            } else if generation(&self.live, &ks) {
                Some(&empty)
            } else {
                None
            };
            let context = format!("{context}: snapshot read of {}#{}", ks.name, ks.generation);
            let key = self.key();
            let got = taken.snapshot.get_in(&ks.handle, &key);
            let Some(map) = expected else {
                assert_dropped(got, &context);
                assert_dropped(taken.snapshot.iter_in(&ks.handle), &context);
                continue;
            };
            let want = map.get(&key).map(Vec::as_slice);
            assert_eq!(got.unwrap().as_deref(), want, "{context}: get_in");
            let read = self.read();
            let scan = match &read {
                Read::All => taken.snapshot.iter_in(&ks.handle),
                Read::Range(range) => taken.snapshot.scan_in(&ks.handle, range.clone()),
                Read::Prefix(p) => taken.snapshot.scan_prefix_in(&ks.handle, p),
            };
            let got = consume(scan.unwrap(), &mut self.rng);
            let context = format!("{context} {}", read.describe());
            assert_pairs(&got, &read.expected(map), &context);
        }
        // `default` through the snapshot's own methods.
        let got: Vec<_> = taken.snapshot.iter().unwrap().map(owned).collect();
        let want = filtered(&taken.contents["default"], |_| true);
        assert_pairs(&got, &want, &format!("{context}: snapshot iter"));
    }

    /// Creates a keyspace under a free name, or opens an existing one by
    /// name (the same keyspace).
    pub(super) fn create(&mut self) {
        let free: Vec<&str> = (NAMES.iter().copied())
            .filter(|n| !self.live.contains_key(*n))
            .collect();
        if let (Some(name), false) = (free.choose(&mut self.rng), self.rng.random_bool(0.15)) {
            return self.create_named(name);
        }
        let ks = self.pick_live();
        self.log("open existing", format!("keyspace({}) existing", ks.name));
        let handle = self.db.keyspace(&ks.name).unwrap();
        self.live.insert(
            ks.name.clone(),
            Ks {
                handle,
                ..ks.clone()
            },
        );
        self.check_keyspace(&ks.name);
    }

    pub(super) fn create_named(&mut self, name: &str) {
        let how = self.rng.random_range(0..3);
        let op = ["keyspace", "keyspace_with tiered", "keyspace_with leveled"][how];
        self.log("create", format!("{op}({name})"));
        let handle = match how {
            0 => self.db.keyspace(name),
            _ => self
                .db
                .keyspace_with(name, other_options(&self.fs, how == 1)),
        }
        .unwrap_or_else(|e| panic!("{}: {e}", self.context()));
        let generation = self.next_generation;
        self.next_generation += 1;
        self.contents.insert(name.into(), Map::new());
        let name = name.to_string();
        let ks = Ks {
            name: name.clone(),
            generation,
            handle,
        };
        self.live.insert(name.clone(), ks);
        self.check_keyspace(&name);
        self.check_names();
    }

    /// Drops a keyspace, maybe with a batch built before and written after
    /// the drop, and maybe creates the name again at once; now and then,
    /// the drops that are refused.
    pub(super) fn drop_keyspace(&mut self) {
        let names = self.live.keys().filter(|n| *n != "default");
        let victim = names.choose(&mut self.rng).cloned();
        let Some(victim) = victim.filter(|_| self.rng.random_bool(0.9)) else {
            self.log(
                "refused drop",
                "drop_keyspace(default) and of a free name".into(),
            );
            let err = self.db.drop_keyspace("default").unwrap_err();
            assert!(matches!(err, Error::InvalidArgument(_)), "{err}");
            if let Some(free) = NAMES.iter().find(|n| !self.live.contains_key(**n)) {
                let err = self.db.drop_keyspace(free).unwrap_err();
                assert!(matches!(err, Error::KeyspaceNotFound { .. }), "{err}");
            }
            return;
        };
        let ks = self.live.remove(&victim).unwrap();
        let prepared = self.rng.random_bool(0.3).then(|| {
            let other = self.pick_live();
            let mut batch = WriteBatch::new();
            batch.put_in(&other.handle, "a:00", "prepared");
            batch.put_in(&ks.handle, "a:00", "prepared");
            batch
        });
        let with = if prepared.is_some() {
            " with a prepared batch"
        } else {
            ""
        };
        self.log(
            "drop",
            format!("drop_keyspace({victim}#{}){with}", ks.generation),
        );
        self.db.drop_keyspace(&victim).unwrap();
        self.contents.remove(&victim);
        let context = self.context();
        if let Some(batch) = prepared {
            assert_dropped(self.db.write(&batch), &format!("{context}: prepared batch"));
        }
        assert_dropped(ks.handle.get("a:00"), &context);
        self.check_names();
        if self.rng.random_bool(0.6) {
            self.stale.push(ks);
            if self.stale.len() > 3 {
                self.stale.remove(0);
            }
        }
        if self.rng.random_bool(0.3) {
            self.create_named(&victim);
        }
    }

    /// Gives an existing keyspace other options (`keyspace_with`); its data
    /// stays, and its older handle keeps working.
    pub(super) fn reconfigure(&mut self) {
        let ks = self.pick_live();
        let tiered = self.rng.random_bool(0.5);
        let style = if tiered { "tiered" } else { "leveled" };
        self.log(
            "reconfigure",
            format!("keyspace_with({}, {style})", ks.name),
        );
        let result = self
            .db
            .keyspace_with(&ks.name, other_options(&self.fs, tiered));
        if ks.name == "default" {
            let err = result.expect_err("keyspace_with(default) refused");
            assert!(matches!(err, Error::InvalidArgument(_)), "{err}");
            return;
        }
        let handle = result.unwrap_or_else(|e| panic!("{}: {e}", self.context()));
        let key = self.key();
        let want = self.contents[&ks.name].get(&key).map(Vec::as_slice);
        assert_eq!(ks.handle.get(&key).unwrap().as_deref(), want);
        self.live.insert(
            ks.name.clone(),
            Ks {
                handle,
                ..ks.clone()
            },
        );
        self.check_keyspace(&ks.name);
    }

    /// Uses a handle of a dropped keyspace: every method is refused.
    pub(super) fn use_stale(&mut self) {
        let Some(ks) = self.stale.choose(&mut self.rng).cloned() else {
            return self.get();
        };
        let what = self.rng.random_range(0..6);
        let op = ["put", "delete", "get", "iter", "scan", "scan_prefix"][what];
        self.log(
            "use dropped",
            format!("{op} on dropped {}#{}", ks.name, ks.generation),
        );
        let context = self.context();
        let h = &ks.handle;
        match what {
            0 => assert_dropped(h.put("a:00", "x"), &context),
            1 => assert_dropped(h.delete("a:00"), &context),
            2 => assert_dropped(h.get("a:00"), &context),
            3 => assert_dropped(h.iter(), &context),
            4 => assert_dropped(h.scan("a".."c"), &context),
            _ => assert_dropped(h.scan_prefix("b"), &context),
        }
        if self.rng.random_bool(0.3) {
            self.stale.retain(|s| s.generation != ks.generation);
        }
    }

    /// A flush, a compaction, or waiting for background work (then, with
    /// nothing holding an old table, no orphan file); then every keyspace
    /// is checked.
    pub(super) fn maintain(&mut self) {
        match self.rng.random_range(0..3) {
            0 => {
                self.log("flush", "flush".into());
                self.db.flush().unwrap();
            }
            1 => {
                self.log("compact", "compact".into());
                self.db.compact().unwrap();
            }
            _ => {
                let release = self.rng.random_bool(0.5);
                let what = if release {
                    " (snapshots and dropped handles let go)"
                } else {
                    ""
                };
                self.log("wait", format!("wait_for_compactions{what}"));
                if release {
                    self.snapshots.clear();
                    self.stale.clear();
                }
                self.db.wait_for_compactions().unwrap();
                if self.snapshots.is_empty() && self.stale.is_empty() {
                    assert_files_match_manifest(&self.fs, &self.context());
                }
            }
        }
        self.check_all();
    }

    /// Closes and reopens the database, or loses power and reopens it; then
    /// it must hold exactly the model.
    pub(super) fn reopen(&mut self, crash: bool) {
        let what = if crash { "power loss" } else { "reopen" };
        self.log(what, what.into());
        self.tally();
        self.snapshots.clear();
        self.stale.clear();
        let generations: Vec<(String, u64)> = (self.live.iter())
            .map(|(name, ks)| (name.clone(), ks.generation))
            .collect();
        if crash {
            if self.rng.random_bool(0.5) {
                self.fs.enable_torn_writes(self.rng.random());
            }
            self.fs = self.fs.crash();
            self.live.clear();
        } else {
            let some = self.live.values().next().unwrap().handle.clone();
            self.live.clear();
            self.db.clone().close().unwrap();
            assert!(matches!(some.get("a:00"), Err(Error::Closed)));
        }
        let context = self.context();
        self.db = StorageEngine::open(config(&self.fs))
            .unwrap_or_else(|e| panic!("{context}: reopen failed: {e}"));
        self.check_names();
        for (name, generation) in generations {
            let handle = self.db.keyspace(&name).unwrap();
            self.live.insert(
                name.clone(),
                Ks {
                    name,
                    generation,
                    handle,
                },
            );
        }
        self.check_all();
        self.db.wait_for_compactions().unwrap();
        assert_files_match_manifest(&self.fs, &self.context());
    }

    /// Logs a check of every keyspace.
    pub(super) fn check(&mut self) {
        self.log("check", "check all".into());
        self.check_all();
    }

    /// `keyspaces()` lists the model's names, and every keyspace holds what
    /// the model does (`default` read through the engine's methods too).
    pub(super) fn check_all(&mut self) {
        self.check_names();
        let names: Vec<String> = self.live.keys().cloned().collect();
        for name in names {
            self.check_keyspace(&name);
        }
        let got: Vec<_> = self.db.iter().unwrap().map(owned).collect();
        let want = filtered(&self.contents["default"], |_| true);
        assert_pairs(&got, &want, &format!("{}: db.iter", self.context()));
    }

    fn check_names(&self) {
        let want: Vec<&String> = self.contents.keys().collect();
        assert_eq!(
            self.db.keyspaces().iter().collect::<Vec<_>>(),
            want,
            "{}",
            self.context()
        );
    }

    /// Reads all of keyspace `name` through its handle, one way or another.
    fn check_keyspace(&mut self, name: &str) {
        let scan = self.live[name].handle.iter().unwrap();
        let got = consume(scan, &mut self.rng);
        let want = filtered(&self.contents[name], |_| true);
        assert_pairs(&got, &want, &format!("{}: all of {name}", self.context()));
    }
}

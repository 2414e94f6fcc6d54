//! The keyspaces' own rules: names, ids given out once, log numbers, and
//! the tables of every keyspace.

use std::path::PathBuf;

use ferrisdb_core::FeatureClass;

use super::format::{INCOMPAT_KEYSPACES, MAX_KEYSPACE_NAME_LEN};
use super::keyspaces_tests::{default_options, two_keyspaces};
use super::tests::worked_example;
use super::*;
use crate::Error;

fn path() -> PathBuf {
    PathBuf::from("/db/MANIFEST")
}

#[test]
fn the_record_stays_once_every_keyspace_is_dropped() {
    let mut state = worked_example(Features::default());
    state.next_file_number = 20;
    let users = state
        .keyspaces
        .create("users", default_options(), 4)
        .unwrap();
    let log = state.keyspaces.create("log", default_options(), 6).unwrap();
    assert_eq!((users, log), (1, 2));
    assert_eq!(
        state.feature_flags(FeatureClass::Incompatible),
        INCOMPAT_KEYSPACES
    );
    assert!(state.keyspaces.remove(users).is_some());
    assert!(state.keyspaces.remove(log).is_some());
    assert!(state.keyspaces.remove(log).is_none());
    let decoded = ManifestState::decode(&state.encode(), &path()).unwrap();
    assert_eq!(decoded, state);
    // Ids are never given out twice: entries of a dropped keyspace in an old
    // log are skipped, not given to a keyspace made later.
    assert!(decoded.keyspaces.is_declared());
    assert!(decoded.keyspaces.is_dropped(users) && decoded.keyspaces.is_dropped(log));
    assert!(!decoded.keyspaces.is_dropped(0) && !decoded.keyspaces.is_dropped(3));
    let mut again = decoded;
    assert_eq!(
        again
            .keyspaces
            .create("users", default_options(), 4)
            .unwrap(),
        3
    );
}

#[test]
fn create_refuses_what_a_manifest_must_not_hold() {
    let mut keyspaces = KeyspacesState::none(4);
    keyspaces.create("users", default_options(), 4).unwrap();
    let before = keyspaces.clone();
    for (name, reason) in [
        ("", "empty"),
        ("a/b", "path separator"),
        ("a\\b", "path separator"),
        ("tab\there", "control character"),
        ("nul\0", "control character"),
        ("default", "already exists"),
        ("users", "already exists"),
    ] {
        let err = keyspaces.create(name, default_options(), 4).unwrap_err();
        assert!(matches!(err, Error::InvalidArgument(_)), "{name:?}: {err}");
        assert!(err.to_string().contains(reason), "{name:?}: {err}");
    }
    let long = "é".repeat(128);
    let err = keyspaces.create(&long, default_options(), 4).unwrap_err();
    assert!(
        err.to_string().contains("256 bytes is longer than 255"),
        "{err}"
    );
    assert_eq!(keyspaces, before, "a refused create changes nothing");

    keyspaces.next_keyspace_id = KeyspaceId::MAX;
    let err = keyspaces.create("last", default_options(), 4).unwrap_err();
    assert!(err.to_string().contains("ids have been given out"), "{err}");
    assert_eq!(keyspaces.next_keyspace_id, KeyspaceId::MAX);
}

#[test]
fn names_are_checked_in_one_place() {
    for name in [
        "a",
        "users",
        "ünïcödé",
        "with space",
        &"x".repeat(MAX_KEYSPACE_NAME_LEN),
    ] {
        check_name(name).unwrap();
    }
    for name in [
        "",
        "/",
        "a\\",
        "\u{7f}",
        "\u{85}",
        &"x".repeat(MAX_KEYSPACE_NAME_LEN + 1),
    ] {
        assert!(check_name(name).is_err(), "{name:?}");
    }
}

#[test]
fn all_tables_lists_every_keyspace_s_tables_with_its_id() {
    let state = two_keyspaces();
    let listed: Vec<(KeyspaceId, u64)> = state
        .all_tables()
        .map(|(id, table)| (id, table.file_number))
        .collect();
    assert_eq!(listed, [(0, 3), (1, 9), (1, 7)]);
    assert_eq!(state.keyspaces.oldest_log_number(), 4);
    assert_eq!(state.keyspaces.named("log").map(|k| k.id), Some(3));
    assert_eq!(
        state.keyspaces.get(1).map(|k| k.name.as_str()),
        Some("users")
    );
    assert!(state.keyspaces.get(2).is_none() && state.keyspaces.is_dropped(2));
}

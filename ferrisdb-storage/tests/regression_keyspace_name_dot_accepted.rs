//! Regression (found by the review of issue 19): `.` and `..` were valid
//! keyspace names.
//!
//! `manifest::check_name` documents that a valid name "can name a directory
//! or appear in a message as it is". `.` and `..` pass the check (no
//! separator, no control character), yet as a directory name they are the
//! directory itself and its parent.

use ferrisdb_storage::internals::manifest::check_name;

#[test]
fn dot_names_are_not_valid_keyspace_names() {
    for name in [".", ".."] {
        assert!(
            check_name(name).is_err(),
            "{name:?} passes check_name, but cannot name a directory"
        );
    }
}

//! What a database needs of the FerrisDB that opens it.
//!
//! A database's manifest declares the format version it was written in and
//! the features it uses, as feature flags in three classes (split as ext4
//! splits its own). A FerrisDB that meets a version newer than it reads, or a
//! feature it does not know in a class it cannot ignore, refuses to open the
//! database with [`Error::UnsupportedFormat`](crate::Error::UnsupportedFormat)
//! and an [`Unsupported`] saying what it found. The policy is
//! `docs/format/README.md`.

use std::fmt;

/// What a FerrisDB that does not know a feature does with a database that
/// uses it. Each feature belongs to one class for good.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FeatureClass {
    /// It opens, reads and writes the database as if the feature were not
    /// there, and keeps the feature's flag and its manifest records as they
    /// are. The feature's data stays true whatever such a FerrisDB writes.
    Compatible,
    /// It could read the database, but writing would leave the feature's
    /// data wrong, so it must not write. FerrisDB opens a database only to
    /// read and write it, so it refuses to open.
    ReadOnlyCompatible,
    /// It cannot even read the database (the feature changes what files
    /// hold), so it refuses to open.
    Incompatible,
}

impl FeatureClass {
    /// The name of the class in messages and specifications.
    pub fn name(self) -> &'static str {
        match self {
            FeatureClass::Compatible => "compatible",
            FeatureClass::ReadOnlyCompatible => "read-only compatible",
            FeatureClass::Incompatible => "incompatible",
        }
    }
}

impl fmt::Display for FeatureClass {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// What a database declares that this FerrisDB does not support.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Unsupported {
    /// The database's format version is newer than any this FerrisDB reads.
    Version {
        /// The version the manifest declares.
        found: u32,
        /// The newest version this FerrisDB reads (and the one it writes).
        newest_supported: u32,
    },
    /// The database uses features of `class` this FerrisDB does not know.
    Features {
        /// The class of the unknown features: never
        /// [`FeatureClass::Compatible`], which a FerrisDB may ignore.
        class: FeatureClass,
        /// The flags of the unknown features: bit `n` set for feature `n`.
        unknown: u64,
        /// The flags of the features of `class` this FerrisDB knows.
        supported: u64,
    },
    /// A file holds, at `offset`, a record this FerrisDB cannot read, which
    /// only a newer one writes: an entry of a keyspace other than the
    /// default one, a range delete (`what` says which).
    Record {
        /// The byte offset of the record in the file.
        offset: u64,
        /// What the record holds.
        what: String,
    },
}

impl fmt::Display for Unsupported {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            Unsupported::Version {
                found,
                newest_supported,
            } => write!(
                f,
                "its format version is {found}, and this FerrisDB reads versions up to \
                 {newest_supported}"
            ),
            Unsupported::Features {
                class,
                unknown,
                supported,
            } => {
                let bits: Vec<String> = (0..64)
                    .filter(|bit| unknown & (1 << bit) != 0)
                    .map(|bit: u32| bit.to_string())
                    .collect();
                write!(
                    f,
                    "it uses {class} feature bits {} ({unknown:#x}), which this FerrisDB does not \
                     know (it knows {supported:#x})",
                    bits.join(", ")
                )?;
                if class == FeatureClass::ReadOnlyCompatible {
                    f.write_str(
                        ": it could read the database but must not write it, and FerrisDB opens \
                         databases to write",
                    )?;
                }
                Ok(())
            }
            Unsupported::Record { offset, ref what } => write!(
                f,
                "its record at byte {offset} holds {what}, which this FerrisDB cannot read"
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_newer_version_names_both_versions() {
        let msg = Unsupported::Version {
            found: 4,
            newest_supported: 3,
        }
        .to_string();
        assert!(msg.contains("version is 4"), "{msg}");
        assert!(msg.contains("up to 3"), "{msg}");
    }

    #[test]
    fn unknown_features_are_named_by_bit_and_class() {
        let msg = Unsupported::Features {
            class: FeatureClass::Incompatible,
            unknown: 0b1010_0000,
            supported: 0b11,
        }
        .to_string();
        assert!(
            msg.contains("incompatible feature bits 5, 7 (0xa0)"),
            "{msg}"
        );
        assert!(msg.contains("knows 0x3"), "{msg}");
        assert!(!msg.contains("must not write"), "{msg}");

        let msg = Unsupported::Features {
            class: FeatureClass::ReadOnlyCompatible,
            unknown: 1 << 63,
            supported: 0,
        }
        .to_string();
        assert!(
            msg.contains("read-only compatible feature bits 63"),
            "{msg}"
        );
        assert!(msg.contains("must not write"), "{msg}");
    }
}

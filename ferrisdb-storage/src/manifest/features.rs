//! The feature flags a manifest declares, the records of those features, and
//! the check that this code supports the database's format.
//!
//! A version-3 manifest's body starts with three sets of feature flags
//! (compatible, read-only compatible, incompatible: see [`FeatureClass`]) and
//! ends with feature records, each naming the feature it belongs to. The
//! flags are checked before anything after them is read, so a feature may
//! change every byte that follows without an older FerrisDB misreading
//! them: it refuses the database instead, with
//! [`Error::UnsupportedFormat`]. The layout is specified in
//! `docs/format/manifest.md`, the policy in `docs/format/README.md`.

use std::path::Path;

use ferrisdb_core::coding::{put_fixed64, put_length_prefixed, DecodeError, Decoder};
use ferrisdb_core::{FeatureClass, Unsupported};

use super::format::{
    FEATURE_BITS, FEATURE_CLASS_COMPAT, FEATURE_CLASS_INCOMPAT, FEATURE_CLASS_RO_COMPAT,
    FORMAT_VERSION, INCOMPAT_SUPPORTED, RO_COMPAT_SUPPORTED,
};
use crate::{Error, Result};

/// The features a database uses, as its manifest declares them, and their
/// records: all but those `ManifestState` keeps in fields of its own
/// (`keyspaces`), whose flag and record it writes from those fields.
///
/// A feature, once declared, stays declared: every manifest written after
/// carries its flag, and its records, unchanged unless code that knows the
/// feature changes them. So a compatible feature this code does not know
/// survives the manifests this code writes.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Features {
    /// The flags of each class, indexed by [`class_index`]: bit `n` set for
    /// feature `n`.
    flags: [u64; 3],
    /// The records of declared features, in the order the manifest holds
    /// them.
    records: Vec<FeatureRecord>,
}

/// A record of a feature in the manifest: data the feature keeps there, which
/// only code that knows the feature reads.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FeatureRecord {
    /// The class of the feature the record belongs to.
    pub class: FeatureClass,
    /// The feature's bit in its class, below 64.
    pub bit: u8,
    /// The feature's data, as the feature defines it.
    pub payload: Vec<u8>,
}

/// The position of `class`'s flags in [`Features`] and its class byte on
/// disk: the same number.
fn class_index(class: FeatureClass) -> usize {
    usize::from(class_byte(class))
}

/// The class byte of a feature record of `class`.
fn class_byte(class: FeatureClass) -> u8 {
    match class {
        FeatureClass::Compatible => FEATURE_CLASS_COMPAT,
        FeatureClass::ReadOnlyCompatible => FEATURE_CLASS_RO_COMPAT,
        FeatureClass::Incompatible => FEATURE_CLASS_INCOMPAT,
    }
}

/// The class of a feature record's class byte, if it is one.
fn class_of_byte(byte: u8) -> Option<FeatureClass> {
    match byte {
        FEATURE_CLASS_COMPAT => Some(FeatureClass::Compatible),
        FEATURE_CLASS_RO_COMPAT => Some(FeatureClass::ReadOnlyCompatible),
        FEATURE_CLASS_INCOMPAT => Some(FeatureClass::Incompatible),
        _ => None,
    }
}

impl Features {
    /// The flags of `class`: bit `n` set when feature `n` is declared.
    pub fn flags(&self, class: FeatureClass) -> u64 {
        self.flags[class_index(class)]
    }

    /// Whether feature `bit` of `class` is declared.
    pub fn declares(&self, class: FeatureClass, bit: u8) -> bool {
        bit < FEATURE_BITS && self.flags(class) & (1 << bit) != 0
    }

    /// Declares feature `bit` of `class`. Code that starts using a feature
    /// declares it in a manifest made durable before it writes the first
    /// byte that needs it (see `docs/format/README.md`).
    ///
    /// # Panics
    ///
    /// If `bit` is 64 or more: features are numbered by constants, so this
    /// is a bug in the code, never something read from disk.
    pub fn declare(&mut self, class: FeatureClass, bit: u8) {
        assert!(bit < FEATURE_BITS, "feature bit {bit} is not below 64");
        self.flags[class_index(class)] |= 1 << bit;
    }

    /// The records of declared features, in manifest order.
    pub fn records(&self) -> &[FeatureRecord] {
        &self.records
    }

    /// Adds a record of feature `bit` of `class`, declaring the feature.
    ///
    /// # Panics
    ///
    /// As [`declare`](Self::declare).
    pub fn add_record(&mut self, class: FeatureClass, bit: u8, payload: Vec<u8>) {
        self.declare(class, bit);
        self.records.push(FeatureRecord {
            class,
            bit,
            payload,
        });
    }

    /// Appends the flags: compatible, read-only compatible, incompatible.
    /// The incompatible features `owned` (those `ManifestState` keeps in
    /// fields of its own) are declared as `declared` says, whatever `self`
    /// says.
    pub(super) fn encode_flags(&self, out: &mut Vec<u8>, owned: u64, declared: u64) {
        let mut flags = self.flags;
        let incompat = &mut flags[class_index(FeatureClass::Incompatible)];
        *incompat = *incompat & !owned | declared & owned;
        for flags in flags {
            put_fixed64(out, flags);
        }
    }

    /// Appends the record of the incompatible feature `bit`.
    pub(super) fn encode_record(out: &mut Vec<u8>, bit: u8, payload: &[u8]) {
        out.push(FEATURE_CLASS_INCOMPAT);
        out.push(bit);
        put_length_prefixed(out, payload);
    }

    /// Appends the records: class byte, bit byte, length-prefixed payload;
    /// but none of the incompatible features `owned`, which
    /// `ManifestState` writes from fields of its own.
    pub(super) fn encode_records(&self, out: &mut Vec<u8>, owned: u64) {
        for record in &self.records {
            if !is_owned(record.class, record.bit, owned) {
                out.push(class_byte(record.class));
                out.push(record.bit);
                put_length_prefixed(out, &record.payload);
            }
        }
    }

    /// Forgets the incompatible features `owned`: `ManifestState` holds them.
    pub(super) fn forget(&mut self, owned: u64) {
        self.flags[class_index(FeatureClass::Incompatible)] &= !owned;
    }

    /// Reads the flags at the start of a version-3 body.
    pub(super) fn decode_flags(d: &mut Decoder<'_>) -> std::result::Result<Self, DecodeError> {
        Ok(Features {
            flags: [
                d.fixed64("compatible feature flags")?,
                d.fixed64("read-only compatible feature flags")?,
                d.fixed64("incompatible feature flags")?,
            ],
            records: Vec::new(),
        })
    }

    /// Reads the records that end a version-3 body, up to its end. A record
    /// must belong to a declared feature: one of a feature the flags do not
    /// declare is damage, however its bytes look.
    ///
    /// The records of the incompatible features `owned` are returned, in
    /// order, for `ManifestState` to read, instead of kept.
    pub(super) fn decode_records<'a>(
        &mut self,
        d: &mut Decoder<'a>,
        owned: u64,
    ) -> std::result::Result<Vec<OwnedRecord<'a>>, DecodeError> {
        let mut taken = Vec::new();
        while !d.is_empty() {
            let at = d.position();
            let byte = d.u8("feature record class")?;
            let class = class_of_byte(byte).ok_or_else(|| {
                DecodeError::new(at, format!("feature record class {byte} is not 0, 1 or 2"))
            })?;
            let bit = d.u8("feature record bit")?;
            if !self.declares(class, bit) {
                return Err(DecodeError::new(
                    at,
                    format!(
                        "a record of {class} feature {bit}, which the manifest's feature flags do \
                         not declare"
                    ),
                ));
            }
            let payload = d.length_prefixed("feature record")?;
            if is_owned(class, bit, owned) {
                taken.push(OwnedRecord {
                    at,
                    bit,
                    payload_at: d.position() - payload.len(),
                    payload,
                });
            } else {
                self.records.push(FeatureRecord {
                    class,
                    bit,
                    payload: payload.to_vec(),
                });
            }
        }
        Ok(taken)
    }
}

/// Whether feature `bit` of `class` is one of the incompatible features
/// `owned`.
fn is_owned(class: FeatureClass, bit: u8, owned: u64) -> bool {
    class == FeatureClass::Incompatible && bit < FEATURE_BITS && owned & (1 << bit) != 0
}

/// A record of a feature `ManifestState` keeps in fields of its own, where
/// the decoder found it.
#[derive(Debug, Clone, Copy)]
pub(super) struct OwnedRecord<'a> {
    /// The offset of the record's class byte.
    pub at: usize,
    /// The feature's bit among the incompatible features.
    pub bit: u8,
    /// The offset of its payload.
    pub payload_at: usize,
    /// Its payload.
    pub payload: &'a [u8],
}

/// What a FerrisDB reads: the newest format version, and the features it
/// knows of the classes it cannot ignore.
#[derive(Debug, Clone, Copy)]
pub(super) struct Support {
    /// The newest format version it reads.
    pub version: u32,
    /// The read-only compatible features it knows.
    pub ro_compat: u64,
    /// The incompatible features it knows.
    pub incompat: u64,
}

/// What this code reads.
pub(super) const THIS_CODE: Support = Support {
    version: FORMAT_VERSION,
    ro_compat: RO_COMPAT_SUPPORTED,
    incompat: INCOMPAT_SUPPORTED,
};

impl Support {
    /// Checks the format version of the manifest at `path`. Versions above
    /// this code's need a newer FerrisDB; version 0 was never written.
    ///
    /// # Errors
    ///
    /// [`Error::UnsupportedFormat`] for a newer version;
    /// [`Error::Corruption`] for version 0.
    pub fn check_version(&self, version: u32, path: &Path, offset: u64) -> Result<()> {
        if version == 0 {
            return Err(Error::corruption(
                path,
                offset,
                "manifest format version 0 is not one FerrisDB writes",
            ));
        }
        if version > self.version {
            return Err(Error::UnsupportedFormat {
                file: path.to_path_buf(),
                unsupported: Unsupported::Version {
                    found: version,
                    newest_supported: self.version,
                },
            });
        }
        Ok(())
    }

    /// Checks that every incompatible and read-only compatible feature of
    /// the manifest at `path` is one this code knows. Compatible features
    /// need no check: code that does not know one ignores it.
    ///
    /// # Errors
    ///
    /// [`Error::UnsupportedFormat`] naming the unknown features of the
    /// strictest class that has some.
    pub fn check_features(&self, features: &Features, path: &Path) -> Result<()> {
        for (class, supported) in [
            (FeatureClass::Incompatible, self.incompat),
            (FeatureClass::ReadOnlyCompatible, self.ro_compat),
        ] {
            let unknown = features.flags(class) & !supported;
            if unknown != 0 {
                return Err(Error::UnsupportedFormat {
                    file: path.to_path_buf(),
                    unsupported: Unsupported::Features {
                        class,
                        unknown,
                        supported,
                    },
                });
            }
        }
        Ok(())
    }
}

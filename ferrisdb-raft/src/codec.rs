//! Encoding of the stored values and the mapping of FerrisDB and codec
//! errors to openraft's `StorageError`. Log entries are postcard (compact:
//! a byte string is its length and its bytes, so a value of n bytes takes
//! about n bytes in the log); the metadata is JSON, readable in a dump.

use openraft::{ErrorSubject, ErrorVerb, StorageIOError};
use serde::de::DeserializeOwned;
use serde::Serialize;

use crate::{StorageError, TypeConfig};

/// A log entry of [`TypeConfig`].
pub(crate) type Entry = openraft::Entry<TypeConfig>;

/// The `StorageError` of an IO or codec failure `source` while doing `verb`
/// on `subject`.
pub(crate) fn io_error<E>(subject: ErrorSubject<u64>, verb: ErrorVerb, source: &E) -> StorageError
where
    E: std::error::Error + 'static,
{
    StorageIOError::new(subject, verb, source).into()
}

/// The `StorageError` of stored bytes that do not decode: `what` says which
/// value.
fn corrupt(subject: ErrorSubject<u64>, what: &str, source: &serde_json::Error) -> StorageError {
    let message = format!("corrupt {what}: {source}");
    StorageIOError::new(subject, ErrorVerb::Read, openraft::AnyError::error(message)).into()
}

/// `value` as JSON.
pub(crate) fn encode<T: Serialize>(
    value: &T,
    subject: ErrorSubject<u64>,
) -> Result<Vec<u8>, StorageError> {
    serde_json::to_vec(value).map_err(|e| io_error(subject, ErrorVerb::Write, &e))
}

/// The value `bytes` encode; `what` names it in the error.
pub(crate) fn decode<T: DeserializeOwned>(
    bytes: &[u8],
    subject: ErrorSubject<u64>,
    what: &str,
) -> Result<T, StorageError> {
    serde_json::from_slice(bytes).map_err(|e| corrupt(subject, what, &e))
}

/// `entry` as postcard.
pub(crate) fn encode_entry(entry: &Entry) -> Result<Vec<u8>, postcard::Error> {
    postcard::to_stdvec(entry)
}

/// The log entry `bytes` encode, all of them.
pub(crate) fn decode_entry(bytes: &[u8]) -> Result<Entry, StorageError> {
    let corrupt = |problem: String| {
        let message = format!("corrupt log entry: {problem}");
        let source = openraft::AnyError::error(message);
        StorageError::from(StorageIOError::read_logs(source))
    };
    match postcard::take_from_bytes::<Entry>(bytes) {
        Ok((entry, [])) => Ok(entry),
        Ok((_, rest)) => Err(corrupt(format!("{} bytes after the entry", rest.len()))),
        Err(e) => Err(corrupt(e.to_string())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use openraft::{CommittedLeaderId, LogId};

    #[test]
    fn log_ids_round_trip() {
        let id = LogId::new(CommittedLeaderId::new(3, 1), 42);
        let bytes = encode(&id, ErrorSubject::Store).unwrap();
        let back: LogId<u64> = decode(&bytes, ErrorSubject::Store, "log id").unwrap();
        assert_eq!(back, id);
    }

    #[test]
    fn entries_round_trip_in_about_their_values_size() {
        let entry = Entry {
            log_id: LogId::new(CommittedLeaderId::new(3, 1), 42),
            payload: openraft::EntryPayload::Normal(crate::Request {
                key: b"k".to_vec(),
                value: Some(vec![0xff; 1000]),
            }),
        };
        let bytes = encode_entry(&entry).unwrap();
        assert!(bytes.len() < 1020, "{} bytes", bytes.len());
        assert_eq!(decode_entry(&bytes).unwrap(), entry);
        for len in 0..bytes.len() {
            assert!(
                decode_entry(&bytes[..len]).is_err(),
                "a prefix of {len} decodes"
            );
        }
        let mut longer = bytes.clone();
        longer.push(0);
        assert!(decode_entry(&longer).is_err());
    }

    #[test]
    fn corrupt_bytes_are_an_error_naming_the_value() {
        let err = decode::<LogId<u64>>(b"{not json", ErrorSubject::Vote, "vote").unwrap_err();
        assert!(err.to_string().contains("corrupt vote"), "{err}");
    }
}

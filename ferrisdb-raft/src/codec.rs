//! Encoding of the stored values (JSON, readable in a dump) and the mapping
//! of FerrisDB and codec errors to openraft's `StorageError`.

use openraft::{ErrorSubject, ErrorVerb, StorageIOError};
use serde::de::DeserializeOwned;
use serde::Serialize;

use crate::StorageError;

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
    fn corrupt_bytes_are_an_error_naming_the_value() {
        let err = decode::<LogId<u64>>(b"{not json", ErrorSubject::Vote, "vote").unwrap_err();
        assert!(err.to_string().contains("corrupt vote"), "{err}");
    }
}

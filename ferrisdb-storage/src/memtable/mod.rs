//! The MemTable: the sorted in-memory buffer every write lands in first.

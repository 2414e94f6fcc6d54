//! SSTables: immutable sorted tables of data blocks, an index, a bloom filter and properties.

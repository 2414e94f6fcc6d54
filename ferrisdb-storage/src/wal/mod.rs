//! The write-ahead log: makes a write durable before it is acknowledged.

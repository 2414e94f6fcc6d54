//! Writes the small WAL file used as the worked example of
//! `docs/format/wal.md`: `cargo run --example wal_demo -- DIR`, then
//! `xxd DIR/000001.wal` or `cargo run --bin wal-reader -- DIR`.

use ferrisdb_storage::fs::os_file_system;
use ferrisdb_storage::internals::wal::{WalOptions, WalWriter};
use ferrisdb_storage::{Result, WriteBatch};

fn main() -> Result<()> {
    let dir = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "./data".to_string());
    let fs = os_file_system();
    fs.create_dir_all(dir.as_ref())?;
    let writer = WalWriter::create(fs, &dir, 1, WalOptions::default())?;
    let mut batch = WriteBatch::new();
    batch.put("k1", "v1").delete("k2");
    // The engine logs a batch this way: its bytes, stamped with the write's
    // timestamp.
    writer.append(&[&batch.encode(7)])?;
    writer.close()?;
    println!("wrote {dir}/000001.wal");
    Ok(())
}

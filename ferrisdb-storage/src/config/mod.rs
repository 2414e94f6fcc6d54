//! How a database is configured, and what each layer of the engine receives.
//!
//! ```text
//! StorageConfig ──validate──▶ layer_options ──────▶ LayerOptions
//!   database settings                                ├─ wal:      WalOptions      → the log writer
//!   keyspace settings ──From──▶ KeyspaceOptions ────▶ ├─ table:    TableOptions    → every table written
//!     compaction_style           (any keyspace's,    ├─ strategy: StrategyOptions → the compaction strategy
//!       Leveled(LeveledOptions)   the same way)      └─ budgets:  WriteBudgets    → the write path
//!       SizeTiered(SizeTieredOptions)
//! ```
//!
//! - [`StorageConfig`] (`storage_config.rs`): the settings of a database, as
//!   public fields with defaults.
//! - [`KeyspaceOptions`] (`keyspace_options.rs`): the settings a keyspace has
//!   on its own (MemTable size and filter, table layout, compaction style).
//!   They are fields of `StorageConfig` too, the database's own, which
//!   `KeyspaceOptions::from(&config)` copies, and `StorageConfig::default`
//!   takes their defaults from `KeyspaceOptions::default`.
//! - [`CompactionStyle`] (`compaction_style.rs`), with the settings only one
//!   style uses inside it: [`LeveledOptions`] (`leveled_options.rs`) and
//!   [`SizeTieredOptions`] (`size_tiered_options.rs`).
//! - `validate_keyspace.rs`: every check of a keyspace's settings,
//!   [`KeyspaceOptions::validate`], and of its compaction style against the
//!   database's level-0 triggers. `validate.rs`: [`StorageConfig::validate`],
//!   the checks of the database's own settings, then those of its keyspace
//!   settings. Each limit is checked in one function.
//! - `stored_keyspace_options.rs`: a keyspace's options to and from what
//!   the manifest stores of them (`StoredOptions`), the one place of that
//!   conversion: [`keyspace_options_from_stored`] checks a stored value as
//!   [`KeyspaceOptions::validate`] does, and one it refuses is damage of the
//!   manifest.
//! - `layer_options.rs`: the options of each layer, derived from a checked
//!   config by [`StorageConfig::layer_options`], which `open` calls once; the
//!   tables' and the strategy's go through [`KeyspaceOptions::layer_options`],
//!   as any keyspace's do.
//!
//! Each default and each limit has one home. A layer's own option struct
//! ([`WalOptions`](crate::wal::WalOptions),
//! [`TableOptions`](crate::sstable::TableOptions)) holds the defaults of its
//! settings, and the configs take them from there; what a table can hold
//! ([`MAX_KEY_SIZE`](crate::MAX_KEY_SIZE),
//! [`MAX_VALUE_SIZE`](crate::MAX_VALUE_SIZE)) is the table format's, and the
//! configured key and value limits are checked against it here, then
//! enforced on every write by the engine alone. This module names no module
//! above the formats: the engine and compaction import it, never the other
//! way round.

mod compaction_style;
mod keyspace_options;
mod layer_options;
mod leveled_options;
mod size_tiered_options;
mod storage_config;
mod stored_keyspace_options;
mod validate;
mod validate_keyspace;

pub use compaction_style::CompactionStyle;
pub use keyspace_options::KeyspaceOptions;
pub(crate) use layer_options::{StrategyOptions, WriteBudgets};
pub use leveled_options::LeveledOptions;
pub use size_tiered_options::SizeTieredOptions;
pub use storage_config::StorageConfig;
pub use stored_keyspace_options::keyspace_options_from_stored;

//! How a database is configured, and what each layer of the engine receives.
//!
//! ```text
//! StorageConfig ──validate──▶ layer_options ──▶ LayerOptions
//!   shared settings              (one place)      ├─ wal:      WalOptions     → the log writer
//!   compaction_style                              ├─ table:    TableOptions   → every table written
//!     Leveled(LeveledOptions)                     └─ strategy: StrategyOptions → the compaction strategy
//!     SizeTiered(SizeTieredOptions)
//! ```
//!
//! - [`StorageConfig`] (`storage_config.rs`): the settings every style uses,
//!   as public fields with defaults.
//! - [`CompactionStyle`] (`compaction_style.rs`), with the settings only one
//!   style uses inside it: [`LeveledOptions`] (`leveled_options.rs`) and
//!   [`SizeTieredOptions`] (`size_tiered_options.rs`).
//! - `validate.rs`: every check of a setting, and of settings against each
//!   other, in one function, [`StorageConfig::validate`].
//! - `layer_options.rs`: the options of each layer, derived from a checked
//!   config by [`StorageConfig::layer_options`], which `open` calls once.
//!
//! Each default and each limit has one home. A layer's own option struct
//! ([`WalOptions`](crate::wal::WalOptions),
//! [`TableOptions`](crate::sstable::TableOptions)) holds the defaults of its
//! settings and [`StorageConfig::default`] takes them from there; what a
//! table can hold ([`MAX_KEY_SIZE`](crate::MAX_KEY_SIZE),
//! [`MAX_VALUE_SIZE`](crate::MAX_VALUE_SIZE)) is the table format's, and the
//! configured key and value limits are checked against it here, then
//! enforced on every write by the engine alone. This module names no module
//! above the formats: the engine and compaction import it, never the other
//! way round.

mod compaction_style;
mod layer_options;
mod leveled_options;
mod size_tiered_options;
mod storage_config;
mod validate;

pub use compaction_style::CompactionStyle;
pub(crate) use layer_options::StrategyOptions;
pub use leveled_options::LeveledOptions;
pub use size_tiered_options::SizeTieredOptions;
pub use storage_config::StorageConfig;

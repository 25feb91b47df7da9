//! Services files and their validation.
//!
//! A services file is TOML: one `[provider]` table shared by every service, then one `[[service]]`
//! table per service registered with One Login. [`ServicesFile`] is its plain, serde form (build it
//! in code if you prefer); [`ServicesFile::validate`] checks **everything** at once and returns the
//! checked [`Services`] or every [`ConfigProblem`], each naming the service, the field and the fix.
//!
//! * `spec`: the file's shape, as written;
//! * `problems`: the rules and the errors;
//! * `checked`: the checked [`Services`] and [`ServiceConfig`];
//! * `load`: reading, parsing and writing the file;
//! * `validate`: the rules themselves, by topic (the `[store]` table's in `validate/store.rs`).

use std::time::Duration;

mod checked;
mod load;
mod problems;
mod spec;
mod validate;

pub use checked::{ClientAuth, ServiceConfig, Services, StoreConfig, StoreKind};
pub use problems::{ConfigError, ConfigProblem, ProblemKind};
pub use spec::{KeySpec, ProviderSpec, ServiceSpec, ServicesFile, StoreSpec, TokenAuthSpec};

/// The default clock leeway for token time checks.
pub const DEFAULT_LEEWAY: Duration = Duration::from_secs(30);
/// The largest clock leeway a services file may set.
pub const MAX_LEEWAY: Duration = Duration::from_secs(300);
/// The `[store]` table's default key prefix.
pub(crate) const DEFAULT_STORE_KEY_PREFIX: &str = "govuk-one-login:";
/// The `[store]` table's default connect timeout.
pub(crate) const DEFAULT_STORE_CONNECT_TIMEOUT: Duration = Duration::from_millis(2_000);
/// The `[store]` table's default timeout per command.
pub(crate) const DEFAULT_STORE_COMMAND_TIMEOUT: Duration = Duration::from_millis(1_000);
/// The longest connect timeout a `[store]` table may set: well under One Login's 15 s
/// back-channel call.
pub(crate) const MAX_STORE_CONNECT_TIMEOUT: Duration = Duration::from_millis(10_000);
/// The longest timeout per command a `[store]` table may set.
pub(crate) const MAX_STORE_COMMAND_TIMEOUT: Duration = Duration::from_millis(5_000);

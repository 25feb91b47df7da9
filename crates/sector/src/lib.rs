//! # govuk-one-login-sector
//!
//! Sector identifiers and pairwise subjects, as GOV.UK One Login computes them, with no I/O.
//!
//! One Login gives a person a different `sub` in each **sector**: the host of a service's
//! sector identifier URI when it has one, otherwise the host of its first redirect URI
//! (lower-cased, without a leading `www.`). Services that must share users give themselves a
//! common sector identifier URI; services that must not, use different hosts. This crate makes
//! that visible and checkable before a service is registered:
//!
//! * [`Sector`]: the sector of a service, a URI, or a not-yet-checked registration;
//! * [`check_sector_identifier_uri`]: the shape One Login accepts, and a host written so that
//!   One Login derives the sector you expect;
//! * [`check_sector_document`]: the body of a published OIDC sector identifier document against
//!   the services naming it (fetching it is the caller's job);
//! * [`SectorReport`]: which services of a services file share users;
//! * [`pairwise_subject`] and [`wallet_subject_id`]: the identifiers One Login derives, so a mock
//!   provider hands services of one sector the same `sub`.
//!
//! The services-file rules themselves (redirect URIs on several hosts without a sector identifier
//! URI, a bad sector identifier URI, a share-users group resolving to several sectors) are
//! checked by `govuk-one-login-core` when the file is validated.
//!
//! Depend on it for tooling that checks a registration, or for a mock provider. A relying party
//! gets it through the `govuk-one-login` facade, as `govuk_one_login::sector` (always included).
//!
//! ```
//! use govuk_one_login_core::ServicesFile;
//! use govuk_one_login_sector::{Sector, SectorReport, check_sector_identifier_uri};
//!
//! let mut file = ServicesFile::parse_toml(r#"
//!     [[service]]
//!     name = "tax-your-dragon"
//!     client_id = "client-1"
//!     redirect_uris = ["https://tax-your-dragon.mythical-creatures.gov.uk/callback"]
//!     sector_identifier_uri = "https://mythical-creatures.gov.uk"
//!     share_users_group = "creatures"
//!     token_auth = { key_file = "testdata/rsa_test_key.pem", key_id = "k1" }
//!
//!     [[service]]
//!     name = "unicorn-licence"
//!     client_id = "client-2"
//!     redirect_uris = ["https://unicorns.mythical-creatures.gov.uk/callback"]
//!     sector_identifier_uri = "https://www.mythical-creatures.gov.uk"
//!     share_users_group = "creatures"
//!     token_auth = { key_file = "testdata/rsa_test_key.pem", key_id = "k1" }
//!
//!     [[service]]
//!     name = "fishing-permits"
//!     client_id = "client-3"
//!     redirect_uris = ["https://fishing.gov.uk/callback"]
//!     token_auth = { key_file = "testdata/rsa_test_key.pem", key_id = "k1" }
//! "#).unwrap();
//! file.base_dir = Some(env!("CARGO_MANIFEST_DIR").into());
//! let services = file.validate().unwrap();
//!
//! // Check a sector identifier URI before registering it.
//! let sector = check_sector_identifier_uri("https://mythical-creatures.gov.uk").unwrap();
//! assert_eq!(sector.as_str(), "mythical-creatures.gov.uk");
//!
//! // Who shares users?
//! let report = SectorReport::new(&services);
//! assert!(report.shares_users("tax-your-dragon", "unicorn-licence"));
//! assert!(!report.shares_users("tax-your-dragon", "fishing-permits"));
//!
//! // A person gets the same `sub` in both creature services, and another in fishing-permits.
//! let sub = |name: &str| {
//!     Sector::of_service(services.get(name).unwrap()).pairwise_subject("person-1", b"salt")
//! };
//! assert_eq!(sub("tax-your-dragon"), sub("unicorn-licence"));
//! assert_ne!(sub("tax-your-dragon"), sub("fishing-permits"));
//! ```

mod document;
mod report;
mod sector;
mod subject;

pub use document::{
    MAX_SECTOR_DOCUMENT_BYTES, MissingRedirectUri, SectorDocumentError, check_sector_document,
    parse_sector_document,
};
pub use report::{SectorEntry, SectorMember, SectorReport, SectorSource, UndeclaredSharing};
pub use sector::{Sector, SectorError, check_sector_identifier_uri};
pub use subject::{SUBJECT_PREFIX, WALLET_SUBJECT_PREFIX, pairwise_subject, wallet_subject_id};

/// Re-exported so that users name the same `Url` type.
pub use govuk_one_login_core::Url;
/// Re-exported from core (whose services-file check needs them, and which keeps them out of its
/// own API): the sector host of a URL and of a service's URIs.
#[doc(inline)]
pub use govuk_one_login_core::internal::{sector_host, service_sector_host};

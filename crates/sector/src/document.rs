//! OpenID Connect sector identifier documents (OIDC Core §8.1, Dynamic Registration §5).
//!
//! One Login never fetches such a document; teams that publish one anyway (for other providers,
//! or to make the grouping visible) can check its body here. Fetching it is the caller's job.

use std::fmt;

use govuk_one_login_core::internal::is_loopback;
use govuk_one_login_core::{ServiceConfig, ServiceName, Url};
use serde_json::Value;

/// The largest document body accepted, in bytes. A list of redirect URIs is far smaller.
pub const MAX_SECTOR_DOCUMENT_BYTES: usize = 256 * 1024;

/// A redirect URI of a service that a sector identifier document does not list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MissingRedirectUri {
    /// The service.
    pub service: ServiceName,
    /// Its redirect URI the document lacks.
    pub redirect_uri: Url,
}

impl fmt::Display for MissingRedirectUri {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} (service `{}`)", self.redirect_uri, self.service)
    }
}

/// Why a sector identifier document body does not fit the services naming it.
/// [`SectorDocumentError::code`] is stable.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SectorDocumentError {
    /// The body is larger than [`MAX_SECTOR_DOCUMENT_BYTES`].
    #[error("the sector identifier document is {actual} bytes, more than the {limit} allowed")]
    TooLarge {
        /// The limit.
        limit: usize,
        /// The body's size.
        actual: usize,
    },
    /// The body is not JSON.
    #[error(
        "the sector identifier document is not JSON (line {line}, column {column}: {reason}); \
         publish a JSON array of redirect URIs"
    )]
    NotJson {
        /// The line of the error.
        line: usize,
        /// The column of the error.
        column: usize,
        /// The parser's reason.
        reason: String,
    },
    /// The JSON is not an array.
    #[error(
        "the sector identifier document is a JSON {found}, not an array; publish a JSON array \
         of redirect URIs, e.g. [\"https://my-service.gov.uk/callback\"]"
    )]
    NotAnArray {
        /// The JSON type found.
        found: &'static str,
    },
    /// An array entry is not a string.
    #[error("entry {index} of the sector identifier document is a JSON {found}, not a URI string")]
    EntryNotAString {
        /// The entry's index (from 0).
        index: usize,
        /// The JSON type found.
        found: &'static str,
    },
    /// An array entry does not parse as an absolute URL.
    #[error("entry {index} of the sector identifier document, `{value}`, is not a URL ({reason})")]
    EntryNotAUrl {
        /// The entry's index (from 0).
        index: usize,
        /// The entry.
        value: String,
        /// The parser's reason.
        reason: String,
    },
    /// An array entry is not https (plain http is allowed only on loopback hosts, as for
    /// redirect URIs).
    #[error(
        "entry {index} of the sector identifier document, `{value}`, is not https; list https \
         redirect URIs only"
    )]
    EntryNotHttps {
        /// The entry's index (from 0).
        index: usize,
        /// The entry.
        value: String,
    },
    /// An array entry has a `#fragment`, which no redirect URI may have.
    #[error(
        "entry {index} of the sector identifier document, `{value}`, has a #fragment, which a \
         redirect URI cannot have"
    )]
    EntryHasFragment {
        /// The entry's index (from 0).
        index: usize,
        /// The entry.
        value: String,
    },
    /// No services were given to check the document against.
    #[error("no services were given to check the sector identifier document against")]
    NoServices,
    /// A service given has no sector identifier URI, so no document applies to it.
    #[error(
        "service `{service}` has no sector identifier URI, so no sector identifier document \
         applies to it; set sector_identifier_uri or leave the service out"
    )]
    ServiceWithoutSectorIdentifier {
        /// The service.
        service: ServiceName,
    },
    /// The services given name different sector identifier URIs (different documents).
    #[error(
        "service `{service}` names the sector identifier URI {actual}, but `{first}` names \
         {expected}; check one document per sector identifier URI"
    )]
    DifferentSectorIdentifiers {
        /// The service that differs.
        service: ServiceName,
        /// The first service given.
        first: ServiceName,
        /// The first service's sector identifier URI.
        expected: String,
        /// This service's sector identifier URI.
        actual: String,
    },
    /// Redirect URIs of the services are missing from the document.
    #[error(
        "the sector identifier document does not list {} redirect URI(s): {}; add every redirect \
         URI of every service naming it",
        .missing.len(),
        join(.missing)
    )]
    MissingRedirectUris {
        /// Every redirect URI missing, in service order.
        missing: Vec<MissingRedirectUri>,
    },
}

fn join(items: &[MissingRedirectUri]) -> String {
    items
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(", ")
}

impl SectorDocumentError {
    /// A stable machine-readable code.
    pub fn code(&self) -> &'static str {
        match self {
            Self::TooLarge { .. } => "sector_document.too_large",
            Self::NotJson { .. } => "sector_document.not_json",
            Self::NotAnArray { .. } => "sector_document.not_an_array",
            Self::EntryNotAString { .. } => "sector_document.entry_not_a_string",
            Self::EntryNotAUrl { .. } => "sector_document.entry_not_a_url",
            Self::EntryNotHttps { .. } => "sector_document.entry_not_https",
            Self::EntryHasFragment { .. } => "sector_document.entry_has_fragment",
            Self::NoServices => "sector_document.no_services",
            Self::ServiceWithoutSectorIdentifier { .. } => {
                "sector_document.service_without_sector_identifier"
            }
            Self::DifferentSectorIdentifiers { .. } => {
                "sector_document.different_sector_identifiers"
            }
            Self::MissingRedirectUris { .. } => "sector_document.missing_redirect_uris",
        }
    }
}

/// Parses a sector identifier document body: a JSON array of https redirect URIs.
///
/// Plain `http` entries are accepted on loopback hosts only, as they are in redirect URIs.
/// Entries are returned in document order, parsed (so compared as URLs, not as text).
///
/// # Errors
/// [`SectorDocumentError::TooLarge`], [`NotJson`](SectorDocumentError::NotJson),
/// [`NotAnArray`](SectorDocumentError::NotAnArray) or an `Entry…` variant for the first bad entry.
pub fn parse_sector_document(body: &[u8]) -> Result<Vec<Url>, SectorDocumentError> {
    if body.len() > MAX_SECTOR_DOCUMENT_BYTES {
        return Err(SectorDocumentError::TooLarge {
            limit: MAX_SECTOR_DOCUMENT_BYTES,
            actual: body.len(),
        });
    }
    let value: Value = serde_json::from_slice(body).map_err(|e| SectorDocumentError::NotJson {
        line: e.line(),
        column: e.column(),
        reason: e.to_string(),
    })?;
    let Value::Array(entries) = value else {
        return Err(SectorDocumentError::NotAnArray {
            found: json_type(&value),
        });
    };
    let mut uris = Vec::with_capacity(entries.len());
    for (index, entry) in entries.iter().enumerate() {
        let Value::String(text) = entry else {
            return Err(SectorDocumentError::EntryNotAString {
                index,
                found: json_type(entry),
            });
        };
        let url = Url::parse(text).map_err(|e| SectorDocumentError::EntryNotAUrl {
            index,
            value: text.clone(),
            reason: e.to_string(),
        })?;
        let secure = url.scheme() == "https" || (url.scheme() == "http" && is_loopback(&url));
        if !secure {
            return Err(SectorDocumentError::EntryNotHttps {
                index,
                value: text.clone(),
            });
        }
        if url.fragment().is_some() {
            return Err(SectorDocumentError::EntryHasFragment {
                index,
                value: text.clone(),
            });
        }
        uris.push(url);
    }
    Ok(uris)
}

/// Checks a published OIDC sector identifier document body (a JSON array of https redirect URIs)
/// against the services naming that sector identifier URI: every redirect URI of every service
/// must be listed. Extra entries are allowed.
///
/// ```
/// use govuk_one_login_core::{SecretString, ServiceSpec, ServicesFile, TokenAuthSpec};
/// use govuk_one_login_sector::check_sector_document;
///
/// # let pem = include_str!("../testdata/rsa_test_key.pem");
/// let file = ServicesFile {
///     services: vec![ServiceSpec {
///         name: "dragons".into(),
///         client_id: "client-1".into(),
///         redirect_uris: vec!["https://dragons.example.gov.uk/callback".into()],
///         sector_identifier_uri: Some("https://example.gov.uk".into()),
///         token_auth: TokenAuthSpec {
///             key_pem: Some(SecretString::new(pem)),
///             key_id: Some("k".into()),
///             ..TokenAuthSpec::default()
///         },
///         ..ServiceSpec::default()
///     }],
///     ..ServicesFile::default()
/// };
/// let services = file.validate().unwrap();
/// let dragons = services.get("dragons").unwrap();
///
/// let body = br#"["https://dragons.example.gov.uk/callback", "https://unicorns.example.gov.uk/cb"]"#;
/// assert!(check_sector_document(body, &[dragons]).is_ok());
///
/// let err = check_sector_document(br#"["https://unicorns.example.gov.uk/cb"]"#, &[dragons]);
/// assert_eq!(err.unwrap_err().code(), "sector_document.missing_redirect_uris");
/// ```
///
/// # Errors
/// Any [`SectorDocumentError`]: a body [`parse_sector_document`] refuses; no services, a service
/// without a sector identifier URI, or services naming different ones; or
/// [`MissingRedirectUris`](SectorDocumentError::MissingRedirectUris) listing every redirect URI
/// the document lacks.
pub fn check_sector_document(
    body: &[u8],
    services: &[&ServiceConfig],
) -> Result<(), SectorDocumentError> {
    let Some(first) = services.first() else {
        return Err(SectorDocumentError::NoServices);
    };
    let mut expected: Option<&Url> = None;
    for service in services {
        let Some(uri) = service.sector_identifier_uri() else {
            return Err(SectorDocumentError::ServiceWithoutSectorIdentifier {
                service: service.name().clone(),
            });
        };
        match expected {
            None => expected = Some(uri),
            Some(e) if e == uri => {}
            Some(e) => {
                return Err(SectorDocumentError::DifferentSectorIdentifiers {
                    service: service.name().clone(),
                    first: first.name().clone(),
                    expected: e.to_string(),
                    actual: uri.to_string(),
                });
            }
        }
    }
    let listed = parse_sector_document(body)?;
    let missing: Vec<MissingRedirectUri> = services
        .iter()
        .flat_map(|s| s.redirect_uris().iter().map(move |u| (s, u)))
        .filter(|(_, u)| !listed.contains(u))
        .map(|(s, u)| MissingRedirectUri {
            service: s.name().clone(),
            redirect_uri: u.clone(),
        })
        .collect();
    if missing.is_empty() {
        Ok(())
    } else {
        Err(SectorDocumentError::MissingRedirectUris { missing })
    }
}

fn json_type(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

//! The [`Sector`] newtype and the sector identifier URI check.

use std::fmt;

use govuk_one_login_core::internal::{
    SectorUriProblem, non_canonical_host, redact_userinfo, sector_uri_problem,
};
use govuk_one_login_core::internal::{sector_host, service_sector_host};
use govuk_one_login_core::{ServiceConfig, Url};

use crate::subject::{pairwise_subject, wallet_subject_id};

/// A sector: the normalised host One Login hashes into every pairwise `sub`.
///
/// Lower-case, internationalised names in their ASCII (`xn--`) form, no port, no trailing dot and
/// no leading `www.`. Services with equal sectors see the same `sub` for a person.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
#[serde(transparent)]
pub struct Sector(String);

impl Sector {
    /// The sector One Login derives for a checked service: the host of its sector identifier URI
    /// when set, otherwise that of its first redirect URI.
    pub fn of_service(service: &ServiceConfig) -> Self {
        Self(service.sector().to_owned())
    }

    /// The sector of a URL's host, or `None` for a URL without a host (or whose host is empty
    /// once normalised, such as `https://./`).
    ///
    /// ```
    /// use govuk_one_login_sector::{Sector, Url};
    /// let url = Url::parse("https://WWW.Tax.Service.GOV.UK.:8443/callback?x=1").unwrap();
    /// assert_eq!(Sector::from_uri(&url).unwrap().as_str(), "tax.service.gov.uk");
    /// ```
    pub fn from_uri(uri: &Url) -> Option<Self> {
        sector_host(uri).map(Self)
    }

    /// The sector of a service that is not (yet) checked: the sector identifier URI's host when
    /// given, otherwise the first redirect URI's; the other redirect URIs never matter.
    pub fn derive(sector_identifier_uri: Option<&Url>, redirect_uris: &[Url]) -> Option<Self> {
        service_sector_host(sector_identifier_uri, redirect_uris).map(Self)
    }

    /// The sector host.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The `sub` One Login gives a person in this sector (see [`pairwise_subject`]).
    pub fn pairwise_subject(&self, internal_subject_id: &str, salt: &[u8]) -> String {
        pairwise_subject(&self.0, internal_subject_id, salt)
    }

    /// The `wallet_subject_id` One Login gives a person in this sector (see
    /// [`wallet_subject_id`]).
    pub fn wallet_subject_id(&self, common_subject_id: &str) -> String {
        wallet_subject_id(&self.0, common_subject_id)
    }
}

impl fmt::Display for Sector {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for Sector {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Sector({:?})", self.0)
    }
}

impl AsRef<str> for Sector {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

/// Why a sector identifier URI would be refused, or would give a different sector at One Login
/// than it appears to. [`SectorError::code`] is stable. Values are shown with any credentials
/// removed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SectorError {
    /// The value is empty or only white space.
    #[error("the sector identifier URI is empty; use the form https://my-department.gov.uk")]
    Empty,
    /// The value does not parse as an absolute URL.
    #[error(
        "`{value}` is not an absolute URL ({reason}); use the form https://my-department.gov.uk"
    )]
    InvalidUrl {
        /// The value (credentials removed).
        value: String,
        /// The parser's reason.
        reason: String,
    },
    /// A scheme other than https.
    #[error("`{value}` uses the `{scheme}` scheme; a sector identifier URI must use https")]
    NotHttps {
        /// The value (credentials removed).
        value: String,
        /// The scheme found.
        scheme: String,
    },
    /// A user name or password in the URL.
    #[error(
        "the sector identifier URI for host `{host}` carries a user name or password; \
         remove them: only the host is used"
    )]
    HasUserInfo {
        /// The URL's host.
        host: String,
    },
    /// A path other than `/`.
    #[error(
        "`{value}` has the path `{path}`; One Login wants a sector identifier URI with no path \
         (only the host is used), e.g. https://{host}"
    )]
    HasPath {
        /// The value (credentials removed).
        value: String,
        /// The path found.
        path: String,
        /// The URL's host.
        host: String,
    },
    /// A query string.
    #[error("`{value}` has a query string; remove it (only the host is used)")]
    HasQuery {
        /// The value (credentials removed).
        value: String,
    },
    /// A fragment.
    #[error("`{value}` has a #fragment; remove it (only the host is used)")]
    HasFragment {
        /// The value (credentials removed).
        value: String,
    },
    /// The host is not written in its canonical form (lower case, ASCII `xn--` form for
    /// internationalised names, no trailing dot). One Login hashes the host exactly as written,
    /// so a non-canonical host gives a different sector there than the one derived here.
    #[error(
        "the host `{written_host}` in `{value}` is not in canonical form; One Login uses the host \
         exactly as written, so write it as `{canonical_host}` (https://{canonical_host})"
    )]
    HostNotCanonical {
        /// The value (credentials removed).
        value: String,
        /// The host as written.
        written_host: String,
        /// The host to write instead.
        canonical_host: String,
    },
    /// The host is empty once normalised (e.g. `https://./`).
    #[error("`{value}` has no usable host; use the form https://my-department.gov.uk")]
    EmptyHost {
        /// The value (credentials removed).
        value: String,
    },
}

impl SectorError {
    /// A stable machine-readable code.
    pub fn code(&self) -> &'static str {
        match self {
            Self::Empty => "sector.empty",
            Self::InvalidUrl { .. } => "sector.invalid_url",
            Self::NotHttps { .. } => "sector.not_https",
            Self::HasUserInfo { .. } => "sector.has_userinfo",
            Self::HasPath { .. } => "sector.has_path",
            Self::HasQuery { .. } => "sector.has_query",
            Self::HasFragment { .. } => "sector.has_fragment",
            Self::HostNotCanonical { .. } => "sector.host_not_canonical",
            Self::EmptyHost { .. } => "sector.empty_host",
        }
    }
}

/// Checks a sector identifier URI as written for registration and returns its [`Sector`].
///
/// It must be an `https` URL with a host and no credentials, path (other than `/`), query or
/// fragment; a port is allowed and ignored. This is the rule the core configuration check
/// applies, and stricter in two ways that matter at One Login, which hashes the host **as
/// written**: the host must be in canonical form (lower case, `xn--` form, no trailing dot), and
/// it must not carry credentials. Every URI this accepts, the core check accepts with the same
/// sector.
///
/// ```
/// use govuk_one_login_sector::check_sector_identifier_uri;
/// let sector = check_sector_identifier_uri("https://www.mythical-creatures.gov.uk").unwrap();
/// assert_eq!(sector.as_str(), "mythical-creatures.gov.uk");
/// let err = check_sector_identifier_uri("https://mythical-creatures.gov.uk/sector.json");
/// assert_eq!(err.unwrap_err().code(), "sector.has_path");
/// ```
///
/// # Errors
/// A [`SectorError`] naming the first rule broken, in the order listed above.
pub fn check_sector_identifier_uri(value: &str) -> Result<Sector, SectorError> {
    if value.trim().is_empty() {
        return Err(SectorError::Empty);
    }
    let shown = || redact_userinfo(value);
    let url = Url::parse(value).map_err(|e| SectorError::InvalidUrl {
        value: shown(),
        reason: e.to_string(),
    })?;
    let host = url.host_str().unwrap_or_default();
    // The shape rule is core's, the one the services-file check applies; an empty host is
    // reported last, after the canonical-host rule below.
    match sector_uri_problem(&url) {
        Some(SectorUriProblem::NotHttps) => {
            return Err(SectorError::NotHttps {
                value: shown(),
                scheme: url.scheme().to_owned(),
            });
        }
        Some(SectorUriProblem::UserInfo) => {
            return Err(SectorError::HasUserInfo {
                host: host.to_owned(),
            });
        }
        Some(SectorUriProblem::Path) => {
            return Err(SectorError::HasPath {
                value: shown(),
                path: url.path().to_owned(),
                host: host.to_owned(),
            });
        }
        Some(SectorUriProblem::Query) => return Err(SectorError::HasQuery { value: shown() }),
        Some(SectorUriProblem::Fragment) => {
            return Err(SectorError::HasFragment { value: shown() });
        }
        Some(SectorUriProblem::EmptyHost) | None => {}
    }
    let canonical = host.strip_suffix('.').unwrap_or(host);
    if let Some(written) = non_canonical_host(value, &url)
        && !canonical.is_empty()
    {
        return Err(SectorError::HostNotCanonical {
            value: shown(),
            written_host: written.to_owned(),
            canonical_host: canonical.to_owned(),
        });
    }
    Sector::from_uri(&url).ok_or_else(|| SectorError::EmptyHost { value: shown() })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_and_display_show_the_host() {
        let s = Sector("tax.gov.uk".into());
        assert_eq!(s.to_string(), "tax.gov.uk");
        assert_eq!(format!("{s:?}"), "Sector(\"tax.gov.uk\")");
    }
}

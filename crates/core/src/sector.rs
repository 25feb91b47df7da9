//! The sector host of a service, derived as One Login derives it. The `govuk-one-login-sector`
//! crate builds pairwise subjects and cross-service reports on top of this; it lives here because
//! the configuration check needs it and core sits below every other crate.

use url::Url;

/// The sector host of a URL: its host, lower-cased (internationalised names in their ASCII
/// form), without a trailing dot and without a leading `www.`.
///
/// ```
/// use govuk_one_login_core::internal::sector_host;
/// let u = url::Url::parse("https://WWW.Tax.Service.GOV.UK.:8443/callback").unwrap();
/// assert_eq!(sector_host(&u).as_deref(), Some("tax.service.gov.uk"));
/// ```
pub fn sector_host(url: &Url) -> Option<String> {
    let host = url.host_str()?.to_ascii_lowercase();
    let host = host.strip_suffix('.').unwrap_or(&host);
    let host = host.strip_prefix("www.").unwrap_or(host);
    if host.is_empty() {
        None
    } else {
        Some(host.to_owned())
    }
}

/// The sector host of a service: that of its sector identifier URI when set, otherwise that of its
/// first redirect URI.
pub fn service_sector_host(
    sector_identifier_uri: Option<&Url>,
    redirect_uris: &[Url],
) -> Option<String> {
    match sector_identifier_uri {
        Some(u) => sector_host(u),
        None => redirect_uris.first().and_then(sector_host),
    }
}

/// The host exactly as written in an absolute URL's text (no normalisation, without user info
/// or port; an IPv6 literal keeps its brackets, as `Url::host_str` writes it), if it can be found.
/// One Login hashes the host as registered, so a host written differently from its canonical
/// form gives different pairwise subjects.
pub(crate) fn written_host(value: &str) -> Option<&str> {
    let value = value.trim_matches(|c: char| c <= ' ');
    let (_, rest) = value.split_once(':')?;
    let rest = rest.trim_start_matches(['/', '\\']);
    let end = rest.find(['/', '\\', '?', '#']).unwrap_or(rest.len());
    let authority = &rest[..end];
    let host_port = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
    if host_port.starts_with('[') {
        let close = host_port.find(']')?;
        return host_port.get(..=close);
    }
    Some(host_port.split_once(':').map_or(host_port, |(h, _)| h))
}

/// The first rule a parsed sector identifier URI breaks, in the order they are checked: https, no
/// user name or password, no path other than `/`, no query, no fragment, then a host that is not
/// empty once normalised. The host being written canonically is a separate rule
/// ([`non_canonical_host`]), since One Login hashes the host as written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SectorUriProblem {
    /// A scheme other than https.
    NotHttps,
    /// A user name or password.
    UserInfo,
    /// A path other than `/`.
    Path,
    /// A query string.
    Query,
    /// A fragment.
    Fragment,
    /// No host, or one that is empty once normalised (e.g. `https://./`).
    EmptyHost,
}

/// The sector identifier URI rule: `None` when One Login accepts `url` as one, otherwise the first
/// rule it breaks.
pub fn sector_uri_problem(url: &Url) -> Option<SectorUriProblem> {
    if url.scheme() != "https" {
        Some(SectorUriProblem::NotHttps)
    } else if !url.username().is_empty() || url.password().is_some() {
        Some(SectorUriProblem::UserInfo)
    } else if !matches!(url.path(), "" | "/") {
        Some(SectorUriProblem::Path)
    } else if url.query().is_some() {
        Some(SectorUriProblem::Query)
    } else if url.fragment().is_some() {
        Some(SectorUriProblem::Fragment)
    } else if sector_host(url).is_none() {
        Some(SectorUriProblem::EmptyHost)
    } else {
        None
    }
}

/// The host as written in `raw` (which parsed as `url`) when it is not written as One Login hashes
/// it for the sector: not exactly the parsed host (capitals, Unicode instead of the `xn--` form),
/// or with a trailing dot. `None` when it is canonical, or cannot be found.
pub fn non_canonical_host<'a>(raw: &'a str, url: &Url) -> Option<&'a str> {
    let written = written_host(raw)?;
    (url.host_str().is_some_and(|h| h != written) || written.ends_with('.')).then_some(written)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn host(s: &str) -> Option<String> {
        sector_host(&Url::parse(s).unwrap())
    }

    #[test]
    fn derives_hosts_like_one_login() {
        for (input, expected) in [
            ("https://tax.gov.uk/cb", "tax.gov.uk"),
            ("https://www.tax.gov.uk/cb", "tax.gov.uk"),
            ("https://WWW.TAX.GOV.UK/cb", "tax.gov.uk"),
            ("https://tax.gov.uk:8443/cb", "tax.gov.uk"),
            ("https://tax.gov.uk./cb", "tax.gov.uk"),
            ("https://www.www.tax.gov.uk/", "www.tax.gov.uk"),
            ("https://wwwtax.gov.uk/", "wwwtax.gov.uk"),
            ("https://bücher.example/cb", "xn--bcher-kva.example"),
            ("http://127.0.0.1:8080/cb", "127.0.0.1"),
        ] {
            assert_eq!(host(input).as_deref(), Some(expected), "{input}");
        }
    }

    #[test]
    fn finds_the_host_as_written() {
        for (input, expected) in [
            ("https://Dept.gov.uk", Some("Dept.gov.uk")),
            ("https://u:p@Dept.gov.uk:8443/x", Some("Dept.gov.uk")),
            ("https:dept.gov.uk", Some("dept.gov.uk")),
            ("  https://dept.gov.uk?q#f", Some("dept.gov.uk")),
            ("https://[::1]:443/", Some("[::1]")),
            ("https://[::1", None),
            ("no-colon", None),
        ] {
            assert_eq!(written_host(input), expected, "{input}");
        }
    }

    #[test]
    fn service_sector_prefers_the_sector_identifier() {
        let sector = Url::parse("https://dragons.gov.uk").unwrap();
        let redirects = vec![Url::parse("https://tax.dragons.gov.uk/cb").unwrap()];
        assert_eq!(
            service_sector_host(Some(&sector), &redirects).as_deref(),
            Some("dragons.gov.uk")
        );
        assert_eq!(
            service_sector_host(None, &redirects).as_deref(),
            Some("tax.dragons.gov.uk")
        );
        assert_eq!(service_sector_host(None, &[]), None);
    }

    #[test]
    fn names_the_first_sector_uri_rule_broken() {
        let problem = |s: &str| sector_uri_problem(&Url::parse(s).unwrap());
        for (input, expected) in [
            ("https://dept.gov.uk", None),
            ("https://www.dept.gov.uk:8443/", None),
            ("http://u:p@dept.gov.uk/x", Some(SectorUriProblem::NotHttps)),
            ("https://u@dept.gov.uk/x", Some(SectorUriProblem::UserInfo)),
            ("https://dept.gov.uk//", Some(SectorUriProblem::Path)),
            ("https://dept.gov.uk?#f", Some(SectorUriProblem::Query)),
            ("https://dept.gov.uk#f", Some(SectorUriProblem::Fragment)),
            ("https://./", Some(SectorUriProblem::EmptyHost)),
        ] {
            assert_eq!(problem(input), expected, "{input}");
        }
    }

    #[test]
    fn finds_hosts_not_written_canonically() {
        fn check(s: &str) -> Option<&str> {
            non_canonical_host(s, &Url::parse(s).unwrap())
        }
        assert_eq!(check("https://dept.gov.uk/cb"), None);
        assert_eq!(check("https://xn--bcher-kva.example"), None);
        assert_eq!(check("https://Dept.gov.uk/cb"), Some("Dept.gov.uk"));
        assert_eq!(check("https://dept.gov.uk./cb"), Some("dept.gov.uk."));
        assert_eq!(check("https://bücher.example"), Some("bücher.example"));
    }
}

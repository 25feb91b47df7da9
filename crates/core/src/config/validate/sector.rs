//! Sector rules: the sector identifier URI, several redirect hosts without one, hosts not
//! written as One Login hashes them, and share-users groups that would split a person's subject.

use std::collections::BTreeMap;

use url::Url;

use super::Problems;
use crate::config::checked::ServiceConfig;
use crate::config::problems::ProblemKind;
use crate::config::spec::ServiceSpec;
use crate::internal::redact_userinfo;
use crate::sector::{non_canonical_host, sector_host, sector_uri_problem, service_sector_host};

/// Checks a service's sector settings against its checked redirect URIs; returns the sector
/// identifier URI (if set and valid) and the derived sector host (empty if none). `start` is how
/// many problems were found before this service's checks began.
pub(super) fn service_sector(
    spec: &ServiceSpec,
    s: Option<&str>,
    redirect_uris: &[Url],
    start: usize,
    p: &mut Problems,
) -> (Option<Url>, String) {
    let sector_identifier_uri =
        spec.sector_identifier_uri
            .as_deref()
            .and_then(|raw| match Url::parse(raw) {
                Ok(u) if sector_uri_problem(&u).is_none() => Some(u),
                Ok(_) => {
                    p.push(
                    ProblemKind::BadSectorIdentifier,
                    s,
                    "sector_identifier_uri",
                    format!(
                        "`{}` is not an https URL with a host and no credentials, path, query or fragment.",
                        redact_userinfo(raw)
                    ),
                    "use the form https://my-department.gov.uk (only the host is used).".into(),
                );
                    None
                }
                Err(e) => {
                    p.push(
                        ProblemKind::BadSectorIdentifier,
                        s,
                        "sector_identifier_uri",
                        format!("`{raw}` is not a URL ({e})."),
                        "use the form https://my-department.gov.uk (only the host is used).".into(),
                    );
                    None
                }
            });
    if spec.sector_identifier_uri.is_none() {
        let mut hosts: Vec<String> = redirect_uris.iter().filter_map(sector_host).collect();
        hosts.dedup();
        hosts.sort();
        hosts.dedup();
        if hosts.len() > 1 {
            p.push(ProblemKind::SeveralHostsWithoutSector, s, "sector_identifier_uri",
                format!("the redirect URIs span several hosts ({}) and no sector identifier URI is set, which One Login refuses.", hosts.join(", ")),
                "set sector_identifier_uri to an https URL whose host names your sector, e.g. https://my-department.gov.uk.".into());
        }
    }
    // One Login hashes the host as registered: a host written in capitals, with a trailing dot or
    // in Unicode would give a different `sub` from the one this library (and the testkit) derive.
    let sector_source = match &spec.sector_identifier_uri {
        Some(raw) => Some(("sector_identifier_uri", raw.as_str())),
        None => spec
            .redirect_uris
            .first()
            .map(|r| ("redirect_uris", r.as_str())),
    };
    if let Some((field, raw)) = sector_source
        && let Ok(url) = Url::parse(raw)
        && let Some(written) = non_canonical_host(raw, &url)
    {
        p.push(
            ProblemKind::NonCanonicalHost,
            s,
            field,
            format!("the host `{written}` is not written as One Login hashes it for the sector."),
            format!(
                "write it exactly as `{}` (lower case, ASCII/punycode, no trailing dot), here and at registration.",
                sector_host(&url).unwrap_or_default()
            ),
        );
    }
    let sector =
        service_sector_host(sector_identifier_uri.as_ref(), redirect_uris).unwrap_or_default();
    if sector.is_empty() && !redirect_uris.is_empty() && p.len() == start {
        p.push(
            ProblemKind::BadSectorIdentifier,
            s,
            "redirect_uris",
            "no sector host can be derived from the first redirect URI.".into(),
            "use a redirect URI with a real host name, or set sector_identifier_uri.".into(),
        );
    }
    (sector_identifier_uri, sector)
}

/// Services in one share-users group must resolve to one sector.
pub(super) fn check_groups(services: &[ServiceConfig], p: &mut Problems) {
    let mut groups: BTreeMap<&str, Vec<&ServiceConfig>> = BTreeMap::new();
    for s in services {
        if let Some(g) = s.share_users_group.as_deref() {
            groups.entry(g).or_default().push(s);
        }
    }
    for (group, members) in groups {
        let first = members[0];
        for m in &members[1..] {
            if m.sector != first.sector {
                p.push(ProblemKind::GroupSectorMismatch, Some(m.name.as_str()), "sector_identifier_uri",
                    format!("the service is in share-users group `{group}` but its sector is `{}` while `{}`'s is `{}`, so One Login would give a person different subjects in each.",
                        m.sector, first.name, first.sector),
                    format!("give every service of group `{group}` the same sector_identifier_uri (e.g. https://{}), before any user signs in.", first.sector));
            }
        }
    }
}

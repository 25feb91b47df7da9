//! Table tests: how a sector is derived from URIs, and which sector identifier URIs are accepted.

mod common;

use common::{service, service_in, valid};
use govuk_one_login_sector::{Sector, SectorError, Url, check_sector_identifier_uri};

fn sector_of(uri: &str) -> Option<String> {
    let Ok(url) = Url::parse(uri) else {
        panic!("{uri} does not parse")
    };
    Sector::from_uri(&url).map(|s| s.as_str().to_owned())
}

const DERIVATION: &[(&str, &str)] = &[
    // plain
    ("https://tax.gov.uk/callback", "tax.gov.uk"),
    // ports
    ("https://tax.gov.uk:8443/callback", "tax.gov.uk"),
    ("https://tax.gov.uk:443/callback", "tax.gov.uk"),
    ("http://localhost:3000/callback", "localhost"),
    ("http://127.0.0.1:8080/callback", "127.0.0.1"),
    ("http://[::1]:8080/callback", "[::1]"),
    // case
    ("https://TAX.Gov.UK/callback", "tax.gov.uk"),
    ("https://WWW.TAX.GOV.UK/callback", "tax.gov.uk"),
    // www.
    ("https://www.tax.gov.uk/callback", "tax.gov.uk"),
    ("https://www.www.tax.gov.uk/callback", "www.tax.gov.uk"),
    ("https://wwwtax.gov.uk/callback", "wwwtax.gov.uk"),
    ("https://www2.tax.gov.uk/callback", "www2.tax.gov.uk"),
    ("https://tax.www.gov.uk/callback", "tax.www.gov.uk"),
    // trailing dots
    ("https://tax.gov.uk./callback", "tax.gov.uk"),
    ("https://www.tax.gov.uk.:8443/callback", "tax.gov.uk"),
    // IDN hosts
    ("https://bücher.example/callback", "xn--bcher-kva.example"),
    ("https://BÜCHER.example/callback", "xn--bcher-kva.example"),
    (
        "https://www.bücher.example/callback",
        "xn--bcher-kva.example",
    ),
    (
        "https://xn--bcher-kva.example/callback",
        "xn--bcher-kva.example",
    ),
    // paths, queries and credentials never matter
    ("https://tax.gov.uk/", "tax.gov.uk"),
    ("https://tax.gov.uk/a/b/c?x=1", "tax.gov.uk"),
    ("https://user:pw@tax.gov.uk/callback", "tax.gov.uk"),
];

#[test]
fn derives_the_sector_of_a_uri_like_one_login() {
    for (uri, expected) in DERIVATION {
        assert_eq!(sector_of(uri).as_deref(), Some(*expected), "{uri}");
    }
}

#[test]
fn derives_no_sector_for_uris_without_a_usable_host() {
    for uri in [
        "mailto:someone@tax.gov.uk",
        "data:text/plain,hello",
        "urn:fdc:gov.uk:2022:x",
    ] {
        assert_eq!(sector_of(uri), None, "{uri}");
    }
}

#[test]
fn a_service_without_sector_identifier_takes_its_first_redirect_uris_sector() {
    for (uri, expected) in DERIVATION.iter().filter(|(u, _)| !u.contains('@')) {
        // Core refuses hosts not written as One Login hashes them (capitals, trailing dots,
        // Unicode): One Login would derive a different sector from the registered text.
        let written = uri.split("://").nth(1).unwrap();
        let written = if written.starts_with('[') {
            &written[..=written.find(']').unwrap()]
        } else {
            written.split(['/', ':']).next().unwrap()
        };
        if Url::parse(uri).unwrap().host_str() != Some(written) || written.ends_with('.') {
            let problems = common::problems(vec![service("svc", &[uri])]);
            assert_eq!(problems.len(), 1, "{uri}");
            assert_eq!(
                problems[0].kind,
                govuk_one_login_core::ProblemKind::NonCanonicalHost,
                "{uri}"
            );
            continue;
        }
        let services = valid(vec![service("svc", &[uri])]);
        let sector = Sector::of_service(services.get("svc").unwrap());
        assert_eq!(sector.as_str(), *expected, "{uri}");
    }
}

#[test]
fn a_service_with_sector_identifier_takes_its_host_not_its_redirect_uris() {
    let services = valid(vec![service_in(
        "svc",
        &[
            "https://tax.dragons.gov.uk/cb",
            "https://licences.unicorns.gov.uk/cb",
        ],
        Some("https://www.mythical-creatures.gov.uk:8443/"),
        None,
    )]);
    let sector = Sector::of_service(services.get("svc").unwrap());
    assert_eq!(sector.as_str(), "mythical-creatures.gov.uk");
}

#[test]
fn derive_ignores_every_redirect_uri_but_the_first() {
    let first = Url::parse("https://www.tax.gov.uk/cb").unwrap();
    let other = Url::parse("https://licences.gov.uk/cb").unwrap();
    let sector = Url::parse("https://dragons.gov.uk").unwrap();
    let of = |s: Option<&Url>, r: &[Url]| Sector::derive(s, r).map(|s| s.to_string());
    assert_eq!(
        of(None, &[first.clone(), other.clone()]).as_deref(),
        Some("tax.gov.uk")
    );
    assert_eq!(
        of(None, &[other.clone(), first.clone()]).as_deref(),
        Some("licences.gov.uk")
    );
    assert_eq!(
        of(Some(&sector), &[first, other]).as_deref(),
        Some("dragons.gov.uk")
    );
    assert_eq!(of(None, &[]), None);
}

#[test]
fn accepts_sector_identifier_uris_of_the_shape_one_login_wants() {
    for (value, expected) in [
        (
            "https://mythical-creatures.gov.uk",
            "mythical-creatures.gov.uk",
        ),
        (
            "https://mythical-creatures.gov.uk/",
            "mythical-creatures.gov.uk",
        ),
        (
            "https://www.mythical-creatures.gov.uk",
            "mythical-creatures.gov.uk",
        ),
        (
            "https://mythical-creatures.gov.uk:8443",
            "mythical-creatures.gov.uk",
        ),
        ("https://xn--bcher-kva.example", "xn--bcher-kva.example"),
        (
            "  https://mythical-creatures.gov.uk  ",
            "mythical-creatures.gov.uk",
        ),
    ] {
        let sector = check_sector_identifier_uri(value).unwrap();
        assert_eq!(sector.as_str(), expected, "{value}");
    }
}

#[test]
fn rejects_sector_identifier_uris_one_login_would_refuse_or_hash_differently() {
    for (value, code) in [
        ("", "sector.empty"),
        ("   ", "sector.empty"),
        ("mythical-creatures.gov.uk", "sector.invalid_url"),
        ("https://", "sector.invalid_url"),
        ("https://exa mple.gov.uk", "sector.invalid_url"),
        ("http://mythical-creatures.gov.uk", "sector.not_https"),
        ("ftp://mythical-creatures.gov.uk", "sector.not_https"),
        (
            "https://user:secret@mythical-creatures.gov.uk",
            "sector.has_userinfo",
        ),
        (
            "https://user@mythical-creatures.gov.uk",
            "sector.has_userinfo",
        ),
        (
            "https://mythical-creatures.gov.uk/sector.json",
            "sector.has_path",
        ),
        ("https://mythical-creatures.gov.uk//", "sector.has_path"),
        ("https://mythical-creatures.gov.uk/?x=1", "sector.has_query"),
        ("https://mythical-creatures.gov.uk?", "sector.has_query"),
        (
            "https://mythical-creatures.gov.uk#top",
            "sector.has_fragment",
        ),
        (
            "https://Mythical-Creatures.gov.uk",
            "sector.host_not_canonical",
        ),
        (
            "HTTPS://WWW.MYTHICAL-CREATURES.GOV.UK",
            "sector.host_not_canonical",
        ),
        (
            "https://mythical-creatures.gov.uk.",
            "sector.host_not_canonical",
        ),
        ("https://bücher.example", "sector.host_not_canonical"),
        ("https://./", "sector.empty_host"),
    ] {
        let err = check_sector_identifier_uri(value).unwrap_err();
        assert_eq!(err.code(), code, "{value}: {err}");
    }
}

#[test]
fn non_canonical_host_error_names_the_host_to_write() {
    let err = check_sector_identifier_uri("https://WWW.Bücher.example.:8443/").unwrap_err();
    assert_eq!(
        err,
        SectorError::HostNotCanonical {
            value: "https://WWW.Bücher.example.:8443/".into(),
            written_host: "WWW.Bücher.example.".into(),
            canonical_host: "www.xn--bcher-kva.example".into(),
        }
    );
    assert!(
        err.to_string()
            .contains("https://www.xn--bcher-kva.example")
    );
}

#[test]
fn path_error_carries_the_path_and_suggests_the_host() {
    let err = check_sector_identifier_uri("https://dept.gov.uk/sector.json").unwrap_err();
    assert_eq!(
        err,
        SectorError::HasPath {
            value: "https://dept.gov.uk/sector.json".into(),
            path: "/sector.json".into(),
            host: "dept.gov.uk".into(),
        }
    );
    assert!(err.to_string().contains("e.g. https://dept.gov.uk"));
}

#[test]
fn sector_identifier_errors_never_show_credentials() {
    for value in [
        "https://user:secret@dept.gov.uk",
        "http://user:secret@dept.gov.uk",
        "https://user:secret@dept gov.uk",
    ] {
        let err = check_sector_identifier_uri(value).unwrap_err();
        let shown = format!("{err} {err:?}");
        assert!(!shown.contains("secret"), "{value}: {shown}");
    }
}

#[test]
fn every_accepted_sector_identifier_is_accepted_by_core_with_the_same_sector() {
    for value in [
        "https://mythical-creatures.gov.uk",
        "https://www.mythical-creatures.gov.uk/",
        "https://mythical-creatures.gov.uk:8443",
        "https://xn--bcher-kva.example",
    ] {
        let expected = check_sector_identifier_uri(value).unwrap();
        let services = valid(vec![service_in(
            "svc",
            &["https://tax.gov.uk/cb"],
            Some(value),
            None,
        )]);
        assert_eq!(
            Sector::of_service(services.get("svc").unwrap()),
            expected,
            "{value}"
        );
    }
}

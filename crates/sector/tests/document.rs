//! Sector identifier document bodies checked against the services naming them.

// Helpers and strategies outside #[test] functions unwrap too: a panic is a failed test.
#![allow(clippy::unwrap_used)]

mod common;

use common::{service, service_in, valid};
use govuk_one_login_core::{ServiceConfig, Services};
use govuk_one_login_sector::{
    MAX_SECTOR_DOCUMENT_BYTES, SectorDocumentError, Url, check_sector_document,
    parse_sector_document,
};
use proptest::prelude::*;
use proptest::test_runner::FileFailurePersistence;

const SECTOR: &str = "https://creatures.gov.uk";

fn creatures() -> Services {
    valid(vec![
        service_in(
            "dragons",
            &[
                "https://dragons.creatures.gov.uk/cb",
                "https://dragons.creatures.gov.uk/cb2",
            ],
            Some(SECTOR),
            Some("g"),
        ),
        service_in(
            "unicorns",
            &["https://unicorns.gov.uk/callback"],
            Some(SECTOR),
            Some("g"),
        ),
        service_in(
            "elsewhere",
            &["https://elsewhere.gov.uk/cb"],
            Some("https://other.gov.uk"),
            None,
        ),
        service("plain", &["https://plain.gov.uk/cb"]),
    ])
}

fn pick<'a>(services: &'a Services, names: &[&str]) -> Vec<&'a ServiceConfig> {
    names.iter().map(|n| services.get(n).unwrap()).collect()
}

fn code(body: &str, names: &[&str]) -> &'static str {
    let services = creatures();
    check_sector_document(body.as_bytes(), &pick(&services, names))
        .unwrap_err()
        .code()
}

#[test]
fn accepts_a_document_listing_every_redirect_uri_plus_others() {
    let services = creatures();
    let body = br#"[
        "https://unicorns.gov.uk/callback",
        "https://dragons.creatures.gov.uk/cb2",
        "https://dragons.creatures.gov.uk/cb",
        "https://someone-else.gov.uk/cb",
        "http://localhost:8080/cb"
    ]"#;
    check_sector_document(body, &pick(&services, &["dragons", "unicorns"])).unwrap();
}

#[test]
fn compares_entries_as_urls_not_as_text() {
    let services = creatures();
    let body = br#"["HTTPS://Unicorns.GOV.uk:443/callback"]"#;
    check_sector_document(body, &pick(&services, &["unicorns"])).unwrap();
}

#[test]
fn lists_every_missing_redirect_uri_with_its_service() {
    let services = creatures();
    let body = br#"["https://dragons.creatures.gov.uk/cb", "https://unicorns.gov.uk/callback/"]"#;
    let err = check_sector_document(body, &pick(&services, &["dragons", "unicorns"])).unwrap_err();
    assert_eq!(err.code(), "sector_document.missing_redirect_uris");
    let SectorDocumentError::MissingRedirectUris { missing } = &err else {
        panic!("unexpected {err:?}");
    };
    let pairs: Vec<(&str, &str)> = missing
        .iter()
        .map(|m| (m.service.as_str(), m.redirect_uri.as_str()))
        .collect();
    assert_eq!(
        pairs,
        [
            ("dragons", "https://dragons.creatures.gov.uk/cb2"),
            ("unicorns", "https://unicorns.gov.uk/callback"),
        ]
    );
    assert!(
        err.to_string().contains("does not list 2 redirect URI(s)"),
        "{err}"
    );
    assert!(
        err.to_string()
            .contains("https://unicorns.gov.uk/callback (service `unicorns`)")
    );
}

#[test]
fn rejects_a_body_that_is_not_json_with_its_position() {
    let services = creatures();
    let err = check_sector_document(
        b"[\n  \"https://a.gov.uk/\",\n  oops\n]",
        &pick(&services, &["unicorns"]),
    )
    .unwrap_err();
    let SectorDocumentError::NotJson { line, column, .. } = err else {
        panic!("unexpected {err:?}");
    };
    assert_eq!((line, column), (3, 3));
    assert_eq!(code("", &["unicorns"]), "sector_document.not_json");
}

#[test]
fn rejects_json_that_is_not_an_array() {
    let services = creatures();
    let err = check_sector_document(br#"{"redirect_uris": []}"#, &pick(&services, &["unicorns"]));
    assert_eq!(
        err,
        Err(SectorDocumentError::NotAnArray { found: "object" })
    );
    assert_eq!(
        code("\"https://unicorns.gov.uk/callback\"", &["unicorns"]),
        "sector_document.not_an_array"
    );
}

#[test]
fn rejects_entries_that_are_not_https_redirect_uris() {
    let services = creatures();
    let unicorns = pick(&services, &["unicorns"]);
    let check = |body: &str| parse_sector_document(body.as_bytes()).unwrap_err();
    assert_eq!(
        check(r#"["https://a.gov.uk/", 7]"#),
        SectorDocumentError::EntryNotAString {
            index: 1,
            found: "number"
        }
    );
    assert_eq!(
        check("[null]"),
        SectorDocumentError::EntryNotAString {
            index: 0,
            found: "null"
        }
    );
    assert_eq!(
        check(r#"["/callback"]"#).code(),
        "sector_document.entry_not_a_url"
    );
    assert_eq!(
        check(r#"["https://a.gov.uk/", "http://unicorns.gov.uk/callback"]"#),
        SectorDocumentError::EntryNotHttps {
            index: 1,
            value: "http://unicorns.gov.uk/callback".into()
        }
    );
    assert_eq!(
        check(r#"["ftp://a.gov.uk/"]"#).code(),
        "sector_document.entry_not_https"
    );
    assert_eq!(
        check(r##"["https://a.gov.uk/cb#x"]"##),
        SectorDocumentError::EntryHasFragment {
            index: 0,
            value: "https://a.gov.uk/cb#x".into()
        }
    );
    // The same errors come through the check against services.
    assert_eq!(
        check_sector_document(br#"[true]"#, &unicorns),
        Err(SectorDocumentError::EntryNotAString {
            index: 0,
            found: "boolean"
        })
    );
}

#[test]
fn accepts_http_entries_on_loopback_hosts_only() {
    let uris = parse_sector_document(
        br#"["http://127.0.0.1:3000/cb", "http://[::1]/cb", "http://localhost/cb"]"#,
    )
    .unwrap();
    assert_eq!(uris.len(), 3);
}

#[test]
fn rejects_a_body_larger_than_the_limit() {
    let mut body = b"[\"https://a.gov.uk/\"".to_vec();
    body.resize(MAX_SECTOR_DOCUMENT_BYTES + 1, b' ');
    assert_eq!(
        parse_sector_document(&body),
        Err(SectorDocumentError::TooLarge {
            limit: MAX_SECTOR_DOCUMENT_BYTES,
            actual: MAX_SECTOR_DOCUMENT_BYTES + 1
        })
    );
}

#[test]
fn rejects_checking_against_no_services() {
    assert_eq!(
        check_sector_document(b"[]", &[]),
        Err(SectorDocumentError::NoServices)
    );
}

#[test]
fn rejects_a_service_without_a_sector_identifier() {
    assert_eq!(
        code("[]", &["unicorns", "plain"]),
        "sector_document.service_without_sector_identifier"
    );
    let services = creatures();
    let err = check_sector_document(b"[]", &pick(&services, &["plain"])).unwrap_err();
    assert_eq!(
        err.to_string().split(';').next(),
        Some(
            "service `plain` has no sector identifier URI, so no sector identifier document applies to it"
        )
    );
}

#[test]
fn rejects_services_naming_different_sector_identifiers() {
    let services = creatures();
    let err = check_sector_document(
        b"[]",
        &pick(&services, &["dragons", "unicorns", "elsewhere"]),
    )
    .unwrap_err();
    assert_eq!(err.code(), "sector_document.different_sector_identifiers");
    let SectorDocumentError::DifferentSectorIdentifiers {
        service,
        first,
        expected,
        actual,
    } = err
    else {
        panic!("unexpected {err:?}");
    };
    assert_eq!(
        (
            service.as_str(),
            first.as_str(),
            expected.as_str(),
            actual.as_str()
        ),
        (
            "elsewhere",
            "dragons",
            "https://creatures.gov.uk/",
            "https://other.gov.uk/"
        )
    );
}

fn config() -> ProptestConfig {
    ProptestConfig {
        failure_persistence: Some(Box::new(FileFailurePersistence::WithSource("regressions"))),
        ..ProptestConfig::with_cases(64)
    }
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn parsing_any_body_never_panics(body in proptest::collection::vec(any::<u8>(), 0..256)) {
        let _ = parse_sector_document(&body);
    }

    #[test]
    fn a_document_of_the_services_redirect_uris_in_any_order_passes(
        extra in proptest::collection::vec("https://[a-z]{1,8}\\.gov\\.uk/[a-z]{0,6}", 0..4),
        seed in any::<u64>(),
    ) {
        let services = creatures();
        let chosen = pick(&services, &["dragons", "unicorns"]);
        let mut entries: Vec<String> = chosen
            .iter()
            .flat_map(|s| s.redirect_uris().iter().map(Url::to_string))
            .chain(extra)
            .collect();
        let len = entries.len();
        entries.rotate_left(usize::try_from(seed % len as u64).unwrap());
        let body = serde_json::to_vec(&entries).unwrap();
        prop_assert_eq!(check_sector_document(&body, &chosen), Ok(()));
    }

    #[test]
    fn a_document_lacking_one_redirect_uri_names_exactly_that_one(drop in 0usize..3) {
        let services = creatures();
        let chosen = pick(&services, &["dragons", "unicorns"]);
        let all: Vec<&Url> = chosen.iter().flat_map(|s| s.redirect_uris()).collect();
        let kept: Vec<String> = all.iter().enumerate().filter(|(i, _)| *i != drop).map(|(_, u)| u.to_string()).collect();
        let err = check_sector_document(&serde_json::to_vec(&kept).unwrap(), &chosen).unwrap_err();
        let SectorDocumentError::MissingRedirectUris { missing } = err else {
            return Err(TestCaseError::fail("expected missing redirect URIs"));
        };
        prop_assert_eq!(missing.len(), 1);
        prop_assert_eq!(&missing[0].redirect_uri, all[drop]);
    }
}

//! Core's services-file checks on sectors, pinned through the public core API, and the
//! `SectorReport` built on a checked set.

mod common;

use common::{problems, service, service_in, summary, valid};
use govuk_one_login_core::ProblemKind;
use govuk_one_login_sector::{Sector, SectorReport, SectorSource, Url};

const FIELD: &str = "sector_identifier_uri";

fn mismatch(service: &str) -> (ProblemKind, Option<String>, String) {
    (
        ProblemKind::GroupSectorMismatch,
        Some(service.into()),
        FIELD.into(),
    )
}

#[test]
fn reports_the_member_of_a_share_users_group_with_another_sector() {
    let found = problems(vec![
        service_in(
            "dragons",
            &["https://dragons.gov.uk/cb"],
            Some("https://creatures.gov.uk"),
            Some("g"),
        ),
        service_in(
            "unicorns",
            &["https://unicorns.gov.uk/cb"],
            Some("https://creatures.gov.uk"),
            Some("g"),
        ),
        service_in("fishing", &["https://fishing.gov.uk/cb"], None, Some("g")),
    ]);
    assert_eq!(summary(&found), [mismatch("fishing")]);
    let p = &found[0];
    assert_eq!(p.kind.code(), "config.group_sector_mismatch");
    assert!(p.message.contains("share-users group `g`"), "{}", p.message);
    assert!(p.message.contains("`fishing.gov.uk`") && p.message.contains("`creatures.gov.uk`"));
    assert!(p.fix.contains("https://creatures.gov.uk"), "{}", p.fix);
    assert!(
        p.to_string()
            .starts_with("service `fishing`, field `sector_identifier_uri`: ")
    );
}

#[test]
fn reports_every_mismatched_group_separately() {
    let found = problems(vec![
        service_in("a1", &["https://a.gov.uk/cb"], None, Some("a")),
        service_in("a2", &["https://a2.gov.uk/cb"], None, Some("a")),
        service_in(
            "b1",
            &["https://b.gov.uk/cb"],
            Some("https://b.gov.uk"),
            Some("b"),
        ),
        service_in(
            "b2",
            &["https://b.gov.uk/cb"],
            Some("https://other.gov.uk"),
            Some("b"),
        ),
        service_in(
            "b3",
            &["https://b.gov.uk/cb"],
            Some("https://b.gov.uk"),
            Some("b"),
        ),
        service_in("alone", &["https://elsewhere.gov.uk/cb"], None, None),
    ]);
    assert_eq!(summary(&found), [mismatch("a2"), mismatch("b2")]);
}

#[test]
fn accepts_a_group_whose_sectors_differ_only_in_www_port_or_source() {
    let services = valid(vec![
        service_in(
            "dragons",
            &["https://dragons.gov.uk/cb"],
            Some("https://creatures.gov.uk"),
            Some("g"),
        ),
        service_in(
            "unicorns",
            &["https://u.gov.uk/cb"],
            Some("https://www.creatures.gov.uk:8443/"),
            Some("g"),
        ),
        // No sector identifier URI: the first redirect URI's host is the same sector.
        service_in(
            "griffins",
            &[
                "https://www.creatures.gov.uk/griffins",
                "https://creatures.gov.uk/x",
            ],
            None,
            Some("g"),
        ),
    ]);
    let report = SectorReport::new(&services);
    assert!(report.shares_users("dragons", "unicorns"));
    assert!(report.shares_users("dragons", "griffins"));
    assert_eq!(report.sectors().len(), 1);
}

#[test]
fn reports_redirect_uris_on_several_hosts_without_a_sector_identifier() {
    let found = problems(vec![service(
        "licences",
        &[
            "https://licences.gov.uk/cb",
            "https://permits.gov.uk/cb",
            "https://www.licences.gov.uk/cb2",
        ],
    )]);
    assert_eq!(
        summary(&found),
        [(
            ProblemKind::SeveralHostsWithoutSector,
            Some("licences".into()),
            FIELD.into()
        )]
    );
    assert_eq!(found[0].kind.code(), "config.several_hosts_without_sector");
    assert!(
        found[0]
            .message
            .contains("(licences.gov.uk, permits.gov.uk)"),
        "{}",
        found[0].message
    );
    assert!(
        found[0].fix.contains("set sector_identifier_uri"),
        "{}",
        found[0].fix
    );
}

#[test]
fn accepts_several_hosts_once_a_sector_identifier_is_set() {
    let services = valid(vec![service_in(
        "licences",
        &["https://licences.gov.uk/cb", "https://permits.gov.uk/cb"],
        Some("https://licensing.gov.uk"),
        None,
    )]);
    assert_eq!(
        Sector::of_service(services.get("licences").unwrap()).as_str(),
        "licensing.gov.uk"
    );
}

#[test]
fn accepts_one_host_written_several_ways_without_a_sector_identifier() {
    let services = valid(vec![service(
        "licences",
        &[
            "https://licences.gov.uk/cb",
            "https://WWW.LICENCES.gov.uk:8443/other",
            "https://licences.gov.uk./x",
        ],
    )]);
    assert_eq!(
        Sector::of_service(services.get("licences").unwrap()).as_str(),
        "licences.gov.uk"
    );
}

#[test]
fn reports_sector_identifier_uris_one_login_refuses() {
    for bad in [
        "http://creatures.gov.uk",
        "https://creatures.gov.uk/sector.json",
        "https://creatures.gov.uk/?x=1",
        "https://creatures.gov.uk/#top",
        "creatures.gov.uk",
        "mailto:team@creatures.gov.uk",
    ] {
        let found = problems(vec![service_in(
            "svc",
            &["https://svc.gov.uk/cb"],
            Some(bad),
            None,
        )]);
        assert_eq!(
            summary(&found),
            [(
                ProblemKind::BadSectorIdentifier,
                Some("svc".into()),
                FIELD.into()
            )],
            "{bad}"
        );
        assert_eq!(found[0].kind.code(), "config.bad_sector_identifier");
        assert!(
            found[0].fix.contains("https://my-department.gov.uk"),
            "{bad}"
        );
    }
}

#[test]
fn core_groups_services_by_sector() {
    let services = valid(vec![
        service_in(
            "b",
            &["https://b.gov.uk/cb"],
            Some("https://shared.gov.uk"),
            None,
        ),
        service("c", &["https://c.gov.uk/cb"]),
        service_in(
            "a",
            &["https://a.gov.uk/cb"],
            Some("https://www.shared.gov.uk"),
            None,
        ),
    ]);
    let sectors = services.sectors();
    let names: Vec<(&str, Vec<&str>)> = sectors
        .iter()
        .map(|(s, v)| (s.as_str(), v.iter().map(|c| c.name().as_str()).collect()))
        .collect();
    assert_eq!(
        names,
        [("c.gov.uk", vec!["c"]), ("shared.gov.uk", vec!["b", "a"])]
    );
}

#[test]
fn report_lists_one_entry_per_sector_with_services_sorted_by_name() {
    let services = valid(vec![
        service_in(
            "zebra",
            &["https://z.gov.uk/cb"],
            Some("https://shared.gov.uk"),
            Some("g"),
        ),
        service("solo", &["https://solo.gov.uk/cb"]),
        service_in(
            "aardvark",
            &["https://a.gov.uk/cb"],
            Some("https://shared.gov.uk"),
            Some("g"),
        ),
    ]);
    let report = SectorReport::new(&services);
    let entries: Vec<(String, Vec<&str>, bool)> = report
        .sectors()
        .iter()
        .map(|e| {
            let names = e.services().iter().map(|m| m.name().as_str()).collect();
            (e.sector().to_string(), names, e.is_shared())
        })
        .collect();
    assert_eq!(
        entries,
        [
            ("shared.gov.uk".into(), vec!["aardvark", "zebra"], true),
            ("solo.gov.uk".into(), vec!["solo"], false),
        ]
    );
    assert_eq!(report.shared_sectors().count(), 1);
    let aardvark = &report.sectors()[0].services()[0];
    assert_eq!(aardvark.client_id().as_str(), "client-aardvark");
    assert_eq!(aardvark.share_users_group(), Some("g"));
    assert_eq!(
        aardvark.source(),
        &SectorSource::SectorIdentifierUri(Url::parse("https://shared.gov.uk").unwrap())
    );
    assert_eq!(
        report.sectors()[1].services()[0].source(),
        &SectorSource::FirstRedirectUri(Url::parse("https://solo.gov.uk/cb").unwrap())
    );
}

#[test]
fn shares_users_is_false_across_sectors_and_for_unknown_services() {
    let services = valid(vec![
        service("a", &["https://a.gov.uk/cb"]),
        service("b", &["https://b.gov.uk/cb"]),
    ]);
    let report = SectorReport::new(&services);
    assert!(!report.shares_users("a", "b"));
    assert!(!report.shares_users("a", "missing"));
    assert!(!report.shares_users("missing", "missing"));
    assert!(report.shares_users("a", "a"));
    assert_eq!(report.sector_of("b").map(Sector::as_str), Some("b.gov.uk"));
    assert_eq!(report.sector_of("missing"), None);
}

#[test]
fn report_shows_sectors_services_and_where_each_sector_comes_from() {
    let services = valid(vec![
        service_in(
            "dragons",
            &["https://dragons.gov.uk/cb"],
            Some("https://creatures.gov.uk"),
            Some("g"),
        ),
        service("fishing", &["https://fishing.gov.uk/cb"]),
    ]);
    assert_eq!(
        SectorReport::new(&services).to_string(),
        "sector creatures.gov.uk (users not shared):\n  \
         - dragons (client client-dragons), from sector_identifier_uri https://creatures.gov.uk/, group `g`\n\
         sector fishing.gov.uk (users not shared):\n  \
         - fishing (client client-fishing), from first redirect URI https://fishing.gov.uk/cb\n"
    );
}

#[test]
fn finds_services_sharing_a_sector_outside_their_declared_group() {
    let services = valid(vec![
        service_in(
            "dragons",
            &["https://dragons.gov.uk/cb"],
            Some("https://creatures.gov.uk"),
            Some("creatures"),
        ),
        service_in(
            "tax",
            &["https://tax.gov.uk/cb"],
            Some("https://creatures.gov.uk"),
            Some("money"),
        ),
        service_in("ungrouped", &["https://creatures.gov.uk/cb"], None, None),
        service("plain-1", &["https://plain.gov.uk/a"]),
        service("plain-2", &["https://plain.gov.uk/b"]),
    ]);
    let report = SectorReport::new(&services);
    let pairs: Vec<(&str, &str, &str)> = report
        .undeclared_sharing()
        .iter()
        .map(|u| {
            (
                u.sector.as_str(),
                u.first.name().as_str(),
                u.second.name().as_str(),
            )
        })
        .collect();
    assert_eq!(
        pairs,
        [
            ("creatures.gov.uk", "dragons", "tax"),
            ("creatures.gov.uk", "dragons", "ungrouped"),
            ("creatures.gov.uk", "tax", "ungrouped"),
        ]
    );
    assert_eq!(
        report.undeclared_sharing()[1].to_string(),
        "services `dragons` (group `creatures`) and `ungrouped` (no group) share sector \
         creatures.gov.uk and so see the same `sub` for a person"
    );
}

#[test]
fn testkit_style_subjects_follow_the_sector_grouping() {
    let services = valid(vec![
        service_in(
            "dragons",
            &["https://dragons.gov.uk/cb"],
            Some("https://creatures.gov.uk"),
            Some("g"),
        ),
        service_in(
            "unicorns",
            &["https://unicorns.gov.uk/cb"],
            Some("https://creatures.gov.uk"),
            Some("g"),
        ),
        service("fishing", &["https://fishing.gov.uk/cb"]),
    ]);
    let sub = |name: &str| {
        Sector::of_service(services.get(name).unwrap()).pairwise_subject("person", b"salt")
    };
    assert_eq!(sub("dragons"), sub("unicorns"));
    assert_ne!(sub("dragons"), sub("fishing"));
}

#[test]
fn refuses_a_sector_host_not_written_as_one_login_hashes_it() {
    // One Login hashes the host as registered: `Creatures.GOV.uk` would not be `creatures.gov.uk`.
    let problems = problems(vec![service_in(
        "unicorns",
        &["https://u.gov.uk/cb"],
        Some("https://WWW.Creatures.GOV.uk/"),
        None,
    )]);
    assert_eq!(problems.len(), 1);
    let p = &problems[0];
    assert_eq!(p.kind, ProblemKind::NonCanonicalHost);
    assert_eq!(p.field, "sector_identifier_uri");
    assert_eq!(
        p.fix,
        "write it exactly as `creatures.gov.uk` (lower case, ASCII/punycode, no trailing dot), here and at registration."
    );
}

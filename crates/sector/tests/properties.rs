//! Property tests: pairwise subjects are stable per sector and distinct across sectors; a
//! service's sector depends only on its sector identifier URI or first redirect URI.

// Helpers and strategies outside #[test] functions unwrap too: a panic is a failed test.
#![allow(clippy::unwrap_used)]

mod common;

use common::{service_in, valid};
use govuk_one_login_sector::{
    SUBJECT_PREFIX, Sector, Url, WALLET_SUBJECT_PREFIX, check_sector_identifier_uri,
    pairwise_subject, sector_host, wallet_subject_id,
};
use proptest::prelude::*;
use proptest::test_runner::FileFailurePersistence;

fn config() -> ProptestConfig {
    ProptestConfig {
        failure_persistence: Some(Box::new(FileFailurePersistence::WithSource("regressions"))),
        ..ProptestConfig::with_cases(64)
    }
}

/// A registrable host: lower-case DNS labels under a public suffix, sometimes with `www.`.
fn host() -> impl Strategy<Value = String> {
    (
        "(www\\.)?[a-z][a-z0-9-]{0,12}(\\.[a-z][a-z0-9]{0,8}){0,2}",
        "\\.(gov\\.uk|example|org)",
    )
        .prop_map(|(name, suffix)| format!("{name}{suffix}"))
}

/// A redirect URI on `host`: any path, query and port.
fn redirect_on(host: String) -> impl Strategy<Value = Url> {
    (
        "(/[a-z0-9]{0,8}){1,3}",
        proptest::option::of(1u16..=65535),
        "(\\?[a-z]=[0-9])?",
    )
        .prop_map(move |(path, port, query)| {
            let port = port.map(|p| format!(":{p}")).unwrap_or_default();
            Url::parse(&format!("https://{host}{port}{path}{query}")).unwrap()
        })
}

fn any_redirect() -> impl Strategy<Value = Url> {
    host().prop_flat_map(redirect_on)
}

/// The same host written differently: case, `www.`, trailing dot; none change the sector.
fn variant_of(host: String) -> impl Strategy<Value = String> {
    (any::<bool>(), any::<bool>(), any::<bool>()).prop_map(move |(upper, www, dot)| {
        let bare = host.strip_prefix("www.").unwrap_or(&host);
        let mut h = if www {
            format!("www.{bare}")
        } else {
            bare.to_owned()
        };
        if upper {
            h = h.to_ascii_uppercase();
        }
        if dot {
            h.push('.');
        }
        h
    })
}

/// Sector identifier URIs, about half of them acceptable: each part is usually well formed.
fn sector_identifier_candidate() -> impl Strategy<Value = String> {
    let scheme = prop_oneof![6 => Just("https"), 1 => Just("http"), 1 => Just("HTTPS")];
    let user = prop_oneof![9 => Just(""), 1 => Just("user@")];
    let www = prop_oneof![4 => Just(""), 4 => Just("www."), 1 => Just("WWW.")];
    let suffix = prop_oneof![6 => Just(".gov.uk"), 1 => Just(".Example"), 1 => Just(".gov.uk.")];
    let port =
        prop_oneof![4 => Just(String::new()), 1 => (1u16..=65535).prop_map(|p| format!(":{p}"))];
    let rest = prop_oneof![8 => Just(""), 4 => Just("/"), 1 => Just("/x"), 1 => Just("?a=1"), 1 => Just("#f")];
    (
        scheme,
        user,
        www,
        "[a-z][a-z0-9-]{0,10}",
        suffix,
        port,
        rest,
    )
        .prop_map(|(scheme, user, www, name, suffix, port, rest)| {
            format!("{scheme}://{user}{www}{name}{suffix}{port}{rest}")
        })
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn same_inputs_give_the_same_sub(
        sector in "[a-z0-9.-]{0,40}",
        id in "\\PC{0,40}",
        salt in proptest::collection::vec(any::<u8>(), 0..32),
    ) {
        let sub = pairwise_subject(&sector, &id, &salt);
        prop_assert_eq!(&sub, &pairwise_subject(&sector, &id, &salt));
        let hash = sub.strip_prefix(SUBJECT_PREFIX).unwrap();
        prop_assert_eq!(hash.len(), 43);
        prop_assert!(hash.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_'));
        let wallet = wallet_subject_id(&sector, &id);
        prop_assert_eq!(&wallet, &wallet_subject_id(&sector, &id));
        prop_assert!(wallet.starts_with(WALLET_SUBJECT_PREFIX));
    }

    #[test]
    fn different_sectors_give_different_subs(
        a in host(),
        b in host(),
        id in "[A-Za-z0-9:_-]{1,40}",
        salt in proptest::collection::vec(any::<u8>(), 0..32),
    ) {
        let (sa, sb) = (Sector::from_uri(&Url::parse(&format!("https://{a}/")).unwrap()).unwrap(),
                        Sector::from_uri(&Url::parse(&format!("https://{b}/")).unwrap()).unwrap());
        prop_assume!(sa != sb);
        prop_assert_ne!(sa.pairwise_subject(&id, &salt), sb.pairwise_subject(&id, &salt));
        prop_assert_ne!(sa.wallet_subject_id(&id), sb.wallet_subject_id(&id));
    }

    #[test]
    fn one_sector_gives_different_people_different_subs(
        sector in host(),
        a in "[A-Za-z0-9:_-]{1,40}",
        b in "[A-Za-z0-9:_-]{1,40}",
        salt in proptest::collection::vec(any::<u8>(), 0..32),
    ) {
        prop_assume!(a != b);
        prop_assert_ne!(pairwise_subject(&sector, &a, &salt), pairwise_subject(&sector, &b, &salt));
    }

    #[test]
    fn sector_ignores_the_order_of_redirect_uris_after_the_first(
        (first, others, shuffled) in (any_redirect(), proptest::collection::vec(any_redirect(), 0..6))
            .prop_flat_map(|(first, others)| {
                let shuffled = Just(others.clone()).prop_shuffle();
                (Just(first), Just(others), shuffled)
            }),
    ) {
        let list = |tail: &[Url]| [std::slice::from_ref(&first), tail].concat();
        let expected = Sector::from_uri(&first);
        prop_assert!(expected.is_some());
        prop_assert_eq!(&Sector::derive(None, &list(&others)), &expected);
        prop_assert_eq!(Sector::derive(None, &list(&shuffled)), expected);
    }

    #[test]
    fn sector_with_identifier_ignores_every_redirect_uri(
        sector in host(),
        (redirects, shuffled) in proptest::collection::vec(any_redirect(), 1..6)
            .prop_flat_map(|r| (Just(r.clone()), Just(r).prop_shuffle())),
    ) {
        let uri = Url::parse(&format!("https://{sector}")).unwrap();
        let expected = Sector::from_uri(&uri);
        prop_assert_eq!(&Sector::derive(Some(&uri), &redirects), &expected);
        prop_assert_eq!(Sector::derive(Some(&uri), &shuffled), expected);
    }

    #[test]
    fn checked_service_sector_ignores_the_order_of_same_sector_redirect_uris(
        (first, tail) in host().prop_flat_map(|h| {
            let tail = proptest::collection::vec(
                variant_of(h.clone()).prop_flat_map(redirect_on), 0..5).prop_shuffle();
            (redirect_on(h), tail)
        }),
    ) {
        let uris: Vec<String> =
            std::iter::once(&first).chain(&tail).map(|u| u.to_string()).collect();
        let uris: Vec<&str> = uris.iter().map(String::as_str).collect();
        let services = valid(vec![service_in("svc", &uris, None, None)]);
        let sector = Sector::of_service(services.get("svc").unwrap());
        prop_assert_eq!(Some(sector.as_str().to_owned()), sector_host(&first));
    }

    #[test]
    fn accepted_sector_identifiers_are_accepted_by_core_with_the_same_sector(
        value in sector_identifier_candidate(),
    ) {
        let ours = check_sector_identifier_uri(&value);
        let file = common::file(vec![service_in("svc", &["https://tax.gov.uk/cb"], Some(&value), None)]);
        match (ours, file.validate()) {
            (Ok(sector), Ok(services)) => {
                prop_assert_eq!(Sector::of_service(services.get("svc").unwrap()), sector);
            }
            (Ok(sector), Err(e)) => prop_assert!(false, "{value}: accepted as {sector}, core says {e}"),
            (Err(_), _) => {}
        }
    }

    #[test]
    fn checking_a_sector_identifier_never_panics(value in "\\PC{0,60}") {
        let _ = check_sector_identifier_uri(&value);
    }
}

//! Pins every `VerifyError` code: metrics and alerts key on these strings, so nesting the errors
//! by kind must not change one of them. Also pins the nesting itself: each kind's `Display` names
//! the stage and carries the specific reason, and `source()` reaches it.

use std::error::Error as _;

use govuk_one_login_core::ReplayStoreError;
use govuk_one_login_verify::{
    ClaimError, HeaderError, KeySelectionError, TokenFormError, TokenPart, VerifyError,
};

fn every_case() -> Vec<(VerifyError, &'static str)> {
    use ClaimError as C;
    use HeaderError as H;
    use KeySelectionError as K;
    use TokenFormError as F;
    let part = TokenPart::Payload;
    vec![
        (F::TooLarge { max: 1, actual: 2 }.into(), "token.too_large"),
        (F::Empty.into(), "token.empty"),
        (F::JsonSerialization.into(), "token.json_serialization"),
        (F::Encrypted.into(), "token.encrypted"),
        (F::Segments { segments: 2 }.into(), "token.segments"),
        (F::Base64 { part }.into(), "token.base64"),
        (F::NotJson { part }.into(), "token.not_json"),
        (
            F::DuplicateMember {
                part,
                name: "iss".into(),
            }
            .into(),
            "token.duplicate_member",
        ),
        (H::AlgorithmMissing.into(), "header.alg_missing"),
        (H::AlgorithmNone.into(), "header.alg_none"),
        (
            H::AlgorithmNotAllowed {
                expected: "ES256",
                actual: "HS256".into(),
            }
            .into(),
            "header.alg_not_allowed",
        ),
        (H::MemberType { name: "alg" }.into(), "header.member_type"),
        (H::Critical.into(), "header.crit"),
        (H::EmbeddedKey { name: "jwk" }.into(), "header.embedded_key"),
        (H::NestedToken.into(), "header.cty"),
        (
            H::UnexpectedType {
                expected: "JWT",
                actual: "at+jwt".into(),
            }
            .into(),
            "header.typ",
        ),
        (
            H::InvalidKid { reason: "empty" }.into(),
            "header.kid_invalid",
        ),
        (K::UnknownKid { kid: "k".into() }.into(), "key.unknown_kid"),
        (K::KidRequired { keys: 2 }.into(), "key.kid_required"),
        (K::NoKeys.into(), "key.none"),
        (
            K::AlgorithmMismatch {
                kid: "k".into(),
                key_algorithm: "RS256",
                token_algorithm: "ES256",
            }
            .into(),
            "key.alg_mismatch",
        ),
        (
            K::DidMismatch {
                expected: "did:web:a".into(),
                actual: "did:web:b".into(),
            }
            .into(),
            "key.did_mismatch",
        ),
        (VerifyError::SignatureInvalid, "signature.invalid"),
        (C::Missing { claim: "sub" }.into(), "claims.missing"),
        (
            C::WrongType {
                claim: "sub",
                expected: "a string",
            }
            .into(),
            "claims.type",
        ),
        (
            C::MalformedTime { claim: "exp" }.into(),
            "claims.malformed_time",
        ),
        (C::Forbidden { claim: "nonce" }.into(), "claims.forbidden"),
        (
            C::IssuerMismatch {
                expected: "a".into(),
                actual: "b".into(),
            }
            .into(),
            "claims.iss",
        ),
        (
            C::AudienceMismatch {
                expected: "a".into(),
                actual: vec!["b".into()],
            }
            .into(),
            "claims.aud",
        ),
        (
            C::AuthorizedPartyMismatch {
                expected: "a".into(),
                actual: "b".into(),
            }
            .into(),
            "claims.azp",
        ),
        (
            C::Expired {
                exp: 1,
                now: 2,
                leeway: 0,
            }
            .into(),
            "claims.expired",
        ),
        (
            C::NotYetValid {
                nbf: 2,
                now: 1,
                leeway: 0,
            }
            .into(),
            "claims.not_yet_valid",
        ),
        (
            C::IssuedInFuture {
                iat: 2,
                now: 1,
                leeway: 0,
            }
            .into(),
            "claims.iat_future",
        ),
        (C::NonceMismatch.into(), "claims.nonce"),
        (
            C::VotMismatch {
                expected: "Cl.Cm",
                actual: "Cl".into(),
            }
            .into(),
            "claims.vot",
        ),
        (
            C::TrustmarkMismatch {
                expected: "a".into(),
                actual: "b".into(),
            }
            .into(),
            "claims.vtm",
        ),
        (
            C::AuthenticationTooOld {
                auth_time: 1,
                max_age: 1,
                now: 3,
            }
            .into(),
            "claims.auth_time",
        ),
        (C::AccessTokenHashMismatch.into(), "claims.at_hash"),
        (C::SubjectMismatch.into(), "claims.sub"),
        (C::BadLogoutEvent { reason: "x" }.into(), "claims.events"),
        (C::BadCredential { reason: "x" }.into(), "claims.vc"),
        (VerifyError::Replayed, "logout.replayed"),
        (
            VerifyError::ReplayStore(ReplayStoreError::Full { capacity: 1 }),
            "logout.replay_store",
        ),
        (VerifyError::Crypto, "internal.crypto"),
    ]
}

#[test]
fn every_verify_error_keeps_its_code() {
    let cases = every_case();
    // The 44 reasons the flat enum had, one code each.
    assert_eq!(cases.len(), 44);
    let mut codes: Vec<&str> = cases.iter().map(|(_, c)| *c).collect();
    codes.sort_unstable();
    codes.dedup();
    assert_eq!(codes.len(), 44, "codes must stay distinct");
    for (err, code) in &cases {
        assert_eq!(err.code(), *code, "{err:?}");
    }
}

#[test]
fn each_kind_names_its_stage_and_chains_to_the_specific_reason() {
    for (err, _) in every_case() {
        let text = err.to_string();
        let inner: Option<String> = match &err {
            VerifyError::Form(e) => Some(e.to_string()),
            VerifyError::Header(e) => Some(e.to_string()),
            VerifyError::Key(e) => Some(e.to_string()),
            VerifyError::Claims(e) => Some(e.to_string()),
            VerifyError::ReplayStore(e) => Some(e.to_string()),
            _ => None,
        };
        match inner {
            Some(inner) => {
                assert!(text.contains(&inner), "{text:?} lacks {inner:?}");
                assert!(text.len() > inner.len(), "{text:?} names no stage");
                let source = err.source().map(ToString::to_string);
                assert_eq!(source.as_deref(), Some(inner.as_str()), "{err:?}");
            }
            None => assert!(err.source().is_none(), "{err:?}"),
        }
    }
}

#[test]
fn a_specific_reason_converts_into_its_kind() {
    assert_eq!(
        VerifyError::from(ClaimError::NonceMismatch),
        VerifyError::Claims(ClaimError::NonceMismatch)
    );
    assert_eq!(
        VerifyError::from(TokenFormError::Empty),
        VerifyError::Form(TokenFormError::Empty)
    );
}

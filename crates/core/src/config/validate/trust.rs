//! Trust and identity: the sign-in and identity vectors of trust, and the identity claims.

use super::Problems;
use crate::config::problems::ProblemKind;
use crate::config::spec::ServiceSpec;
use crate::types::ClaimName;
use crate::vtr::VectorOfTrust;

/// The sign-in vector of trust (`Cl.Cm` unless set); it must not ask for identity.
pub(super) fn sign_in_vtr(
    spec: &ServiceSpec,
    s: Option<&str>,
    p: &mut Problems,
) -> Option<VectorOfTrust> {
    match spec.vtr.as_deref() {
        None => Some(VectorOfTrust::AUTH_MEDIUM),
        Some(v) => match v.parse::<VectorOfTrust>() {
            Ok(v) if v.requests_identity() => {
                p.push(ProblemKind::IdentityInSignInVtr, s, "vtr",
                    format!("`{v}` asks for identity in the sign-in vector."),
                    "set vtr = \"Cl.Cm\" and put the identity vector in identity_vtr (One Login recommends separate sign-in and identity requests).".into());
                None
            }
            Ok(v) => Some(v),
            Err(e) => {
                p.push(
                    ProblemKind::InvalidVtr,
                    s,
                    "vtr",
                    format!("{e}."),
                    "use Cl or Cl.Cm.".into(),
                );
                None
            }
        },
    }
}

/// The identity vector of trust, if set; it must ask for a P level above P0.
pub(super) fn identity_vtr(
    spec: &ServiceSpec,
    s: Option<&str>,
    p: &mut Problems,
) -> Option<VectorOfTrust> {
    match spec.identity_vtr.as_deref() {
        None => None,
        Some(v) => {
            match v.parse::<VectorOfTrust>() {
                Ok(v) if v.requests_identity() => Some(v),
                Ok(v) => {
                    p.push(ProblemKind::IdentityVtrWithoutIdentity, s, "identity_vtr",
                    format!("`{v}` does not ask for an identity level above P0."),
                    "use Cl.Cm.P2 (or Cl.Cm.P1 / Cl.Cm.P3 as registered), or remove identity_vtr.".into());
                    None
                }
                Err(e) => {
                    p.push(
                        ProblemKind::InvalidVtr,
                        s,
                        "identity_vtr",
                        format!("{e}."),
                        "use Cl.Cm.P2 (medium identity), Cl.Cm.P1 or Cl.Cm.P3.".into(),
                    );
                    None
                }
            }
        }
    }
}

/// The identity claims, known and without duplicates; an identity service always asks for the
/// core identity JWT.
pub(super) fn claims(
    spec: &ServiceSpec,
    s: Option<&str>,
    wants_identity: bool,
    p: &mut Problems,
) -> Vec<ClaimName> {
    let mut claims = Vec::new();
    for raw in &spec.claims {
        match ClaimName::parse(raw) {
            Some(c) if !claims.contains(&c) => claims.push(c),
            Some(_) => {}
            None => p.push(ProblemKind::UnknownClaim, s, "claims",
                format!("`{raw}` is not a claim One Login offers."),
                "use https://vocab.account.gov.uk/v1/ followed by coreIdentityJWT, address, passport, drivingPermit or returnCode.".into()),
        }
    }
    if !spec.claims.is_empty() && !wants_identity {
        p.push(ProblemKind::ClaimsWithoutIdentity, s, "claims",
            "identity claims are listed but the service has no identity vector of trust, so One Login would never release them.".into(),
            "set identity_vtr = \"Cl.Cm.P2\", or remove claims.".into());
    }
    // Identity is proven by the core identity JWT: without it an identity request could never
    // return one, so an identity service always asks for it.
    if wants_identity && !claims.contains(&ClaimName::CoreIdentityJwt) {
        claims.insert(0, ClaimName::CoreIdentityJwt);
    }
    claims
}

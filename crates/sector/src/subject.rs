//! Pairwise subject identifiers and wallet subject identifiers, computed as One Login computes
//! them.

use aws_lc_rs::digest::{Context, SHA256};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

/// The prefix of every pairwise `sub` One Login issues.
pub const SUBJECT_PREFIX: &str = "urn:fdc:gov.uk:2022:";

/// The prefix of every `wallet_subject_id` One Login issues.
pub const WALLET_SUBJECT_PREFIX: &str = "urn:fdc:wallet.account.gov.uk:2024:";

/// The pairwise subject identifier (`sub`) One Login gives a person in a sector:
/// `urn:fdc:gov.uk:2022:` + base64url-no-pad(SHA-256(sector_host ‖ internal_subject_id ‖ salt)).
///
/// `sector_host` is hashed exactly as given: pass [`Sector::as_str`](crate::Sector::as_str) so it
/// is in the form One Login derives. `salt` is the person's salt (One Login keeps one per account,
/// not per service), so two services in one sector see the same `sub` and services in different
/// sectors see unrelated ones. The result is 63 characters long; relying parties must still treat
/// a `sub` as an opaque string.
///
/// ```
/// use govuk_one_login_sector::{SUBJECT_PREFIX, pairwise_subject};
/// let sub = pairwise_subject("mythical-creatures.gov.uk", "internal-id", b"salt");
/// assert!(sub.starts_with(SUBJECT_PREFIX));
/// assert_eq!(sub, pairwise_subject("mythical-creatures.gov.uk", "internal-id", b"salt"));
/// assert_ne!(sub, pairwise_subject("tax.mythical-creatures.gov.uk", "internal-id", b"salt"));
/// ```
pub fn pairwise_subject(sector_host: &str, internal_subject_id: &str, salt: &[u8]) -> String {
    let mut ctx = Context::new(&SHA256);
    ctx.update(sector_host.as_bytes());
    ctx.update(internal_subject_id.as_bytes());
    ctx.update(salt);
    prefixed(SUBJECT_PREFIX, ctx)
}

/// The `wallet_subject_id` claim One Login returns with the `wallet-subject-id` scope:
/// `urn:fdc:wallet.account.gov.uk:2024:` + base64url-no-pad(SHA-256(sector_host ‖
/// common_subject_id)).
///
/// `common_subject_id` is One Login's internal common subject identifier for the person (the
/// same for every service); compare the result with the value GOV.UK Wallet sends.
///
/// ```
/// use govuk_one_login_sector::{WALLET_SUBJECT_PREFIX, wallet_subject_id};
/// let id = wallet_subject_id("mythical-creatures.gov.uk", "common-id");
/// assert!(id.starts_with(WALLET_SUBJECT_PREFIX));
/// ```
pub fn wallet_subject_id(sector_host: &str, common_subject_id: &str) -> String {
    let mut ctx = Context::new(&SHA256);
    ctx.update(sector_host.as_bytes());
    ctx.update(common_subject_id.as_bytes());
    prefixed(WALLET_SUBJECT_PREFIX, ctx)
}

fn prefixed(prefix: &str, ctx: Context) -> String {
    let digest = ctx.finish();
    let mut out = String::with_capacity(prefix.len() + 43);
    out.push_str(prefix);
    URL_SAFE_NO_PAD.encode_string(digest.as_ref(), &mut out);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    // Expected values computed independently with
    // `printf 'tax.gov.ukuser-1salt' | openssl dgst -sha256 -binary | base64 | tr '+/' '-_' | tr -d =`
    // and Python's hashlib.
    #[test]
    fn pairwise_subject_matches_an_independent_sha256() {
        assert_eq!(
            pairwise_subject("tax.gov.uk", "user-1", b"salt"),
            "urn:fdc:gov.uk:2022:Wc33pgTOkdU2XEWijsxudTA9KPjCWM0zLYZoFNFNmd0"
        );
        assert_eq!(
            pairwise_subject(
                "mythical-creatures.gov.uk",
                "urn:fdc:gov.uk:2022:internal",
                &[0, 1, 2, 255]
            ),
            "urn:fdc:gov.uk:2022:EHgMBkOXaNXyntvBltwxEwNRPorcPiOtKzvlxt02R4o"
        );
    }

    #[test]
    fn wallet_subject_id_matches_an_independent_sha256() {
        assert_eq!(
            wallet_subject_id("tax.gov.uk", "user-1"),
            "urn:fdc:wallet.account.gov.uk:2024:ujJqMtCyZciWFDmz00KoQPHUU0SDpSQ-tLdnnobF9Q4"
        );
        assert_eq!(
            wallet_subject_id("bücher.example", "pérson"),
            "urn:fdc:wallet.account.gov.uk:2024:TY9-xDNCTKemftpJLZt49NA1THGEgnJJEZ4YqpmwU-0"
        );
    }

    #[test]
    fn pairwise_subject_has_no_padding_and_a_fixed_length() {
        let sub = pairwise_subject("", "", b"");
        assert_eq!(sub.len(), SUBJECT_PREFIX.len() + 43);
        assert!(!sub.contains('='));
    }

    #[test]
    fn wallet_id_equals_pairwise_hash_with_empty_salt_but_not_its_prefix() {
        let sub = pairwise_subject("tax.gov.uk", "user-1", b"");
        let wallet = wallet_subject_id("tax.gov.uk", "user-1");
        assert_eq!(
            sub.strip_prefix(SUBJECT_PREFIX),
            wallet.strip_prefix(WALLET_SUBJECT_PREFIX)
        );
        assert_ne!(sub, wallet);
    }
}

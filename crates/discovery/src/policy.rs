//! How long a document stays fresh, and how long it may be served stale.

use std::time::Duration;

/// The cache policy of a [`ProviderCache`](crate::ProviderCache): how a document's freshness is
/// computed from its `Cache-Control`, how long a last-known-good copy may be served while the
/// provider fails, and how often an unknown `kid` may trigger a refresh.
///
/// Every default follows One Login's guidance (ONE-LOGIN.md §1.3, §5.3, §7.3): the discovery
/// document and the JWKS are sent with `Cache-Control: max-age=86400`, the DID document with
/// `max-age=3600, private`; relying parties are told to honour them, and to keep using the cached
/// copy during an outage.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CachePolicy {
    /// The shortest time a document is considered fresh, whatever `Cache-Control` says
    /// (`max-age=0`, `no-cache`, `no-store` included). Default **60 s**: a misconfigured CDN
    /// answering `no-store` must not turn every token verification into a request to One Login,
    /// whose firewall blocks unusual request volumes (ONE-LOGIN.md §11.2).
    pub min_ttl: Duration,
    /// The longest time a document is considered fresh, whatever `Cache-Control` says. Default
    /// **86,400 s (24 h)**, One Login's own `max-age` for discovery and the JWKS: a longer
    /// lifetime would only delay seeing a rotated or revoked key. If `min_ttl` is larger,
    /// `min_ttl` wins.
    pub max_ttl: Duration,
    /// The lifetime of a document sent without a usable `max-age`. Default **3,600 s (1 h)**, the
    /// shortest lifetime One Login uses (the DID document's): safe for every document.
    pub default_ttl: Duration,
    /// How long after its freshness ended a last-known-good document is still served when a
    /// refresh fails (stale-if-error). Default **86,400 s (24 h)**: One Login tells relying
    /// parties to keep trusting cached keys during an outage, keys are rotated at most weekly
    /// (integration) or twice a year (production) and are published before use, so a day covers
    /// any outage short of a disaster while still bounding how long a key removed during an
    /// outage (an emergency rotation) can be trusted. After it, a typed
    /// [`DiscoveryError::Stale`](crate::DiscoveryError::Stale) is returned.
    pub max_stale: Duration,
    /// After a refresh of the JWKS or DID document triggered by an unknown `kid`, how long a
    /// token with an unknown `kid` fails at once instead of triggering another. Only those
    /// refreshes start the cool-down: a regular fetch (first use, expiry, warm-up, refresh
    /// ahead) does not, because a provider may publish a key and sign with it at once (GDS's
    /// simulator does), so a `kid` unknown a second after a regular fetch still gets its one
    /// refresh. Default **60 s**: an unknown `kid` is almost always bogus; one request a minute
    /// per issuer bounds what a flood of forged tokens can make us send, while a genuine
    /// rotation is picked up at the next unknown-`kid` refresh, within a minute at worst.
    pub unknown_kid_cooldown: Duration,
    /// After a failed fetch, how long no new fetch of that document is attempted: callers get
    /// the last-known-good copy (within `max_stale`) or the same error at once. Default **30 s**:
    /// during an outage each instance sends at most two requests a minute per document instead
    /// of one per sign-in, and recovers within half a minute of the provider.
    pub retry_after_error: Duration,
    /// The largest document accepted, enforced by the transport while reading. Default
    /// **256 KiB**: One Login's documents are a few KiB (the discovery document about 3 KiB, the
    /// JWKS and DID document under 2 KiB each); the cap stops a broken or hostile endpoint from
    /// filling memory.
    pub max_document_bytes: usize,
    /// How long before a document expires [`ProviderCache::refresh_due`](crate::ProviderCache::refresh_due)
    /// refreshes it, capped at a tenth of the document's lifetime. Default **300 s (5 min)**:
    /// One Login asks relying parties to poll the JWKS so that they see new keys before a
    /// rotation, and a request path should never wait for an expired document; five minutes
    /// leave room for ten attempts (at [`retry_after_error`](Self::retry_after_error)) before
    /// the copy expires, and cost one request per document per lifetime, as without it. The
    /// cap keeps a short-lived document (a `max-age` near [`min_ttl`](Self::min_ttl)) from
    /// being refreshed much more often than its `Cache-Control` allows: a 60 s document is
    /// refreshed after 54 s. `Duration::ZERO` makes `refresh_due` refresh expired documents
    /// only.
    pub refresh_ahead: Duration,
    /// How much earlier still this cache instance refreshes ahead of expiry, on top of
    /// [`refresh_ahead`](Self::refresh_ahead) and capped at the same margin. Default **zero**.
    /// It is a fixed offset, never random, so that the schedule is reproducible (under a
    /// `TestClock` a test knows every due time); a fleet of instances started together should
    /// each set a different value, e.g. drawn once per process from `0..=refresh_ahead`, so
    /// that they do not all refresh in the same second.
    pub refresh_jitter: Duration,
}

/// The default minimum freshness (see [`CachePolicy::min_ttl`]).
pub const DEFAULT_MIN_TTL: Duration = Duration::from_secs(60);
/// The default maximum freshness (see [`CachePolicy::max_ttl`]).
pub const DEFAULT_MAX_TTL: Duration = Duration::from_secs(86_400);
/// The default freshness without `max-age` (see [`CachePolicy::default_ttl`]).
pub const DEFAULT_TTL: Duration = Duration::from_secs(3_600);
/// The default stale-if-error window (see [`CachePolicy::max_stale`]).
pub const DEFAULT_MAX_STALE: Duration = Duration::from_secs(86_400);
/// The default unknown-`kid` cool-down (see [`CachePolicy::unknown_kid_cooldown`]).
pub const DEFAULT_UNKNOWN_KID_COOLDOWN: Duration = Duration::from_secs(60);
/// The default pause after a failed fetch (see [`CachePolicy::retry_after_error`]).
pub const DEFAULT_RETRY_AFTER_ERROR: Duration = Duration::from_secs(30);
/// The default document size cap (see [`CachePolicy::max_document_bytes`]).
pub const DEFAULT_MAX_DOCUMENT_BYTES: usize = 256 * 1024;
/// The default refresh-ahead margin (see [`CachePolicy::refresh_ahead`]).
pub const DEFAULT_REFRESH_AHEAD: Duration = Duration::from_secs(300);

impl Default for CachePolicy {
    fn default() -> Self {
        Self {
            min_ttl: DEFAULT_MIN_TTL,
            max_ttl: DEFAULT_MAX_TTL,
            default_ttl: DEFAULT_TTL,
            max_stale: DEFAULT_MAX_STALE,
            unknown_kid_cooldown: DEFAULT_UNKNOWN_KID_COOLDOWN,
            retry_after_error: DEFAULT_RETRY_AFTER_ERROR,
            max_document_bytes: DEFAULT_MAX_DOCUMENT_BYTES,
            refresh_ahead: DEFAULT_REFRESH_AHEAD,
            refresh_jitter: Duration::ZERO,
        }
    }
}

impl CachePolicy {
    /// How long a response with these `Cache-Control` and `Age` header values stays fresh:
    /// `max-age` less `Age` (RFC 9111 §4.2), `no-store`/`no-cache` as zero, the
    /// [`default_ttl`](Self::default_ttl) without a usable `max-age`; then clamped to
    /// [`min_ttl`](Self::min_ttl)..=[`max_ttl`](Self::max_ttl) (`min_ttl` wins if they cross).
    pub fn freshness(&self, cache_control: Option<&str>, age: Option<&str>) -> Duration {
        let lifetime = match cache_control.map(parse_cache_control) {
            Some(Directives { no_store: true, .. }) => Duration::ZERO,
            Some(Directives {
                max_age: Some(max_age),
                ..
            }) => {
                let age = age.and_then(|a| a.trim().parse::<u64>().ok()).unwrap_or(0);
                Duration::from_secs(max_age.saturating_sub(age))
            }
            _ => self.default_ttl,
        };
        lifetime.min(self.max_ttl).max(self.min_ttl)
    }
}

struct Directives {
    max_age: Option<u64>,
    no_store: bool,
}

fn parse_cache_control(value: &str) -> Directives {
    let mut directives = Directives {
        max_age: None,
        no_store: false,
    };
    for part in value.split(',') {
        let (name, arg) = match part.split_once('=') {
            Some((n, a)) => (n.trim(), Some(a.trim().trim_matches('"'))),
            None => (part.trim(), None),
        };
        if name.eq_ignore_ascii_case("no-store") || name.eq_ignore_ascii_case("no-cache") {
            directives.no_store = true;
        } else if name.eq_ignore_ascii_case("max-age") {
            // A repeated or malformed max-age makes the response stale (RFC 9111 §4.2.1): it is
            // treated as zero, so the minimum TTL applies.
            match (directives.max_age, arg.and_then(|a| a.parse::<u64>().ok())) {
                (None, Some(secs)) => directives.max_age = Some(secs),
                _ => {
                    directives.max_age = None;
                    directives.no_store = true;
                }
            }
        }
    }
    directives
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn secs(n: u64) -> Duration {
        Duration::from_secs(n)
    }

    #[test]
    fn honours_one_logins_max_age_values() {
        let p = CachePolicy::default();
        assert_eq!(p.freshness(Some("max-age=86400"), None), secs(86_400));
        assert_eq!(
            p.freshness(Some("max-age=3600, private"), None),
            secs(3_600)
        );
        assert_eq!(
            p.freshness(Some("public, MAX-AGE=\"120\""), None),
            secs(120)
        );
    }

    #[test]
    fn clamps_max_age_to_the_configured_bounds() {
        let p = CachePolicy::default();
        assert_eq!(p.freshness(Some("max-age=5"), None), secs(60));
        assert_eq!(p.freshness(Some("max-age=31536000"), None), secs(86_400));
        assert_eq!(p.freshness(Some("max-age=0"), None), secs(60));
        assert_eq!(p.freshness(Some("no-store"), None), secs(60));
        assert_eq!(p.freshness(Some("no-cache, max-age=600"), None), secs(60));
    }

    #[test]
    fn uses_the_default_ttl_without_max_age() {
        let p = CachePolicy::default();
        assert_eq!(p.freshness(None, None), secs(3_600));
        assert_eq!(p.freshness(Some("private"), None), secs(3_600));
        assert_eq!(p.freshness(Some("s-maxage=10"), None), secs(3_600));
    }

    #[test]
    fn treats_malformed_or_repeated_max_age_as_stale() {
        let p = CachePolicy::default();
        assert_eq!(p.freshness(Some("max-age=abc"), None), secs(60));
        assert_eq!(p.freshness(Some("max-age=-5"), None), secs(60));
        assert_eq!(
            p.freshness(Some("max-age=600, max-age=900"), None),
            secs(60)
        );
    }

    #[test]
    fn subtracts_the_age_header() {
        let p = CachePolicy::default();
        assert_eq!(
            p.freshness(Some("max-age=86400"), Some("400")),
            secs(86_000)
        );
        assert_eq!(p.freshness(Some("max-age=100"), Some("99999")), secs(60));
        assert_eq!(p.freshness(Some("max-age=7200"), Some("junk")), secs(7_200));
    }

    #[test]
    fn min_ttl_wins_when_bounds_cross() {
        let p = CachePolicy {
            min_ttl: secs(500),
            max_ttl: secs(100),
            ..CachePolicy::default()
        };
        assert_eq!(p.freshness(Some("max-age=300"), None), secs(500));
    }

    proptest! {
        #[test]
        fn freshness_is_always_within_bounds(cc in proptest::option::of(".{0,64}"),
                                             age in proptest::option::of("[0-9a-z]{0,12}"),
                                             min in 0u64..10_000, extra in 0u64..100_000) {
            let p = CachePolicy {
                min_ttl: secs(min),
                max_ttl: secs(min + extra),
                ..CachePolicy::default()
            };
            let f = p.freshness(cc.as_deref(), age.as_deref());
            prop_assert!(f >= p.min_ttl && f <= p.max_ttl);
        }

        #[test]
        fn max_age_within_bounds_is_used_exactly(n in 60u64..=86_400) {
            let p = CachePolicy::default();
            prop_assert_eq!(p.freshness(Some(&format!("max-age={n}")), None), secs(n));
        }
    }
}

//! Provider documents fetched before they are needed: warm-up at start-up and refresh ahead of
//! expiry.

use std::time::Duration;

use govuk_one_login_discovery::{
    DiscoveryError, DocumentKind, Freshness, RefreshOutcome, UnsupportedAlgorithm, WarmUpReport,
};

use super::OneLogin;

/// The longest [`OneLogin::keep_fresh`] sleeps between two looks at the caches.
const KEEP_FRESH_MAX_SLEEP_SECS: i64 = 300;
/// The longest it sleeps while a document sign-ins need was never fetched.
const MISSING_RETRY_MAX_SECS: u64 = 30;

impl OneLogin {
    /// Fetches the provider's metadata, JWKS and DID document once, at start-up, so that the
    /// first sign-in does not wait for them and a broken configuration shows at once. Each
    /// document succeeds or fails on its own: [`WarmUpReport::is_ready`] says whether sign-ins
    /// can proceed; a missing DID document only matters to services that prove identity.
    pub async fn warm_up(&self) -> WarmUpReport {
        let report = self.provider.warm_up().await;
        record_failures("warm_up", report.errors());
        report
    }

    /// The services whose ID-token or client-assertion algorithm the provider's metadata does
    /// not advertise: One Login would refuse their sign-ins. Call it after
    /// [`OneLogin::warm_up`] and refuse to start when it is not empty.
    ///
    /// # Errors
    /// [`DiscoveryError`] when the metadata cannot be had.
    pub async fn unsupported_algorithms(
        &self,
    ) -> Result<Vec<UnsupportedAlgorithm>, DiscoveryError> {
        let metadata = self.provider.metadata().await?;
        Ok(self
            .iter()
            .flat_map(|rp| metadata.unsupported_algorithms(rp.config()))
            .collect())
    }

    /// Refreshes, once, every provider document close to expiry (one request per document
    /// however many services share the provider). [`OneLogin::keep_fresh`] calls it in a loop.
    pub async fn refresh_due(&self) -> RefreshOutcome {
        let outcome = self.provider.refresh_due().await;
        record_failures("refresh_ahead", outcome.failures());
        outcome
    }

    /// Keeps the provider's documents fresh for as long as it runs, as One Login asks ("poll
    /// it regularly so you see new keys before a rotation"): each document is refreshed shortly
    /// before it expires, and a failed refresh is retried after the cache's pause, while the
    /// cached copy stays in use. Spawn it once per process:
    /// `tokio::spawn(one_login.clone().keep_fresh())`.
    ///
    /// It sleeps on tokio's timer between refreshes, for at least one second and at most five
    /// minutes at a time (so that a changed clock or a document cached in between is seen).
    pub async fn keep_fresh(self) {
        loop {
            let wait = self.keep_fresh_once().await;
            tokio::time::sleep(wait).await;
        }
    }

    /// One turn of [`OneLogin::keep_fresh`]: refreshes what is due, fetches any document sign-ins
    /// need that was never fetched (the start-up warm-up failed: One Login or the network was
    /// down), and says how long to sleep before the next turn (at least one second, at most five
    /// minutes; while a needed document is missing, the cache's pause after an error, at most 30
    /// seconds, so that an instance started during an outage becomes ready soon after it ends).
    pub async fn keep_fresh_once(&self) -> Duration {
        self.refresh_due().await;
        if self.fetch_missing().await {
            let pause = self.provider.policy().retry_after_error.as_secs();
            return Duration::from_secs(pause.clamp(1, MISSING_RETRY_MAX_SECS));
        }
        let now = self.clock.now_unix();
        let wait = self
            .provider
            .next_refresh_at()
            .map_or(KEEP_FRESH_MAX_SLEEP_SECS, |at| at.saturating_sub(now))
            .clamp(1, KEEP_FRESH_MAX_SLEEP_SECS);
        Duration::from_secs(wait.unsigned_abs())
    }
}

impl OneLogin {
    /// Fetches the documents sign-ins need that were never fetched: the discovery document and
    /// the JWKS, and the DID document when a service proves identity. A fetch that failed less
    /// than the cache's pause ago is not tried again (the cache answers with its error at once).
    /// Returns whether one is still missing.
    async fn fetch_missing(&self) -> bool {
        let health = self.provider.health();
        let missing = |f: Freshness| f == Freshness::Missing;
        let mut still_missing = false;
        if missing(health.discovery.freshness) || missing(health.jwks.freshness) {
            let failed = match self.provider.metadata().await {
                Err(e) => Some((DocumentKind::Discovery, e)),
                Ok(_) => self
                    .provider
                    .keys()
                    .await
                    .err()
                    .map(|e| (DocumentKind::Jwks, e)),
            };
            if let Some((document, e)) = &failed {
                record_failures("fetch_missing", std::iter::once((*document, e)));
                still_missing = true;
            }
        }
        if self.needs_did()
            && missing(health.did.freshness)
            && let Err(e) = self.provider.did_document().await
        {
            record_failures(
                "fetch_missing",
                std::iter::once((DocumentKind::DidDocument, &e)),
            );
            still_missing = true;
        }
        still_missing
    }
}

/// One failure outcome event per document that `operation` could not fetch.
fn record_failures<'e>(
    operation: &'static str,
    failures: impl Iterator<Item = (DocumentKind, &'e DiscoveryError)>,
) {
    for (document, error) in failures {
        tracing::warn!(
            target: "govuk_one_login::outcome",
            operation, document = document.as_str(),
            outcome = "failure", code = error.code()
        );
    }
}

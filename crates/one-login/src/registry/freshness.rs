//! Provider documents fetched before they are needed: warm-up at start-up and refresh ahead of
//! expiry.

use std::time::Duration;

use govuk_one_login_discovery::{
    DiscoveryError, DocumentKind, RefreshOutcome, UnsupportedAlgorithm, WarmUpReport,
};

use super::OneLogin;

/// The longest [`OneLogin::keep_fresh`] sleeps between two looks at the caches.
const KEEP_FRESH_MAX_SLEEP_SECS: i64 = 300;

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

    /// One turn of [`OneLogin::keep_fresh`]: refreshes what is due and says how long to sleep
    /// before the next turn (at least one second, at most five minutes).
    pub async fn keep_fresh_once(&self) -> Duration {
        self.refresh_due().await;
        let now = self.clock.now_unix();
        let wait = self
            .provider
            .next_refresh_at()
            .map_or(KEEP_FRESH_MAX_SLEEP_SECS, |at| at.saturating_sub(now))
            .clamp(1, KEEP_FRESH_MAX_SLEEP_SECS);
        Duration::from_secs(wait.unsigned_abs())
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

//! Recording the metrics of [`crate::metrics`]: the one place that builds their labels.

use std::time::{Duration, Instant};

use metrics::Label;

use crate::transport::{HttpRequest, HttpResponse, HttpTransport, TransportError};

use crate::metrics::{
    KEY_REFRESHES, PROVIDER_REQUEST_DURATION, PROVIDER_REQUESTS, STALE_DOCUMENTS_SERVED,
};

/// The labels of one service: recorded with every per-service metric.
#[derive(Debug, Clone)]
pub struct ServiceLabels {
    labels: Vec<Label>,
}

impl ServiceLabels {
    pub fn new(service: &str, client_id: &str) -> Self {
        Self {
            labels: vec![
                Label::new("service", service.to_owned()),
                Label::new("client_id", client_id.to_owned()),
            ],
        }
    }

    /// No service: for requests refused before their service is known.
    pub fn none() -> Self {
        Self { labels: Vec::new() }
    }

    /// Adds one to `name` for this service, with `outcome` and, for a failure, its `code`.
    pub fn count(&self, name: &'static str, outcome: &'static str, code: Option<&'static str>) {
        let mut labels = self.labels.clone();
        labels.push(Label::from_static_parts("outcome", outcome));
        if let Some(code) = code {
            labels.push(Label::from_static_parts("code", code));
        }
        metrics::counter!(name, labels).increment(1);
    }

    /// Adds one to `name` for this service, with no other label.
    pub fn count_plain(&self, name: &'static str) {
        metrics::counter!(name, self.labels.clone()).increment(1);
    }

    /// Records `elapsed` in the histogram `name` for this service.
    pub fn seconds(&self, name: &'static str, elapsed: Duration) {
        metrics::histogram!(name, self.labels.clone()).record(elapsed.as_secs_f64());
    }
}

/// Counts a sign-in failure no service can claim (a callback naming no pending sign-in of the
/// browser), under no service: the facade's dispatch and the web integration both count these.
pub fn unclaimed_sign_in(code: &'static str) {
    ServiceLabels::none().count(crate::metrics::SIGN_INS, "failure", Some(code));
}

/// Sends `request` to the provider's `document` endpoint through `transport`, and records it:
/// its status (or the transport error's code) and how long it took. The one way the crates send a
/// request to the provider, so that every request is counted alike.
pub async fn send(
    transport: &dyn HttpTransport,
    issuer: &str,
    document: &'static str,
    request: HttpRequest,
) -> Result<HttpResponse, TransportError> {
    let started = Instant::now();
    let response = transport.send(request).await;
    let status = match &response {
        // A status outside HTTP's range is one label, so a hostile server cannot mint series.
        Ok(HttpResponse {
            status: code @ 100..=599,
            ..
        }) => code.to_string(),
        Ok(_) => "invalid".to_owned(),
        Err(e) => e.code().to_owned(),
    };
    metrics::counter!(
        PROVIDER_REQUESTS,
        "issuer" => issuer.to_owned(),
        "document" => document,
        "status" => status
    )
    .increment(1);
    metrics::histogram!(
        PROVIDER_REQUEST_DURATION,
        "issuer" => issuer.to_owned(),
        "document" => document
    )
    .record(started.elapsed().as_secs_f64());
    response
}

/// Records one fetch of a key document and why it was made.
pub fn key_refresh(issuer: &str, document: &'static str, reason: &'static str) {
    metrics::counter!(
        KEY_REFRESHES,
        "issuer" => issuer.to_owned(),
        "document" => document,
        "reason" => reason
    )
    .increment(1);
}

/// Records one lookup answered with a stale copy.
pub fn stale_served(issuer: &str, document: &'static str) {
    metrics::counter!(
        STALE_DOCUMENTS_SERVED,
        "issuer" => issuer.to_owned(),
        "document" => document
    )
    .increment(1);
}

//! The numbers the `govuk-one-login-*` crates record through the [`metrics`] facade: one owner
//! for every metric's name, labels and meaning, so that a dashboard, the docs and the code agree.
//!
//! The library records; the application chooses the exporter (Prometheus, OpenTelemetry, StatsD)
//! by installing a [`metrics`] recorder. With none installed, recording costs next to nothing.
//! Call [`describe`] once after installing one, so that exporters that print help text have it.
//!
//! Every label holds a value from a fixed set, or from the services file: a service's name and
//! client id, the provider's issuer, an outcome word, a stable error code (the same words as the
//! `code` field of the log events), a document name, an HTTP status. Never a person's data, a
//! token, an authorization code or a return code.

use metrics::Unit;

/// Sign-ins started (a redirect to One Login was made). Labels: `service`, `client_id`.
pub const SIGN_INS_STARTED: &str = "one_login_sign_ins_started_total";
/// Sign-ins that ended: `outcome="success"`, or `outcome="failure"` with its `code` — at the
/// callback, or failing to start. Labels: `service`, `client_id`, `outcome`, `code` (failures
/// only). A callback that matches no pending sign-in of the browser has no service, and is
/// counted without `service` and `client_id`.
pub const SIGN_INS: &str = "one_login_sign_ins_total";
/// Seconds from the callback to the verified person (token exchange, ID token, userinfo, core
/// identity), for successful sign-ins. Labels: `service`, `client_id`.
pub const SIGN_IN_DURATION: &str = "one_login_sign_in_duration_seconds";
/// Identity sign-ins that ended: `outcome="proven"` (a verified core identity),
/// `outcome="not_proven"` (signed in, no identity: see the return codes in the application), or
/// `outcome="failure"` with its `code`. Return codes are never counted by letter: some mark
/// sensitive facts about a person. Labels: `service`, `client_id`, `outcome`, `code`
/// (failures only).
pub const IDENTITY: &str = "one_login_identity_total";
/// Back-channel logout requests: `outcome="verified"` (verified and handed to the application),
/// `outcome="failure"` with its `code` (refused, or the replay store unreachable: One Login is
/// told to retry), `outcome="not_applied"` (a subset of the verified: the application could not
/// end the sessions, One Login is told to retry; `code` is `back_channel.not_applied` when the
/// retry will be applied, a store's code when the `jti` could not be forgotten). A request refused
/// before its service is known is counted without `service` and `client_id`.
pub const BACK_CHANNEL_LOGOUTS: &str = "one_login_back_channel_logouts_total";
/// Sign-outs: `outcome="started"` (the redirect to One Login's logout), `outcome="returned"`
/// (the person came back with the right state), `outcome="failure"` with its `code`. Labels:
/// `service`, `client_id`, `outcome`, `code` (failures only).
pub const SIGN_OUTS: &str = "one_login_sign_outs_total";
/// Requests sent to the provider. Labels: `issuer`, `document` (`discovery`, `jwks`, `did`,
/// `token`, `userinfo`), `status` (the HTTP status, or the transport error's code such as
/// `transport.timeout`).
pub const PROVIDER_REQUESTS: &str = "one_login_provider_requests_total";
/// Seconds each provider request took, answered or not. Labels: `issuer`, `document`.
pub const PROVIDER_REQUEST_DURATION: &str = "one_login_provider_request_duration_seconds";
/// Fetches of a key document (`document` = `jwks` or `did`) and why: `reason="expired"` (no
/// fresh copy when one was needed), `"unknown_kid"` (a token named a key the cached copy lacks),
/// `"background"` (refreshed ahead of expiry). Labels: `issuer`, `document`, `reason`.
pub const KEY_REFRESHES: &str = "one_login_key_refreshes_total";
/// Lookups answered with a stale copy because its refresh failed (stale-if-error). Labels:
/// `issuer`, `document`.
pub const STALE_DOCUMENTS_SERVED: &str = "one_login_stale_documents_served_total";
/// Operations a shared store could not do (unreachable, timed out, refused). Labels: `store`
/// (`logout_tokens`, `states` or `sessions`), `operation` (the trait method: `check_and_remember`,
/// `forget`, `load`, `save`, `replace`, `remove`, `end_sign_ins`, `ping`). A store of your own
/// counts its failures with [`count_store_error`].
pub const STORE_ERRORS: &str = "one_login_store_errors_total";

/// Every metric above, with its unit and help text: what [`describe`] registers.
pub const ALL: &[(&str, Kind, &str)] = &[
    (
        SIGN_INS_STARTED,
        Kind::Counter,
        "Sign-ins started (redirects to One Login).",
    ),
    (
        SIGN_INS,
        Kind::Counter,
        "Sign-ins that ended, by outcome and failure code.",
    ),
    (
        SIGN_IN_DURATION,
        Kind::Seconds,
        "Callback to verified person, for successful sign-ins.",
    ),
    (
        IDENTITY,
        Kind::Counter,
        "Identity sign-ins: proven, not proven, or failed by code.",
    ),
    (
        BACK_CHANNEL_LOGOUTS,
        Kind::Counter,
        "Back-channel logout requests, by outcome and failure code.",
    ),
    (
        SIGN_OUTS,
        Kind::Counter,
        "Sign-outs started, returned from One Login, or failed.",
    ),
    (
        PROVIDER_REQUESTS,
        Kind::Counter,
        "Requests to the provider, by document and status.",
    ),
    (
        PROVIDER_REQUEST_DURATION,
        Kind::Seconds,
        "Time taken by each request to the provider.",
    ),
    (
        KEY_REFRESHES,
        Kind::Counter,
        "Fetches of the provider's key documents, by reason.",
    ),
    (
        STALE_DOCUMENTS_SERVED,
        Kind::Counter,
        "Lookups answered with a stale copy after a failed refresh.",
    ),
    (
        STORE_ERRORS,
        Kind::Counter,
        "Operations a shared store could not do.",
    ),
];

/// What kind of metric a name is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Kind {
    /// A counter.
    Counter,
    /// A histogram of seconds.
    Seconds,
}

/// Registers the unit and help text of every metric with the installed recorder. Call it once,
/// after installing one; calling it again is harmless.
pub fn describe() {
    for &(name, kind, help) in ALL {
        match kind {
            Kind::Counter => metrics::describe_counter!(name, Unit::Count, help),
            Kind::Seconds => metrics::describe_histogram!(name, Unit::Seconds, help),
        }
    }
}

/// Counts one operation a shared store could not do, in [`STORE_ERRORS`]: call it from your own
/// `ReplayStore` or `SessionStore` when its server fails, as the Redis stores do. `store` is the
/// store's role (`logout_tokens`, `states`, `sessions`), `operation` the trait method's name.
pub fn count_store_error(store: &'static str, operation: &'static str) {
    metrics::counter!(STORE_ERRORS, "store" => store, "operation" => operation).increment(1);
}

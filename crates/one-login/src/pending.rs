//! What a sign-in needs between the redirect to One Login and the callback.

use std::fmt;

use govuk_one_login_core::{Nonce, PkceVerifier, State, UiLocale, Url, VectorOfTrust};
use serde::{Deserialize, Serialize};

pub use crate::protocol::Prompt;

/// Options for one sign-in. `SignInOptions::default()` is a plain authentication at the service's
/// configured vector of trust.
#[derive(Clone, Default)]
pub struct SignInOptions {
    /// Ask for identity: the service's `identity_vtr` and `claims` are sent. The service must have an
    /// identity vector configured.
    pub identity: bool,
    /// Languages for One Login's pages (overrides the service's `ui_locales`).
    pub ui_locales: Option<Vec<UiLocale>>,
    /// `prompt`.
    pub prompt: Option<Prompt>,
    /// `max_age` in seconds (overrides the service's).
    pub max_age: Option<u64>,
    /// `login_hint` (an email address; only inside a request object, at most 256 characters).
    pub login_hint: Option<String>,
    /// Re-authenticate the person who holds this ID token (from an earlier [`SignedIn`](crate::SignedIn)):
    /// sends `prompt=login` and `id_token_hint` in a request object, and checks afterwards that the
    /// same person signed in again, later.
    pub reauthenticate: Option<Reauthenticate>,
    /// One of the service's redirect URIs (the first by default).
    pub redirect_uri: Option<Url>,
    /// A path on the application's own site to go to once signed in, kept with the pending
    /// sign-in ([`PendingSignIn::return_to`]); never sent to One Login.
    pub return_to: Option<crate::protocol::ReturnTo>,
}

impl fmt::Debug for SignInOptions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SignInOptions")
            .field("identity", &self.identity)
            .field("ui_locales", &self.ui_locales)
            .field("prompt", &self.prompt)
            .field("max_age", &self.max_age)
            .field(
                "login_hint",
                &self.login_hint.as_ref().map(|_| "[redacted]"),
            )
            .field("reauthenticate", &self.reauthenticate)
            .field("redirect_uri", &self.redirect_uri)
            .field("return_to", &self.return_to)
            .finish()
    }
}

/// Who must sign in again, from their current [`SignedIn`](crate::SignedIn).
#[derive(Clone)]
pub struct Reauthenticate {
    // Sent as `id_token_hint` inside a request object.
    #[cfg_attr(not(feature = "request-objects"), allow(dead_code))]
    pub(crate) id_token: String,
    pub(crate) sub: String,
    pub(crate) auth_time: Option<i64>,
}

impl Reauthenticate {
    /// The person of a [`SignedIn`](crate::SignedIn): their ID token, subject and `auth_time`.
    pub fn from_signed_in(signed_in: &crate::SignedIn) -> Self {
        Self::new(
            signed_in.id_token().expose_secret(),
            signed_in.sub(),
            signed_in.auth_time(),
        )
    }

    /// From the signed-in person's ID token, subject and `auth_time`.
    pub fn new(
        id_token: impl Into<String>,
        sub: impl Into<String>,
        auth_time: Option<i64>,
    ) -> Self {
        Self {
            id_token: id_token.into(),
            sub: sub.into(),
            auth_time,
        }
    }
}

impl fmt::Debug for Reauthenticate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Reauthenticate([redacted])")
    }
}

/// Where to send the person, and what to keep until they come back. `Debug` leaves the URL's
/// query out: with request objects it carries `login_hint` and `id_token_hint`. Never log the URL.
pub struct SignInStart {
    /// The authorization URL: redirect the browser here.
    pub url: Url,
    /// Keep this in the person's session (server-side, or sealed) and hand it to
    /// [`RelyingParty::finish_sign_in`](crate::RelyingParty::finish_sign_in).
    pub pending: PendingSignIn,
}

impl fmt::Debug for SignInStart {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        debug_start(f, "SignInStart", &self.url, &self.pending)
    }
}

/// `Debug` for a redirect and what to keep until the browser comes back: the URL without its
/// query (it may carry hints and tokens).
fn debug_start(
    f: &mut fmt::Formatter<'_>,
    name: &str,
    url: &Url,
    pending: &dyn fmt::Debug,
) -> fmt::Result {
    f.debug_struct(name)
        .field("url", &govuk_one_login_core::internal::redacted_url(url))
        .field("pending", pending)
        .finish()
}

/// A sign-in in flight: state, nonce, PKCE verifier and what was asked for. It holds secrets:
/// keep it server-side or [sealed](crate::Sealer) (it has no plain `Serialize`/`Deserialize`,
/// so it cannot be put in a readable cookie by mistake). `Debug` redacts them.
#[derive(Clone)]
pub struct PendingSignIn {
    pub(crate) service: String,
    pub(crate) client_id: String,
    pub(crate) state: State,
    pub(crate) nonce: Nonce,
    pub(crate) pkce_verifier: Option<PkceVerifier>,
    pub(crate) vtr: VectorOfTrust,
    pub(crate) redirect_uri: Url,
    pub(crate) created_at: i64,
    pub(crate) max_age: Option<u64>,
    pub(crate) reauth_sub: Option<String>,
    pub(crate) reauth_auth_time: Option<i64>,
    pub(crate) return_to: Option<crate::protocol::ReturnTo>,
}

impl PendingSignIn {
    /// Where the application asked to go once signed in ([`SignInOptions::return_to`]).
    pub fn return_to(&self) -> Option<&crate::protocol::ReturnTo> {
        self.return_to.as_ref()
    }
    /// The service that started the sign-in.
    pub fn service(&self) -> &str {
        &self.service
    }
    /// The vector of trust requested.
    pub fn vtr(&self) -> VectorOfTrust {
        self.vtr
    }
    /// Whether identity was requested.
    pub fn requests_identity(&self) -> bool {
        self.vtr.requests_identity()
    }
    /// When it started (Unix seconds).
    pub fn created_at(&self) -> i64 {
        self.created_at
    }
    /// The redirect URI used.
    pub fn redirect_uri(&self) -> &Url {
        &self.redirect_uri
    }
    /// The state sent (to key a session store by it). Never log it.
    pub fn state(&self) -> &State {
        &self.state
    }
}

impl fmt::Debug for PendingSignIn {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PendingSignIn")
            .field("service", &self.service)
            .field("client_id", &self.client_id)
            .field("state", &self.state)
            .field("nonce", &self.nonce)
            .field("pkce_verifier", &self.pkce_verifier)
            .field("vtr", &self.vtr)
            .field("redirect_uri", &self.redirect_uri.as_str())
            .field("created_at", &self.created_at)
            .finish_non_exhaustive()
    }
}

/// Where to send the person to sign out of One Login, and what to keep until they come back.
/// `Debug` leaves the URL's query (the ID token) out. Never log the URL.
pub struct SignOutStart {
    /// The logout URL: redirect the browser here, after ending the local session.
    pub url: Url,
    /// Keep this in the browser's (new, anonymous) session and hand it to
    /// [`RelyingParty::finish_sign_out`](crate::RelyingParty::finish_sign_out) on the return.
    /// `None` when no post-logout redirect was asked for: One Login will not come back.
    pub pending: Option<PendingSignOut>,
}

impl fmt::Debug for SignOutStart {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        debug_start(f, "SignOutStart", &self.url, &self.pending)
    }
}

/// A sign-out in flight: the `state` sent to One Login's logout endpoint (256 random bits, bound
/// to the service), checked when the browser comes back to the post-logout redirect URI.
#[derive(Clone)]
pub struct PendingSignOut {
    pub(crate) service: String,
    pub(crate) client_id: String,
    pub(crate) state: State,
    pub(crate) redirect_uri: Url,
    pub(crate) created_at: i64,
}

impl PendingSignOut {
    /// The service signing out.
    pub fn service(&self) -> &str {
        &self.service
    }
    /// The post-logout redirect URI One Login will send the browser to.
    pub fn redirect_uri(&self) -> &Url {
        &self.redirect_uri
    }
    /// When it started (Unix seconds).
    pub fn created_at(&self) -> i64 {
        self.created_at
    }
}

impl fmt::Debug for PendingSignOut {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PendingSignOut")
            .field("service", &self.service)
            .field("client_id", &self.client_id)
            .field("state", &self.state)
            .field("redirect_uri", &self.redirect_uri.as_str())
            .field("created_at", &self.created_at)
            .finish()
    }
}

/// A verified return from One Login's logout: the state matched the pending sign-out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignedOut {
    pub(crate) service: String,
}

impl SignedOut {
    /// The service signed out of.
    pub fn service(&self) -> &str {
        &self.service
    }
}

#[derive(Serialize, Deserialize)]
#[serde(remote = "PendingSignIn")]
pub(crate) struct PendingSignInDef {
    service: String,
    client_id: String,
    state: State,
    nonce: Nonce,
    pkce_verifier: Option<PkceVerifier>,
    vtr: VectorOfTrust,
    redirect_uri: Url,
    created_at: i64,
    max_age: Option<u64>,
    reauth_sub: Option<String>,
    reauth_auth_time: Option<i64>,
    #[serde(default, with = "return_to_text")]
    return_to: Option<crate::protocol::ReturnTo>,
}

/// A sealed "return to" is written as its text and checked again when read.
mod return_to_text {
    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    use crate::protocol::ReturnTo;

    pub(super) fn serialize<S: Serializer>(
        value: &Option<ReturnTo>,
        serializer: S,
    ) -> Result<S::Ok, S::Error> {
        value.as_ref().map(ReturnTo::as_str).serialize(serializer)
    }

    pub(super) fn deserialize<'de, D: Deserializer<'de>>(
        deserializer: D,
    ) -> Result<Option<ReturnTo>, D::Error> {
        Option::<String>::deserialize(deserializer)?
            .map(|text| ReturnTo::parse(&text).map_err(serde::de::Error::custom))
            .transpose()
    }
}

#[derive(Serialize, Deserialize)]
#[serde(remote = "PendingSignOut")]
pub(crate) struct PendingSignOutDef {
    service: String,
    client_id: String,
    state: State,
    redirect_uri: Url,
    created_at: i64,
}

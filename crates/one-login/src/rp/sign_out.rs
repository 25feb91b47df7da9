//! Signing out: the logout URL with a state, and the check of the return leg.

use govuk_one_login_core::internal::record::ServiceLabels;
use govuk_one_login_core::{State, Url, metrics};

use super::{RelyingParty, expired};
use crate::error::SignOutError;
use crate::pending::{PendingSignOut, SignOutStart, SignedOut};
use crate::protocol::{LogoutRequest, SignOutReturn};
use crate::signed_in::SignedIn;

impl RelyingParty {
    /// Starts signing `signed_in` out of One Login: the logout URL to redirect the browser to,
    /// and a [`PendingSignOut`] carrying a fresh `state` (256 bits, bound to this service) to keep
    /// in the browser's session until it comes back.
    ///
    /// **End your local session first**, when the person asks to sign out (a request the axum
    /// integration protects against other sites): the return leg ends nothing, because anyone
    /// can send a browser to the post-logout URI.
    ///
    /// `post_logout_redirect_uri` must be one of the service's registered ones; `None` takes the
    /// first registered one, if any (with none registered One Login shows its own signed-out
    /// page, and no state is needed).
    ///
    /// # Errors
    /// [`SignOutError`]: a person of another service, an unregistered redirect, no end-session
    /// endpoint, or a URL over One Login's 2048-character limit.
    pub async fn start_sign_out(
        &self,
        signed_in: &SignedIn,
        post_logout_redirect_uri: Option<&Url>,
    ) -> Result<SignOutStart, SignOutError> {
        let work = async {
            let svc = &self.inner.service;
            if signed_in.service() != svc.name() || signed_in.client_id() != svc.client_id() {
                return Err(SignOutError::WrongService {
                    belongs_to: signed_in.service().to_string(),
                    asked: svc.name().to_string(),
                });
            }
            let redirect = match post_logout_redirect_uri {
                Some(uri) if svc.post_logout_redirect_uris().iter().any(|u| u == uri) => {
                    Some(uri.clone())
                }
                Some(uri) => return Err(SignOutError::UnregisteredRedirect(uri.to_string())),
                None => svc.post_logout_redirect_uris().first().cloned(),
            };
            let metadata = self.inner.deps.provider.metadata().await?;
            let endpoint = metadata
                .end_session_endpoint()
                .ok_or(SignOutError::NoEndSessionEndpoint)?;
            let pending = match &redirect {
                Some(uri) => Some(PendingSignOut {
                    service: svc.name().to_string(),
                    client_id: svc.client_id().to_string(),
                    state: State::generate()?,
                    redirect_uri: uri.clone(),
                    created_at: self.now(),
                }),
                None => None,
            };
            let request = LogoutRequest {
                id_token_hint: Some(signed_in.id_token().expose_secret().to_owned()),
                post_logout_redirect_uri: redirect,
                state: pending.as_ref().map(|p| p.state.secret().to_owned()),
            };
            let url = request.to_url(endpoint)?;
            Ok(SignOutStart { url, pending })
        };
        self.observe(
            "start_sign_out",
            work,
            SignOutError::code,
            |labels, r, _| {
                count_sign_out(labels, "started", r.err());
            },
        )
        .await
    }

    /// Checks the return from One Login's logout at the post-logout redirect URI: its `state`
    /// must be the pending sign-out's (compared in constant time), for this service, in time.
    ///
    /// A failure here means the return was not the one this browser started (a forged link, a
    /// stale tab): show the person their real state — whatever session they have now — and end
    /// nothing. The failure is reported in the outcome event with its code.
    ///
    /// # Errors
    /// [`SignOutError::NoPendingSignOut`], [`SignOutError::WrongService`],
    /// [`SignOutError::PendingExpired`], [`SignOutError::Return`] or
    /// [`SignOutError::StateMismatch`].
    pub async fn finish_sign_out(
        &self,
        query: &str,
        pending: Option<PendingSignOut>,
    ) -> Result<SignedOut, SignOutError> {
        let work = async {
            let svc = &self.inner.service;
            let pending = pending.ok_or(SignOutError::NoPendingSignOut)?;
            if pending.service != svc.name().as_str()
                || pending.client_id != svc.client_id().as_str()
            {
                return Err(SignOutError::WrongService {
                    belongs_to: pending.service,
                    asked: svc.name().to_string(),
                });
            }
            let ttl = self.inner.deps.pending_ttl_secs;
            if let Some(age) = expired(pending.created_at, self.now(), ttl) {
                return Err(SignOutError::PendingExpired {
                    age_seconds: age,
                    limit_seconds: ttl,
                });
            }
            let returned = SignOutReturn::parse(query)?;
            if !pending.state.matches(returned.state()) {
                return Err(SignOutError::StateMismatch);
            }
            Ok(SignedOut {
                service: pending.service,
            })
        };
        self.observe(
            "finish_sign_out",
            work,
            SignOutError::code,
            |labels, r, _| {
                count_sign_out(labels, "returned", r.err());
            },
        )
        .await
    }
}

/// The metric of one sign-out step: `success` when it worked, else `failure` with its code.
fn count_sign_out(labels: &ServiceLabels, success: &'static str, failure: Option<&'static str>) {
    match failure {
        None => labels.count(metrics::SIGN_OUTS, success, None),
        Some(code) => labels.count(metrics::SIGN_OUTS, "failure", Some(code)),
    }
}

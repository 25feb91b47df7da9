//! Multi-service decisions: which pending sign-in a callback belongs to, which service a sign-out
//! or a logout token is for.

use govuk_one_login_core::Url;
use govuk_one_login_core::internal::record::{self, ServiceLabels};
use govuk_one_login_core::metrics;

use super::OneLogin;
use crate::RelyingParty;
use crate::error::{BackChannelError, SignInError, SignOutError};
use crate::pending::{PendingSignIn, PendingSignOut, SignOutStart, SignedOut};
use crate::protocol::{BackChannelForm, BackChannelResponse, CallbackParams};
use crate::rp::count_logout;
use crate::signed_in::{LogoutNotice, SignedIn};

impl OneLogin {
    /// Finishes whichever of the browser's pending sign-ins the callback belongs to: the one
    /// whose `state` matches the callback's (each compared in constant time, all of them
    /// compared). That pending sign-in is taken out of `pendings` whatever the outcome (it is
    /// usable once); the others stay. Put `pendings` back in the session afterwards.
    ///
    /// The state alone decides (256 random bits a forger cannot guess). A web integration that
    /// serves each service's callback on its own path should pass only the pending sign-ins of
    /// the services that path belongs to, as defence in depth.
    ///
    /// # Errors
    /// [`SignInError::NoPendingSignIn`] when `pendings` is empty,
    /// [`SignInError::MissingState`] or [`SignInError::StateMismatch`] when the callback names
    /// none of them (nothing is taken out then), and anything
    /// [`RelyingParty::finish_sign_in`](crate::RelyingParty::finish_sign_in) refuses.
    pub async fn finish_sign_in(
        &self,
        callback_query: &str,
        pendings: &mut Vec<PendingSignIn>,
    ) -> Result<SignedIn, SignInError> {
        let index = Self::pending_for(callback_query, pendings).inspect_err(count_unclaimed)?;
        let pending = pendings.remove(index);
        let rp = self
            .relying_party(pending.service())
            .ok_or_else(|| SignInError::WrongService {
                started_by: pending.service().to_owned(),
                finishing: "(no such service in this configuration)".to_owned(),
            })
            .inspect_err(count_unclaimed)?;
        rp.finish_sign_in(callback_query, pending).await
    }

    /// Which of `pendings` a callback belongs to, without finishing anything.
    ///
    /// # Errors
    /// As [`OneLogin::finish_sign_in`], before any request.
    pub fn pending_for(
        callback_query: &str,
        pendings: &[PendingSignIn],
    ) -> Result<usize, SignInError> {
        if pendings.is_empty() {
            return Err(SignInError::NoPendingSignIn);
        }
        let callback = CallbackParams::parse(callback_query)?;
        let state = callback.state()?;
        // Compare with every pending sign-in, so the time taken does not say which matched.
        let mut found = None;
        for (i, p) in pendings.iter().enumerate() {
            if p.state().matches(state) && found.is_none() {
                found = Some(i);
            }
        }
        found.ok_or(SignInError::StateMismatch)
    }

    /// Starts signing a person out of the service they are signed in to: see
    /// [`RelyingParty::start_sign_out`](crate::RelyingParty::start_sign_out).
    ///
    /// # Errors
    /// [`SignOutError`]; [`SignOutError::WrongService`] for a service not in this configuration.
    pub async fn start_sign_out(
        &self,
        signed_in: &SignedIn,
        post_logout_redirect_uri: Option<&Url>,
    ) -> Result<SignOutStart, SignOutError> {
        let rp = self
            .relying_party(signed_in.service().as_str())
            .ok_or_else(|| SignOutError::WrongService {
                belongs_to: signed_in.service().to_string(),
                asked: "(no such service in this configuration)".to_owned(),
            })
            .inspect_err(count_unclaimed_sign_out)?;
        rp.start_sign_out(signed_in, post_logout_redirect_uri).await
    }

    /// Checks a return from One Login's logout against the browser's pending sign-out: see
    /// [`RelyingParty::finish_sign_out`](crate::RelyingParty::finish_sign_out).
    ///
    /// # Errors
    /// [`SignOutError`].
    pub async fn finish_sign_out(
        &self,
        query: &str,
        pending: Option<PendingSignOut>,
    ) -> Result<SignedOut, SignOutError> {
        let Some(pending) = pending else {
            let error = SignOutError::NoPendingSignOut;
            count_unclaimed_sign_out(&error);
            return Err(error);
        };
        let rp = self
            .relying_party(pending.service())
            .ok_or_else(|| SignOutError::WrongService {
                belongs_to: pending.service().to_owned(),
                asked: "(no such service in this configuration)".to_owned(),
            })
            .inspect_err(count_unclaimed_sign_out)?;
        rp.finish_sign_out(query, Some(pending)).await
    }

    /// Handles a back-channel logout request for any service of this configuration: see
    /// [`OneLogin::back_channel_logout_among`].
    ///
    /// # Errors
    /// [`BackChannelError`].
    pub async fn back_channel_logout(&self, body: &[u8]) -> Result<LogoutNotice, BackChannelError> {
        let all: Vec<&str> = self.order.iter().map(String::as_str).collect();
        self.back_channel_logout_among(&all, body).await
    }

    /// Handles a back-channel logout request posted to a path that `services` share.
    ///
    /// The service is found by the logout token's audience **after** verifying the token against
    /// that service: the unverified `aud` only chooses which service's verifier to try (the one
    /// whose client id it names, among `services`), and that verifier checks everything,
    /// including that `aud` is its client id.
    ///
    /// # Errors
    /// [`BackChannelError::UnknownAudience`] when the token names none of `services`, and
    /// anything [`RelyingParty::back_channel_logout`](crate::RelyingParty::back_channel_logout) refuses.
    pub async fn back_channel_logout_among(
        &self,
        services: &[&str],
        body: &[u8],
    ) -> Result<LogoutNotice, BackChannelError> {
        // A request refused before any service is chosen has no service's `observe` to record
        // its outcome: record it here, once, whichever check refused it.
        let (form, rp) = match self.logout_route(services, body) {
            Ok(route) => route,
            Err(e) => {
                tracing::warn!(
                    target: "govuk_one_login::outcome",
                    operation = "back_channel_logout", outcome = "failure", code = e.code()
                );
                ServiceLabels::none().count(
                    metrics::BACK_CHANNEL_LOGOUTS,
                    "failure",
                    Some(e.code()),
                );
                return Err(e);
            }
        };
        rp.observe(
            "back_channel_logout",
            rp.verify_logout(&form),
            BackChannelError::code,
            count_logout,
        )
        .await
    }

    /// The form of a back-channel logout request and the service among `services` whose client
    /// id its unverified `aud` names (nothing is verified here).
    fn logout_route(
        &self,
        services: &[&str],
        body: &[u8],
    ) -> Result<(BackChannelForm, &RelyingParty), BackChannelError> {
        let form = BackChannelForm::parse(body)?;
        let audience = form.unverified_audience();
        let rp = services
            .iter()
            .filter_map(|name| self.relying_party(name))
            .find(|rp| audience.as_deref() == Some(rp.config().client_id().as_str()))
            .ok_or(BackChannelError::UnknownAudience)?;
        Ok((form, rp))
    }

    /// The answer when the application could not end a notice's sessions: see
    /// [`RelyingParty::back_channel_failed`](crate::RelyingParty::back_channel_failed).
    pub async fn back_channel_failed(&self, notice: &LogoutNotice) -> BackChannelResponse {
        match self.relying_party(notice.service().as_str()) {
            Some(rp) => rp.back_channel_failed(notice).await,
            None => {
                ServiceLabels::none().count(
                    metrics::BACK_CHANNEL_LOGOUTS,
                    "not_applied",
                    Some("back_channel.not_applied"),
                );
                BackChannelResponse::failed(500, "back_channel.not_applied")
            }
        }
    }
}

/// Counts a sign-in failure no service can claim: the browser started none that the callback
/// names (or its service is no longer configured).
fn count_unclaimed(error: &SignInError) {
    record::unclaimed_sign_in(error.code());
}

/// Counts a sign-out failure no service can claim.
fn count_unclaimed_sign_out(error: &SignOutError) {
    ServiceLabels::none().count(metrics::SIGN_OUTS, "failure", Some(error.code()));
}

//! Back-channel logout for one service.

use std::time::Duration;

use govuk_one_login_core::internal::record::ServiceLabels;
use govuk_one_login_core::{ReplayCheck, metrics};
use govuk_one_login_verify::{
    DEFAULT_MAX_TOKEN_BYTES, LogoutExpectations, token_kid, verify_logout_token,
};

use super::RelyingParty;
use crate::error::BackChannelError;
use crate::protocol::{BackChannelForm, BackChannelResponse};
use crate::signed_in::LogoutNotice;

impl RelyingParty {
    /// Handles a back-channel logout request for this service: the POSTed form body
    /// (`logout_token=…`). With several services on one back-channel path, use
    /// [`OneLogin::back_channel_logout`](crate::OneLogin::back_channel_logout), which finds the
    /// service.
    ///
    /// On success, end every session the notice [`ends`](LogoutNotice::ends) (its sign-in made at
    /// or before the logout token's `iat`, by One Login's clock), then answer
    /// [`BackChannelResponse::applied`]. If ending them fails, answer with
    /// [`RelyingParty::back_channel_failed`]: the token's `jti` is forgotten, so One Login's retry
    /// is applied rather than refused as a replay.
    ///
    /// # Errors
    /// [`BackChannelError`]: no token, a token that fails verification, a replayed `jti` (which
    /// ends no session), or keys or the replay store unavailable. [`BackChannelError::response`]
    /// gives the answer for each.
    pub async fn back_channel_logout(
        &self,
        form_body: &[u8],
    ) -> Result<LogoutNotice, BackChannelError> {
        let work = async {
            let form = BackChannelForm::parse(form_body)?;
            self.verify_logout(&form).await
        };
        self.observe(
            "back_channel_logout",
            work,
            BackChannelError::code,
            count_logout,
        )
        .await
    }

    pub(crate) async fn verify_logout(
        &self,
        form: &BackChannelForm,
    ) -> Result<LogoutNotice, BackChannelError> {
        let token = form.logout_token();
        let svc = &self.inner.service;
        let kid = token_kid(token, DEFAULT_MAX_TOKEN_BYTES).map_err(BackChannelError::Token)?;
        let keys = self.keys_for(kid.as_deref()).await?;
        let now = self.now();
        let mut expect = LogoutExpectations::new(
            self.inner.deps.environment.issuer().as_str(),
            svc.client_id().as_str(),
            now,
        );
        expect.leeway = svc.clock_leeway();
        let verified =
            verify_logout_token(token, &keys, &expect).map_err(BackChannelError::Token)?;
        let replay_id = verified.replay_id();
        match self
            .inner
            .deps
            .replay
            .check_and_remember(&replay_id, verified.remember_until(now), now)
            .await?
        {
            ReplayCheck::Fresh => {}
            ReplayCheck::Replayed => return Err(BackChannelError::Replayed),
        }
        Ok(LogoutNotice {
            service: svc.name().clone(),
            sub: verified.sub().to_owned(),
            iat: verified.iat(),
            replay_id,
        })
    }

    /// The answer when the application could not end the notice's sessions: the token's `jti`
    /// is forgotten, so that One Login's retry is applied, and the answer is a 500 so that One
    /// Login retries. (If the replay store cannot forget either, the retry will be refused as a
    /// replay: the outcome event says so with `replay_store.*`.)
    pub async fn back_channel_failed(&self, notice: &LogoutNotice) -> BackChannelResponse {
        let work = async {
            self.inner.deps.replay.forget(&notice.replay_id).await?;
            Err::<(), BackChannelError>(BackChannelError::NotApplied)
        };
        let _ = self
            .observe(
                "back_channel_not_applied",
                work,
                BackChannelError::code,
                // `back_channel.not_applied`: the jti is forgotten and One Login's retry will be
                // applied; a store's code: it could not forget, so the retry will be refused.
                |labels, result, _| {
                    let code = result.err();
                    labels.count(metrics::BACK_CHANNEL_LOGOUTS, "not_applied", code);
                },
            )
            .await;
        BackChannelResponse::failed(500, "back_channel.not_applied")
    }
}

/// The metric of one back-channel logout request whose service is known.
pub(crate) fn count_logout(
    labels: &ServiceLabels,
    result: Result<&LogoutNotice, &'static str>,
    _: Duration,
) {
    match result {
        Ok(_) => labels.count(metrics::BACK_CHANNEL_LOGOUTS, "verified", None),
        Err(code) => labels.count(metrics::BACK_CHANNEL_LOGOUTS, "failure", Some(code)),
    }
}

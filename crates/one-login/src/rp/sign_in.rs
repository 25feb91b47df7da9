//! Starting and finishing a sign-in.

use std::time::Duration;

use govuk_one_login_core::internal::record::ServiceLabels;
use govuk_one_login_core::metrics;
use govuk_one_login_core::{
    ClientAuth, HttpRequest, Nonce, PkceVerifier, ReplayCheck, Scope, SecretString, State, Url,
};
use govuk_one_login_discovery::ProviderMetadata;
use govuk_one_login_verify::{
    ClientSigner, DEFAULT_MAX_TOKEN_BYTES, IdTokenExpectations, SignError, SigningInput, UserInfo,
    VerifiedCoreIdentity, VerifiedIdToken, token_kid, verify_id_token,
};
#[cfg(feature = "identity")]
use govuk_one_login_verify::{IdentityExpectations, verify_core_identity};

use super::{MAX_RESPONSE_BYTES, RelyingParty, expired};
use crate::error::SignInError;
use crate::pending::{PendingSignIn, SignInOptions, SignInStart};
use crate::protocol::{
    AuthorizationRequest, CallbackParams, TokenClientAuth, TokenRequest, TokenResponse,
};
use crate::signed_in::SignedIn;
use crate::text::printable;

impl RelyingParty {
    /// Starts a sign-in: the URL to redirect the browser to, and the [`PendingSignIn`] to keep in the
    /// person's session until the callback.
    ///
    /// Starting a sign-in on another service for a person already signed in to one is the same
    /// call on that service's `RelyingParty`: One Login needs a fresh `/authorize` per service
    /// (its session makes it quick for the person).
    ///
    /// # Errors
    /// [`SignInError`]: metadata unavailable, options the service cannot send (identity without an
    /// identity vector is an error, never silently downgraded to a plain sign-in), a URL over One
    /// Login's limit, or a signing failure.
    pub async fn start_sign_in(&self, options: SignInOptions) -> Result<SignInStart, SignInError> {
        self.observe(
            "start_sign_in",
            self.start_inner(options),
            SignInError::code,
            |labels, result, _| match result {
                Ok(_) => labels.count_plain(metrics::SIGN_INS_STARTED),
                Err(code) => labels.count(metrics::SIGN_INS, "failure", Some(code)),
            },
        )
        .await
    }

    async fn start_inner(&self, options: SignInOptions) -> Result<SignInStart, SignInError> {
        let svc = &self.inner.service;
        let metadata = self.inner.deps.provider.metadata().await?;
        #[cfg(not(feature = "identity"))]
        if options.identity {
            return Err(SignInError::FeatureDisabled("identity"));
        }
        let vtr = if options.identity {
            svc.identity_vtr()
                .ok_or_else(|| SignInError::IdentityNotConfigured(svc.name().to_string()))?
        } else {
            svc.vtr()
        };
        let redirect_uri = match &options.redirect_uri {
            Some(u) if svc.has_redirect_uri(u) => u.clone(),
            Some(u) => return Err(SignInError::UnregisteredRedirectUri(u.to_string())),
            None => svc.default_redirect_uri().clone(),
        };
        let state = State::generate()?;
        let nonce = Nonce::generate()?;
        let pkce_verifier = if svc.pkce() {
            Some(PkceVerifier::generate()?)
        } else {
            None
        };
        let max_age = options.max_age.or(svc.max_age());
        let mut request = AuthorizationRequest::new(
            svc.client_id().as_str(),
            redirect_uri.clone(),
            Scope::join(svc.scopes()),
            state.secret(),
            nonce.secret(),
            vtr,
        );
        if vtr.requests_identity() {
            request.claims = svc.claims().iter().map(|c| c.uri().to_owned()).collect();
        }
        request.ui_locales = options
            .ui_locales
            .clone()
            .unwrap_or_else(|| svc.ui_locales().to_vec());
        request.code_challenge = pkce_verifier.as_ref().map(PkceVerifier::challenge);
        request.max_age = max_age;
        request.prompt = match &options.reauthenticate {
            Some(_) => Some(crate::pending::Prompt::Login),
            None => options.prompt,
        };
        request.login_hint.clone_from(&options.login_hint);
        request.id_token_hint = options.reauthenticate.as_ref().map(|r| r.id_token.clone());

        let endpoint = metadata.authorization_endpoint();
        let url = if svc.request_objects() {
            self.request_object_url(&request, endpoint).await?
        } else {
            request.to_query_url(endpoint)?
        };
        let pending = PendingSignIn {
            service: svc.name().to_string(),
            client_id: svc.client_id().to_string(),
            state,
            nonce,
            pkce_verifier,
            vtr,
            redirect_uri,
            created_at: self.now(),
            max_age,
            reauth_sub: options.reauthenticate.as_ref().map(|r| r.sub.clone()),
            reauth_auth_time: options.reauthenticate.as_ref().and_then(|r| r.auth_time),
            return_to: options.return_to.clone(),
        };
        Ok(SignInStart { url, pending })
    }

    /// Signs the request as a request object (JAR).
    #[cfg(feature = "request-objects")]
    async fn request_object_url(
        &self,
        request: &AuthorizationRequest,
        endpoint: &Url,
    ) -> Result<Url, SignInError> {
        let claims = request.request_object_claims()?;
        let signer = self.signer()?;
        let jwt = if signer.is_external() {
            let input = signer.request_object_input(endpoint.as_str(), claims, self.now())?;
            self.sign_externally(input).await?
        } else {
            signer.request_object(endpoint.as_str(), claims, self.now())?
        };
        Ok(request.to_request_object_url(endpoint, &jwt)?)
    }

    /// Has the external signer sign `input` with the current key, within the signer timeout,
    /// and checks its signature.
    async fn sign_externally(&self, input: SigningInput) -> Result<String, SignError> {
        let (Some(external), Some(signer)) = (&self.inner.external, &self.inner.signer) else {
            return Err(SignError::ExternalKey);
        };
        let timeout = self.inner.deps.signer_timeout;
        let signed = tokio::time::timeout(
            timeout,
            external.sign(signer.kid(), input.algorithm(), input.as_bytes()),
        )
        .await;
        let signature = match signed {
            Ok(Ok(signature)) => signature,
            Ok(Err(e)) => {
                return Err(SignError::Signer {
                    reason: e.reason().to_owned(),
                    permanent: e.is_permanent(),
                });
            }
            Err(_) => {
                return Err(SignError::Signer {
                    reason: format!("no answer within {} ms", timeout.as_millis()),
                    permanent: false,
                });
            }
        };
        input.finish(&signature)
    }

    #[cfg(not(feature = "request-objects"))]
    #[allow(clippy::unused_self, clippy::unused_async)] // Same signature as the feature's version.
    async fn request_object_url(
        &self,
        _request: &AuthorizationRequest,
        _endpoint: &Url,
    ) -> Result<Url, SignInError> {
        Err(SignInError::FeatureDisabled("request-objects"))
    }

    fn signer(&self) -> Result<&ClientSigner, SignInError> {
        self.inner
            .signer
            .as_ref()
            .ok_or(SignInError::NeedsRequestObjects(
                "a request object (this service has no RSA key)",
            ))
    }

    /// Finishes a sign-in from the callback's query string and the [`PendingSignIn`] kept since
    /// [`RelyingParty::start_sign_in`]. Prefer
    /// [`OneLogin::finish_sign_in`](crate::OneLogin::finish_sign_in), which picks the browser's
    /// pending sign-in the callback names and keeps the others.
    ///
    /// The pending sign-in is used up once its state has matched, whatever the outcome. A
    /// callback refused before that (`sign_in.malformed_callback`, `sign_in.duplicate_parameter`,
    /// `sign_in.missing_state`, `sign_in.state_mismatch`) used nothing: keep a clone of the
    /// pending sign-in in the session, or a forged link could end the person's sign-in.
    ///
    /// In order: the state is checked (in constant time, once); an `error` is mapped to
    /// [`SignInError::Provider`]; the code is exchanged; the ID token is verified (signature,
    /// issuer, audience, times, nonce, vot, `auth_time`, `at_hash`) **before** any other call;
    /// userinfo is fetched and its `sub` compared; the core identity JWT is verified against the
    /// pinned DID document when identity was requested.
    ///
    /// # Errors
    /// A [`SignInError`] naming the first check that failed; nothing after it was called.
    pub async fn finish_sign_in(
        &self,
        callback_query: &str,
        pending: PendingSignIn,
    ) -> Result<SignedIn, SignInError> {
        let identity = pending.vtr.requests_identity();
        self.observe(
            "finish_sign_in",
            self.finish_inner(callback_query, pending),
            SignInError::code,
            |labels, result, elapsed| count_finish(labels, identity, result, elapsed),
        )
        .await
    }

    async fn finish_inner(
        &self,
        query: &str,
        pending: PendingSignIn,
    ) -> Result<SignedIn, SignInError> {
        let svc = &self.inner.service;
        let now = self.now();
        if pending.service != svc.name().as_str() || pending.client_id != svc.client_id().as_str() {
            return Err(SignInError::WrongService {
                started_by: pending.service.clone(),
                finishing: svc.name().to_string(),
            });
        }
        let ttl = self.inner.deps.pending_ttl_secs;
        if let Some(age) = expired(pending.created_at, now, ttl) {
            return Err(SignInError::PendingExpired {
                age_seconds: age,
                limit_seconds: ttl,
            });
        }
        let callback = CallbackParams::parse(query)?;
        if !pending.state.matches(callback.state()?) {
            return Err(SignInError::StateMismatch);
        }
        let state_id = format!(
            "state:{}",
            govuk_one_login_core::secret_digest(pending.state.secret())
        );
        let until = pending.created_at.saturating_add(ttl);
        match self
            .inner
            .deps
            .states
            .check_and_remember(&state_id, until, now)
            .await?
        {
            ReplayCheck::Fresh => {}
            ReplayCheck::Replayed => return Err(SignInError::StateReplayed),
        }
        let code = callback.into_code(self.inner.deps.environment.issuer().as_str())?;

        let metadata = self.inner.deps.provider.metadata().await?;
        let tokens = self.exchange_code(&metadata, code, &pending).await?;
        let access_token = tokens.access_token().expose_secret();
        let id = self
            .verify_id_token(tokens.id_token().expose_secret(), access_token, &pending)
            .await?;
        self.check_reauthentication(&pending, &id)?;

        let userinfo = self.userinfo(&metadata, access_token).await?;
        if userinfo.sub != id.sub() {
            return Err(SignInError::UserInfoSubjectMismatch);
        }
        let identity = self
            .verify_identity(
                &metadata,
                &pending,
                &id,
                userinfo.core_identity_jwt.as_deref(),
            )
            .await?;
        Ok(self.signed_in(&pending, &id, userinfo, identity))
    }

    fn check_reauthentication(
        &self,
        pending: &PendingSignIn,
        id: &VerifiedIdToken,
    ) -> Result<(), SignInError> {
        let Some(expected_sub) = &pending.reauth_sub else {
            return Ok(());
        };
        if id.sub() != expected_sub {
            return Err(SignInError::Reauthentication("returned a different person"));
        }
        // The person must have authenticated again: after this sign-in started (within the
        // leeway) and after the authentication being replaced.
        let Some(after) = id.auth_time() else {
            return Err(SignInError::Reauthentication("returned no auth_time"));
        };
        let started = pending.created_at.saturating_sub(self.leeway_secs());
        if after < started
            || pending
                .reauth_auth_time
                .is_some_and(|before| after <= before)
        {
            return Err(SignInError::Reauthentication(
                "did not authenticate the person again",
            ));
        }
        Ok(())
    }

    fn signed_in(
        &self,
        pending: &PendingSignIn,
        id: &VerifiedIdToken,
        userinfo: UserInfo,
        identity: Option<VerifiedCoreIdentity>,
    ) -> SignedIn {
        let svc = &self.inner.service;
        let requested = pending.vtr.requests_identity();
        let proven = identity.is_some();
        let UserInfo {
            email,
            email_verified,
            phone_number,
            phone_number_verified,
            wallet_subject_id,
            addresses,
            passports,
            driving_permits,
            return_codes,
            ..
        } = userinfo;
        SignedIn {
            service: svc.name().clone(),
            client_id: svc.client_id().clone(),
            sub: id.sub().to_owned(),
            email,
            email_verified,
            phone_number,
            phone_number_verified,
            wallet_subject_id,
            vot: id.vot(),
            sid: id.sid().map(str::to_owned),
            auth_time: id.auth_time(),
            signed_in_at: id.iat(),
            identity,
            // Identity documents only alongside a verified core identity.
            addresses: if proven { addresses } else { Vec::new() },
            passports: if proven { passports } else { Vec::new() },
            driving_permits: if proven { driving_permits } else { Vec::new() },
            return_codes: if requested { return_codes } else { Vec::new() },
            id_token: SecretString::new(id.raw()),
        }
    }

    /// Verifies the core identity JWT when identity was requested and One Login sent one.
    #[cfg(feature = "identity")]
    async fn verify_identity(
        &self,
        metadata: &ProviderMetadata,
        pending: &PendingSignIn,
        id: &VerifiedIdToken,
        jwt: Option<&str>,
    ) -> Result<Option<VerifiedCoreIdentity>, SignInError> {
        let (Some(level), Some(jwt)) = (pending.vtr.identity(), jwt) else {
            return Ok(None);
        };
        if !pending.vtr.requests_identity() {
            return Ok(None);
        }
        let svc = &self.inner.service;
        let env = &self.inner.deps.environment;
        let kid = token_kid(jwt, DEFAULT_MAX_TOKEN_BYTES).map_err(SignInError::Identity)?;
        // Without a kid the verifier refuses the token; it still needs a document to say so.
        let did = self.did_for(kid.as_deref()).await?;
        let mut expect = IdentityExpectations::new(
            env.identity_issuer().as_str(),
            env.did_controller(),
            svc.client_id().as_str(),
            id.sub(),
            self.now(),
        );
        expect.vot = level;
        expect.trustmark = metadata.trustmark().map(Url::as_str);
        expect.leeway = svc.clock_leeway();
        verify_core_identity(jwt, &did, &expect)
            .map(Some)
            .map_err(SignInError::Identity)
    }

    /// Without the `identity` feature no identity is ever requested, so none is verified.
    #[cfg(not(feature = "identity"))]
    #[allow(clippy::unused_async)] // Same signature as the feature's version.
    async fn verify_identity(
        &self,
        _metadata: &ProviderMetadata,
        _pending: &PendingSignIn,
        _id: &VerifiedIdToken,
        _jwt: Option<&str>,
    ) -> Result<Option<VerifiedCoreIdentity>, SignInError> {
        Ok(None)
    }

    async fn exchange_code(
        &self,
        metadata: &ProviderMetadata,
        code: String,
        pending: &PendingSignIn,
    ) -> Result<TokenResponse, SignInError> {
        let svc = &self.inner.service;
        let token_url = metadata.token_endpoint().clone();
        let client_auth = match svc.client_auth() {
            ClientAuth::PrivateKeyJwt { .. } => {
                let signer = self.signer()?;
                let assertion = if signer.is_external() {
                    let input = signer.assertion_input(token_url.as_str(), self.now())?;
                    self.sign_externally(input).await?
                } else {
                    signer.client_assertion(token_url.as_str(), self.now())?
                };
                TokenClientAuth::Assertion(SecretString::new(assertion))
            }
            ClientAuth::ClientSecretPost { secret } => TokenClientAuth::Secret {
                client_id: svc.client_id().to_string(),
                secret: secret.clone(),
            },
        };
        let request = TokenRequest {
            code: SecretString::new(code),
            redirect_uri: pending.redirect_uri.to_string(),
            code_verifier: pending
                .pkce_verifier
                .as_ref()
                .map(|v| SecretString::new(v.secret())),
            client_auth,
        };
        let form = request.form();
        let pairs: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let http = HttpRequest::post_form(
            token_url,
            &self.inner.user_agent,
            &pairs,
            MAX_RESPONSE_BYTES,
        );
        let response = self.send("token", http).await?;
        Ok(TokenResponse::parse(response.status, &response.body)?)
    }

    async fn verify_id_token(
        &self,
        id_token: &str,
        access_token: &str,
        pending: &PendingSignIn,
    ) -> Result<VerifiedIdToken, SignInError> {
        let svc = &self.inner.service;
        let kid = token_kid(id_token, DEFAULT_MAX_TOKEN_BYTES).map_err(SignInError::IdToken)?;
        let keys = self.keys_for(kid.as_deref()).await?;
        let issuer = self.inner.deps.environment.issuer().as_str();
        let mut expect =
            IdTokenExpectations::new(issuer, svc.client_id().as_str(), &pending.nonce, self.now());
        expect.algorithm = svc.id_token_alg();
        expect.vot = pending.vtr.credential();
        expect.max_age = pending.max_age;
        expect.access_token = Some(access_token);
        expect.leeway = svc.clock_leeway();
        verify_id_token(id_token, &keys, &expect).map_err(SignInError::IdToken)
    }

    async fn userinfo(
        &self,
        metadata: &ProviderMetadata,
        access_token: &str,
    ) -> Result<UserInfo, SignInError> {
        let request = HttpRequest::get(
            metadata.userinfo_endpoint().clone(),
            &self.inner.user_agent,
            MAX_RESPONSE_BYTES,
        )
        .with_header("authorization", &format!("Bearer {access_token}"));
        let response = self.send("userinfo", request).await?;
        if response.status != 200 {
            return Err(SignInError::UserInfoEndpoint {
                status: response.status,
                challenge: response
                    .header("www-authenticate")
                    .map(|c| printable(c, 300)),
            });
        }
        UserInfo::from_json(&response.body).map_err(SignInError::UserInfo)
    }
}

/// The metrics of one finished sign-in: its outcome, its time when it succeeded, and for an
/// identity sign-in whether the identity was proven (never which return codes came back).
fn count_finish(
    labels: &ServiceLabels,
    identity: bool,
    result: Result<&SignedIn, &'static str>,
    elapsed: Duration,
) {
    match result {
        Ok(signed_in) => {
            labels.count(metrics::SIGN_INS, "success", None);
            labels.seconds(metrics::SIGN_IN_DURATION, elapsed);
            if identity {
                let outcome = if signed_in.identity().is_some() {
                    "proven"
                } else {
                    "not_proven"
                };
                labels.count(metrics::IDENTITY, outcome, None);
            }
        }
        Err(code) => {
            labels.count(metrics::SIGN_INS, "failure", Some(code));
            if identity {
                labels.count(metrics::IDENTITY, "failure", Some(code));
            }
        }
    }
}

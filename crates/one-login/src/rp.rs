//! One relying party per service.

use std::fmt;
use std::sync::Arc;

use govuk_one_login_core::{
    ClaimName, ClientAuth, Environment, HttpRequest, HttpTransport, Nonce, PkceVerifier,
    ReplayCheck, ReplayStore, Scope, SecretString, ServiceConfig, SharedClock, State, Url,
    VectorOfTrust,
};
use govuk_one_login_discovery::{DiscoveryError, ProviderCache};
use govuk_one_login_verify::{
    ClientSigner, DEFAULT_MAX_TOKEN_BYTES, IdTokenExpectations, KeySet, LogoutExpectations,
    UserInfo, VerifiedIdToken, VerifyError, token_kid, verify_id_token, verify_logout_token,
};
#[cfg(feature = "identity")]
use govuk_one_login_verify::{DidDocument, IdentityExpectations, verify_core_identity};
use serde_json::{Map, Value};
use tracing::Instrument as _;

use crate::callback;
use crate::error::{
    AuthorizeErrorCode, BackChannelError, SignInError, SignOutError, TokenResponseProblem,
};
use crate::pending::{PendingSignIn, SignInOptions, SignInStart};
use crate::signed_in::{LogoutNotice, SignedIn};

/// One Login's firewall limit on the `/authorize` query string.
pub const MAX_AUTHORIZE_QUERY: usize = 4096;
/// One Login's firewall limit on the `/logout` query string.
pub const MAX_LOGOUT_QUERY: usize = 2048;
/// The longest `login_hint` One Login accepts.
pub const MAX_LOGIN_HINT: usize = 256;
/// The most bytes read from a token or userinfo response.
pub const MAX_RESPONSE_BYTES: usize = 256 * 1024;
/// The most bytes accepted in a back-channel logout request body.
pub const MAX_BACK_CHANNEL_BODY: usize = 64 * 1024;
/// How long a pending sign-in stays usable by default: an identity journey can take a while, and
/// One Login's own session lasts an hour.
pub const DEFAULT_PENDING_TTL_SECS: i64 = 60 * 60;

/// The shared pieces a relying party is built from.
#[derive(Clone)]
pub(crate) struct Deps {
    pub(crate) environment: Environment,
    pub(crate) provider: ProviderCache,
    pub(crate) transport: Arc<dyn HttpTransport>,
    pub(crate) clock: SharedClock,
    pub(crate) replay: Arc<dyn ReplayStore>,
    /// Used states, kept apart from logout `jti`s so that a flood of states can never stop
    /// back-channel logout (and evicting, so it can never stop sign-ins either).
    pub(crate) states: Arc<dyn ReplayStore>,
    pub(crate) pending_ttl_secs: i64,
}

struct Inner {
    service: ServiceConfig,
    signer: Option<ClientSigner>,
    deps: Deps,
    user_agent: String,
}

/// The relying party of one service: start and finish sign-ins, build sign-out URLs, handle
/// back-channel logout. Cheap to clone, `Send + Sync`: keep it in your web framework's state.
///
/// Every operation runs in a span carrying the service's name and client id, and ends with one
/// event whose `outcome` is `success` or `failure` (with a stable `code`), so that success rates,
/// volumes and failure reasons can be charted per service. No token, code, key or personal datum is
/// ever recorded.
#[derive(Clone)]
pub struct RelyingParty {
    inner: Arc<Inner>,
}

impl fmt::Debug for RelyingParty {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RelyingParty")
            .field("service", &self.inner.service.name())
            .field("client_id", &self.inner.service.client_id())
            .field("issuer", &self.inner.deps.environment.issuer().as_str())
            .finish_non_exhaustive()
    }
}

impl RelyingParty {
    pub(crate) fn new(service: ServiceConfig, signer: Option<ClientSigner>, deps: Deps) -> Self {
        let user_agent = service.user_agent();
        Self {
            inner: Arc::new(Inner {
                service,
                signer,
                deps,
                user_agent,
            }),
        }
    }

    /// The service's checked configuration.
    pub fn service(&self) -> &ServiceConfig {
        &self.inner.service
    }

    /// The provider environment.
    pub fn environment(&self) -> &Environment {
        &self.inner.deps.environment
    }

    /// The provider cache this service shares with every other service of its issuer.
    pub fn provider(&self) -> &ProviderCache {
        &self.inner.deps.provider
    }

    fn now(&self) -> i64 {
        self.inner.deps.clock.now_unix()
    }

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
        )
        .await
    }

    /// Runs one operation in a span carrying the service's name and client id, and ends it with
    /// one outcome event: `success`, or `failure` with the error's stable code.
    async fn observe<T, E>(
        &self,
        operation: &'static str,
        work: impl Future<Output = Result<T, E>>,
        code: fn(&E) -> &'static str,
    ) -> Result<T, E> {
        let service = self.inner.service.name().as_str();
        let client_id = self.inner.service.client_id().as_str();
        let span = tracing::info_span!("one_login", operation, service, client_id);
        let result = work.instrument(span).await;
        match result.as_ref().err().map(code) {
            None => tracing::info!(
                target: "govuk_one_login::outcome",
                operation, service, client_id, outcome = "success"
            ),
            Some(code) => tracing::warn!(
                target: "govuk_one_login::outcome",
                operation, service, client_id, outcome = "failure", code
            ),
        }
        result
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
        if options.login_hint.is_some() && !svc.request_objects() {
            return Err(SignInError::NeedsRequestObjects("login_hint"));
        }
        if options.reauthenticate.is_some() && !svc.request_objects() {
            return Err(SignInError::NeedsRequestObjects(
                "re-authentication (id_token_hint)",
            ));
        }
        if let Some(hint) = &options.login_hint {
            let length = hint.chars().count();
            if length > MAX_LOGIN_HINT {
                return Err(SignInError::LoginHintTooLong(length));
            }
        }
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
        let claims: Vec<&'static str> = if vtr.requests_identity() {
            svc.claims().iter().map(|c| c.uri()).collect()
        } else {
            Vec::new()
        };
        let max_age = options.max_age.or(svc.max_age());
        let ui_locales = options
            .ui_locales
            .clone()
            .unwrap_or_else(|| svc.ui_locales().to_vec());
        let prompt = match (&options.reauthenticate, options.prompt) {
            (Some(_), _) => Some("login"),
            (None, p) => p.map(crate::pending::Prompt::as_str),
        };

        let scope = Scope::join(svc.scopes());
        // `scope` is needed again for a request object's query.
        #[cfg_attr(not(feature = "request-objects"), allow(clippy::redundant_clone))]
        let mut params: Vec<(&'static str, String)> = vec![
            ("response_type", "code".into()),
            ("scope", scope.clone()),
            ("client_id", svc.client_id().to_string()),
            ("state", state.secret().to_owned()),
            ("redirect_uri", redirect_uri.to_string()),
            ("nonce", nonce.secret().to_owned()),
            ("vtr", VectorOfTrust::to_vtr_param(&[vtr])),
        ];
        if !claims.is_empty() {
            let members: Map<String, Value> = claims
                .iter()
                .map(|c| ((*c).to_owned(), Value::Null))
                .collect();
            let request = serde_json::json!({ "userinfo": members });
            params.push(("claims", request.to_string()));
        }
        if !ui_locales.is_empty() {
            let joined: Vec<&str> = ui_locales.iter().map(|l| l.as_str()).collect();
            params.push(("ui_locales", joined.join(" ")));
        }
        if let Some(v) = &pkce_verifier {
            let challenge = v.challenge();
            params.push(("code_challenge", challenge.as_str().to_owned()));
            params.push(("code_challenge_method", challenge.method().to_owned()));
        }
        if let Some(m) = max_age {
            params.push(("max_age", m.to_string()));
        }
        if let Some(p) = prompt {
            params.push(("prompt", p.to_owned()));
        }

        let mut url = metadata.authorization_endpoint().clone();
        if svc.request_objects() {
            #[cfg(not(feature = "request-objects"))]
            return Err(SignInError::FeatureDisabled("request-objects"));
            #[cfg(feature = "request-objects")]
            self.add_request_object(&mut url, &params, max_age, &options, &scope)?;
        } else {
            let mut q = url.query_pairs_mut();
            for (k, v) in &params {
                q.append_pair(k, v);
            }
        }
        let length = url.query().map_or(0, str::len);
        if length > MAX_AUTHORIZE_QUERY {
            return Err(SignInError::UrlTooLong {
                length,
                limit: MAX_AUTHORIZE_QUERY,
            });
        }
        let pending = PendingSignIn {
            service: svc.name().to_string(),
            client_id: svc.client_id().to_string(),
            state,
            nonce,
            pkce_verifier,
            vtr,
            claims: claims.iter().map(|c| (*c).to_owned()).collect(),
            redirect_uri,
            created_at: self.now(),
            max_age,
            reauth_sub: options.reauthenticate.as_ref().map(|r| r.sub.clone()),
            reauth_auth_time: options.reauthenticate.as_ref().and_then(|r| r.auth_time),
        };
        Ok(SignInStart { url, pending })
    }

    /// Puts the parameters in a signed request object (JAR), leaving only `response_type`, `scope`,
    /// `client_id` and `request` in the query, as One Login requires.
    #[cfg(feature = "request-objects")]
    fn add_request_object(
        &self,
        url: &mut Url,
        params: &[(&'static str, String)],
        max_age: Option<u64>,
        options: &SignInOptions,
        scope: &str,
    ) -> Result<(), SignInError> {
        let svc = &self.inner.service;
        let signer = self.signer()?;
        let mut object = Map::new();
        for (k, v) in params {
            object.insert((*k).to_owned(), Value::String(v.clone()));
        }
        if let Some(m) = max_age {
            object.insert("max_age".into(), Value::from(m));
        }
        if let Some(hint) = &options.login_hint {
            object.insert("login_hint".into(), Value::String(hint.clone()));
        }
        if let Some(r) = &options.reauthenticate {
            object.insert("id_token_hint".into(), Value::String(r.id_token.clone()));
        }
        let jwt = signer.request_object(url.as_str(), object, self.now())?;
        url.query_pairs_mut()
            .append_pair("response_type", "code")
            .append_pair("scope", scope)
            .append_pair("client_id", svc.client_id().as_str())
            .append_pair("request", &jwt);
        Ok(())
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
    /// [`RelyingParty::start_sign_in`]. Remove the pending sign-in from the session whatever the
    /// outcome: it is usable once.
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
        self.observe(
            "finish_sign_in",
            self.finish_inner(callback_query, pending),
            SignInError::code,
        )
        .await
    }

    async fn finish_inner(
        &self,
        query: &str,
        pending: PendingSignIn,
    ) -> Result<SignedIn, SignInError> {
        let svc = &self.inner.service;
        let env = &self.inner.deps.environment;
        let now = self.now();
        if pending.service != svc.name().as_str() || pending.client_id != svc.client_id().as_str() {
            return Err(SignInError::WrongService {
                started_by: pending.service.clone(),
                finishing: svc.name().to_string(),
            });
        }
        let ttl = self.inner.deps.pending_ttl_secs;
        let age = now.saturating_sub(pending.created_at);
        if age > ttl || age < -ttl {
            return Err(SignInError::PendingExpired {
                age_seconds: age,
                limit_seconds: ttl,
            });
        }
        let cb = callback::parse(query)?;
        let state = cb.state.as_deref().ok_or(SignInError::MissingState)?;
        if !pending.state.matches(state) {
            return Err(SignInError::StateMismatch);
        }
        let state_id = format!("state:{}", govuk_one_login_core::secret_digest(state));
        match self
            .inner
            .deps
            .states
            .check_and_remember(&state_id, pending.created_at.saturating_add(ttl), now)
            .await?
        {
            ReplayCheck::Fresh => {}
            ReplayCheck::Replayed => return Err(SignInError::StateReplayed),
        }
        if let Some(iss) = &cb.iss
            && iss != env.issuer().as_str()
        {
            return Err(SignInError::IssuerMismatch {
                expected: env.issuer().to_string(),
                actual: printable(iss, 200),
            });
        }
        if let Some(error) = &cb.error {
            if cb.code.is_some() {
                return Err(SignInError::CodeAndError);
            }
            return Err(SignInError::Provider {
                error: AuthorizeErrorCode::parse(error),
                description: cb.error_description.as_ref().map(|d| printable(d, 300)),
            });
        }
        let code = cb
            .code
            .as_deref()
            .filter(|c| !c.is_empty())
            .ok_or(SignInError::MissingCode)?;

        let metadata = self.inner.deps.provider.metadata().await?;
        let (access_token, id_token) = self.exchange_code(&metadata, code, &pending).await?;

        let id = self
            .verify_id_token(&id_token, &access_token, &pending)
            .await?;
        if let Some(expected_sub) = &pending.reauth_sub {
            if id.sub() != expected_sub {
                return Err(SignInError::Reauthentication("returned a different person"));
            }
            // The person must have authenticated again: after this sign-in started (within the
            // leeway) and after the authentication being replaced.
            let leeway = i64::try_from(self.inner.service.clock_leeway().as_secs()).unwrap_or(0);
            let Some(after) = id.auth_time() else {
                return Err(SignInError::Reauthentication("returned no auth_time"));
            };
            let started = pending.created_at.saturating_sub(leeway);
            if after < started
                || pending
                    .reauth_auth_time
                    .is_some_and(|before| after <= before)
            {
                return Err(SignInError::Reauthentication(
                    "did not authenticate the person again",
                ));
            }
        }

        let userinfo = self.userinfo(&metadata, &access_token).await?;
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
        Ok(SignedIn {
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
            identity,
            // Identity documents only alongside a verified core identity.
            addresses: if proven { addresses } else { Vec::new() },
            passports: if proven { passports } else { Vec::new() },
            driving_permits: if proven { driving_permits } else { Vec::new() },
            return_codes: if requested { return_codes } else { Vec::new() },
            id_token: SecretString::new(id.raw()),
        })
    }

    /// Verifies the core identity JWT when identity was requested and One Login sent one.
    #[cfg(feature = "identity")]
    async fn verify_identity(
        &self,
        metadata: &govuk_one_login_discovery::ProviderMetadata,
        pending: &PendingSignIn,
        id: &VerifiedIdToken,
        jwt: Option<&str>,
    ) -> Result<Option<govuk_one_login_verify::VerifiedCoreIdentity>, SignInError> {
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
        _metadata: &govuk_one_login_discovery::ProviderMetadata,
        _pending: &PendingSignIn,
        _id: &VerifiedIdToken,
        _jwt: Option<&str>,
    ) -> Result<Option<govuk_one_login_verify::VerifiedCoreIdentity>, SignInError> {
        Ok(None)
    }

    async fn exchange_code(
        &self,
        metadata: &govuk_one_login_discovery::ProviderMetadata,
        code: &str,
        pending: &PendingSignIn,
    ) -> Result<(String, String), SignInError> {
        let svc = &self.inner.service;
        let token_url = metadata.token_endpoint().clone();
        let redirect = pending.redirect_uri.to_string();
        let mut form: Vec<(&str, String)> = vec![
            ("grant_type", "authorization_code".into()),
            ("code", code.to_owned()),
            ("redirect_uri", redirect),
        ];
        match svc.client_auth() {
            ClientAuth::PrivateKeyJwt { .. } => {
                let assertion = self
                    .signer()?
                    .client_assertion(token_url.as_str(), self.now())?;
                form.push((
                    "client_assertion_type",
                    "urn:ietf:params:oauth:client-assertion-type:jwt-bearer".into(),
                ));
                form.push(("client_assertion", assertion));
            }
            ClientAuth::ClientSecretPost { secret } => {
                form.push(("client_id", svc.client_id().to_string()));
                form.push(("client_secret", secret.expose_secret().to_owned()));
            }
        }
        if let Some(v) = &pending.pkce_verifier {
            form.push(("code_verifier", v.secret().to_owned()));
        }
        let pairs: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let request = HttpRequest::post_form(
            token_url,
            &self.inner.user_agent,
            &pairs,
            MAX_RESPONSE_BYTES,
        );
        let response = self.inner.deps.transport.send(request).await?;
        let body: Option<Map<String, Value>> = serde_json::from_slice(&response.body).ok();
        if response.status != 200 {
            let field = |name: &str| {
                body.as_ref()
                    .and_then(|b| b.get(name))
                    .and_then(Value::as_str)
                    .map(|s| printable(s, 300))
            };
            return Err(SignInError::TokenEndpoint {
                status: response.status,
                error: field("error").unwrap_or_else(|| "unknown".into()),
                description: field("error_description"),
            });
        }
        let body = body.ok_or(SignInError::TokenResponse(TokenResponseProblem::NotJson))?;
        let text = |name: &str| {
            body.get(name)
                .and_then(Value::as_str)
                .filter(|s| !s.is_empty())
        };
        if !text("token_type").is_some_and(|t| t.eq_ignore_ascii_case("bearer")) {
            return Err(SignInError::TokenResponse(TokenResponseProblem::NotBearer));
        }
        let access = text("access_token").ok_or(SignInError::TokenResponse(
            TokenResponseProblem::MissingAccessToken,
        ))?;
        let id = text("id_token").ok_or(SignInError::TokenResponse(
            TokenResponseProblem::MissingIdToken,
        ))?;
        Ok((access.to_owned(), id.to_owned()))
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
        metadata: &govuk_one_login_discovery::ProviderMetadata,
        access_token: &str,
    ) -> Result<UserInfo, SignInError> {
        let request = HttpRequest::get(
            metadata.userinfo_endpoint().clone(),
            &self.inner.user_agent,
            MAX_RESPONSE_BYTES,
        )
        .with_header("authorization", &format!("Bearer {access_token}"));
        let response = self.inner.deps.transport.send(request).await?;
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

    /// The URL that signs the person out of One Login (redirect the browser there after ending your
    /// own session). `post_logout_redirect_uri` must be one of the service's registered ones; One
    /// Login honours it only with the `id_token_hint`.
    ///
    /// # Errors
    /// [`SignOutError`]: an unregistered redirect, no end-session endpoint, or a URL over One Login's
    /// 2048-character limit.
    pub async fn sign_out_url(
        &self,
        id_token_hint: Option<&SecretString>,
        post_logout_redirect_uri: Option<&Url>,
        state: Option<&str>,
    ) -> Result<Url, SignOutError> {
        let work = async {
            let svc = &self.inner.service;
            if let Some(uri) = post_logout_redirect_uri
                && !svc.post_logout_redirect_uris().iter().any(|u| u == uri)
            {
                return Err(SignOutError::UnregisteredRedirect(uri.to_string()));
            }
            // One Login honours the redirect only with an id_token_hint; without one the person
            // would silently stay on One Login's signed-out page.
            if post_logout_redirect_uri.is_some() && id_token_hint.is_none() {
                return Err(SignOutError::RedirectNeedsHint);
            }
            let metadata = self.inner.deps.provider.metadata().await?;
            let mut url = metadata
                .end_session_endpoint()
                .ok_or(SignOutError::NoEndSessionEndpoint)?
                .clone();
            {
                let mut q = url.query_pairs_mut();
                if let Some(hint) = id_token_hint {
                    q.append_pair("id_token_hint", hint.expose_secret());
                }
                if let Some(uri) = post_logout_redirect_uri {
                    q.append_pair("post_logout_redirect_uri", uri.as_str());
                }
                if let Some(s) = state {
                    q.append_pair("state", s);
                }
            }
            if url.query() == Some("") {
                url.set_query(None);
            }
            let length = url.query().map_or(0, str::len);
            if length > MAX_LOGOUT_QUERY {
                return Err(SignOutError::UrlTooLong {
                    length,
                    limit: MAX_LOGOUT_QUERY,
                });
            }
            Ok(url)
        };
        self.observe("sign_out", work, SignOutError::code).await
    }

    /// Handles a back-channel logout request: the POSTed form body (`logout_token=…`). On success,
    /// end every session of [`LogoutNotice::sub`] in this service, then answer with
    /// [`back_channel_response`](crate::back_channel_response).
    ///
    /// # Errors
    /// [`BackChannelError`]: no token, a token that fails verification, or a replayed `jti` (which
    /// ends no session).
    pub async fn back_channel_logout(
        &self,
        form_body: &[u8],
    ) -> Result<LogoutNotice, BackChannelError> {
        self.observe(
            "back_channel_logout",
            self.back_channel_inner(form_body),
            BackChannelError::code,
        )
        .await
    }

    async fn back_channel_inner(&self, body: &[u8]) -> Result<LogoutNotice, BackChannelError> {
        if body.len() > MAX_BACK_CHANNEL_BODY {
            return Err(BackChannelError::TooLarge(MAX_BACK_CHANNEL_BODY));
        }
        let mut token: Option<String> = None;
        for (name, value) in url::form_urlencoded::parse(body) {
            if name == "logout_token" {
                if token.is_some() {
                    return Err(BackChannelError::MissingToken);
                }
                token = Some(value.into_owned());
            }
        }
        let token = token
            .filter(|t| !t.is_empty())
            .ok_or(BackChannelError::MissingToken)?;
        let svc = &self.inner.service;
        let kid = token_kid(&token, DEFAULT_MAX_TOKEN_BYTES).map_err(BackChannelError::Token)?;
        let keys = self.keys_for(kid.as_deref()).await?;
        let now = self.now();
        let mut expect = LogoutExpectations::new(
            self.inner.deps.environment.issuer().as_str(),
            svc.client_id().as_str(),
            now,
        );
        expect.leeway = svc.clock_leeway();
        let verified =
            verify_logout_token(&token, &keys, &expect).map_err(BackChannelError::Token)?;
        match verified
            .check_replay(self.inner.deps.replay.as_ref(), now)
            .await
        {
            Ok(()) => {}
            Err(VerifyError::Replayed) => return Err(BackChannelError::Replayed),
            Err(VerifyError::ReplayStore(e)) => return Err(BackChannelError::ReplayStore(e)),
            Err(other) => return Err(BackChannelError::Token(other)),
        }
        Ok(LogoutNotice {
            service: svc.name().clone(),
            sub: verified.sub().to_owned(),
        })
    }

    /// The provider's keys for a token's `kid`, refreshed once (rate-limited) when it is unknown.
    /// A kid still unknown after that is left to the verifier, which then reports the first
    /// problem with the token in its own order (an HMAC header before an unknown kid).
    async fn keys_for(&self, kid: Option<&str>) -> Result<Arc<KeySet>, DiscoveryError> {
        match self.inner.deps.provider.keys_for_kid(kid).await {
            Err(DiscoveryError::UnknownKid { .. }) => self.inner.deps.provider.keys().await,
            other => other,
        }
    }

    /// The DID document for a core identity JWT's `kid`, with the same rule.
    #[cfg(feature = "identity")]
    async fn did_for(&self, kid: Option<&str>) -> Result<Arc<DidDocument>, DiscoveryError> {
        let provider = &self.inner.deps.provider;
        match kid {
            Some(kid) => match provider.did_document_for_kid(kid).await {
                Err(DiscoveryError::UnknownIdentityKid { .. }) => provider.did_document().await,
                other => other,
            },
            None => provider.did_document().await,
        }
    }

    /// The claims this service requests with its identity vector.
    pub fn identity_claims(&self) -> &[ClaimName] {
        self.inner.service.claims()
    }
}

/// Text from the provider or the callback, made safe to put in an error message and a log line:
/// at most `max` characters, control characters (newlines included) replaced.
pub(crate) fn printable(text: &str, max: usize) -> String {
    text.chars()
        .take(max)
        .map(|c| if c.is_control() { '\u{fffd}' } else { c })
        .collect()
}

/// The HTTP answer Back-Channel Logout 1.0 §2.8 requires: 200 when the token was accepted (or had
/// already been handled: One Login retries anything else), 400 otherwise; always
/// `Cache-Control: no-store`. Returns (status, headers, body).
pub fn back_channel_response(
    result: &Result<LogoutNotice, BackChannelError>,
) -> (u16, Vec<(&'static str, &'static str)>, String) {
    let headers = vec![("cache-control", "no-store")];
    match result {
        Ok(_) | Err(BackChannelError::Replayed) => (200, headers, String::new()),
        Err(e) => {
            let mut headers = headers;
            headers.push(("content-type", "application/json"));
            let body =
                serde_json::json!({"error": "invalid_request", "error_description": e.code()});
            (400, headers, body.to_string())
        }
    }
}

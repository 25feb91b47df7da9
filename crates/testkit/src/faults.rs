//! Faults the mock provider can be told to produce: every fault of the GDS simulator, and the ones
//! it lacks (outages, key trouble, a mix-up issuer, crafted tokens).

use std::time::Duration;

/// A fault in the ID token served by `/token` (the simulator's `ID_TOKEN_ERRORS`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum IdTokenFault {
    /// `INVALID_ISS`: `iss` is `https://example.com/identity-provider`.
    InvalidIss,
    /// `INVALID_AUD`: `aud` is a random value.
    InvalidAud,
    /// `INVALID_ALG_HEADER`: the header is replaced by `{"alg":"HS256","kid":…}`.
    InvalidAlgHeader,
    /// `INVALID_SIGNATURE`: the signature is random bytes.
    InvalidSignature,
    /// `TOKEN_EXPIRED`: `exp` is a day ago.
    TokenExpired,
    /// `TOKEN_NOT_VALID_YET`: `iat` is a day ahead (`exp` two minutes after it).
    TokenNotValidYet,
    /// `NONCE_NOT_MATCHING`: `nonce` is a random value.
    NonceNotMatching,
    /// `INCORRECT_VOT`: `vot` is the other credential level (`Cl` ↔ `Cl.Cm`).
    IncorrectVot,
}

impl IdTokenFault {
    /// Every ID-token fault.
    pub const ALL: [Self; 8] = [
        Self::InvalidIss,
        Self::InvalidAud,
        Self::InvalidAlgHeader,
        Self::InvalidSignature,
        Self::TokenExpired,
        Self::TokenNotValidYet,
        Self::NonceNotMatching,
        Self::IncorrectVot,
    ];

    /// The simulator's name, e.g. `INVALID_ISS`.
    pub fn simulator_name(self) -> &'static str {
        match self {
            Self::InvalidIss => "INVALID_ISS",
            Self::InvalidAud => "INVALID_AUD",
            Self::InvalidAlgHeader => "INVALID_ALG_HEADER",
            Self::InvalidSignature => "INVALID_SIGNATURE",
            Self::TokenExpired => "TOKEN_EXPIRED",
            Self::TokenNotValidYet => "TOKEN_NOT_VALID_YET",
            Self::NonceNotMatching => "NONCE_NOT_MATCHING",
            Self::IncorrectVot => "INCORRECT_VOT",
        }
    }

    /// Parses a simulator name.
    pub fn from_simulator_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|f| f.simulator_name() == name)
    }
}

/// A fault in the core identity JWT served by `/userinfo` (the simulator's
/// `CORE_IDENTITY_ERRORS`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum CoreIdentityFault {
    /// `INVALID_ALG_HEADER`: `alg` is `HS256` (the `kid` is kept).
    InvalidAlgHeader,
    /// `INVALID_SIGNATURE`: the signature is random bytes.
    InvalidSignature,
    /// `INVALID_ISS`: a random `iss`.
    InvalidIss,
    /// `INVALID_AUD`: a random `aud`.
    InvalidAud,
    /// `INCORRECT_SUB`: a random `sub`.
    IncorrectSub,
    /// `TOKEN_EXPIRED`: `exp` is a day ago.
    TokenExpired,
}

impl CoreIdentityFault {
    /// Every core identity fault.
    pub const ALL: [Self; 6] = [
        Self::InvalidAlgHeader,
        Self::InvalidSignature,
        Self::InvalidIss,
        Self::InvalidAud,
        Self::IncorrectSub,
        Self::TokenExpired,
    ];

    /// The simulator's name, e.g. `INCORRECT_SUB`.
    pub fn simulator_name(self) -> &'static str {
        match self {
            Self::InvalidAlgHeader => "INVALID_ALG_HEADER",
            Self::InvalidSignature => "INVALID_SIGNATURE",
            Self::InvalidIss => "INVALID_ISS",
            Self::InvalidAud => "INVALID_AUD",
            Self::IncorrectSub => "INCORRECT_SUB",
            Self::TokenExpired => "TOKEN_EXPIRED",
        }
    }

    /// Parses a simulator name.
    pub fn from_simulator_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|f| f.simulator_name() == name)
    }
}

/// An error `/authorize` answers with (after validating the request), redirecting to the
/// relying party with `error` and `state`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum AuthorizeFault {
    /// `ACCESS_DENIED`: `error=access_denied` (a lost session, a failed identity check).
    AccessDenied,
    /// `TEMPORARILY_UNAVAILABLE`: `error=temporarily_unavailable` (overload, rate limit).
    TemporarilyUnavailable,
    /// `error=login_required` (a failed re-authentication; the simulator lacks it).
    LoginRequired,
    /// `error=unauthorized_client`, `client deactivated` (the simulator lacks it).
    ClientDeactivated,
}

impl AuthorizeFault {
    /// The OAuth `error` code redirected with.
    pub fn error_code(self) -> &'static str {
        match self {
            Self::AccessDenied => "access_denied",
            Self::TemporarilyUnavailable => "temporarily_unavailable",
            Self::LoginRequired => "login_required",
            Self::ClientDeactivated => "unauthorized_client",
        }
    }

    pub(crate) fn description(self) -> &'static str {
        match self {
            Self::AccessDenied => "Access denied by resource owner or authorization server",
            Self::TemporarilyUnavailable => "",
            Self::LoginRequired => "Login required",
            Self::ClientDeactivated => "client deactivated",
        }
    }
}

/// An endpoint the relying party calls directly (not through the browser).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum Endpoint {
    /// `/.well-known/openid-configuration`.
    Discovery,
    /// `/.well-known/jwks.json`.
    Jwks,
    /// `/token`.
    Token,
    /// `/userinfo`.
    Userinfo,
    /// `/.well-known/did.json`.
    DidDocument,
    /// `/trustmark`.
    Trustmark,
}

impl Endpoint {
    /// The path this mock serves the endpoint at.
    pub fn path(self) -> &'static str {
        match self {
            Self::Discovery => "/.well-known/openid-configuration",
            Self::Jwks => "/.well-known/jwks.json",
            Self::Token => "/token",
            Self::Userinfo => "/userinfo",
            Self::DidDocument => "/.well-known/did.json",
            Self::Trustmark => "/trustmark",
        }
    }
}

/// An outage or a broken answer at one endpoint.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum EndpointFault {
    /// Answers with this HTTP status and a plain-text body, without processing the request (a
    /// code sent to a failing `/token` is not used up).
    Status(u16),
    /// Answers with this status and a `Retry-After` header, without processing the request.
    StatusWithRetryAfter {
        /// The HTTP status, e.g. 503 or 429.
        status: u16,
        /// The `Retry-After` value in seconds.
        retry_after_seconds: u64,
    },
    /// Processes the request, then waits this long before answering (timeouts, slow bodies).
    Delay(Duration),
    /// Answers 200 `application/json` with a body that is not JSON.
    GarbageJson,
    /// Processes the request and answers with its normal body, labelled `text/html`.
    WrongContentType,
    /// Processes the request and pads its JSON answer to at least this many bytes.
    Oversized(usize),
}

/// A fault in the `/token` response itself.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum TokenResponseFault {
    /// No `id_token` member.
    MissingIdToken,
    /// No `access_token` member.
    MissingAccessToken,
    /// `token_type` is `mac` rather than `Bearer`.
    TokenTypeNotBearer,
    /// A 200 answer with valid tokens that also carries `"error": "invalid_grant"`.
    ErrorMemberWithTokens,
    /// The `id_token` member twice: first a forged value, then the valid token (a parser that
    /// keeps the last copy accepts it; one that keeps the first fails later).
    DuplicateIdToken,
}

/// A fault in a back-channel logout token ([`MockOneLogin::mint_logout_token`]).
///
/// [`MockOneLogin::mint_logout_token`]: crate::MockOneLogin::mint_logout_token
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum LogoutTokenFault {
    /// `iss` is another issuer.
    InvalidIss,
    /// `aud` is another client.
    InvalidAud,
    /// The header says `HS256` (signature kept).
    InvalidAlgHeader,
    /// The signature is random bytes.
    InvalidSignature,
    /// Signed with a key the JWKS does not publish (an unknown `kid`).
    UnknownKid,
    /// `exp` is a day ago.
    Expired,
    /// `iat` is a day ahead (`exp` two minutes after it).
    IssuedInFuture,
    /// No `sub`.
    MissingSub,
    /// No `jti`.
    MissingJti,
    /// No `events`.
    MissingEvents,
    /// `events` holds another event type instead of back-channel logout.
    WrongEvent,
    /// The back-channel logout event's value is not an empty object.
    NonEmptyEvent,
    /// A `nonce` claim, which Back-Channel Logout 1.0 §2.4 forbids.
    WithNonce,
    /// Header `typ` is `JWT` rather than `logout+jwt`.
    WrongTyp,
}

/// The issuer a faulty discovery document names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum DiscoveryIssuer {
    /// The real issuer without its trailing slash.
    WithoutTrailingSlash,
    /// Another issuer.
    Other(String),
}

/// The faults a [`MockOneLogin`](crate::MockOneLogin) produces; `Faults::default()` is none.
///
/// Build one with the constructors and combine them with [`Faults::and`]:
///
/// ```
/// use govuk_one_login_testkit::{Endpoint, EndpointFault, Faults, IdTokenFault};
/// let faults = Faults::id_token(IdTokenFault::InvalidIss)
///     .and(Faults::endpoint(Endpoint::Jwks, EndpointFault::Status(500)));
/// assert!(!faults.is_none());
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Faults {
    pub(crate) id_token: Vec<IdTokenFault>,
    pub(crate) core_identity: Vec<CoreIdentityFault>,
    pub(crate) authorize: Option<AuthorizeFault>,
    pub(crate) endpoints: Vec<(Endpoint, EndpointFault)>,
    pub(crate) unknown_kid: bool,
    pub(crate) discovery_issuer: Option<DiscoveryIssuer>,
    pub(crate) id_token_override: Option<String>,
    pub(crate) userinfo_sub_mismatch: bool,
    pub(crate) token_response: Vec<TokenResponseFault>,
    pub(crate) logout_token: Option<LogoutTokenFault>,
}

impl Faults {
    /// No faults: the provider behaves like One Login.
    pub fn none() -> Self {
        Self::default()
    }

    /// Whether no fault is set.
    pub fn is_none(&self) -> bool {
        *self == Self::default()
    }

    /// One fault in the ID token (combine several with [`Faults::and`]).
    pub fn id_token(fault: IdTokenFault) -> Self {
        Self {
            id_token: vec![fault],
            ..Self::default()
        }
    }

    /// One fault in the core identity JWT.
    pub fn core_identity(fault: CoreIdentityFault) -> Self {
        Self {
            core_identity: vec![fault],
            ..Self::default()
        }
    }

    /// `/authorize` answers every valid request with this error.
    pub fn authorize(fault: AuthorizeFault) -> Self {
        Self {
            authorize: Some(fault),
            ..Self::default()
        }
    }

    /// An outage or broken answer at one endpoint.
    pub fn endpoint(endpoint: Endpoint, fault: EndpointFault) -> Self {
        Self {
            endpoints: vec![(endpoint, fault)],
            ..Self::default()
        }
    }

    /// ID tokens are signed with a key the JWKS never publishes (an unknown `kid`).
    pub fn unknown_kid() -> Self {
        Self {
            unknown_kid: true,
            ..Self::default()
        }
    }

    /// The discovery document names this `issuer` instead of the mock's own.
    pub fn discovery_issuer(issuer: impl Into<String>) -> Self {
        Self {
            discovery_issuer: Some(DiscoveryIssuer::Other(issuer.into())),
            ..Self::default()
        }
    }

    /// The discovery document names an issuer that differs from the real one only by its missing
    /// trailing slash, the commonest mismatch.
    pub fn discovery_issuer_mismatch() -> Self {
        Self {
            discovery_issuer: Some(DiscoveryIssuer::WithoutTrailingSlash),
            ..Self::default()
        }
    }

    /// `/token` serves this exact string as the `id_token` (see
    /// [`MockOneLogin::mint_id_token`](crate::MockOneLogin::mint_id_token)).
    pub fn id_token_override(token: impl Into<String>) -> Self {
        Self {
            id_token_override: Some(token.into()),
            ..Self::default()
        }
    }

    /// `/userinfo` answers with a `sub` other than the ID token's.
    pub fn userinfo_sub_mismatch() -> Self {
        Self {
            userinfo_sub_mismatch: true,
            ..Self::default()
        }
    }

    /// A fault in the `/token` response's members.
    pub fn token_response(fault: TokenResponseFault) -> Self {
        Self {
            token_response: vec![fault],
            ..Self::default()
        }
    }

    /// Both sets of faults; where both set the same single-valued fault, `other` wins.
    #[must_use]
    pub fn and(mut self, other: Self) -> Self {
        for f in other.id_token {
            if !self.id_token.contains(&f) {
                self.id_token.push(f);
            }
        }
        for f in other.core_identity {
            if !self.core_identity.contains(&f) {
                self.core_identity.push(f);
            }
        }
        for f in other.token_response {
            if !self.token_response.contains(&f) {
                self.token_response.push(f);
            }
        }
        for (endpoint, fault) in other.endpoints {
            self.endpoints.retain(|(e, _)| *e != endpoint);
            self.endpoints.push((endpoint, fault));
        }
        self.authorize = other.authorize.or(self.authorize);
        self.unknown_kid |= other.unknown_kid;
        self.discovery_issuer = other.discovery_issuer.or(self.discovery_issuer);
        self.id_token_override = other.id_token_override.or(self.id_token_override);
        self.userinfo_sub_mismatch |= other.userinfo_sub_mismatch;
        self.logout_token = other.logout_token.or(self.logout_token);
        self
    }

    /// The back-channel logout tokens the provider delivers itself (the standalone server, at a
    /// sign-out through `/logout`) carry this fault.
    pub fn logout_token(fault: LogoutTokenFault) -> Self {
        Self {
            logout_token: Some(fault),
            ..Self::default()
        }
    }

    /// Parses the simulator's `ID_TOKEN_ERRORS`, `CORE_IDENTITY_ERRORS` and `AUTHORISE_ERRORS`
    /// values (comma-separated; unknown names are ignored, as the simulator ignores them).
    pub fn from_simulator(
        id_token_errors: &str,
        core_identity_errors: &str,
        authorise_errors: &str,
    ) -> Self {
        let names = |s: &str| {
            s.split(',')
                .map(str::trim)
                .filter(|n| !n.is_empty())
                .map(str::to_owned)
                .collect::<Vec<_>>()
        };
        let mut faults = Self::default();
        for n in names(id_token_errors) {
            if let Some(f) = IdTokenFault::from_simulator_name(&n) {
                faults = faults.and(Self::id_token(f));
            }
        }
        for n in names(core_identity_errors) {
            if let Some(f) = CoreIdentityFault::from_simulator_name(&n) {
                faults = faults.and(Self::core_identity(f));
            }
        }
        for n in names(authorise_errors) {
            match n.as_str() {
                "ACCESS_DENIED" => {
                    faults = faults.and(Self::authorize(AuthorizeFault::AccessDenied))
                }
                "TEMPORARILY_UNAVAILABLE" => {
                    faults = faults.and(Self::authorize(AuthorizeFault::TemporarilyUnavailable));
                }
                _ => {}
            }
        }
        faults
    }

    pub(crate) fn endpoint_fault(&self, endpoint: Endpoint) -> Option<&EndpointFault> {
        self.endpoints
            .iter()
            .find(|(e, _)| *e == endpoint)
            .map(|(_, f)| f)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn simulator_names_round_trip() {
        for f in IdTokenFault::ALL {
            assert_eq!(
                IdTokenFault::from_simulator_name(f.simulator_name()),
                Some(f)
            );
        }
        for f in CoreIdentityFault::ALL {
            assert_eq!(
                CoreIdentityFault::from_simulator_name(f.simulator_name()),
                Some(f)
            );
        }
        assert_eq!(IdTokenFault::from_simulator_name("NOPE"), None);
    }

    #[test]
    fn simulator_environment_values_parse_and_ignore_unknown_names() {
        let f = Faults::from_simulator(
            "INVALID_ISS, TOKEN_EXPIRED,BOGUS",
            "INCORRECT_SUB",
            "ACCESS_DENIED",
        );
        assert_eq!(
            f.id_token,
            vec![IdTokenFault::InvalidIss, IdTokenFault::TokenExpired]
        );
        assert_eq!(f.core_identity, vec![CoreIdentityFault::IncorrectSub]);
        assert_eq!(f.authorize, Some(AuthorizeFault::AccessDenied));
        assert!(Faults::from_simulator("", "", "").is_none());
    }

    #[test]
    fn and_merges_lists_and_replaces_an_endpoints_fault() {
        let f = Faults::endpoint(Endpoint::Jwks, EndpointFault::Status(500))
            .and(Faults::endpoint(Endpoint::Jwks, EndpointFault::GarbageJson))
            .and(Faults::id_token(IdTokenFault::InvalidAud))
            .and(Faults::id_token(IdTokenFault::InvalidAud));
        assert_eq!(
            f.endpoint_fault(Endpoint::Jwks),
            Some(&EndpointFault::GarbageJson)
        );
        assert_eq!(f.id_token, vec![IdTokenFault::InvalidAud]);
        assert_eq!(f.endpoint_fault(Endpoint::Token), None);
    }
}

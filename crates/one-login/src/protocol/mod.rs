//! The protocol, sans I/O: every message a relying party builds or reads, as plain values with
//! a `build`/`parse` and a typed error. [`RelyingParty`](crate::RelyingParty) only orchestrates
//! these with the transport and the caches, so each rule here is tested (and fuzzed) on its own.
//!
//! | message | direction | type |
//! |---|---|---|
//! | authorization request (query or request object) | RP → One Login | [`AuthorizationRequest`] |
//! | authorization response (callback query) | One Login → RP | [`CallbackParams`] |
//! | token request (form) | RP → One Login | [`TokenRequest`] |
//! | token response | One Login → RP | [`TokenResponse`] |
//! | logout request | RP → One Login | [`LogoutRequest`] |
//! | post-logout return | One Login → RP | [`SignOutReturn`] |
//! | back-channel logout form and answer | One Login ↔ RP | [`BackChannelForm`], [`BackChannelResponse`] |
//! | where to go after sign-in | the app → the app | [`ReturnTo`] |

mod authorize;
mod authorize_error;
mod back_channel;
mod callback;
mod logout;
mod return_to;
mod token;

pub use authorize::{
    AuthorizationRequest, AuthorizeRequestError, MAX_AUTHORIZE_QUERY, MAX_LOGIN_HINT, Prompt,
};
pub use authorize_error::AuthorizeErrorCode;
pub use back_channel::{
    BackChannelForm, BackChannelFormError, BackChannelResponse, MAX_BACK_CHANNEL_BODY,
};
pub use callback::{CallbackError, CallbackParams, MAX_CALLBACK_BYTES};
pub use logout::{
    LogoutRequest, LogoutRequestError, MAX_LOGOUT_QUERY, MAX_SIGN_OUT_RETURN_BYTES, SignOutReturn,
    SignOutReturnError,
};
pub use return_to::{MAX_RETURN_TO, ReturnTo, ReturnToError};
pub use token::{
    JWT_BEARER_ASSERTION, TokenClientAuth, TokenRequest, TokenResponse, TokenResponseError,
    TokenResponseProblem,
};

//! # govuk-one-login-axum
//!
//! GOV.UK One Login for [axum] apps: one [`Auth`] serves sign-in, identity, sign-out and
//! back-channel logout for every service of a services file, and the [`SignedInUser`] and
//! [`MaybeSignedIn`] extractors tell a handler who is signed in. Every protocol decision is the
//! `govuk-one-login` facade's; this crate carries values between HTTP, cookies and a
//! [`SessionStore`](govuk_one_login::SessionStore).
//!
//! ```no_run
//! use axum::{Router, routing::get};
//! use govuk_one_login::{OneLogin, Sealer, Services};
//! use govuk_one_login_axum::{Auth, SignedInUser};
//!
//! async fn hello(user: SignedInUser) -> String {
//!     format!("Hello, {}", user.email().unwrap_or("you"))
//! }
//!
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! let one_login = OneLogin::builder(Services::load("services.toml")?).build()?;
//! let sealer = Sealer::from_key_list(&std::env::var("SEALING_KEYS")?)?;
//! let auth = Auth::builder(one_login).sealer(sealer).build()?;
//! let app = auth.mount(Router::new().route("/", get(hello)));
//! let listener = tokio::net::TcpListener::bind("127.0.0.1:8080").await?;
//! axum::serve(listener, app).await?;
//! # Ok(()) }
//! ```
//!
//! ## Sessions
//! - **Server-side**, in a [`SessionStore`](govuk_one_login::SessionStore): the bounded
//!   [`InMemorySessionStore`] by default (one process), `govuk-one-login-redis` for several
//!   instances. The store holds sealed [`SignedIn`](govuk_one_login::SignedIn) values keyed by a
//!   digest of the cookie, with idle and absolute lifetimes and a cap per (service, `sub`).
//! - **One person per service** in a browser session; signing in to another service adds it.
//! - **The cookie** is `__Host-ol-session`: `Secure`, `HttpOnly`, `SameSite=Lax`, a random id
//!   rotated at every sign-in and sign-out. Loopback `http://` counts as secure in browsers.
//! - **Pending sign-ins never touch the store**: each rides in its own sealed `__Host-` cookie
//!   (at most [`MAX_PENDING_SIGN_INS`], so several tabs may sign in at once), so nothing an
//!   anonymous visitor does can push a signed-in person out. A callback whose `state` matches
//!   none of them is 400 and changes nothing; a failed sign-in drops only the one it used.
//! - **Sign-out another site cannot trigger**: `POST /sign-out/{service}` with the CSRF token of
//!   [`MaybeSignedIn::sign_out_form`]; a `GET` signs out only when the browser says it came from
//!   this site (`Sec-Fetch-Site` or `Origin`), is refused from another, and gets the form when it
//!   says nothing.
//! - **Back-channel logout** ends the person's sign-ins made before the logout token's `iat`, in
//!   every browser, through the store's index; a sign-in made later survives.
//!
//! ## Health and metrics
//! [`Auth::admin_router`] serves `/healthz` and `/readyz` (ready once the provider's documents
//! were fetched and every store answers; an outage of One Login is reported, not made fatal).
//! Serve it on a separate admin address with your metrics exporter's route: the numbers the
//! library records are listed in `govuk_one_login::metrics`.
//!
//! ## Features
//! - `test-util`: `TestApp` and `TestBrowser`, to test a team's own app against the
//!   testkit's mock One Login in a few lines.
//!
//! [axum]: https://docs.rs/axum

mod admin;
mod auth;
mod cookies;
mod error;
mod extract;
mod memory;
mod page;
mod routes;
#[cfg(feature = "test-util")]
mod test_util;

pub use auth::{Auth, AuthBuilder, SignedOutPage};
pub use cookies::{MAX_PENDING_SIGN_INS, PENDING_COOKIE_PREFIX, SESSION_COOKIE, SIGN_OUT_COOKIE};
pub use error::{AuthError, RouteError};
pub use extract::{
    FromSignedIn, MaybeSignedIn, RequireService, SignedInUser, Unauthenticated, User,
};
pub use memory::InMemorySessionStore;
pub use page::{ErrorPage, add_security_headers, escape_html, path_segment};
#[cfg(feature = "test-util")]
pub use test_util::{TestApp, TestBrowser};

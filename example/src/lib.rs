//! # example-rp
//!
//! An example GOV.UK One Login relying party: a small [axum] web app that serves every service of
//! a services file with the `govuk-one-login` facade. It is how a newcomer meets the project, and
//! how the project proves the whole flow in a real browser. It is not published; copy what you
//! need from it.
//!
//! ```sh
//! cargo run -p example-rp                                  # the embedded mock One Login, no set-up
//! cargo run -p example-rp -- --config services.toml        # your services file (e.g. integration)
//! cargo run -p example-rp -- --listen 127.0.0.1:9000       # another address
//! cargo run -p example-rp -- check services.toml           # sectors, who shares users, problems
//! ```
//!
//! ## Routes
//! - `GET /`: every service with a sign-in link (and an identity link where the service has an
//!   `identity_vtr`), and the signed-in person's details;
//! - `GET /sign-in/{service}` (`?identity=true` asks for identity): redirects to One Login;
//! - the path of each service's redirect URI: finishes the sign-in and redirects to `/`; on any
//!   failure, an error page with a non-2xx status and the session ended;
//! - `GET /me`: the signed-in person as JSON (`service`, `sub`, `email`, `email_verified`,
//!   `phone_number`, `phone_number_verified`, `vot`, `identity`), 401 when nobody is;
//! - `GET /sign-out/{service}`: ends the local session and redirects to One Login's logout;
//! - the path of each service's post-logout redirect URI: the home page, saying so;
//! - `POST` on the path of each service's back-channel logout URI: 200 for a valid logout token
//!   (every session of that `sub` in that service ends), 400 otherwise.
//!
//! ## Sessions
//! Server-side ([`SessionStore`]), keyed by a random cookie (`HttpOnly`, `SameSite=Lax`, `Secure`
//! when the service's callback is https). The pending sign-in lives in the browser's session, so
//! a callback finishes only in the browser that started it; the session id changes at sign-in;
//! no personal data is ever in a cookie. Every page is sent with `Referrer-Policy: no-referrer`
//! and `Cache-Control: no-store`, and every value printed in HTML is escaped.
//!
//! ## Serving it from code
//! The app is a library, so a test (or your own binary) can start the embedded provider and
//! serve the app on a free port:
//!
//! ```
//! use example_rp::{App, Demo, base_url, serve};
//!
//! # #[tokio::main(flavor = "multi_thread", worker_threads = 2)]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
//! let base = base_url(listener.local_addr()?)?;
//! let demo = Demo::start(&base).await?; // the mock One Login, with the demo service registered
//! let app = App::new(demo.one_login()?)?;
//! tokio::spawn(serve(listener, app));
//!
//! // Play the browser: sign in (the mock provider redirects straight back), then ask who it is.
//! let browser = reqwest::Client::builder().cookie_store(true).build()?;
//! let page = browser.get(base.join("sign-in/demo")?).send().await?;
//! assert_eq!(page.url().path(), "/");
//! let me: serde_json::Value = browser.get(base.join("me")?).send().await?.json().await?;
//! assert_eq!(me["email"], "test@example.com");
//! # Ok(()) }
//! ```
//!
//! [axum]: https://docs.rs/axum

mod app;
mod check;
mod demo;
mod error;
mod html;
mod session;

pub use app::{App, serve, serve_until};
pub use check::{CheckProblem, CheckReport, ServiceSector, check_file};
pub use demo::{DEMO_CLIENT_ID, DEMO_KEY_ID, DEMO_SERVICE, Demo, base_url, demo_service};
pub use error::{ExampleError, PageError};
pub use html::{escape, path_segment};
pub use session::{
    MAX_PENDING_PER_SESSION, MAX_SESSIONS, SESSION_COOKIE, SESSION_IDLE_SECS, SessionStore,
};

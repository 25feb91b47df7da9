//! The code of `docs/axum.md`, compiled and run: the app of its first block, the test of its
//! second, and the snippets of its later sections.

#![allow(clippy::unwrap_used, clippy::expect_used)] // Tests: a panic is a failed test.
#![allow(unreachable_pub)] // The modules are the doc's code, `pub` as in an app's own crate.

// ------------------------------------------------------------------------------------------------
// docs/axum.md, "A whole app" (keep the two in step).
// ------------------------------------------------------------------------------------------------
mod app {
    use axum::response::Html;
    use axum::{Router, routing::get};
    use govuk_one_login::{OneLogin, Sealer, Services};
    use govuk_one_login_axum::{Auth, MaybeSignedIn, SignedInUser, escape_html};

    /// The app's routes, with the sign-in routes of every service mounted.
    pub fn router(auth: &Auth) -> Router {
        auth.mount(Router::new().route("/", get(home)))
    }

    /// Greets the person signed in (anyone else is sent to sign in first).
    async fn home(user: SignedInUser, session: MaybeSignedIn) -> Html<String> {
        let email = escape_html(user.email().unwrap_or("you"));
        let sign_out = session.sign_out_form(user.service().as_str());
        Html(format!("<h1>Hello, {email}</h1>{sign_out}"))
    }

    #[allow(dead_code)] // The doc's `main`: compiled here, never run (it serves forever).
    #[tokio::main]
    pub async fn main() -> Result<(), Box<dyn std::error::Error>> {
        let one_login = OneLogin::builder(Services::load("services.toml")?).build()?;
        let sealer = Sealer::from_key_list(&std::env::var("SEALING_KEYS")?)?;
        let auth = Auth::builder(one_login).sealer(sealer).build()?;
        let listener = tokio::net::TcpListener::bind("127.0.0.1:8080").await?;
        axum::serve(listener, router(&auth)).await?;
        Ok(())
    }
}

// docs/axum.md, "Testing it".
use govuk_one_login_axum::TestApp;

#[tokio::test]
async fn home_greets_the_signed_in_person() {
    let app = TestApp::start(app::router).await;
    let page = app.browser().sign_in("app").await;
    assert_eq!(page.status(), 200);
    let html = page.text().await.unwrap();
    assert!(html.contains("<h1>Hello, test@example.com</h1>"), "{html}");
    assert!(html.contains(r#"action="/sign-out/app""#), "{html}");
}

// ------------------------------------------------------------------------------------------------
// docs/axum.md, later sections: the snippets, compiled, and run where a test can.
// ------------------------------------------------------------------------------------------------
mod snippets {
    use std::collections::HashMap;
    use std::sync::{Arc, RwLock};

    use axum::http::StatusCode;
    use axum::http::request::Parts;
    use axum::{Extension, Router, routing::get};
    use govuk_one_login::{OneLogin, Sealer, SessionLimits, SessionStore, SignedIn};
    use govuk_one_login_axum::{
        Auth, AuthError, FromSignedIn, InMemorySessionStore, SignedInUser, User,
    };

    // "Your own users".
    #[derive(Clone)]
    pub struct Member {
        pub name: String,
    }

    /// The app's own users by One Login `sub` (a database pool in a real app).
    #[derive(Clone, Default)]
    pub struct Members(pub Arc<RwLock<HashMap<String, Member>>>);

    impl FromSignedIn for Member {
        type Rejection = StatusCode;

        async fn from_signed_in(person: SignedIn, parts: &mut Parts) -> Result<Self, StatusCode> {
            let Some(Members(members)) = parts.extensions.get::<Members>() else {
                return Err(StatusCode::INTERNAL_SERVER_ERROR);
            };
            let members = members
                .read()
                .map_err(|_| StatusCode::INTERNAL_SERVER_ERROR)?;
            members
                .get(person.sub())
                .cloned()
                .ok_or(StatusCode::FORBIDDEN)
        }
    }

    async fn account(User(member): User<Member>) -> String {
        format!("Your account, {}", member.name)
    }

    pub fn with_members(auth: &Auth, members: Members) -> Router {
        let app = Router::new().route("/account", get(account));
        auth.mount(app.layer(Extension(members)))
    }

    // "Several services".
    async fn whose(user: SignedInUser) -> String {
        format!("{} for {}", user.service(), user.email().unwrap_or("you"))
    }

    pub fn two_services(auth: &Auth) -> Result<Router, AuthError> {
        let licences = Router::new()
            .route("/licences", get(whose))
            .route_layer(auth.guard("licences")?);
        let permits = Router::new()
            .route("/permits", get(whose))
            .route_layer(auth.guard("permits")?);
        Ok(auth.mount(licences.merge(permits)))
    }

    // "A shared store".
    #[allow(dead_code)] // Compiled to check the doc; `with_a_store_...` below runs the same.
    pub fn with_store(one_login: OneLogin, sealer: Sealer) -> Result<Auth, AuthError> {
        let limits = SessionLimits::default();
        let store: Arc<dyn SessionStore> = Arc::new(InMemorySessionStore::new(limits));
        Auth::builder(one_login)
            .sealer(sealer)
            .limits(limits)
            .store(store)
            .build()
    }
}

#[tokio::test]
async fn user_maps_the_signed_in_person_to_the_apps_member_or_refuses() {
    let members = snippets::Members::default();
    let table = members.clone();
    let app = TestApp::start(move |auth| snippets::with_members(auth, table)).await;
    let browser = app.browser();
    browser.sign_in("app").await;
    assert_eq!(browser.get("/account").await.status(), 403);
    let member = snippets::Member { name: "Ada".into() };
    members
        .0
        .write()
        .unwrap()
        .insert(app.harness.subject("app"), member);
    let page = browser.get("/account").await;
    assert_eq!(page.text().await.unwrap(), "Your account, Ada");
}

#[tokio::test]
async fn a_guarded_route_reads_its_own_service_and_signs_in_to_it_when_needed() {
    use govuk_one_login_testkit::auth_service;
    let specs = vec![
        auth_service("licences", "licences-client"),
        auth_service("permits", "permits-client"),
    ];
    let app = TestApp::start_with(specs, |auth| snippets::two_services(auth).unwrap()).await;
    let browser = app.browser();
    let page = browser.sign_in("licences").await;
    assert_eq!(page.status(), 404); // after_sign_in `/`: this app has no home page
    let licences = browser.get("/licences").await;
    assert_eq!(
        licences.text().await.unwrap(),
        "licences for test@example.com"
    );
    // Not signed in to `permits` yet: a page request is sent to sign in there, and comes back.
    let permits = browser.get("/permits").await;
    assert_eq!(
        permits.text().await.unwrap(),
        "permits for test@example.com"
    );
}

#[tokio::test]
async fn with_a_store_builds() {
    use govuk_one_login::{Sealer, SealingKey};
    let app = TestApp::start(|auth| auth.mount(axum::Router::new())).await;
    let sealer = Sealer::new(SealingKey::generate().unwrap().0);
    let auth = snippets::with_store(app.harness.one_login.clone(), sealer).unwrap();
    assert_eq!(auth.one_login().iter().count(), 1);
}

//! `one-login mock` as a separate process, and the example relying party set up the way a team
//! sets one up for GDS's simulator (`environment = "custom"`, the simulator's default client and
//! its published test key) signing people in and out against it, back channel included.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use example_rp::{App, base_url, serve_until};
use govuk_one_login::{OneLogin, Sealer, Services};
use govuk_one_login_testkit::{DEFAULT_CLIENT_ID, DEFAULT_CLIENT_PRIVATE_KEY};
use reqwest::StatusCode;
use reqwest::header::LOCATION;
use serde_json::{Value, json};
use url::Url;

const BIN: &str = env!("CARGO_BIN_EXE_one-login");
const SEALING_KEYS: &str = "q3Q1f0m5k1yqJm6Ck8h0s6Yp7vA3hQ2nXW9Lr4T8e1U=";

/// The mock's process, killed when the test ends however it ends.
struct Mock {
    child: Child,
    issuer: Url,
    first_lines: Vec<String>,
}

impl Drop for Mock {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Starts `one-login mock` with `args` and `env`, and reads the issuer it prints.
async fn start_mock(args: &[&str], env: &[(&str, &str)]) -> Mock {
    let mut command = Command::new(BIN);
    command.arg("mock").args(args);
    for var in ["PORT", "SIMULATOR_URL", "CLIENT_ID", "REDIRECT_URLS"] {
        command.env_remove(var);
    }
    let mut child = command
        .envs(env.iter().copied())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let lines = tokio::task::spawn_blocking(move || {
        let deadline = Instant::now() + Duration::from_secs(30);
        let mut lines = Vec::new();
        for line in BufReader::new(stdout).lines() {
            let line = line.unwrap_or_default();
            let done = line.starts_with("issuer: ");
            lines.push(line);
            if done || Instant::now() > deadline {
                break;
            }
        }
        lines
    })
    .await
    .unwrap();
    let issuer = lines
        .iter()
        .find_map(|l| l.strip_prefix("issuer: "))
        .unwrap_or_else(|| panic!("the mock did not say its issuer: {lines:?}"));
    Mock {
        issuer: Url::parse(issuer).unwrap(),
        child,
        first_lines: lines,
    }
}

fn browser() -> reqwest::Client {
    reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .no_proxy()
        .build()
        .unwrap()
}

/// Follows redirects by hand (so that each hop is checked), returning the last response.
async fn follow(browser: &reqwest::Client, mut url: Url) -> (Url, reqwest::Response) {
    for _ in 0..10 {
        let response = browser.get(url.clone()).send().await.unwrap();
        if !response.status().is_redirection() {
            return (url, response);
        }
        let location = response.headers()[LOCATION].to_str().unwrap().to_owned();
        url = url.join(&location).unwrap();
    }
    panic!("too many redirects");
}

#[tokio::test]
async fn mock_starts_on_loopback_and_says_where_and_what_it_serves() {
    let mock = start_mock(&["--port", "0"], &[]).await;
    assert!(mock.first_lines[0].starts_with("one-login mock: listening on 127.0.0.1:"));
    assert!(mock.issuer.as_str().starts_with("http://localhost:"));
    let config: Value = reqwest::get(mock.issuer.join("config").unwrap())
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(config["clientConfiguration"]["clientId"], DEFAULT_CLIENT_ID);

    // A usage error is exit status 2; a port already taken, 1 with the reason.
    let out = Command::new(BIN)
        .args(["mock", "--listen", "not-an-address"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--listen"));
    let taken = mock.issuer.port().unwrap().to_string();
    let out = Command::new(BIN)
        .args(["mock", "--port", &taken])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("testkit.start.bind"));
    let out = Command::new(BIN)
        .args(["mock", "--port", "not-a-port"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_example_relying_party_set_up_for_the_simulator_signs_in_and_out_against_one_login_mock()
 {
    // The relying party's address first: the mock is told it at start-up, as the simulator is.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = base_url(listener.local_addr().unwrap()).unwrap();
    let callback = base.join("callback").unwrap();
    let signed_out = base.join("signed-out").unwrap();
    let back_channel = base.join("back-channel-logout").unwrap();
    let mock = start_mock(
        &["--port", "0"],
        &[
            ("REDIRECT_URLS", callback.as_str()),
            ("POST_LOGOUT_REDIRECT_URLS", signed_out.as_str()),
        ],
    )
    .await;
    let issuer = mock.issuer.clone();
    // What the simulator cannot do: deliver back-channel logout. Told through /config.
    let configured = reqwest::Client::new()
        .post(issuer.join("config").unwrap())
        .json(&json!({ "clientConfiguration": { "backChannelLogoutUri": back_channel.as_str() } }))
        .send()
        .await
        .unwrap();
    assert_eq!(configured.status(), StatusCode::OK);

    // A services file as a team writes it for the simulator.
    let dir = std::env::temp_dir().join(format!("one-login-mock-rp-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("simulator-key.pem"), DEFAULT_CLIENT_PRIVATE_KEY).unwrap();
    let port = issuer.port().unwrap();
    let toml = format!(
        r#"
[provider]
environment = "custom"
issuer = "{issuer}"
identity_issuer = "{issuer}"
did_document_url = "{issuer}.well-known/did.json"
did_controller = "did:web:localhost%3A{port}"

[[service]]
name = "demo"
client_id = "{DEFAULT_CLIENT_ID}"
redirect_uris = ["{callback}"]
post_logout_redirect_uris = ["{signed_out}"]
back_channel_logout_uri = "{back_channel}"
scopes = ["openid", "email", "phone"]
identity_vtr = "Cl.Cm.P2"
claims = ["coreIdentityJWT", "address"]
token_auth = {{ key_file = "simulator-key.pem" }}
"#
    );
    let config = dir.join("services.toml");
    std::fs::write(&config, toml).unwrap();
    let services = Services::load(&config).unwrap();
    let one_login = OneLogin::builder(services).build().unwrap();
    let app = App::new(
        one_login,
        Sealer::from_key_list(SEALING_KEYS).unwrap(),
        None,
    )
    .unwrap();
    tokio::spawn(serve_until(listener, app, std::future::pending()));

    // Two browsers sign the same person in (the simulator's one default person), the second
    // proving their identity: the core identity JWT the mock issues as the simulator does
    // (`iss` the issuer itself, the DID `did:web:localhost%3A<port>`) verifies.
    let (first, second) = (browser(), browser());
    for (b, path) in [
        (&first, "sign-in/demo"),
        (&second, "sign-in/demo?identity=true"),
    ] {
        let (landed, page) = follow(b, base.join(path).unwrap()).await;
        assert_eq!(page.status(), StatusCode::OK, "{landed}");
        let me = b.get(base.join("me").unwrap()).send().await.unwrap();
        assert_eq!(me.status(), StatusCode::OK);
        let me: Value = me.json().await.unwrap();
        assert_eq!(me["email"], "test@example.com");
        assert_eq!(me["sub"], govuk_one_login_testkit::DEFAULT_SUB);
        if path.ends_with("identity=true") {
            assert!(me["identity"].to_string().contains("HEARNSHAW"), "{me}");
        }
    }

    // The first signs out through One Login: the mock sends the person's logout to the back
    // channel, and the second browser's session ends too.
    let home = first
        .get(base.clone())
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let (_, rest) = home.split_once(r#"name="csrf" value=""#).unwrap();
    let csrf = rest.split('"').next().unwrap().to_owned();
    let sign_out = first
        .post(base.join("sign-out/demo").unwrap())
        .header("origin", base.as_str().trim_end_matches('/'))
        .form(&[("csrf", csrf.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(sign_out.status(), StatusCode::SEE_OTHER);
    let to_one_login = Url::parse(sign_out.headers()[LOCATION].to_str().unwrap()).unwrap();
    assert_eq!(to_one_login.origin(), issuer.origin());
    let (landed, _) = follow(&first, to_one_login).await;
    // Back on the relying party's own signed-out page (not the mock's fallback page).
    assert_eq!(landed.origin(), base.origin(), "{landed}");
    assert_eq!(landed.path(), "/signed-out", "{landed}");
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let me = second.get(base.join("me").unwrap()).send().await.unwrap();
        if me.status() == StatusCode::UNAUTHORIZED {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "the back-channel logout did not end the other session"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let log: Value = reqwest::get(issuer.join("__requests").unwrap())
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(log["backChannelLogouts"][0]["status"], 200);
    assert_eq!(log["backChannelLogouts"][0]["url"], back_channel.as_str());
    let _ = std::fs::remove_dir_all(&dir);
}

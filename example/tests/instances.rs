//! Two example processes behind one public address, sharing one Redis (`--redis`) and one mock
//! One Login: what one does, the other sees.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use govuk_one_login::Services;
use govuk_one_login_redis::test_util::RedisServer;
use govuk_one_login_testkit::{MockOneLogin, TEST_CLIENT_KEY};
use reqwest::StatusCode;
use reqwest::header::LOCATION;

const BIN: &str = env!("CARGO_BIN_EXE_example-rp");
const SEALING_KEYS: &str = "q3Q1f0m5k1yqJm6Ck8h0s6Yp7vA3hQ2nXW9Lr4T8e1U=";

/// Kills the process when the test ends, however it ends.
struct Instance(Child);

impl Drop for Instance {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// Starts `example-rp` on `port` with `config` and `--redis`, and waits until it serves.
async fn start(port: u16, config: &Path, redis: &str) -> Instance {
    let mut child = Command::new(BIN)
        .args(["--listen", &format!("127.0.0.1:{port}")])
        .args(["--admin-listen", "127.0.0.1:0"])
        .args(["--config", config.to_str().unwrap()])
        .args(["--redis", redis])
        .env("ONE_LOGIN_SEALING_KEYS", SEALING_KEYS)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let instance = Instance(child);
    let ready = tokio::task::spawn_blocking(move || {
        let deadline = Instant::now() + Duration::from_secs(60);
        for line in BufReader::new(stdout).lines() {
            let line = line.unwrap_or_default();
            if line.starts_with("Open ") {
                return true;
            }
            if Instant::now() > deadline {
                break;
            }
        }
        false
    })
    .await
    .unwrap();
    assert!(ready, "the instance on port {port} did not start");
    instance
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_example_processes_share_sign_ins_sessions_and_logouts_through_one_redis() {
    let Some(redis) = RedisServer::start() else {
        return;
    };
    let provider = MockOneLogin::start().await;
    let spec = provider.provider_spec();
    let (port_a, port_b) = (free_port(), free_port());
    let dir = std::env::temp_dir().join(format!("example-instances-{port_a}-{port_b}"));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("key.pem"), TEST_CLIENT_KEY).unwrap();
    let a = format!("http://127.0.0.1:{port_a}");
    let b = format!("http://127.0.0.1:{port_b}");
    let toml = format!(
        r#"
[provider]
environment = "custom"
issuer = "{issuer}"
identity_issuer = "{identity}"
did_document_url = "{did}"
did_controller = "{controller}"

[[service]]
name = "app"
client_id = "app-client"
redirect_uris = ["{a}/app/callback"]
post_logout_redirect_uris = ["{a}/app/signed-out"]
back_channel_logout_uri = "{a}/app/back-channel-logout"
scopes = ["openid", "email"]
token_auth = {{ key_file = "key.pem", key_id = "app-key" }}
"#,
        issuer = spec.issuer.unwrap(),
        identity = spec.identity_issuer.unwrap(),
        did = spec.did_document_url.unwrap(),
        controller = spec.did_controller.unwrap(),
    );
    let config = dir.join("services.toml");
    std::fs::write(&config, toml).unwrap();
    let services = Services::load(&config).unwrap();
    for service in services.iter() {
        provider.register(service);
    }
    let service = services.iter().next().unwrap().clone();
    let _instance_a = start(port_a, &config, &redis.url()).await;
    let _instance_b = start(port_b, &config, &redis.url()).await;

    // A browser: one cookie jar for both instances (cookies ignore the port), no redirects.
    let browser = reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .no_proxy()
        .build()
        .unwrap();
    let get = |url: String| {
        let browser = browser.clone();
        async move { browser.get(url).send().await.unwrap() }
    };

    // Started on A, finished on B.
    let start = get(format!("{a}/sign-in/app")).await;
    assert_eq!(start.status(), StatusCode::SEE_OTHER);
    let authorize = url::Url::parse(start.headers()[LOCATION].to_str().unwrap()).unwrap();
    let callback = provider.authorize(&authorize).await.unwrap();
    let on_b = format!("{b}{}?{}", callback.path(), callback.query().unwrap());
    let finished = get(on_b.clone()).await;
    assert_eq!(finished.status(), StatusCode::SEE_OTHER, "{on_b}");

    // Both see the person.
    for base in [&a, &b] {
        let me = get(format!("{base}/me")).await;
        assert_eq!(me.status(), StatusCode::OK, "{base}");
        let me: serde_json::Value = me.json().await.unwrap();
        assert_eq!(me["email"], "test@example.com", "{base}");
    }

    // The same callback replayed to A is refused: the state was used on B.
    assert_eq!(
        get(format!(
            "{a}{}?{}",
            callback.path(),
            callback.query().unwrap()
        ))
        .await
        .status(),
        StatusCode::BAD_REQUEST
    );

    // A back-channel logout delivered to B ends the session on both; replayed to A, refused.
    let token = provider.mint_logout_token("app-client", &provider.subject_for(&service), None);
    let to_b = url::Url::parse(&format!("{b}/app/back-channel-logout")).unwrap();
    assert_eq!(
        provider
            .deliver_back_channel_logout(&to_b, &token)
            .await
            .unwrap(),
        200
    );
    for base in [&a, &b] {
        assert_eq!(
            get(format!("{base}/me")).await.status(),
            StatusCode::UNAUTHORIZED,
            "{base}"
        );
    }
    let to_a = url::Url::parse(&format!("{a}/app/back-channel-logout")).unwrap();
    assert_eq!(
        provider
            .deliver_back_channel_logout(&to_a, &token)
            .await
            .unwrap(),
        400,
        "the replay reaches the other instance and is refused there"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

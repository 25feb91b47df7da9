//! The `example-rp` binary: `check`, a busy port, and README command one serving a page.

#![allow(clippy::unwrap_used, clippy::expect_used)] // Test helpers too: a panic is a failed test.

use std::io::{BufRead as _, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Output, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use example_rp::check_file;
use govuk_one_login::RsaPrivateKey;

const BIN: &str = env!("CARGO_BIN_EXE_example-rp");

/// A fresh scratch folder for one test.
fn scratch(name: &str) -> PathBuf {
    static N: AtomicUsize = AtomicUsize::new(0);
    let dir = std::env::temp_dir().join(format!(
        "example-rp-{name}-{}-{}",
        std::process::id(),
        N.fetch_add(1, Ordering::SeqCst)
    ));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// A services file in a scratch folder, with a real RSA key beside it (`key.pem`).
fn services_file(name: &str, toml: &str) -> PathBuf {
    let dir = scratch(name);
    let key = RsaPrivateKey::generate("k1").unwrap();
    std::fs::write(dir.join("key.pem"), key.pem().expose_secret()).unwrap();
    let path = dir.join("services.toml");
    std::fs::write(&path, toml).unwrap();
    path
}

/// Every server a test starts takes a free admin port too (the default, 9464, is one port for
/// every test running at once).
const ADMIN: [&str; 2] = ["--admin-listen", "127.0.0.1:0"];

fn run(args: &[&str]) -> Output {
    let mut command = Command::new(BIN);
    if args.contains(&"--listen") {
        command.args(ADMIN);
    }
    command.args(args).output().unwrap()
}

const VALID: &str = r#"
[provider]
environment = "integration"

[[service]]
name = "tax-your-dragon"
client_id = "client-1"
redirect_uris = ["https://tax-your-dragon.mythical-creatures.gov.uk/callback"]
sector_identifier_uri = "https://mythical-creatures.gov.uk"
share_users_group = "creatures"
token_auth = { key_file = "key.pem", key_id = "k1" }

[[service]]
name = "unicorn-licence"
client_id = "client-2"
redirect_uris = ["https://unicorns.mythical-creatures.gov.uk/callback"]
sector_identifier_uri = "https://mythical-creatures.gov.uk"
share_users_group = "creatures"
token_auth = { key_file = "key.pem", key_id = "k1" }

[[service]]
name = "fishing-permits"
client_id = "client-3"
redirect_uris = ["https://fishing.gov.uk/callback"]
token_auth = { key_file = "key.pem", key_id = "k1" }
"#;

#[test]
fn check_passes_a_valid_file_and_prints_each_sector_and_who_shares_users() {
    let path = services_file("valid", VALID);
    let out = run(&["check", path.to_str().unwrap()]);
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert!(out.status.success(), "{stdout}");
    assert!(
        stdout.contains(
            "service tax-your-dragon (client client-1): sector mythical-creatures.gov.uk"
        ),
        "{stdout}"
    );
    assert!(
        stdout.contains("shares users with: unicorn-licence"),
        "{stdout}"
    );
    assert!(
        stdout.contains("service fishing-permits (client client-3): sector fishing.gov.uk"),
        "{stdout}"
    );
    assert!(stdout.contains("no problems"), "{stdout}");
}

#[test]
fn check_fails_a_broken_file_listing_every_problem() {
    let broken = r#"
[provider]
environment = "integration"

[[service]]
name = "licences"
client_id = "abc123"
redirect_uris = ["http://licences.example.gov.uk/callback"]
scopes = ["email"]
token_auth = { key_file = "missing.pem", key_id = "k1" }
"#;
    let path = services_file("broken", broken);
    let out = run(&["check", path.to_str().unwrap()]);
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert_eq!(out.status.code(), Some(1), "{stdout}");
    for code in [
        "config.insecure_http",
        "config.missing_openid",
        "config.bad_key",
    ] {
        assert!(stdout.contains(code), "{code} missing from:\n{stdout}");
    }
    assert!(
        stdout.contains("service licences (client abc123): sector licences.example.gov.uk"),
        "{stdout}"
    );

    let report = check_file(&path);
    assert!(!report.is_ok());
    assert!(
        report.problems.contains(&"config.missing_openid"),
        "{:?}",
        report.problems
    );
}

#[test]
fn check_fails_an_unreadable_or_unparsable_file() {
    let missing = scratch("missing").join("nope.toml");
    let out = run(&["check", missing.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(check_file(&missing).problems, ["config.read"]);

    let path = services_file("garbage", "[[service]\nname = ");
    let out = run(&["check", path.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(check_file(&path).problems, ["config.parse"]);
}

#[test]
fn bad_arguments_exit_with_usage() {
    let out = run(&["--frobnicate"]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(
        stderr.contains("unknown argument `--frobnicate`"),
        "{stderr}"
    );
    assert!(stderr.contains("usage:"), "{stderr}");
}

#[test]
fn a_busy_port_is_reported_clearly_and_exits_non_zero() {
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = taken.local_addr().unwrap().to_string();
    let out = run(&["--listen", &addr]);
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains(&format!("cannot listen on {addr}")),
        "{stderr}"
    );
    assert!(
        stderr.contains("another program is using this port"),
        "{stderr}"
    );
    assert!(stderr.contains("example.address_in_use"), "{stderr}");
}

#[test]
fn a_services_file_with_problems_stops_the_server_with_every_problem() {
    let path = services_file(
        "serve-broken",
        "[[service]]\nname = \"x\"\nclient_id = \"c\"\nredirect_uris = []\n\
         token_auth = { key_file = \"key.pem\", key_id = \"k1\" }\n",
    );
    let out = run(&[
        "--listen",
        "127.0.0.1:0",
        "--config",
        path.to_str().unwrap(),
    ]);
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("config.no_redirect_uri"), "{stderr}");
}

/// Kills the server when the test ends, however it ends.
struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Starts the demo binary on free ports; returns it with its public and admin URLs.
async fn start_demo() -> (Server, String, String) {
    let mut server = Server(
        Command::new(BIN)
            .args(["--listen", "127.0.0.1:0"])
            .args(ADMIN)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap(),
    );
    let stdout = server.0.stdout.take().unwrap();
    let (url, admin) = tokio::task::spawn_blocking(move || {
        let deadline = Instant::now() + Duration::from_secs(60);
        let mut admin = None;
        for line in BufReader::new(stdout).lines() {
            let line = line.unwrap();
            if let Some((_, rest)) = line.split_once(") at ") {
                admin = rest.split_whitespace().next().map(str::to_owned);
            }
            if let Some(rest) = line.strip_prefix("Open ") {
                return (rest.split_whitespace().next().map(str::to_owned), admin);
            }
            if Instant::now() > deadline {
                break;
            }
        }
        (None, admin)
    })
    .await
    .unwrap();
    let url = url.expect("the server printed no URL to open");
    let admin = admin.expect("the server printed no admin URL");
    (server, url, admin)
}

#[tokio::test]
async fn with_no_arguments_but_a_port_it_serves_the_demo_and_prints_the_url() {
    let (server, url, _) = start_demo().await;
    assert!(url.starts_with("http://127.0.0.1:"), "{url}");

    let client = reqwest::Client::builder()
        .cookie_store(true)
        .no_proxy()
        .build()
        .unwrap();
    let page = client
        .get(format!("{url}sign-in/demo"))
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), reqwest::StatusCode::OK);
    let me: serde_json::Value = client
        .get(format!("{url}me"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(me["email"], "test@example.com");
    drop(server);
}

#[test]
fn bad_listen_and_check_arguments_exit_with_the_reason() {
    for (args, reason) in [
        (
            &["--listen", "localhost"][..],
            "is not an IP address and port",
        ),
        (&["--listen"][..], "--listen needs an address"),
        (&["--config"][..], "--config needs a services file"),
        (&["check"][..], "`check` takes exactly one services file"),
        (
            &["check", "a", "b"][..],
            "`check` takes exactly one services file",
        ),
    ] {
        let out = run(args);
        let stderr = String::from_utf8(out.stderr).unwrap();
        assert_eq!(out.status.code(), Some(2), "{args:?}: {stderr}");
        assert!(stderr.contains(reason), "{args:?}: {stderr}");
    }
    let help = run(&["--help"]);
    assert!(help.status.success());
    assert!(
        String::from_utf8(help.stdout)
            .unwrap()
            .contains("default 127.0.0.1:8080")
    );
}

/// Serves `VALID` (which needs no network before start-up) with `keys` in the sealing-keys
/// variable (unset for `None`), and returns its exit code and stderr.
fn serve_valid_file_with_sealing_keys(name: &str, keys: Option<&str>) -> (Option<i32>, String) {
    let path = services_file(name, VALID);
    let mut command = Command::new(BIN);
    command.args(ADMIN).args([
        "--listen",
        "127.0.0.1:0",
        "--config",
        path.to_str().unwrap(),
    ]);
    match keys {
        Some(keys) => command.env(example_rp::SEALING_KEYS_VAR, keys),
        None => command.env_remove(example_rp::SEALING_KEYS_VAR),
    };
    let out = command.output().unwrap();
    (out.status.code(), String::from_utf8(out.stderr).unwrap())
}

#[test]
fn a_services_file_without_sealing_keys_stops_the_server_naming_the_variable() {
    for (name, keys) in [("no-keys", None), ("bad-keys", Some("not-a-key"))] {
        let (code, stderr) = serve_valid_file_with_sealing_keys(name, keys);
        assert_eq!(code, Some(1), "{stderr}");
        assert!(stderr.contains("ONE_LOGIN_SEALING_KEYS"), "{stderr}");
        assert!(stderr.contains("example.sealing_keys"), "{stderr}");
    }
}

#[test]
fn redis_needs_a_services_file_and_an_unreachable_one_stops_the_server_in_time() {
    let out = run(&["--redis", "redis://127.0.0.1:1/"]);
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("--redis needs --config"), "{stderr}");

    // Nothing listens on port 1: start-up fails within the connect timeout, never falling back
    // to memory, and never printing a password written in the URL.
    let path = services_file("redis-unreachable", VALID);
    let started = Instant::now();
    let out = Command::new(BIN)
        .args(ADMIN)
        .args([
            "--listen",
            "127.0.0.1:0",
            "--config",
            path.to_str().unwrap(),
        ])
        .args(["--redis", "redis://:hunter2@127.0.0.1:1/"])
        .env(
            example_rp::SEALING_KEYS_VAR,
            "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=",
        )
        .output()
        .unwrap();
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("redis_store."), "{stderr}");
    assert!(!stderr.contains("hunter2"), "{stderr}");
    assert!(started.elapsed() < Duration::from_secs(15));
}

#[tokio::test]
async fn metrics_and_readiness_are_on_the_admin_address_and_never_on_the_public_one() {
    let (server, url, admin) = start_demo().await;
    assert!(
        admin.starts_with("http://127.0.0.1:") && admin != url,
        "{admin}"
    );
    let client = reqwest::Client::builder()
        .cookie_store(true)
        .no_proxy()
        .build()
        .unwrap();
    let signed_in = client
        .get(format!("{url}sign-in/demo"))
        .send()
        .await
        .unwrap();
    assert_eq!(signed_in.status(), reqwest::StatusCode::OK);
    let get = |u: String| {
        let client = client.clone();
        async move {
            let r = client.get(u).send().await.unwrap();
            (r.status(), r.text().await.unwrap())
        }
    };

    let (status, metrics) = get(format!("{admin}metrics")).await;
    assert_eq!(status, reqwest::StatusCode::OK);
    let line = |name: &str| {
        metrics
            .lines()
            .find(|l| l.starts_with(name) && l.contains(r#"service="demo""#))
            .map(str::to_owned)
    };
    let started = line("one_login_sign_ins_started_total{").expect("sign-ins started");
    assert!(started.ends_with(" 1"), "{started}");
    let succeeded = line("one_login_sign_ins_total{").expect("sign-ins");
    assert!(succeeded.contains(r#"outcome="success""#), "{succeeded}");
    assert!(succeeded.contains(r#"client_id=""#), "{succeeded}");
    assert!(succeeded.ends_with(" 1"), "{succeeded}");
    assert!(
        line("one_login_sign_in_duration_seconds_bucket{").is_some(),
        "a histogram with buckets: {metrics}"
    );
    assert!(
        metrics.contains("# HELP one_login_sign_ins_total"),
        "{metrics}"
    );
    assert!(
        !metrics.contains("test@example.com"),
        "no personal data in metrics"
    );

    let (status, ready) = get(format!("{admin}readyz")).await;
    assert_eq!(status, reqwest::StatusCode::OK, "{ready}");
    let ready: serde_json::Value = serde_json::from_str(&ready).unwrap();
    assert_eq!(ready["ready"], true);
    assert_eq!(ready["provider"]["documents"]["jwks"]["freshness"], "fresh");
    assert_eq!(
        get(format!("{admin}healthz")).await.0,
        reqwest::StatusCode::OK
    );

    for path in ["metrics", "readyz", "healthz"] {
        let (status, body) = get(format!("{url}{path}")).await;
        assert_eq!(
            status,
            reqwest::StatusCode::NOT_FOUND,
            "/{path} is public: {body}"
        );
        assert!(!body.contains("one_login_"), "{body}");
    }
    drop(server);
}

#[test]
fn the_admin_address_must_differ_from_the_public_one() {
    let out = Command::new(BIN)
        .args([
            "--listen",
            "127.0.0.1:8123",
            "--admin-listen",
            "127.0.0.1:8123",
        ])
        .output()
        .unwrap();
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("--admin-listen must differ"), "{stderr}");
}

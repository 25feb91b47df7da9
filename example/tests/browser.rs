//! The whole flow in a real browser: headless Chromium driven over WebDriver (chromedriver) opens
//! `/`, clicks sign-in, arrives signed in and sees the person's details, then presses sign-out.
//!
//! Needs Debian's `chromium` and `chromium-driver` packages (`.ci/setup` installs them). Without
//! them the test says how to install them and is skipped, except under CI (`CI` set), where it
//! fails: CI must run it.

#![allow(clippy::unwrap_used, clippy::expect_used)] // Test helpers too: a panic is a failed test.

mod common;

use std::io::Write as _;
use std::net::{Ipv4Addr, TcpListener};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use common::TestApp;
use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::json;

const CHROMEDRIVER: &str = "/usr/bin/chromedriver";
const CHROMIUM: &str = "/usr/bin/chromium";
const WAIT: Duration = Duration::from_secs(30);

/// The browser and driver paths (overridable with `CHROMEDRIVER` and `CHROMIUM`), or why the test
/// cannot run.
fn tools() -> Result<(PathBuf, PathBuf), String> {
    let driver =
        std::env::var_os("CHROMEDRIVER").map_or_else(|| CHROMEDRIVER.into(), PathBuf::from);
    let browser = std::env::var_os("CHROMIUM").map_or_else(|| CHROMIUM.into(), PathBuf::from);
    let missing: Vec<String> = [&driver, &browser]
        .iter()
        .filter(|p| !p.is_file())
        .map(|p| p.display().to_string())
        .collect();
    if missing.is_empty() {
        Ok((driver, browser))
    } else {
        Err(format!(
            "the browser test needs Chromium and chromedriver, and {} is missing; install them \
             with `sudo apt-get install chromium chromium-driver` (Debian/Ubuntu), or set \
             CHROMIUM and CHROMEDRIVER to their paths",
            missing.join(" and ")
        ))
    }
}

/// chromedriver, killed when the test ends however it ends.
struct Driver {
    child: Child,
    port: u16,
    profile: PathBuf,
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.profile);
    }
}

fn free_port() -> u16 {
    TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

async fn start_driver(driver: &Path) -> Driver {
    let port = free_port();
    let profile =
        std::env::temp_dir().join(format!("example-rp-chromium-{}-{port}", std::process::id()));
    let _ = std::fs::remove_dir_all(&profile);
    std::fs::create_dir_all(&profile).unwrap();
    let child = Command::new(driver)
        .arg(format!("--port={port}"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let d = Driver {
        child,
        port,
        profile,
    };
    // Wait until it answers /status.
    let status = format!("http://127.0.0.1:{port}/status");
    let client = reqwest::Client::builder().no_proxy().build().unwrap();
    let deadline = Instant::now() + WAIT;
    loop {
        if let Ok(r) = client.get(&status).send().await
            && r.status().is_success()
        {
            return d;
        }
        assert!(
            Instant::now() < deadline,
            "chromedriver did not answer on port {port} within {WAIT:?}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Asks chromedriver to quit (so that it ends its browsers), then kills it if it has not.
async fn stop_driver(mut driver: Driver) {
    let shutdown = format!("http://127.0.0.1:{}/shutdown", driver.port);
    if let Ok(client) = reqwest::Client::builder().no_proxy().build() {
        let _ = client.get(shutdown).send().await;
    }
    let deadline = Instant::now() + Duration::from_secs(5);
    while Instant::now() < deadline {
        if matches!(driver.child.try_wait(), Ok(Some(_))) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    drop(driver);
}

async fn open_browser(driver: &Driver, chromium: &Path) -> Client {
    let args = [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        &format!("--user-data-dir={}", driver.profile.display()),
    ];
    let mut caps = serde_json::Map::new();
    caps.insert(
        "goog:chromeOptions".into(),
        json!({ "binary": chromium.display().to_string(), "args": args }),
    );
    ClientBuilder::rustls()
        .unwrap()
        .capabilities(caps)
        .connect(&format!("http://127.0.0.1:{}", driver.port))
        .await
        .unwrap()
}

async fn text_of(browser: &Client, css: &str) -> String {
    browser
        .wait()
        .at_most(WAIT)
        .for_element(Locator::Css(css))
        .await
        .unwrap_or_else(|e| panic!("no `{css}` on the page: {e}"))
        .text()
        .await
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_person_signs_in_sees_their_details_and_signs_out_in_chromium() {
    let (driver_path, chromium) = match tools() {
        Ok(t) => t,
        Err(why) if std::env::var_os("CI").is_some() => {
            panic!("CI must run the browser test: {why}")
        }
        Err(why) => {
            // Straight to stderr, past the test harness's output capture: a skip is never silent.
            let _ = writeln!(
                std::io::stderr(),
                "SKIPPED a_person_signs_in_sees_their_details_and_signs_out_in_chromium: {why}"
            );
            return;
        }
    };
    let app = TestApp::start().await;
    let driver = start_driver(&driver_path).await;
    let browser = open_browser(&driver, &chromium).await;

    // The scenario runs in its own task so that, pass or fail, the browser is closed after it.
    let outcome = tokio::spawn(scenario(browser.clone(), app.base.clone())).await;
    let _ = browser.close().await;
    stop_driver(driver).await;
    if let Err(e) = outcome {
        if e.is_panic() {
            std::panic::resume_unwind(e.into_panic());
        }
        panic!("the browser scenario did not finish: {e}");
    }
}

async fn scenario(browser: Client, base: url::Url) {
    let url = |path: &str| base.join(path).unwrap().to_string();
    browser.goto(&url("/")).await.unwrap();
    assert!(
        text_of(&browser, "#signed-out")
            .await
            .contains("Nobody is signed in")
    );

    browser
        .find(Locator::Css("#sign-in-demo"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    let person = text_of(&browser, "#person").await;
    assert!(person.contains("Signed in to demo"), "{person}");
    assert_eq!(
        text_of(&browser, "#email").await,
        "test@example.com (verified)"
    );
    assert_eq!(
        text_of(&browser, "#phone-number").await,
        "+447123456789 (verified)"
    );
    assert_eq!(text_of(&browser, "#vot").await, "Cl.Cm");
    assert_eq!(browser.current_url().await.unwrap().path(), "/");

    // The sign-out button: a POST form carrying the session's CSRF token.
    browser
        .find(Locator::Css(
            r#"#person form[action="/sign-out/demo"] button"#,
        ))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    assert_eq!(text_of(&browser, "#notice").await, "You have signed out.");
    assert!(
        text_of(&browser, "#signed-out")
            .await
            .contains("Nobody is signed in")
    );
    assert_eq!(browser.current_url().await.unwrap().path(), "/signed-out");

    // And the app agrees: /me in the same browser is 401 now.
    browser.goto(&url("/me")).await.unwrap();
    let body = text_of(&browser, "body").await;
    assert!(body.contains("not_signed_in"), "{body}");
}

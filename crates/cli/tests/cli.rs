//! `one-login` as a user runs it: exit statuses, output shapes, files written.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use govuk_one_login::core::{KeySource, ServiceSpec, TokenAuthSpec};
use govuk_one_login::{RsaPrivateKey, SignInOptions};
use govuk_one_login_testkit::{Harness, auth_service};
use serde_json::Value;

const BIN: &str = env!("CARGO_BIN_EXE_one-login");

fn run(args: &[&str]) -> Output {
    Command::new(BIN).args(args).output().unwrap()
}

fn stdout(out: &Output) -> String {
    String::from_utf8(out.stdout.clone()).unwrap()
}

fn stderr(out: &Output) -> String {
    String::from_utf8(out.stderr.clone()).unwrap()
}

/// A fresh folder for one test.
fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("one-login-cli-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn generate(dir: &Path) -> Value {
    let out = run(&["keys", "generate", "--out", dir.to_str().unwrap(), "--json"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    serde_json::from_str(&stdout(&out)).unwrap()
}

#[test]
fn keys_generate_writes_a_private_pem_named_by_its_thumbprint_and_prints_the_public_jwk() {
    let dir = scratch("generate");
    let made = generate(&dir);
    let kid = made["kid"].as_str().unwrap();
    let file = PathBuf::from(made["file"].as_str().unwrap());
    assert_eq!(file, dir.join(format!("{kid}.pem")));
    assert_eq!(made["bits"], 2048);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        let mode = std::fs::metadata(&file).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600, "only the owner reads a private key");
    }
    let pem = std::fs::read_to_string(&file).unwrap();
    assert!(pem.starts_with("-----BEGIN PRIVATE KEY-----"), "PKCS#8");
    let key = RsaPrivateKey::load(&KeySource::File(file), "", None).unwrap();
    assert_eq!(key.thumbprint(), kid, "the kid is the RFC 7638 thumbprint");
    let jwk = &made["jwk"];
    assert_eq!(jwk["kid"], kid);
    assert_eq!(
        (
            jwk["kty"].as_str(),
            jwk["use"].as_str(),
            jwk["alg"].as_str()
        ),
        (Some("RSA"), Some("sig"), Some("RS256"))
    );
    assert!(jwk.get("d").is_none(), "never the private part");

    let text = run(&[
        "keys",
        "generate",
        "--out",
        dir.to_str().unwrap(),
        "--bits",
        "3072",
    ]);
    assert_eq!(text.status.code(), Some(0), "{}", stderr(&text));
    assert!(
        stdout(&text).contains("(RSA 3072, mode 0600)"),
        "{}",
        stdout(&text)
    );
}

#[test]
fn keys_generate_never_overwrites_a_file_and_refuses_a_bad_size() {
    let dir = scratch("overwrite");
    std::fs::write(dir.join("current.pem"), "keep me").unwrap();
    let out = run(&[
        "keys",
        "generate",
        "--out",
        dir.to_str().unwrap(),
        "--file",
        "current.pem",
    ]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("never overwritten"),
        "{}",
        stderr(&out)
    );
    assert_eq!(
        std::fs::read_to_string(dir.join("current.pem")).unwrap(),
        "keep me"
    );

    let escape = run(&[
        "keys",
        "generate",
        "--out",
        dir.to_str().unwrap(),
        "--file",
        "../x.pem",
    ]);
    assert_eq!(escape.status.code(), Some(1));
    assert!(
        stderr(&escape).contains("plain file name"),
        "{}",
        stderr(&escape)
    );
    let out = run(&["keys", "generate", "--bits", "1024"]);
    assert_eq!(
        out.status.code(),
        Some(2),
        "a usage error: {}",
        stderr(&out)
    );
    let out = run(&[
        "keys",
        "generate",
        "--out",
        dir.join("no-such-dir").to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(stderr(&out).contains("cannot create"), "{}", stderr(&out));
}

#[test]
fn keys_jwks_prints_the_public_set_of_every_file_and_refuses_the_same_key_twice_or_a_non_key() {
    let dir = scratch("jwks");
    let (a, b) = (generate(&dir), generate(&dir));
    let (fa, fb) = (a["file"].as_str().unwrap(), b["file"].as_str().unwrap());
    let out = run(&["keys", "jwks", fa, fb, "--alg", "PS256"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let set: Value = serde_json::from_str(&stdout(&out)).unwrap();
    let keys = set["keys"].as_array().unwrap();
    assert_eq!(keys.len(), 2);
    assert_eq!(keys[0]["kid"], a["kid"]);
    assert_eq!(keys[1]["kid"], b["kid"]);
    assert!(
        keys.iter()
            .all(|k| k["alg"] == "PS256" && k.get("d").is_none())
    );

    let twice = run(&["keys", "jwks", fa, fa]);
    assert_eq!(twice.status.code(), Some(1));
    assert!(
        stderr(&twice).contains("the same key"),
        "{}",
        stderr(&twice)
    );
    std::fs::write(dir.join("not-a-key.pem"), "hello").unwrap();
    let junk = run(&["keys", "jwks", dir.join("not-a-key.pem").to_str().unwrap()]);
    assert_eq!(junk.status.code(), Some(1));
    assert!(
        stderr(&junk).contains("[key."),
        "the key error's code: {}",
        stderr(&junk)
    );
    assert_eq!(
        run(&["keys", "jwks"]).status.code(),
        Some(2),
        "no file is a usage error"
    );

    // From a services file: the kids and the algorithm the file gives, current first.
    let config = dir.join("services.toml");
    std::fs::write(
        &config,
        format!(
            "[[service]]\nname = \"apply\"\nclient_id = \"c1\"\n\
             redirect_uris = [\"https://apply.example.gov.uk/callback\"]\n\
             token_auth = {{ alg = \"PS256\", keys = [{{ key_file = \"{fa}\", key_id = \"apply-2026-01\" }}, \
             {{ key_file = \"{fb}\", current = true }}] }}\n"
        ),
    )
    .unwrap();
    let out = run(&[
        "keys",
        "jwks",
        "--config",
        config.to_str().unwrap(),
        "--service",
        "apply",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let set: Value = serde_json::from_str(&stdout(&out)).unwrap();
    let kids: Vec<&str> = set["keys"]
        .as_array()
        .unwrap()
        .iter()
        .map(|k| k["kid"].as_str().unwrap())
        .collect();
    assert_eq!(kids, [b["kid"].as_str().unwrap(), "apply-2026-01"]);
    assert!(
        set["keys"]
            .as_array()
            .unwrap()
            .iter()
            .all(|k| k["alg"] == "PS256")
    );
    let nobody = run(&[
        "keys",
        "jwks",
        "--config",
        config.to_str().unwrap(),
        "--service",
        "x",
    ]);
    assert_eq!(nobody.status.code(), Some(1));
    assert_eq!(
        run(&["keys", "jwks", "--config", config.to_str().unwrap()])
            .status
            .code(),
        Some(2),
        "--config needs --service"
    );
}

#[test]
fn check_prints_each_sector_for_a_good_file_and_every_problem_for_a_broken_one() {
    let dir = scratch("check");
    let made = generate(&dir);
    let key = made["file"].as_str().unwrap();
    let good = dir.join("good.toml");
    std::fs::write(
        &good,
        format!(
            "[provider]\nenvironment = \"integration\"\n\n[[service]]\nname = \"apply\"\nclient_id = \"c1\"\n\
             redirect_uris = [\"https://apply.example.gov.uk/callback\"]\n\
             token_auth = {{ key_file = \"{key}\" }}\n"
        ),
    )
    .unwrap();
    let out = run(&["check", good.to_str().unwrap()]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}{}",
        stdout(&out),
        stderr(&out)
    );
    assert!(
        stdout(&out).contains("apply.example.gov.uk"),
        "{}",
        stdout(&out)
    );

    let broken = dir.join("broken.toml");
    std::fs::write(
        &broken,
        "[[service]]\nname = \"x\"\nclient_id = \"c\"\nredirect_uris = []\nscopes = [\"email\"]\n\
         token_auth = { key_file = \"missing.pem\", key_id = \"\" }\n",
    )
    .unwrap();
    let out = run(&["check", "--json", broken.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    let report: Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(report["ok"], false);
    let problems: Vec<&str> = report["problems"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p.as_str().unwrap())
        .collect();
    for code in [
        "config.no_redirect_uri",
        "config.missing_openid",
        "config.missing_key_id",
    ] {
        assert!(problems.contains(&code), "{code} in {problems:?}");
    }
    assert!(stderr(&out).contains("problem(s)"), "{}", stderr(&out));
    assert_eq!(run(&["check"]).status.code(), Some(2));
    assert_eq!(
        run(&["check", dir.join("nope.toml").to_str().unwrap()])
            .status
            .code(),
        Some(1)
    );
}

#[test]
fn help_shows_examples_and_unknown_commands_are_usage_errors() {
    let help = run(&["keys", "generate", "--help"]);
    assert_eq!(help.status.code(), Some(0));
    assert!(stdout(&help).contains("Example:"), "{}", stdout(&help));
    assert!(stdout(&run(&["--help"])).contains("keys"));
    assert_eq!(run(&["frobnicate"]).status.code(), Some(2));
    assert_eq!(run(&[]).status.code(), Some(2));
}

#[tokio::test]
async fn a_generated_key_signs_a_sign_in_at_the_mock_one_login() {
    let dir = scratch("sign-in");
    let made = generate(&dir);
    let spec = ServiceSpec {
        token_auth: TokenAuthSpec {
            key_file: Some(PathBuf::from(made["file"].as_str().unwrap())),
            ..TokenAuthSpec::default()
        },
        ..auth_service("apply", "apply-client")
    };
    let h = Harness::start(vec![spec]).await;
    let signed_in = h.sign_in("apply", SignInOptions::default()).await.unwrap();
    assert_eq!(signed_in.service().as_str(), "apply");
    let token = h.provider.requests_to("/token");
    let assertion = token[0].client_assertion.as_ref().unwrap();
    assert_eq!(
        assertion.header["kid"], made["kid"],
        "signed with the generated key's thumbprint kid"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn discover_shows_the_mock_providers_keys_algorithms_and_cache_headers() {
    let mock = govuk_one_login_testkit::MockOneLogin::start().await;
    let issuer = mock.issuer().to_string();
    let out =
        tokio::task::spawn_blocking(move || run(&["discover", "--issuer", &issuer, "--json"]))
            .await
            .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}{}",
        stdout(&out),
        stderr(&out)
    );
    let report: Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(report["discovery"]["status"], 200);
    assert_eq!(report["discovery"]["cache_control"], "max-age=86400");
    let kids: Vec<&str> = report["jwks"]["keys"]
        .as_array()
        .unwrap()
        .iter()
        .map(|k| k["kid"].as_str().unwrap())
        .collect();
    assert!(
        kids.contains(
            &mock
                .id_token_kid(govuk_one_login::core::IdTokenAlgorithm::ES256)
                .as_str()
        ),
        "{kids:?}"
    );
    assert!(report["jwks"]["keys"][0]["alg"].is_string());
    let did: Vec<&str> = report["did"]["keys"]
        .as_array()
        .unwrap()
        .iter()
        .map(|k| k.as_str().unwrap())
        .collect();
    assert_eq!(did, [mock.identity_kid().as_str()]);

    let text = run(&["discover", "--issuer", mock.issuer().as_str()]);
    assert!(stdout(&text).contains("jwks: "), "{}", stdout(&text));

    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let gone = format!("http://{}/", closed.local_addr().unwrap());
    drop(closed);
    let out = run(&["discover", "--issuer", &gone, "--json"]);
    assert_eq!(out.status.code(), Some(1), "{}", stdout(&out));
    let report: Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(report["discovery"]["error"], "transport.connect");
    assert_eq!(
        run(&["discover", "--environment", "staging"]).status.code(),
        Some(2)
    );
}

/// Runs `one-login` with `input` on standard input.
fn run_with_stdin(args: &[&str], input: &str) -> Output {
    use std::io::Write as _;
    let mut child = Command::new(BIN)
        .args(args)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(input.as_bytes())
        .unwrap();
    child.wait_with_output().unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn inspect_decodes_hides_personal_claims_and_verifies_as_a_service() {
    let dir = scratch("inspect");
    let key = dir.join("key.pem");
    std::fs::write(&key, govuk_one_login_testkit::TEST_CLIENT_KEY).unwrap();
    let h = Harness::start(vec![auth_service("app", "app-client")]).await;
    let spec = h.provider.provider_spec();
    let config = dir.join("services.toml");
    std::fs::write(
        &config,
        format!(
            "[provider]\nenvironment = \"custom\"\nissuer = \"{}\"\n\n[[service]]\nname = \"app\"\n\
             client_id = \"app-client\"\nredirect_uris = [\"http://127.0.0.1:9/app/callback\"]\n\
             scopes = [\"openid\", \"email\"]\ntoken_auth = {{ key_file = \"{}\", key_id = \"app-key\" }}\n",
            spec.issuer.unwrap(),
            key.display()
        ),
    )
    .unwrap();
    let signed_in = h.sign_in("app", SignInOptions::default()).await.unwrap();
    let id_token = signed_in.id_token().expose_secret().to_owned();
    let sub = signed_in.sub().to_owned();

    let (config_arg, id) = (config.to_str().unwrap().to_owned(), id_token.clone());
    let out = tokio::task::spawn_blocking(move || {
        run_with_stdin(
            &[
                "inspect",
                "--json",
                "--service",
                "app",
                "--config",
                &config_arg,
            ],
            &id,
        )
    })
    .await
    .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}{}",
        stdout(&out),
        stderr(&out)
    );
    let report: Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(report["header"]["alg"], "ES256");
    assert_eq!(report["claims"]["aud"], "app-client");
    assert_eq!(report["claims"]["sub"], "[hidden: --show-personal]");
    assert!(!stdout(&out).contains(&sub), "the sub is personal data");
    assert_eq!(report["verification"]["ok"], true);
    assert_eq!(report["verification"]["as"], "ID token");
    assert_eq!(
        report["verification"]["complete"], false,
        "the nonce belongs to the sign-in: never reported as a full verification"
    );
    assert!(
        stderr(&out).contains("without its nonce"),
        "{}",
        stderr(&out)
    );

    let token_file = dir.join("token.jwt");
    std::fs::write(&token_file, format!("{id_token}\n")).unwrap();
    let shown = run(&["inspect", token_file.to_str().unwrap(), "--show-personal"]);
    assert_eq!(shown.status.code(), Some(0));
    assert!(stdout(&shown).contains(&sub), "{}", stdout(&shown));

    // A forged logout token: decoded, and refused with the verifier's code.
    let forged = h.provider.mint_logout_token(
        "app-client",
        &sub,
        Some(govuk_one_login_testkit::LogoutTokenFault::InvalidSignature),
    );
    let config_arg = config.to_str().unwrap().to_owned();
    let out = tokio::task::spawn_blocking(move || {
        run_with_stdin(
            &[
                "inspect",
                "--json",
                "--service",
                "app",
                "--config",
                &config_arg,
            ],
            &forged,
        )
    })
    .await
    .unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", stdout(&out));
    let report: Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(report["verification"]["as"], "logout token");
    assert_eq!(report["verification"]["ok"], false);
    assert!(
        report["verification"]["code"]
            .as_str()
            .unwrap()
            .contains("signature"),
        "{report}"
    );

    // Not a token; a token on the command line is not a file; --service needs --config.
    assert_eq!(run_with_stdin(&["inspect"], "hello").status.code(), Some(1));
    assert_eq!(
        run(&["inspect", "eyJhbGciOi.eyJ.x"]).status.code(),
        Some(1),
        "read as a file name"
    );
    assert_eq!(run(&["inspect", "--service", "app"]).status.code(), Some(2));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn keys_jwks_and_inspect_work_for_a_service_whose_key_a_kms_holds() {
    let dir = scratch("kms");
    let key = RsaPrivateKey::generate_with_bits(2048).unwrap();
    std::fs::write(dir.join("kms.pub.pem"), key.public_key().to_pem()).unwrap();
    let h = Harness::start(vec![auth_service("other", "other-client")]).await;
    let config = dir.join("services.toml");
    std::fs::write(
        &config,
        format!(
            "[provider]\nenvironment = \"custom\"\nissuer = \"{}\"\n\n[[service]]\nname = \"app\"\n\
             client_id = \"app-client\"\nredirect_uris = [\"http://127.0.0.1:9/app/callback\"]\n\
             scopes = [\"openid\", \"email\"]\n\
             token_auth = {{ signer = \"kms\", public_key_file = \"kms.pub.pem\" }}\n",
            h.provider.provider_spec().issuer.unwrap(),
        ),
    )
    .unwrap();
    let config_arg = config.to_str().unwrap().to_owned();
    let out = run(&["keys", "jwks", "--config", &config_arg, "--service", "app"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let jwks: Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(jwks["keys"][0]["kid"], key.thumbprint());
    assert_eq!(jwks["keys"][0]["n"], key.public_jwk("RS256")["n"]);
    // Inspecting a token signs nothing, so the KMS is not needed.
    let token = h.provider.mint_logout_token("app-client", "someone", None);
    let out = tokio::task::spawn_blocking(move || {
        run_with_stdin(
            &[
                "inspect",
                "--json",
                "--service",
                "app",
                "--config",
                &config_arg,
            ],
            &token,
        )
    })
    .await
    .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}{}",
        stdout(&out),
        stderr(&out)
    );
    let report: Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(report["verification"]["ok"], true, "{report}");
}

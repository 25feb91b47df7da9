//! # `one-login`
//!
//! The command a GOV.UK One Login service team runs by hand: make the RSA key pair it registers,
//! publish the public keys as a JWKS, and check a services file. Each subcommand is a thin layer
//! over the libraries (`govuk-one-login` and its core), so a program gets the same results.
//!
//! ```text
//! one-login keys generate --bits 3072 --out keys/    # keys/<kid>.pem (0600) and its public JWK
//! one-login keys jwks keys/*.pem > jwks.json         # the JWK set to publish or register
//! one-login check services.toml                      # every problem, each service's sector
//! one-login discover --environment integration       # key ids, algorithms, cache headers
//! one-login inspect token.jwt --service apply --config services.toml   # decode and verify
//! one-login mock --port 3000                         # a mock One Login, the simulator's /config
//! ```
//!
//! Exit status: 0 when all is well, 1 when a problem was found (a broken file, a key that would
//! be overwritten), 2 for a usage error. `--json` prints what a script would read.

use std::fs::OpenOptions;
use std::io::Write as _;
#[cfg(unix)]
use std::os::unix::fs::OpenOptionsExt as _;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;

use clap::{Parser, Subcommand, ValueEnum};
use govuk_one_login::core::ClientAuth;
use govuk_one_login::core::{Clock as _, Nonce, SystemClock};
use govuk_one_login::core::{DEFAULT_USER_AGENT, HttpRequest, HttpTransport as _, KeySource};
use govuk_one_login::discovery::ProviderMetadata;
use govuk_one_login::http::{HttpConfig, ReqwestTransport};
use govuk_one_login::verify::{
    DidDocument, IdTokenExpectations, KeySet, LogoutExpectations, RejectedKey, verify_id_token,
    verify_logout_token,
};
use govuk_one_login::{
    Environment, JwsSigner, OneLogin, RsaPrivateKey, Services, SignerError, Url,
    check_services_file,
};
use serde_json::{Value, json};

mod mock;

/// Make, publish and check a GOV.UK One Login service's keys and services file.
#[derive(Debug, Parser)]
#[command(name = "one-login", version, about, long_about = None)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// The service's own RSA keys: generate one, or print the JWK set of several.
    #[command(subcommand)]
    Keys(Keys),
    /// Fetch the provider's metadata, JWKS and DID document: key ids, algorithms, and each
    /// document's status, Cache-Control and Age.
    #[command(
        after_help = "Example:\n  one-login discover --environment integration\n  one-login discover --issuer http://127.0.0.1:3000/ --json"
    )]
    Discover {
        /// One Login's environment.
        #[arg(long, value_parser = ["integration", "production"], conflicts_with = "issuer")]
        environment: Option<String>,
        /// A custom issuer (a simulator or a mock); its DID document at
        /// `<issuer>.well-known/did.json`.
        #[arg(long)]
        issuer: Option<String>,
        /// Print the findings as JSON.
        #[arg(long)]
        json: bool,
    },
    /// Decode a token read from a file or standard input (never from the command line, where
    /// shell history and `ps` keep it) and, with a service, verify it as that service would.
    #[command(
        after_help = "Example:\n  pbpaste | one-login inspect\n  one-login inspect token.jwt --service apply --config services.toml"
    )]
    Inspect {
        /// The file holding the token; `-` or nothing: standard input.
        file: Option<PathBuf>,
        /// Verify the token as this service (an ID token or a logout token).
        #[arg(long, requires = "config")]
        service: Option<String>,
        /// The services file naming the service.
        #[arg(long, requires = "service")]
        config: Option<PathBuf>,
        /// Show the claims that are personal data (email, phone, name, sub, ...); hidden by
        /// default.
        #[arg(long)]
        show_personal: bool,
        /// Print {"header", "claims", "verification"} as JSON.
        #[arg(long)]
        json: bool,
    },
    /// Run the mock One Login as a server, configured like GDS's simulator (`GET`/`POST /config`,
    /// its environment variables and defaults), with several clients, back-channel logout and
    /// every testkit fault besides. Serves until Ctrl-C.
    #[command(
        after_help = "Example:\n  one-login mock                      # http://localhost:3000/, like the simulator\n  one-login mock --port 0             # a free port; the first line says which\n  REDIRECT_URLS=http://localhost:8080/callback one-login mock\n  curl -s localhost:3000/config | jq .clientConfiguration\n\nEnvironment: the simulator's (CLIENT_ID, PUBLIC_KEY, REDIRECT_URLS, SCOPES, CLAIMS,\nSUB, EMAIL, ID_TOKEN_ERRORS, PUBLISH_NEW_ID_TOKEN_SIGNING_KEYS, SIMULATOR_URL, PORT, ...).\nSee docs/mock-server.md."
    )]
    Mock {
        /// The port (default: $PORT, else 3000; 0 picks a free one).
        #[arg(long)]
        port: Option<u16>,
        /// The address to listen on (default 127.0.0.1). Anything else exposes a provider that
        /// signs anyone in: give it only on purpose. `IP` or `IP:PORT`.
        #[arg(long)]
        listen: Option<String>,
    },
    /// Check a services file: every problem with its code, each service's sector and who shares
    /// users.
    #[command(
        after_help = "Example:\n  one-login check services.toml\n  one-login check --json services.toml | jq .problems"
    )]
    Check {
        /// The services file.
        file: PathBuf,
        /// Print {"ok", "problems", "report"} as JSON.
        #[arg(long)]
        json: bool,
    },
}

#[derive(Debug, Subcommand)]
enum Keys {
    /// Generate an RSA private key (PKCS#8 PEM, mode 0600, never overwriting a file) named by
    /// its RFC 7638 thumbprint, and print the public JWK to register or publish.
    #[command(after_help = "Example:\n  one-login keys generate --bits 3072 --out keys/")]
    Generate {
        /// The key size.
        #[arg(long, default_value = "2048", value_parser = ["2048", "3072", "4096"])]
        bits: String,
        /// The folder to write the key in.
        #[arg(long, default_value = ".")]
        out: PathBuf,
        /// The key file's name (default: `<kid>.pem`).
        #[arg(long)]
        file: Option<String>,
        /// The algorithm the service signs with (the JWK's `alg`).
        #[arg(long, value_enum, default_value_t = Alg::Rs256)]
        alg: Alg,
        /// Print {"kid", "file", "jwk"} as JSON.
        #[arg(long)]
        json: bool,
    },
    /// Print a public JWK set: of private key files (PEM), each key's `kid` its RFC 7638
    /// thumbprint; or, with --config and --service, of that service's keys as the services file
    /// names them (what the router serves at its jwks_uri).
    #[command(
        after_help = "Example:\n  one-login keys jwks keys/current.pem keys/next.pem > jwks.json\n  one-login keys jwks --config services.toml --service apply"
    )]
    Jwks {
        /// PEM files of RSA private keys (PKCS#8 or PKCS#1).
        #[arg(required_unless_present = "config", conflicts_with = "config")]
        files: Vec<PathBuf>,
        /// The services file (with --service).
        #[arg(long, requires = "service")]
        config: Option<PathBuf>,
        /// The service whose keys to print (with --config).
        #[arg(long, requires = "config")]
        service: Option<String>,
        /// The algorithm the service signs with (each JWK's `alg`).
        #[arg(long, value_enum, default_value_t = Alg::Rs256)]
        alg: Alg,
    },
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum Alg {
    #[value(name = "RS256")]
    Rs256,
    #[value(name = "PS256")]
    Ps256,
}

impl Alg {
    fn as_str(self) -> &'static str {
        match self {
            Self::Rs256 => "RS256",
            Self::Ps256 => "PS256",
        }
    }
}

/// A problem found: the message for standard error, exit status 1.
struct Problem(String);

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Keys(Keys::Generate {
            bits,
            out,
            file,
            alg,
            json,
        }) => generate(&bits, &out, file.as_deref(), alg, json),
        Command::Keys(Keys::Jwks {
            config: Some(config),
            service: Some(service),
            ..
        }) => service_jwks(&config, &service),
        Command::Keys(Keys::Jwks { files, alg, .. }) => jwks(&files, alg),
        Command::Check { file, json } => check(&file, json),
        Command::Inspect {
            file,
            service,
            config,
            show_personal,
            json,
        } => inspect(
            file.as_deref(),
            service.as_deref().zip(config.as_deref()),
            show_personal,
            json,
        ),
        Command::Discover {
            environment,
            issuer,
            json,
        } => discover(environment.as_deref(), issuer.as_deref(), json),
        Command::Mock { port, listen } => mock::mock(port, listen.as_deref()),
    };
    match result {
        Ok(text) => {
            emit(&text);
            ExitCode::SUCCESS
        }
        Err(Problem(message)) => {
            eprintln!("one-login: {message}");
            ExitCode::FAILURE
        }
    }
}

/// Writes `text` to standard output; a closed pipe (`| head`) is not an error worth a panic.
fn emit(text: &str) {
    let mut out = std::io::stdout().lock();
    let _ = out.write_all(text.as_bytes()).and_then(|()| out.flush());
}

fn pretty(value: &Value) -> String {
    serde_json::to_string_pretty(value).unwrap_or_else(|_| value.to_string())
}

fn generate(
    bits: &str,
    out: &Path,
    file: Option<&str>,
    alg: Alg,
    json: bool,
) -> Result<String, Problem> {
    let bits: usize = bits
        .parse()
        .map_err(|_| Problem(format!("--bits `{bits}` is not a number")))?;
    let key = RsaPrivateKey::generate_with_bits(bits).map_err(|e| Problem(e.to_string()))?;
    let name = match file {
        Some(name)
            if name.is_empty() || name == "." || name == ".." || name.contains(['/', '\\']) =>
        {
            return Err(Problem(format!(
                "--file `{name}` must be a plain file name; choose the folder with --out"
            )));
        }
        Some(name) => name.to_owned(),
        None => format!("{}.pem", key.key_id()),
    };
    let path = out.join(name);
    let mut options = OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    options.mode(0o600);
    let mut file = options.open(&path).map_err(|e| match e.kind() {
        std::io::ErrorKind::AlreadyExists => Problem(format!(
            "{} exists; a key is never overwritten (move it away first)",
            path.display()
        )),
        _ => Problem(format!("cannot create {}: {e}", path.display())),
    })?;
    if let Err(e) = file
        .write_all(key.pem().expose_secret().as_bytes())
        .and_then(|()| file.sync_all())
    {
        // A half-written key would block every later run ("exists"): take it away.
        drop(file);
        let _ = std::fs::remove_file(&path);
        return Err(Problem(format!("cannot write {}: {e}", path.display())));
    }
    let jwk = key.public_jwk(alg.as_str());
    Ok(if json {
        let out = json!({
            "kid": key.key_id(),
            "file": path.display().to_string(),
            "bits": bits,
            "jwk": jwk,
        });
        format!("{}\n", pretty(&out))
    } else {
        format!(
            "Wrote {} (RSA {bits}, mode 0600): keep it secret.\nkid: {}\nPublic JWK (register it, or publish it in the service's JWKS):\n{}\n",
            path.display(),
            key.key_id(),
            pretty(&jwk)
        )
    })
}

fn jwks(files: &[PathBuf], alg: Alg) -> Result<String, Problem> {
    let mut keys: Vec<Value> = Vec::new();
    for file in files {
        let key = RsaPrivateKey::load(&KeySource::File(file.clone()), "", None)
            .map_err(|e| Problem(format!("{e} [{}]", e.code())))?;
        let kid = key.thumbprint();
        let key = key.with_key_id(kid.clone());
        if keys.iter().any(|k| k["kid"] == kid.as_str()) {
            return Err(Problem(format!(
                "{} is the same key as an earlier file (kid {kid})",
                file.display()
            )));
        }
        keys.push(key.public_jwk(alg.as_str()));
    }
    Ok(format!("{}\n", pretty(&json!({ "keys": keys }))))
}

/// The JWK set of a service of a services file: its keys with the `kid`s and algorithm the file
/// gives them, current first.
fn service_jwks(config: &Path, name: &str) -> Result<String, Problem> {
    let services = Services::load(config).map_err(|e| Problem(e.to_string()))?;
    let service = services.get(name).ok_or_else(|| {
        Problem(format!(
            "{} has no service called `{name}`",
            config.display()
        ))
    })?;
    Ok(format!(
        "{}\n",
        pretty(&service.client_auth().public_jwks())
    ))
}

fn check(file: &Path, json: bool) -> Result<String, Problem> {
    let report = check_services_file(file);
    let text = if json {
        let out = json!({
            "ok": report.is_ok(),
            "problems": report.problems,
            "report": report.text,
        });
        format!("{}\n", pretty(&out))
    } else {
        report.text.clone()
    };
    if report.is_ok() {
        Ok(text)
    } else {
        // The report goes to standard output either way: it is what the user asked for.
        emit(&text);
        Err(Problem(format!(
            "{} problem(s) in {}",
            report.problems.len(),
            file.display()
        )))
    }
}

/// The signer names the services' keys give (keys a KMS or an HSM holds).
fn external_signers(services: &Services) -> Vec<String> {
    let mut names: Vec<String> = services
        .iter()
        .flat_map(|svc| match svc.client_auth() {
            ClientAuth::PrivateKeyJwt { key, others, .. } => std::iter::once(key)
                .chain(others)
                .filter_map(|k| k.signer().map(str::to_owned))
                .collect::<Vec<_>>(),
            ClientAuth::ClientSecretPost { .. } => Vec::new(),
        })
        .collect();
    names.sort();
    names.dedup();
    names
}

/// The signer `inspect` registers for keys a KMS holds: it never signs.
#[derive(Debug)]
struct NoSigning;

impl JwsSigner for NoSigning {
    fn sign<'a>(
        &'a self,
        _key_id: &'a str,
        _alg: govuk_one_login::core::ClientAssertionAlgorithm,
        _input: &'a [u8],
    ) -> govuk_one_login::core::BoxFuture<'a, Result<Vec<u8>, SignerError>> {
        Box::pin(async { Err(SignerError::permanent("one-login inspect signs nothing")) })
    }
}

/// A runtime for the subcommands that talk to the provider.
fn runtime() -> Result<tokio::runtime::Runtime, Problem> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| Problem(format!("cannot start the async runtime: {e}")))
}

/// The most bytes read of a provider document.
const MAX_DOCUMENT: usize = 512 * 1024;

fn discover(
    environment: Option<&str>,
    issuer: Option<&str>,
    json: bool,
) -> Result<String, Problem> {
    let env = match (environment, issuer) {
        (_, Some(issuer)) => Environment::custom(issuer, None, None, None)
            .map_err(|e| Problem(format!("--issuer: {e}")))?,
        (Some("production"), None) => Environment::production(),
        _ => Environment::integration(),
    };
    let runtime = runtime()?;
    let transport = ReqwestTransport::new(HttpConfig::default())
        .map_err(|e| Problem(format!("{e} [{}]", e.code())))?;
    let (report, ok) = runtime.block_on(discover_with(&transport, &env));
    let text = if json {
        format!("{}\n", pretty(&report))
    } else {
        discover_text(&report)
    };
    if ok {
        Ok(text)
    } else {
        emit(&text);
        Err(Problem("a document could not be fetched or read".into()))
    }
}

/// One document: its URL, status, caching headers and what it says (or why it could not be read).
async fn fetch(transport: &ReqwestTransport, url: &Url) -> (Value, Option<Vec<u8>>) {
    match transport
        .send(HttpRequest::get(
            url.clone(),
            DEFAULT_USER_AGENT,
            MAX_DOCUMENT,
        ))
        .await
    {
        Ok(r) => {
            let info = json!({
                "url": url.as_str(),
                "status": r.status,
                "cache_control": r.header("cache-control"),
                "age": r.header("age"),
            });
            let body = r.is_success().then_some(r.body);
            (info, body)
        }
        Err(e) => (json!({ "url": url.as_str(), "error": e.code() }), None),
    }
}

async fn discover_with(transport: &ReqwestTransport, env: &Environment) -> (Value, bool) {
    let mut ok = true;
    let (mut metadata, body) = fetch(transport, &env.discovery_url()).await;
    let parsed = body.map(|b| ProviderMetadata::parse(&b, env));
    let mut jwks = json!(null);
    match parsed {
        Some(Ok(m)) => {
            metadata["issuer"] = json!(m.issuer().as_str());
            metadata["token_endpoint"] = json!(m.token_endpoint().as_str());
            metadata["id_token_signing_alg_values_supported"] =
                json!(m.id_token_signing_alg_values_supported());
            metadata["token_endpoint_auth_signing_alg_values_supported"] =
                json!(m.token_endpoint_auth_signing_alg_values_supported());
            let (mut info, body) = fetch(transport, m.jwks_uri()).await;
            match body.map(|b| KeySet::from_jwks_json(&b)) {
                Some(Ok(set)) => {
                    info["keys"] = set
                        .keys
                        .iter()
                        .map(|k| json!({ "kid": k.kid(), "alg": k.algorithm().as_str() }))
                        .collect();
                    info["rejected"] = rejected(&set.rejected);
                }
                Some(Err(e)) => {
                    info["error"] = json!(e.code());
                    ok = false;
                }
                None => ok = false,
            }
            jwks = info;
        }
        Some(Err(e)) => {
            metadata["error"] = json!(e.code());
            ok = false;
        }
        None => ok = false,
    }
    let (mut did, body) = fetch(transport, env.did_document_url()).await;
    match body.map(|b| DidDocument::from_json(&b, env.did_controller())) {
        Some(Ok(doc)) => {
            did["keys"] = json!(doc.document.kids().collect::<Vec<_>>());
            did["rejected"] = rejected(&doc.rejected);
        }
        Some(Err(e)) => {
            did["error"] = json!(e.code());
            ok = false;
        }
        None => ok = false,
    }
    (
        json!({ "issuer": env.issuer().as_str(), "discovery": metadata, "jwks": jwks, "did": did }),
        ok,
    )
}

fn rejected(keys: &[RejectedKey]) -> Value {
    keys.iter()
        .map(|k| json!({ "kid": k.kid, "reason": k.reason }))
        .collect()
}

fn discover_text(report: &Value) -> String {
    let mut out = format!(
        "Provider {}\n",
        report["issuer"].as_str().unwrap_or_default()
    );
    for (name, doc) in [
        ("discovery", &report["discovery"]),
        ("jwks", &report["jwks"]),
        ("did", &report["did"]),
    ] {
        if doc.is_null() {
            out.push_str(&format!(
                "  {name}: not fetched (the discovery document failed)\n"
            ));
            continue;
        }
        let shown = |v: &Value| match v {
            Value::Null => "-".to_owned(),
            Value::String(s) => s.clone(),
            other => other.to_string(),
        };
        out.push_str(&format!(
            "  {name}: {} status {} cache-control {} age {}\n",
            shown(&doc["url"]),
            shown(&doc["status"]),
            shown(&doc["cache_control"]),
            shown(&doc["age"]),
        ));
        if !doc["error"].is_null() {
            out.push_str(&format!("    error: {}\n", shown(&doc["error"])));
        }
        for field in [
            "id_token_signing_alg_values_supported",
            "token_endpoint_auth_signing_alg_values_supported",
            "keys",
            "rejected",
        ] {
            if !doc[field].is_null() {
                out.push_str(&format!("    {field}: {}\n", doc[field]));
            }
        }
    }
    out
}

/// The most bytes of a token `inspect` reads.
const MAX_TOKEN: usize = 64 * 1024;

/// Claims shown without `--show-personal`: the protocol's own, never a person's data.
const PROTOCOL_CLAIMS: &[&str] = &[
    "iss",
    "aud",
    "exp",
    "iat",
    "nbf",
    "jti",
    "vot",
    "vtm",
    "auth_time",
    "at_hash",
    "nonce",
    "events",
    "azp",
    "client_id",
    "typ",
];

fn read_token(file: Option<&Path>) -> Result<String, Problem> {
    use std::io::Read as _;
    let mut bytes = Vec::new();
    let limit = u64::try_from(MAX_TOKEN + 1).unwrap_or(u64::MAX);
    let read = match file {
        None => std::io::stdin().take(limit).read_to_end(&mut bytes),
        Some(p) if p == Path::new("-") => std::io::stdin().take(limit).read_to_end(&mut bytes),
        Some(p) => std::fs::File::open(p).and_then(|f| f.take(limit).read_to_end(&mut bytes)),
    };
    read.map_err(|e| Problem(format!("cannot read the token: {e}")))?;
    if bytes.len() > MAX_TOKEN {
        return Err(Problem(format!("the token is over {MAX_TOKEN} bytes")));
    }
    let text = String::from_utf8(bytes).map_err(|_| Problem("the token is not text".into()))?;
    Ok(text.trim().to_owned())
}

fn decode_part(part: &str, name: &str) -> Result<Value, Problem> {
    use base64::Engine as _;
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(part)
        .map_err(|_| Problem(format!("the token's {name} is not base64url")))?;
    serde_json::from_slice(&bytes).map_err(|_| Problem(format!("the token's {name} is not JSON")))
}

fn inspect(
    file: Option<&Path>,
    service: Option<(&str, &Path)>,
    show_personal: bool,
    json: bool,
) -> Result<String, Problem> {
    let token = read_token(file)?;
    let parts: Vec<&str> = token.split('.').collect();
    let [header, claims, _signature] = parts.as_slice() else {
        return Err(Problem(format!(
            "a signed JWT has three parts separated by dots; this has {}",
            parts.len()
        )));
    };
    let header = decode_part(header, "header")?;
    let mut claims = decode_part(claims, "claims")?;
    if !header.is_object() || !claims.is_object() {
        return Err(Problem(
            "a JWT's header and claims are JSON objects; these are not".into(),
        ));
    }
    // The ID token's own nonce, for a verification that cannot know the sign-in's (see verify_as).
    let nonce = claims["nonce"].as_str().unwrap_or_default().to_owned();
    let mut hidden = Vec::new();
    if !show_personal && let Value::Object(map) = &mut claims {
        for (name, value) in map.iter_mut() {
            if !PROTOCOL_CLAIMS.contains(&name.as_str()) {
                *value = json!("[hidden: --show-personal]");
                // JSON-escaped: a claim's name comes from the token, which may be hostile.
                hidden.push(Value::String(name.clone()).to_string());
            }
        }
    }
    let verification = match service {
        Some((name, config)) => Some(verify_as(&token, &header, &nonce, name, config)?),
        None => None,
    };
    let failed = verification.as_ref().is_some_and(|v| v["ok"] == false);
    let text = if json {
        let out = json!({ "header": header, "claims": claims, "verification": verification });
        format!("{}\n", pretty(&out))
    } else {
        let mut out = format!("header: {}\nclaims: {}\n", pretty(&header), pretty(&claims));
        if !hidden.is_empty() {
            out.push_str(&format!(
                "personal claims hidden ({}): add --show-personal to see them\n",
                hidden.join(", ")
            ));
        }
        if let Some(v) = &verification {
            out.push_str(&format!("verification: {}\n", pretty(v)));
        }
        out
    };
    if verification
        .as_ref()
        .is_some_and(|v| v["ok"] == true && v["complete"] == false)
    {
        eprintln!(
            "one-login: warning: verified without its nonce and at_hash, which only the sign-in that \
             received it can check"
        );
    }
    if failed {
        emit(&text);
        Err(Problem("the token did not verify".into()))
    } else {
        Ok(text)
    }
}

/// Verifies `token` as the service `name` of `config` would: a logout token (`typ: logout+jwt`)
/// fully; an ID token with everything but its nonce and `at_hash` (those belong to the sign-in
/// that received it), against the provider's keys fetched now.
fn verify_as(
    token: &str,
    header: &Value,
    own_nonce: &str,
    name: &str,
    config: &Path,
) -> Result<Value, Problem> {
    let services = Services::load(config).map_err(|e| Problem(e.to_string()))?;
    let svc = services
        .get(name)
        .ok_or_else(|| {
            Problem(format!(
                "{} has no service called `{name}`",
                config.display()
            ))
        })?
        .clone();
    // Inspecting signs nothing: a key a KMS holds gets a signer that refuses.
    let mut builder = OneLogin::builder(services.clone());
    for name in external_signers(&services) {
        builder = builder.signer(name, Arc::new(NoSigning));
    }
    let one_login = builder
        .build()
        .map_err(|e| Problem(format!("{e} [{}]", e.code())))?;
    let runtime = runtime()?;
    let keys = runtime
        .block_on(one_login.provider().keys())
        .map_err(|e| Problem(format!("the provider's keys: {e} [{}]", e.code())))?;
    let issuer = one_login
        .provider()
        .environment()
        .issuer()
        .as_str()
        .to_owned();
    let now = SystemClock.now_unix();
    let logout = header["typ"] == "logout+jwt";
    let result = if logout {
        let mut expect = LogoutExpectations::new(&issuer, svc.client_id().as_str(), now);
        expect.leeway = svc.clock_leeway();
        verify_logout_token(token, &keys, &expect).map(drop)
    } else {
        let nonce = Nonce::from_string(own_nonce.to_owned());
        let mut expect = IdTokenExpectations::new(&issuer, svc.client_id().as_str(), &nonce, now);
        expect.algorithm = svc.id_token_alg();
        expect.vot = svc.vtr().credential();
        expect.leeway = svc.clock_leeway();
        verify_id_token(token, &keys, &expect).map(drop)
    };
    let kind = if logout { "logout token" } else { "ID token" };
    Ok(match result {
        Ok(()) if logout => json!({ "ok": true, "complete": true, "as": kind, "service": name }),
        Ok(()) => json!({
            "ok": true,
            "complete": false,
            "unchecked": ["nonce", "at_hash"],
            "as": kind,
            "service": name,
            "note": "signature, issuer, audience, times and vot verified; the nonce and at_hash were not checked: they belong to the sign-in that received the token, so any valid ID token of this client passes here",
        }),
        Err(e) => {
            json!({ "ok": false, "as": kind, "service": name, "code": e.code(), "error": e.to_string() })
        }
    })
}

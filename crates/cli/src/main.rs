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

use clap::{Parser, Subcommand, ValueEnum};
use govuk_one_login::core::KeySource;
use govuk_one_login::{RsaPrivateKey, check_services_file};
use serde_json::{Value, json};

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
    /// Print the public JWK set of private key files (PEM), each key's `kid` its RFC 7638
    /// thumbprint, as the services file gives them when `key_id` is left out.
    #[command(
        after_help = "Example:\n  one-login keys jwks keys/current.pem keys/next.pem > jwks.json"
    )]
    Jwks {
        /// PEM files of RSA private keys (PKCS#8 or PKCS#1).
        #[arg(required = true)]
        files: Vec<PathBuf>,
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
        Command::Keys(Keys::Jwks { files, alg }) => jwks(&files, alg),
        Command::Check { file, json } => check(&file, json),
    };
    match result {
        Ok(text) => {
            print!("{text}");
            ExitCode::SUCCESS
        }
        Err(Problem(message)) => {
            eprintln!("one-login: {message}");
            ExitCode::FAILURE
        }
    }
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
    let name = file.map_or_else(|| format!("{}.pem", key.key_id()), str::to_owned);
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
    file.write_all(key.pem().expose_secret().as_bytes())
        .and_then(|()| file.sync_all())
        .map_err(|e| Problem(format!("cannot write {}: {e}", path.display())))?;
    let jwk = key.public_jwk(alg.as_str());
    Ok(if json {
        let out = json!({ "kid": key.key_id(), "file": path, "bits": bits, "jwk": jwk });
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
        print!("{text}");
        Err(Problem(format!(
            "{} problem(s) in {}",
            report.problems.len(),
            file.display()
        )))
    }
}

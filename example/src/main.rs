//! `example-rp`: the example relying party's command line.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;

use example_rp::{App, ExampleError, base_url, check_file, demo, sealer_from_env, serve_until};
use govuk_one_login::{OneLogin, Services, StoreConfig, StoreKind};
use govuk_one_login_redis::Stores;
use tokio::net::TcpListener;

const USAGE: &str = "\
usage: example-rp [--listen ADDR] [--config FILE [--redis URL]] | check FILE | --help
  Serves the example relying party on ADDR (default 127.0.0.1:8080): with --config, for the
  services of FILE, sealing sessions with the keys in ONE_LOGIN_SEALING_KEYS (base64 32-byte
  keys, comma-separated); without, against an embedded mock One Login (no set-up needed).
  --redis URL (or the file's [store] kind = \"redis\") keeps sessions, used states and logout
  tokens in that Redis, so several instances behind a load balancer share them.
  `check FILE` prints each service's sector, which services share users, and every problem,
  and exits with status 1 when there is one.";

const BUSY: &str =
    "another program is using this port: stop it or pass --listen 127.0.0.1:PORT with a free port";

/// What to serve: the address, the services file and a Redis URL.
type Serve = (SocketAddr, Option<PathBuf>, Option<String>);

/// What to serve, or `None` for help.
fn parse(args: &[String]) -> Result<Option<Serve>, String> {
    let (mut listen, mut config) = (SocketAddr::from(([127, 0, 0, 1], 8080)), None);
    let mut redis = None;
    let mut it = args.iter();
    while let Some(arg) = it.next() {
        match (arg.as_str(), it.next()) {
            ("-h" | "--help" | "help", _) => return Ok(None),
            ("--listen", Some(value)) => {
                let bad = format!("--listen `{value}` is not an IP address and port");
                listen = value.parse().map_err(|_| bad + ", e.g. 127.0.0.1:8080")?;
            }
            ("--listen", None) => {
                return Err("--listen needs an address, e.g. 127.0.0.1:8080".into());
            }
            ("--config", Some(value)) => config = Some(value.into()),
            ("--config", None) => return Err("--config needs a services file".into()),
            ("--redis", Some(value)) => redis = Some(value.clone()),
            ("--redis", None) => return Err("--redis needs a URL, e.g. redis://127.0.0.1/".into()),
            (other, _) => return Err(format!("unknown argument `{other}`")),
        }
    }
    if redis.is_some() && config.is_none() {
        return Err("--redis needs --config: the embedded demo is one instance".into());
    }
    Ok(Some((listen, config, redis)))
}

#[tokio::main]
async fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let parsed = match args.as_slice() {
        [check, file] if check == "check" => {
            let report = check_file(file);
            print!("{}", report.text);
            return ExitCode::from(u8::from(!report.is_ok()));
        }
        [check, ..] if check == "check" => Err("`check` takes exactly one services file".into()),
        _ => parse(&args),
    };
    let (listen, config, redis) = match parsed {
        Ok(Some(serve)) => serve,
        Ok(None) => {
            println!("{USAGE}");
            return ExitCode::SUCCESS;
        }
        Err(e) => {
            eprintln!("example-rp: {e}\n\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    tracing_subscriber::fmt().with_target(false).init();
    let Err(e) = run(listen, config, redis).await else {
        return ExitCode::SUCCESS;
    };
    eprintln!("example-rp: {e} [{}]", e.code);
    ExitCode::FAILURE
}

async fn run(
    listen: SocketAddr,
    config: Option<PathBuf>,
    redis: Option<String>,
) -> Result<(), ExampleError> {
    let bind_failed = |e: std::io::Error| match e.kind() {
        std::io::ErrorKind::AddrInUse => ExampleError::new(
            "example.address_in_use",
            format!("cannot listen on {listen}: {e}; {BUSY}"),
        ),
        _ => ExampleError::new("example.bind", format!("cannot listen on {listen}: {e}")),
    };
    let listener = TcpListener::bind(listen).await.map_err(bind_failed)?;
    let local = listener.local_addr().map_err(bind_failed)?;
    let base = base_url(local).map_err(|e| ExampleError::new("example.bind", e.to_string()))?;
    // Kept alive while serving: dropping it stops the embedded provider.
    let mut provider = None;
    let app = match &config {
        None => {
            let (mock, app) = demo(&base).await?;
            let issuer = provider.insert(mock).issuer();
            println!("Embedded mock One Login at {issuer} (it signs in a made-up person)");
            app
        }
        Some(path) => {
            println!("Services from {}", path.display());
            let services = Services::load(path)?;
            let sealer = sealer_from_env()?;
            let store = redis.map_or_else(|| services.store().clone(), StoreConfig::redis);
            if store.kind() == StoreKind::Redis {
                let stores = Stores::connect(&store).await?;
                println!("Sessions, states and logout tokens in Redis");
                let builder = OneLogin::builder(services).replay_store(stores.replay);
                let one_login = builder.state_store(stores.states).build()?;
                App::new(one_login, sealer, Some(stores.sessions))?
            } else {
                App::new(OneLogin::builder(services).build()?, sealer, None)?
            }
        }
    };
    let port = local.port();
    for rp in app.auth().one_login().iter() {
        let (client, callback) = (rp.config().client_id(), rp.config().default_redirect_uri());
        let name = rp.name();
        println!("  service {name} (client {client}), callback {callback}");
        if callback.port_or_known_default() != Some(port) {
            println!("    note: this callback is not on port {port}; put this app behind it");
        }
    }
    println!("\nOpen {base} in a browser. Stop with Ctrl-C.");
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    serve_until(listener, app, ctrl_c).await
}

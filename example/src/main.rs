//! `example-rp`: the example relying party's command line.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;

use example_rp::{
    App, ExampleError, base_url, check_file, demo, install_prometheus, sealer_from_env,
    serve_admin, serve_until,
};
use govuk_one_login::{OneLogin, Services, StoreConfig, StoreKind};
use govuk_one_login_redis::Stores;
use tokio::net::TcpListener;

const USAGE: &str = "\
usage: example-rp [--listen ADDR] [--admin-listen ADDR] [--config FILE [--redis URL]]
       example-rp check FILE | --help
  Serves the example relying party on ADDR (default 127.0.0.1:8080): with --config, for the
  services of FILE, sealing sessions with the keys in ONE_LOGIN_SEALING_KEYS (base64 32-byte
  keys, comma-separated); without, against an embedded mock One Login (no set-up needed).
  --redis URL (or the file's [store] kind = \"redis\") keeps sessions, used states and logout
  tokens in that Redis, so several instances behind a load balancer share them.
  --admin-listen ADDR (default 127.0.0.1:9464) serves /healthz, /readyz and /metrics
  (Prometheus text), never on the public address: they name client ids and failure rates.
  `check FILE` prints each service's sector, which services share users, and every problem,
  and exits with status 1 when there is one.";

/// What to serve.
struct Serve {
    listen: SocketAddr,
    admin: SocketAddr,
    config: Option<PathBuf>,
    redis: Option<String>,
}

fn address(flag: &str, value: &str, example: &str) -> Result<SocketAddr, String> {
    let bad = format!("{flag} `{value}` is not an IP address and port, e.g. {example}");
    value.parse().map_err(|_| bad)
}

/// What to serve, or `None` for help.
fn parse(args: &[String]) -> Result<Option<Serve>, String> {
    let mut serve = Serve {
        listen: SocketAddr::from(([127, 0, 0, 1], 8080)),
        admin: SocketAddr::from(([127, 0, 0, 1], 9464)),
        config: None,
        redis: None,
    };
    let mut it = args.iter();
    while let Some(arg) = it.next() {
        match (arg.as_str(), it.next()) {
            ("-h" | "--help" | "help", _) => return Ok(None),
            ("--listen", Some(value)) => serve.listen = address(arg, value, "127.0.0.1:8080")?,
            ("--listen", None) => {
                return Err("--listen needs an address, e.g. 127.0.0.1:8080".into());
            }
            ("--admin-listen", Some(value)) => {
                serve.admin = address(arg, value, "127.0.0.1:9464")?;
            }
            ("--admin-listen", None) => {
                return Err("--admin-listen needs an address, e.g. 127.0.0.1:9464".into());
            }
            ("--config", Some(value)) => serve.config = Some(value.into()),
            ("--config", None) => return Err("--config needs a services file".into()),
            ("--redis", Some(value)) => serve.redis = Some(value.clone()),
            ("--redis", None) => return Err("--redis needs a URL, e.g. redis://127.0.0.1/".into()),
            (other, _) => return Err(format!("unknown argument `{other}`")),
        }
    }
    if serve.redis.is_some() && serve.config.is_none() {
        return Err("--redis needs --config: the embedded demo is one instance".into());
    }
    if serve.admin == serve.listen && serve.admin.port() != 0 {
        return Err(
            "--admin-listen must differ from --listen: the admin address is private".into(),
        );
    }
    Ok(Some(serve))
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
    let serve = match parsed {
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
    let Err(e) = run(serve).await else {
        return ExitCode::SUCCESS;
    };
    eprintln!("example-rp: {e} [{}]", e.code);
    ExitCode::FAILURE
}

/// Binds `addr`, naming the flag to change when it is taken.
async fn bind(addr: SocketAddr, flag: &str) -> Result<(TcpListener, SocketAddr), ExampleError> {
    let failed = |e: std::io::Error| match e.kind() {
        std::io::ErrorKind::AddrInUse => ExampleError::new(
            "example.address_in_use",
            format!(
                "cannot listen on {addr}: {e}; another program is using this port: stop it \
                 or pass {flag} 127.0.0.1:PORT with a free port"
            ),
        ),
        _ => ExampleError::new("example.bind", format!("cannot listen on {addr}: {e}")),
    };
    let listener = TcpListener::bind(addr).await.map_err(failed)?;
    let local = listener.local_addr().map_err(failed)?;
    Ok((listener, local))
}

async fn run(serve: Serve) -> Result<(), ExampleError> {
    let Serve {
        listen,
        admin,
        config,
        redis,
    } = serve;
    let (listener, local) = bind(listen, "--listen").await?;
    let (admin_listener, admin_local) = bind(admin, "--admin-listen").await?;
    let metrics = install_prometheus()?;
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
    println!("Admin (healthz, readyz, metrics) at http://{admin_local}/ (keep it private)");
    let admin_router = app.admin_router(Some(metrics));
    tokio::spawn(async move {
        if let Err(e) = serve_admin(admin_listener, admin_router).await {
            tracing::error!(code = e.code, "{e}");
        }
    });
    println!("\nOpen {base} in a browser. Stop with Ctrl-C.");
    let draining = app.clone();
    let ctrl_c = async move {
        let _ = tokio::signal::ctrl_c().await;
        draining.drain();
    };
    serve_until(listener, app, ctrl_c).await
}

//! `example-rp`: the example relying party's command line.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;

use example_rp::{App, Demo, ExampleError, base_url, check_file, serve_until};
use govuk_one_login::{OneLogin, Services};
use tokio::net::TcpListener;

const DEFAULT_LISTEN: &str = "127.0.0.1:8080";

const USAGE: &str = "\
usage:
  example-rp [--listen ADDR] [--config FILE]
      Serves the example relying party. Without --config it starts an embedded mock
      One Login with a demo service and generated keys (no set-up needed).
      --listen ADDR   the address to listen on (default 127.0.0.1:8080)
      --config FILE   a services file (the integration environment, or any custom issuer
                      such as the GDS simulator) instead of the embedded mock
  example-rp check FILE
      Checks a services file: prints each service's sector, which services share users,
      and every problem. Exits with status 1 when there is a problem.
  example-rp --help";

/// What the command line asks for.
#[derive(Debug, PartialEq, Eq)]
enum Command {
    Serve {
        listen: SocketAddr,
        config: Option<PathBuf>,
    },
    Check(PathBuf),
    Help,
}

fn parse(args: &[String]) -> Result<Command, String> {
    if args.first().map(String::as_str) == Some("check") {
        return match args {
            [_, file] => Ok(Command::Check(PathBuf::from(file))),
            _ => Err("`check` takes exactly one services file".into()),
        };
    }
    let mut listen: Option<SocketAddr> = None;
    let mut config = None;
    let mut it = args.iter();
    while let Some(arg) = it.next() {
        match arg.as_str() {
            "-h" | "--help" | "help" => return Ok(Command::Help),
            "--listen" => {
                let value = it
                    .next()
                    .ok_or("--listen needs an address, e.g. 127.0.0.1:8080")?;
                let addr = value.parse().map_err(|_| {
                    format!("--listen `{value}` is not an IP address and port, e.g. 127.0.0.1:8080")
                })?;
                listen = Some(addr);
            }
            "--config" => {
                let value = it.next().ok_or("--config needs a services file")?;
                config = Some(PathBuf::from(value));
            }
            other => return Err(format!("unknown argument `{other}`")),
        }
    }
    let default: SocketAddr = DEFAULT_LISTEN
        .parse()
        .map_err(|_| "the default address does not parse".to_owned())?;
    Ok(Command::Serve {
        listen: listen.unwrap_or(default),
        config,
    })
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let command = match parse(&args) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("example-rp: {e}\n\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    match command {
        Command::Help => {
            println!("{USAGE}");
            ExitCode::SUCCESS
        }
        Command::Check(file) => {
            let report = check_file(&file);
            print!("{report}");
            if report.is_ok() {
                ExitCode::SUCCESS
            } else {
                ExitCode::FAILURE
            }
        }
        Command::Serve { listen, config } => {
            tracing_subscriber::fmt().with_target(false).init();
            let runtime = match tokio::runtime::Builder::new_multi_thread()
                .enable_all()
                .build()
            {
                Ok(r) => r,
                Err(e) => {
                    eprintln!("example-rp: cannot start the async runtime: {e}");
                    return ExitCode::FAILURE;
                }
            };
            match runtime.block_on(run(listen, config)) {
                Ok(()) => ExitCode::SUCCESS,
                Err(e) => {
                    eprintln!("example-rp: {e} [{}]", e.code());
                    ExitCode::FAILURE
                }
            }
        }
    }
}

async fn bind(addr: SocketAddr) -> Result<TcpListener, ExampleError> {
    TcpListener::bind(addr)
        .await
        .map_err(|e| ExampleError::Bind {
            addr: addr.to_string(),
            in_use: e.kind() == std::io::ErrorKind::AddrInUse,
            reason: e.to_string(),
        })
}

async fn run(listen: SocketAddr, config: Option<PathBuf>) -> Result<(), ExampleError> {
    let listener = bind(listen).await?;
    let local = listener.local_addr().map_err(|e| ExampleError::Bind {
        addr: listen.to_string(),
        in_use: false,
        reason: e.to_string(),
    })?;
    let base = base_url(local).map_err(|e| ExampleError::Bind {
        addr: local.to_string(),
        in_use: false,
        reason: e.to_string(),
    })?;
    // Kept alive while serving: dropping it stops the embedded provider.
    let mut _demo = None;
    let one_login = match &config {
        None => {
            let demo = Demo::start(&base).await?;
            println!(
                "Embedded mock One Login at {} (a stand-in: it signs in a made-up person, no password)",
                demo.provider().issuer()
            );
            let one_login = demo.one_login()?;
            _demo = Some(demo);
            one_login
        }
        Some(path) => {
            let services = Services::load(path)?;
            println!("Services from {}", path.display());
            OneLogin::builder(services).build()?
        }
    };
    for rp in one_login.iter() {
        let svc = rp.config();
        println!(
            "  service {} (client {}), callback {}",
            svc.name(),
            svc.client_id(),
            svc.default_redirect_uri()
        );
        let callback = svc.default_redirect_uri();
        let port_matches = callback.port_or_known_default() == Some(local.port());
        if !port_matches {
            println!(
                "    note: this callback is not on port {}; put this app behind it (or fix the services file)",
                local.port()
            );
        }
    }
    let app = App::new(one_login)?;
    println!("\nOpen {base} in a browser. Stop with Ctrl-C.");
    serve_until(listener, app, async {
        let _ = tokio::signal::ctrl_c().await;
    })
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(a: &[&str]) -> Vec<String> {
        a.iter().map(|s| (*s).to_owned()).collect()
    }

    #[test]
    fn no_arguments_serve_the_demo_on_the_default_address() {
        assert_eq!(
            parse(&[]),
            Ok(Command::Serve {
                listen: DEFAULT_LISTEN.parse().unwrap(),
                config: None
            })
        );
    }

    #[test]
    fn listen_and_config_are_read() {
        assert_eq!(
            parse(&args(&["--listen", "127.0.0.1:9000", "--config", "s.toml"])),
            Ok(Command::Serve {
                listen: "127.0.0.1:9000".parse().unwrap(),
                config: Some("s.toml".into())
            })
        );
    }

    #[test]
    fn check_takes_one_file() {
        assert_eq!(
            parse(&args(&["check", "s.toml"])),
            Ok(Command::Check("s.toml".into()))
        );
        assert!(parse(&args(&["check"])).is_err());
        assert!(parse(&args(&["check", "a", "b"])).is_err());
    }

    #[test]
    fn rejects_bad_arguments_with_a_reason() {
        let err = parse(&args(&["--listen", "localhost"])).unwrap_err();
        assert!(err.contains("not an IP address and port"), "{err}");
        assert!(parse(&args(&["--listen"])).is_err());
        assert!(
            parse(&args(&["--frobnicate"]))
                .unwrap_err()
                .contains("unknown argument")
        );
    }
}

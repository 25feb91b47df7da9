//! `one-login mock`: the testkit's standalone mock One Login, served until Ctrl-C or SIGTERM.

use govuk_one_login_testkit::MockServer;

use crate::{Problem, emit, pretty};

/// `one-login mock`: serves until Ctrl-C; prints where first (a test reads the first lines).
pub(crate) fn mock(port: Option<u16>, listen: Option<&str>) -> Result<String, Problem> {
    let mut builder = MockServer::builder().process_env();
    let mut port = port;
    if let Some(listen) = listen {
        let ip = match listen.parse::<std::net::SocketAddr>() {
            Ok(addr) => {
                port = port.or(Some(addr.port()));
                addr.ip()
            }
            Err(_) => listen.parse::<std::net::IpAddr>().map_err(|_| {
                Problem(format!(
                    "--listen `{listen}` is not an IP address or IP:PORT"
                ))
            })?,
        };
        builder = builder.listen(ip);
    }
    if let Some(port) = port {
        builder = builder.port(port);
    }
    // Several threads: one slow request (a client's JWKS, a back-channel delivery) never holds
    // up the others.
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|e| Problem(format!("cannot start the async runtime: {e}")))?;
    runtime.block_on(async {
        let server = builder
            .start()
            .await
            .map_err(|e| Problem(format!("{e} ({})", e.code())))?;
        let config = pretty(&server.config());
        emit(&format!(
            "one-login mock: listening on {}\nissuer: {}\nconfiguration (GET {}config):\n{config}\n",
            server.local_addr(),
            server.issuer(),
            server.issuer(),
        ));
        server.run_until(stop_signal()).await;
        Ok(String::new())
    })
}

/// Ctrl-C, or SIGTERM (what `docker stop` and `kill` send).
async fn stop_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => {
                tokio::select! {
                    _ = tokio::signal::ctrl_c() => {}
                    _ = term.recv() => {}
                }
            }
            Err(_) => {
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}

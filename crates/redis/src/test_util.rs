//! A throwaway `redis-server` for tests and benchmarks (feature `test-util`).

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use govuk_one_login::core::StoreConfig;

/// The install command printed when `redis-server` is missing.
pub const INSTALL: &str = "install it with: apt-get install -y redis-server";

/// A `redis-server` on a free loopback port, persistence off, killed on drop.
///
/// [`RedisServer::start`] answers `None` (after printing `SKIPPED` and the install command) when
/// `redis-server` is not installed, so a test returns early on a laptop without it; with the `CI`
/// environment variable set, a missing `redis-server` fails the test instead.
///
/// ```no_run
/// # async fn t() {
/// use govuk_one_login_redis::{Stores, test_util::RedisServer};
///
/// let Some(redis) = RedisServer::start() else { return };
/// let stores = Stores::connect(&redis.store("my-test:")).await.unwrap();
/// # }
/// ```
#[derive(Debug)]
pub struct RedisServer {
    child: Child,
    port: u16,
}

impl Drop for RedisServer {
    fn drop(&mut self) {
        // SIGKILL ends a stopped (paused) process too.
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl RedisServer {
    /// A fresh server, or `None` when `redis-server` is not installed (see the type's docs).
    ///
    /// # Panics
    /// With `CI` set and no `redis-server`; or when it does not start on a free port in five tries.
    pub fn start() -> Option<Self> {
        if Command::new("redis-server")
            .arg("--version")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_err()
        {
            assert!(
                std::env::var_os("CI").is_none(),
                "redis-server not found and CI is set; {INSTALL}"
            );
            println!("SKIPPED: redis-server not found; {INSTALL}");
            return None;
        }
        for _ in 0..5 {
            if let Some(server) = Self::try_start() {
                return Some(server);
            }
        }
        panic!("redis-server did not start on a free loopback port (5 tries)");
    }

    fn try_start() -> Option<Self> {
        let port = TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .map(|a| a.port())
            .ok()?;
        let child = Command::new("redis-server")
            .args(["--port", &port.to_string()])
            .args(["--bind", "127.0.0.1"])
            .args(["--save", ""])
            .args(["--appendonly", "no"])
            .args(["--daemonize", "no"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .ok()?;
        let mut server = Self { child, port };
        let deadline = Instant::now() + Duration::from_secs(10);
        while Instant::now() < deadline {
            if server.answers_ping() {
                return Some(server);
            }
            if let Ok(Some(_)) = server.child.try_wait() {
                return None; // the port was taken meanwhile: try another
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        None
    }

    fn answers_ping(&self) -> bool {
        let Ok(mut stream) = TcpStream::connect(("127.0.0.1", self.port)) else {
            return false;
        };
        let _ = stream.set_read_timeout(Some(Duration::from_millis(500)));
        if stream.write_all(b"PING\r\n").is_err() {
            return false;
        }
        let mut answer = [0u8; 7];
        stream.read_exact(&mut answer).is_ok() && &answer == b"+PONG\r\n"
    }

    /// The server's port on 127.0.0.1.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// `redis://127.0.0.1:{port}/`.
    pub fn url(&self) -> String {
        format!("redis://127.0.0.1:{}/", self.port)
    }

    /// The `[store]` table of this server under `prefix`: short timeouts (1 s to connect, 500 ms
    /// per command), so that outage tests are quick.
    pub fn store(&self, prefix: &str) -> StoreConfig {
        self.store_with(prefix, Duration::from_millis(500))
    }

    /// The `[store]` table of this server with another command timeout.
    pub fn store_with(&self, prefix: &str, command_timeout: Duration) -> StoreConfig {
        StoreConfig::redis(self.url())
            .with_key_prefix(prefix)
            .with_timeouts(Duration::from_millis(1_000), command_timeout)
    }

    /// Freezes the server (SIGSTOP): connections stay open, nothing answers.
    ///
    /// # Panics
    /// When `kill` cannot be run.
    pub fn pause(&self) {
        self.signal("-STOP");
    }

    /// Lets a paused server run again (SIGCONT).
    ///
    /// # Panics
    /// When `kill` cannot be run.
    pub fn resume(&self) {
        self.signal("-CONT");
    }

    fn signal(&self, which: &str) {
        let pid = self.child.id().to_string();
        let ran = Command::new("kill").arg(which).arg(&pid).status();
        assert!(
            ran.is_ok_and(|s| s.success()),
            "kill {which} {pid} did not run"
        );
    }
}

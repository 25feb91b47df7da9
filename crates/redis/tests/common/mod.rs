//! A throwaway `redis-server` per test, and the pieces the tests share.

#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

pub(crate) mod instances;

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use govuk_one_login::core::StoreConfig;
use govuk_one_login_redis::RedisConnection;

const INSTALL: &str = "install it with: apt-get install -y redis-server";

/// A `redis-server` on a free loopback port, persistence off, killed on drop.
pub(crate) struct RedisServer {
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

/// A fresh server, or `None` (after printing SKIPPED) when `redis-server` is not installed. With
/// `CI` set, a missing `redis-server` fails the test instead.
pub(crate) fn server() -> Option<RedisServer> {
    if Command::new("redis-server")
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_err()
    {
        if std::env::var_os("CI").is_some() {
            panic!("redis-server not found and CI is set; {INSTALL}");
        }
        println!("SKIPPED: redis-server not found; {INSTALL}");
        return None;
    }
    for _ in 0..5 {
        if let Some(server) = RedisServer::try_start() {
            return Some(server);
        }
    }
    panic!("redis-server did not start on a free loopback port (5 tries)");
}

impl RedisServer {
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
            .expect("redis-server spawns");
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

    /// `redis://127.0.0.1:{port}/`.
    pub(crate) fn url(&self) -> String {
        format!("redis://127.0.0.1:{}/", self.port)
    }

    /// The `[store]` table of this server: short timeouts, so outage tests are quick.
    pub(crate) fn store(&self, prefix: &str) -> StoreConfig {
        self.store_with(prefix, Duration::from_millis(500))
    }

    /// The `[store]` table of this server with another command timeout.
    pub(crate) fn store_with(&self, prefix: &str, command_timeout: Duration) -> StoreConfig {
        StoreConfig::redis(self.url())
            .with_key_prefix(prefix)
            .with_timeouts(Duration::from_millis(1_000), command_timeout)
    }

    /// A connection under `prefix`.
    pub(crate) async fn connect(&self, prefix: &str) -> RedisConnection {
        RedisConnection::connect(&self.store(prefix)).await.unwrap()
    }

    /// Freezes the server (SIGSTOP): connections stay open, nothing answers.
    pub(crate) fn pause(&self) {
        signal(self.child.id(), "-STOP");
    }

    /// Lets a paused server run again (SIGCONT).
    pub(crate) fn resume(&self) {
        signal(self.child.id(), "-CONT");
    }

    /// A plain client connection, to read what the stores wrote.
    pub(crate) async fn raw(&self) -> redis::aio::MultiplexedConnection {
        redis::Client::open(self.url())
            .unwrap()
            .get_multiplexed_async_connection()
            .await
            .unwrap()
    }

    /// Every key under `prefix` with its value as text (strings, hashes and sorted sets).
    pub(crate) async fn dump(&self, prefix: &str) -> Vec<(String, String)> {
        let mut conn = self.raw().await;
        let keys: Vec<String> = redis::cmd("KEYS")
            .arg(format!("{prefix}*"))
            .query_async(&mut conn)
            .await
            .unwrap();
        let mut out = Vec::new();
        for key in keys {
            let kind: String = redis::cmd("TYPE")
                .arg(&key)
                .query_async(&mut conn)
                .await
                .unwrap();
            let value: Vec<String> = match kind.as_str() {
                "string" => vec![
                    redis::cmd("GET")
                        .arg(&key)
                        .query_async(&mut conn)
                        .await
                        .unwrap(),
                ],
                "hash" => redis::cmd("HGETALL")
                    .arg(&key)
                    .query_async(&mut conn)
                    .await
                    .unwrap(),
                "zset" => redis::cmd("ZRANGE")
                    .arg(&key)
                    .arg(0)
                    .arg(-1)
                    .query_async(&mut conn)
                    .await
                    .unwrap(),
                other => vec![format!("<{other}>")],
            };
            out.push((key, value.join(" ")));
        }
        out.sort();
        out
    }
}

fn signal(pid: u32, which: &str) {
    let status = Command::new("kill")
        .arg(which)
        .arg(pid.to_string())
        .status()
        .expect("kill runs");
    assert!(status.success(), "kill {which} {pid}");
}

/// A key prefix no other test uses.
pub(crate) fn fresh_prefix() -> String {
    format!(
        "t{}:",
        govuk_one_login::random_token().unwrap()[..12].replace(['-', '_'], "x")
    )
}

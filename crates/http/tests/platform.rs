//! What a hosting platform needs from the transport: an explicit egress proxy, and a reqwest
//! builder of its own that cannot switch off what keeps a token request safe. Every server here
//! is on the loopback interface.

// Helpers outside `#[test]` functions are test code too: a panic there is a failed test.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::{Duration, Instant};

use govuk_one_login_core::{HttpRequest, HttpTransport, TransportError, Url, user_agent};
use govuk_one_login_http::{
    HttpClientError, HttpConfig, ProxyConfig, ProxyError, ReqwestTransport,
};
use std::sync::mpsc;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

fn fast_config() -> HttpConfig {
    HttpConfig {
        retry_base_delay: Duration::from_millis(1),
        max_retry_delay: Duration::from_secs(1),
        ..HttpConfig::default()
    }
}

fn url(server: &MockServer, p: &str) -> Url {
    Url::parse(&format!("{}{p}", server.uri())).unwrap()
}

async fn count(server: &MockServer) -> usize {
    server.received_requests().await.unwrap().len()
}

/// An origin server answering every request with `200 direct`.
async fn origin() -> MockServer {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(200).set_body_string("direct"))
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(200).set_body_string("direct"))
        .mount(&server)
        .await;
    server
}

/// The head of one request as the proxy received it.
#[derive(Debug)]
struct Head {
    request_line: String,
    headers: Vec<(String, String)>,
}

impl Head {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// A loopback stand-in for an egress proxy. It records the head of every request it is sent,
/// answers a forwarded (absolute-form) request itself with `200 via proxy`, and refuses a
/// `CONNECT` with 403, so nothing leaves the machine.
struct LoopbackProxy {
    addr: std::net::SocketAddr,
    heads: mpsc::Receiver<Head>,
    task: tokio::task::JoinHandle<()>,
}

impl LoopbackProxy {
    async fn start() -> Self {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let (tx, heads) = mpsc::channel();
        let task = tokio::spawn(async move {
            loop {
                let Ok((socket, _)) = listener.accept().await else {
                    return;
                };
                tokio::spawn(serve_one(socket, tx.clone()));
            }
        });
        Self { addr, heads, task }
    }

    /// `http://127.0.0.1:<port>`, with `userinfo@` before the host when given.
    fn url(&self, userinfo: &str) -> Url {
        Url::parse(&format!("http://{userinfo}{}", self.addr)).unwrap()
    }

    /// Every head received so far.
    fn received(&mut self) -> Vec<Head> {
        let mut heads = Vec::new();
        while let Ok(head) = self.heads.try_recv() {
            heads.push(head);
        }
        heads
    }
}

impl Drop for LoopbackProxy {
    fn drop(&mut self) {
        self.task.abort();
    }
}

async fn serve_one(mut socket: tokio::net::TcpStream, tx: mpsc::Sender<Head>) {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    let head_end = loop {
        if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break i;
        }
        match socket.read(&mut chunk).await {
            Ok(0) | Err(_) => return,
            Ok(n) => buf.extend_from_slice(&chunk[..n]),
        }
    };
    let text = String::from_utf8_lossy(&buf[..head_end]).into_owned();
    let mut lines = text.split("\r\n");
    let request_line = lines.next().unwrap_or_default().to_owned();
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(n, v)| (n.trim().to_ascii_lowercase(), v.trim().to_owned()))
        .collect();
    let head = Head {
        request_line,
        headers,
    };
    let body_len = head
        .header("content-length")
        .and_then(|v| v.parse::<usize>().ok())
        .unwrap_or(0);
    while buf.len() < head_end + 4 + body_len {
        match socket.read(&mut chunk).await {
            Ok(0) | Err(_) => break,
            Ok(n) => buf.extend_from_slice(&chunk[..n]),
        }
    }
    let is_connect = head.request_line.starts_with("CONNECT ");
    let _ = tx.send(head);
    let answer: &[u8] = if is_connect {
        b"HTTP/1.1 403 Forbidden\r\ncontent-length: 0\r\nconnection: close\r\n\r\n"
    } else {
        b"HTTP/1.1 200 OK\r\ncontent-length: 9\r\nconnection: close\r\n\r\nvia proxy"
    };
    let _ = socket.write_all(answer).await;
    let _ = socket.shutdown().await;
}

fn proxied(proxy: ProxyConfig) -> HttpConfig {
    HttpConfig {
        proxy: Some(proxy),
        ..fast_config()
    }
}

#[tokio::test]
async fn every_request_goes_through_the_configured_proxy() {
    let origin = origin().await;
    let mut proxy = LoopbackProxy::start().await;
    // `%3A` is a ':' inside the password: it must be percent-decoded before being sent.
    let config = proxied(ProxyConfig::new(proxy.url("egress:s3cr%3At@")));
    let transport = ReqwestTransport::new(config).unwrap();
    let ua = user_agent(Some("licences/1.0 (https://licences.example.gov.uk)"));

    let got = transport
        .send(HttpRequest::get(url(&origin, "/jwks"), &ua, 1024))
        .await
        .unwrap();
    assert_eq!((got.status, got.body.as_slice()), (200, &b"via proxy"[..]));
    let posted = transport
        .send(HttpRequest::post_form(
            url(&origin, "/token"),
            &ua,
            &[("grant_type", "authorization_code"), ("code", "c")],
            1024,
        ))
        .await
        .unwrap();
    assert_eq!(posted.body, b"via proxy");

    let heads = proxy.received();
    assert_eq!(heads.len(), 2, "{heads:?}");
    assert_eq!(
        heads[0].request_line,
        format!("GET {}/jwks HTTP/1.1", origin.uri())
    );
    assert_eq!(
        heads[1].request_line,
        format!("POST {}/token HTTP/1.1", origin.uri())
    );
    for head in &heads {
        assert_eq!(head.header("user-agent"), Some(ua.as_str()));
        // base64("egress:s3cr:t")
        assert_eq!(
            head.header("proxy-authorization"),
            Some("Basic ZWdyZXNzOnMzY3I6dA==")
        );
    }
    assert_eq!(count(&origin).await, 0, "nothing went directly");
}

#[tokio::test]
async fn https_requests_are_tunnelled_through_the_configured_proxy() {
    let mut proxy = LoopbackProxy::start().await;
    let transport = ReqwestTransport::new(HttpConfig {
        get_retries: 0,
        ..proxied(ProxyConfig::new(proxy.url("")))
    })
    .unwrap();
    let target = Url::parse("https://127.0.0.1:8443/token?code=secret").unwrap();
    let err = transport
        .send(HttpRequest::post_form(target, "ua", &[("a", "b")], 1024))
        .await
        .unwrap_err();
    assert!(!err.to_string().contains("secret"), "{err}");
    let heads = proxy.received();
    assert_eq!(heads.len(), 1, "{heads:?}");
    assert_eq!(heads[0].request_line, "CONNECT 127.0.0.1:8443 HTTP/1.1");
}

#[tokio::test]
async fn hosts_on_the_no_proxy_list_are_reached_directly() {
    let origin = origin().await;
    let mut proxy = LoopbackProxy::start().await;
    let config = proxied(ProxyConfig::new(proxy.url("")).with_no_proxy(["127.0.0.1"]));
    let response = ReqwestTransport::new(config)
        .unwrap()
        .send(HttpRequest::get(url(&origin, "/jwks"), "ua", 1024))
        .await
        .unwrap();
    assert_eq!(response.body, b"direct");
    assert!(proxy.received().is_empty());
}

#[tokio::test]
async fn from_builder_never_follows_a_307_even_if_the_builder_asked_to() {
    let elsewhere = origin().await;
    let token = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/token"))
        .respond_with(
            ResponseTemplate::new(307)
                .insert_header("location", url(&elsewhere, "/token").as_str()),
        )
        .mount(&token)
        .await;
    let builder = reqwest::Client::builder().redirect(reqwest::redirect::Policy::limited(10));
    let transport = ReqwestTransport::from_builder(builder, fast_config()).unwrap();
    let err = transport
        .send(HttpRequest::post_form(
            url(&token, "/token"),
            "ua",
            &[("grant_type", "authorization_code"), ("code", "c")],
            1024,
        ))
        .await
        .unwrap_err();
    assert!(
        matches!(err, TransportError::Redirect { status: 307, .. }),
        "{err:?}"
    );
    assert_eq!(count(&token).await, 1);
    assert_eq!(count(&elsewhere).await, 0, "the code was not re-sent");
}

#[tokio::test]
async fn from_builder_keeps_the_configured_timeout() {
    let server = MockServer::start().await;
    Mock::given(path("/slow"))
        .respond_with(ResponseTemplate::new(200).set_delay(Duration::from_secs(60)))
        .mount(&server)
        .await;
    let hour = Duration::from_secs(3600);
    let builder = reqwest::Client::builder()
        .timeout(hour)
        .connect_timeout(hour);
    let config = HttpConfig {
        timeout: Duration::from_millis(300),
        get_retries: 0,
        ..fast_config()
    };
    let transport = ReqwestTransport::from_builder(builder, config).unwrap();
    let started = Instant::now();
    let err = transport
        .send(HttpRequest::get(url(&server, "/slow"), "ua", 1024))
        .await
        .unwrap_err();
    // Generous: the point is "not an hour, not the server's minute".
    assert!(started.elapsed() < Duration::from_secs(20));
    assert!(
        matches!(err, TransportError::Timeout { after, .. } if after == Duration::from_millis(300)),
        "{err:?}"
    );
}

#[tokio::test]
async fn from_builder_drops_a_proxy_set_on_the_builder() {
    let origin = origin().await;
    let mut proxy = LoopbackProxy::start().await;
    let builder = reqwest::Client::builder().proxy(reqwest::Proxy::all(proxy.url("")).unwrap());
    let response = ReqwestTransport::from_builder(builder, fast_config())
        .unwrap()
        .send(HttpRequest::get(url(&origin, "/jwks"), "ua", 1024))
        .await
        .unwrap();
    assert_eq!(response.body, b"direct");
    assert!(proxy.received().is_empty());
}

#[tokio::test]
async fn from_builder_uses_the_configured_proxy() {
    let origin = origin().await;
    let mut proxy = LoopbackProxy::start().await;
    let config = proxied(ProxyConfig::new(proxy.url("")));
    let response = ReqwestTransport::from_builder(reqwest::Client::builder(), config)
        .unwrap()
        .send(HttpRequest::get(url(&origin, "/jwks"), "ua", 1024))
        .await
        .unwrap();
    assert_eq!(response.body, b"via proxy");
    assert_eq!(proxy.received().len(), 1);
}

#[tokio::test]
async fn from_builder_sends_no_cookies_even_if_the_builder_asked_for_a_store() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(200).insert_header("set-cookie", "s=1; Path=/"))
        .mount(&server)
        .await;
    let builder = reqwest::Client::builder().cookie_store(true);
    let transport = ReqwestTransport::from_builder(builder, fast_config()).unwrap();
    for p in ["/a", "/b"] {
        transport
            .send(HttpRequest::get(url(&server, p), "ua", 1024))
            .await
            .unwrap();
    }
    let requests = server.received_requests().await.unwrap();
    assert_eq!(requests.len(), 2);
    assert!(requests.iter().all(|r| r.headers.get("cookie").is_none()));
}

fn build_error(proxy: ProxyConfig) -> HttpClientError {
    ReqwestTransport::new(proxied(proxy)).unwrap_err()
}

#[test]
fn refuses_an_unusable_proxy_with_a_typed_error() {
    let cases = [
        ("socks5://127.0.0.1:1080", "scheme"),
        ("ftp://127.0.0.1:21", "scheme"),
        ("http://127.0.0.1:3128/squid", "origin"),
        ("http://127.0.0.1:3128/?x=1", "origin"),
        ("http://127.0.0.1:3128/#top", "origin"),
    ];
    for (text, why) in cases {
        let err = build_error(ProxyConfig::new(Url::parse(text).unwrap()));
        assert_eq!(err.code(), "http.invalid_proxy", "{text}");
        let expected = match why {
            "scheme" => matches!(
                err,
                HttpClientError::InvalidProxy(ProxyError::UnsupportedScheme { .. })
            ),
            _ => matches!(err, HttpClientError::InvalidProxy(ProxyError::NotAnOrigin)),
        };
        assert!(expected, "{text}: {err:?}");
        assert_eq!(
            ProxyConfig::parse(text).unwrap_err(),
            err,
            "parse checks as the build does"
        );
    }
    let err = build_error(
        ProxyConfig::new(Url::parse("http://127.0.0.1:3128").unwrap())
            .with_no_proxy(["a.internal, b.internal"]),
    );
    assert_eq!(
        err,
        HttpClientError::InvalidProxy(ProxyError::InvalidNoProxyEntry {
            entry: "a.internal, b.internal".into()
        })
    );
    assert!(matches!(
        ProxyConfig::parse("127.0.0.1 3128"),
        Err(HttpClientError::InvalidProxy(ProxyError::Unparsable(_)))
    ));
}

#[test]
fn proxy_errors_never_repeat_the_credentials() {
    for text in [
        "socks5://egress:hunter2@127.0.0.1:1080",
        "http://egress:hunter2@127.0.0.1:3128/path",
        "http://egress:hunter2@127.0.0.1:99999",
    ] {
        let err = ProxyConfig::parse(text).unwrap_err();
        assert_eq!(err.code(), "http.invalid_proxy");
        let shown = format!("{err} {err:?}");
        assert!(!shown.contains("hunter2"), "{shown}");
    }
}

#[test]
fn debug_of_the_config_and_the_transport_redacts_proxy_credentials() {
    let proxy = ProxyConfig::parse("http://egress:hunter2@127.0.0.1:3128").unwrap();
    assert!(proxy.has_credentials());
    let config = proxied(proxy);
    let transport = ReqwestTransport::new(config.clone()).unwrap();
    for shown in [format!("{config:?}"), format!("{transport:?}")] {
        assert!(!shown.contains("hunter2"), "{shown}");
        assert!(!shown.contains("egress"), "{shown}");
        assert!(
            shown.contains("http://[redacted]@127.0.0.1:3128/"),
            "{shown}"
        );
    }
}

//! The reqwest transport against a local wiremock server (and a raw TCP server for chunked bodies).

// Helpers outside `#[test]` functions are test code too: a panic there is a failed test.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::Duration;

use govuk_one_login_core::{
    DEFAULT_USER_AGENT, HttpRequest, HttpTransport, TransportError, Url, user_agent,
};
use govuk_one_login_http::{HttpConfig, ReqwestTransport};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use wiremock::matchers::{body_string, header, method, path};
use wiremock::{Mock, MockServer, Request, ResponseTemplate};

fn fast_config() -> HttpConfig {
    HttpConfig {
        retry_base_delay: Duration::from_millis(1),
        max_retry_delay: Duration::from_secs(1),
        ..HttpConfig::default()
    }
}

fn transport() -> ReqwestTransport {
    ReqwestTransport::new(fast_config()).unwrap()
}

fn url(server: &MockServer, p: &str) -> Url {
    Url::parse(&format!("{}{p}", server.uri())).unwrap()
}

async fn count(server: &MockServer) -> usize {
    server.received_requests().await.unwrap().len()
}

#[tokio::test]
async fn sends_the_request_user_agent_with_service_suffix() {
    let server = MockServer::start().await;
    let ua = user_agent(Some("tax/1.0 (https://tax.example.gov.uk)"));
    Mock::given(method("GET"))
        .and(path("/jwks"))
        .and(header("user-agent", ua.as_str()))
        .respond_with(ResponseTemplate::new(200).set_body_string("{}"))
        .expect(1)
        .mount(&server)
        .await;
    let response = transport()
        .send(HttpRequest::get(url(&server, "/jwks"), &ua, 1024))
        .await
        .unwrap();
    assert_eq!(response.status, 200);
    assert_eq!(response.body, b"{}");
}

#[tokio::test]
async fn sends_the_default_user_agent_when_the_request_has_none_or_an_empty_one() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(200))
        .mount(&server)
        .await;
    let t = transport();
    let mut bare = HttpRequest::get(url(&server, "/a"), "", 1024);
    bare.headers.retain(|(n, _)| n != "user-agent");
    t.send(bare).await.unwrap();
    t.send(HttpRequest::get(url(&server, "/b"), "   ", 1024))
        .await
        .unwrap();
    let requests = server.received_requests().await.unwrap();
    assert_eq!(requests.len(), 2);
    for r in &requests {
        let values: Vec<_> = r.headers.get_all("user-agent").iter().collect();
        assert_eq!(values.len(), 1, "exactly one user agent");
        assert_eq!(values[0].to_str().unwrap(), DEFAULT_USER_AGENT);
    }
}

#[tokio::test]
async fn every_request_including_retries_and_posts_carries_a_user_agent() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(503))
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(200))
        .mount(&server)
        .await;
    let t = transport();
    let ua = user_agent(Some("svc/2"));
    t.send(HttpRequest::get(url(&server, "/x"), &ua, 1024))
        .await
        .unwrap();
    t.send(HttpRequest::post_form(
        url(&server, "/token"),
        &ua,
        &[("a", "b")],
        1024,
    ))
    .await
    .unwrap();
    let requests = server.received_requests().await.unwrap();
    assert_eq!(requests.len(), 4, "three GET attempts and one POST");
    assert!(
        requests
            .iter()
            .all(|r| r.headers.get("user-agent").unwrap().to_str().unwrap() == ua)
    );
}

#[tokio::test]
async fn never_follows_redirects() {
    let server = MockServer::start().await;
    Mock::given(path("/moved"))
        .respond_with(ResponseTemplate::new(302).insert_header("location", "/target"))
        .mount(&server)
        .await;
    Mock::given(path("/target"))
        .respond_with(ResponseTemplate::new(200))
        .expect(0)
        .mount(&server)
        .await;
    let err = transport()
        .send(HttpRequest::get(url(&server, "/moved"), "ua", 1024))
        .await
        .unwrap_err();
    assert_eq!(err.code(), "transport.redirect");
    assert!(
        matches!(err, TransportError::Redirect { status: 302, .. }),
        "{err:?}"
    );
    assert_eq!(
        count(&server).await,
        1,
        "the redirect was neither followed nor retried"
    );
}

#[tokio::test]
async fn refuses_a_body_whose_content_length_exceeds_the_limit() {
    let server = MockServer::start().await;
    Mock::given(path("/big"))
        .respond_with(ResponseTemplate::new(200).set_body_bytes(vec![b'x'; 2048]))
        .mount(&server)
        .await;
    let err = transport()
        .send(HttpRequest::get(url(&server, "/big"), "ua", 1024))
        .await
        .unwrap_err();
    assert_eq!(
        err,
        TransportError::TooLarge {
            url: url(&server, "/big").to_string(),
            limit: 1024
        }
    );
    assert_eq!(count(&server).await, 1, "too large is not retried");
}

#[tokio::test]
async fn accepts_a_body_exactly_at_the_limit() {
    let server = MockServer::start().await;
    Mock::given(path("/exact"))
        .respond_with(ResponseTemplate::new(200).set_body_bytes(vec![b'x'; 1024]))
        .mount(&server)
        .await;
    let response = transport()
        .send(HttpRequest::get(url(&server, "/exact"), "ua", 1024))
        .await
        .unwrap();
    assert_eq!(response.body.len(), 1024);
}

/// A one-shot HTTP/1.1 server that answers with a chunked body (no Content-Length), so the cap
/// must be enforced while streaming.
async fn chunked_server(chunks: usize, chunk_size: usize) -> (Url, tokio::task::JoinHandle<usize>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let handle = tokio::spawn(async move {
        let (mut socket, _) = listener.accept().await.unwrap();
        let mut buf = vec![0u8; 4096];
        let _ = socket.read(&mut buf).await.unwrap();
        let head = "HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\ncontent-type: application/json\r\n\r\n";
        socket.write_all(head.as_bytes()).await.unwrap();
        let mut written = 0;
        for _ in 0..chunks {
            let chunk = format!("{chunk_size:x}\r\n{}\r\n", "y".repeat(chunk_size));
            if socket.write_all(chunk.as_bytes()).await.is_err() {
                break;
            }
            written += 1;
        }
        let _ = socket.write_all(b"0\r\n\r\n").await;
        written
    });
    (
        Url::parse(&format!("http://{addr}/chunked")).unwrap(),
        handle,
    )
}

#[tokio::test]
async fn refuses_a_chunked_body_that_grows_past_the_limit_while_streaming() {
    let (u, server) = chunked_server(64, 512).await;
    let err = transport()
        .send(HttpRequest::get(u.clone(), "ua", 2000))
        .await
        .unwrap_err();
    assert_eq!(
        err,
        TransportError::TooLarge {
            url: u.to_string(),
            limit: 2000
        }
    );
    server.abort();
}

#[tokio::test]
async fn reads_a_chunked_body_within_the_limit() {
    let (u, server) = chunked_server(3, 100).await;
    let response = transport()
        .send(HttpRequest::get(u, "ua", 2000))
        .await
        .unwrap();
    assert_eq!(response.body, "y".repeat(300).into_bytes());
    assert_eq!(server.await.unwrap(), 3);
}

#[tokio::test]
async fn times_out_with_a_typed_error() {
    let server = MockServer::start().await;
    Mock::given(path("/slow"))
        .respond_with(ResponseTemplate::new(200).set_delay(Duration::from_millis(500)))
        .mount(&server)
        .await;
    let config = HttpConfig {
        timeout: Duration::from_millis(100),
        get_retries: 0,
        ..fast_config()
    };
    let err = ReqwestTransport::new(config)
        .unwrap()
        .send(HttpRequest::get(url(&server, "/slow"), "ua", 1024))
        .await
        .unwrap_err();
    assert_eq!(err.code(), "transport.timeout");
    assert!(
        matches!(err, TransportError::Timeout { after, .. } if after == Duration::from_millis(100))
    );
}

#[tokio::test]
async fn retries_a_get_after_a_timeout() {
    let server = MockServer::start().await;
    // The retry must complete within the timeout even on a loaded CI machine: a 1 s timeout
    // against a 4 s first answer leaves room for both.
    Mock::given(path("/slow"))
        .respond_with(ResponseTemplate::new(200).set_delay(Duration::from_secs(4)))
        .up_to_n_times(1)
        .mount(&server)
        .await;
    Mock::given(path("/slow"))
        .respond_with(ResponseTemplate::new(200).set_body_string("ok"))
        .mount(&server)
        .await;
    let config = HttpConfig {
        timeout: Duration::from_secs(1),
        ..fast_config()
    };
    let response = ReqwestTransport::new(config)
        .unwrap()
        .send(HttpRequest::get(url(&server, "/slow"), "ua", 1024))
        .await
        .unwrap();
    assert_eq!(response.body, b"ok");
    assert_eq!(count(&server).await, 2);
}

#[tokio::test]
async fn retries_a_get_after_a_server_error_then_succeeds() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(503))
        .up_to_n_times(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(200).set_body_string("ok"))
        .mount(&server)
        .await;
    let response = transport()
        .send(HttpRequest::get(url(&server, "/jwks"), "ua", 1024))
        .await
        .unwrap();
    assert_eq!(
        (response.status, response.body.as_slice()),
        (200, &b"ok"[..])
    );
    assert_eq!(count(&server).await, 2);
}

#[tokio::test]
async fn gives_up_after_the_configured_retries_and_returns_the_last_response() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(500).set_body_string("down"))
        .mount(&server)
        .await;
    let response = transport()
        .send(HttpRequest::get(url(&server, "/jwks"), "ua", 1024))
        .await
        .unwrap();
    assert_eq!(response.status, 500);
    assert_eq!(response.body_excerpt(), "down");
    assert_eq!(count(&server).await, 3, "one attempt and two retries");
}

#[tokio::test]
async fn never_retries_a_post() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/token"))
        .and(header("content-type", "application/x-www-form-urlencoded"))
        .and(body_string("grant_type=authorization_code&code=c"))
        .respond_with(ResponseTemplate::new(503))
        .mount(&server)
        .await;
    let request = HttpRequest::post_form(
        url(&server, "/token"),
        "ua",
        &[("grant_type", "authorization_code"), ("code", "c")],
        1024,
    );
    let response = transport().send(request).await.unwrap();
    assert_eq!(response.status, 503);
    assert_eq!(count(&server).await, 1);
}

#[tokio::test]
async fn never_retries_a_post_after_a_timeout() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(200).set_delay(Duration::from_millis(400)))
        .mount(&server)
        .await;
    let config = HttpConfig {
        timeout: Duration::from_millis(100),
        ..fast_config()
    };
    let err = ReqwestTransport::new(config)
        .unwrap()
        .send(HttpRequest::post_form(
            url(&server, "/token"),
            "ua",
            &[("a", "b")],
            1024,
        ))
        .await
        .unwrap_err();
    assert_eq!(err.code(), "transport.timeout");
    assert_eq!(count(&server).await, 1);
}

#[tokio::test]
async fn retries_too_many_requests_honouring_a_short_retry_after() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(429).insert_header("retry-after", "0"))
        .up_to_n_times(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(200))
        .mount(&server)
        .await;
    let response = transport()
        .send(HttpRequest::get(url(&server, "/x"), "ua", 1024))
        .await
        .unwrap();
    assert_eq!(response.status, 200);
    assert_eq!(count(&server).await, 2);
}

#[tokio::test]
async fn does_not_wait_for_a_retry_after_beyond_the_bound() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(503).insert_header("retry-after", "3600"))
        .mount(&server)
        .await;
    let response = transport()
        .send(HttpRequest::get(url(&server, "/x"), "ua", 1024))
        .await
        .unwrap();
    assert_eq!(response.status, 503);
    assert_eq!(response.header("retry-after"), Some("3600"));
    assert_eq!(count(&server).await, 1);
}

#[tokio::test]
async fn does_not_retry_a_client_error() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(404).set_body_string("nope"))
        .mount(&server)
        .await;
    let response = transport()
        .send(HttpRequest::get(url(&server, "/x"), "ua", 1024))
        .await
        .unwrap();
    assert_eq!(response.status, 404);
    assert_eq!(count(&server).await, 1);
}

#[tokio::test]
async fn reports_a_refused_connection_as_connect_error_after_retrying() {
    // Bind then drop a listener, so the port is (almost certainly) closed.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    drop(listener);
    let u = Url::parse(&format!("http://{addr}/x?code=secret")).unwrap();
    let err = transport()
        .send(HttpRequest::get(u, "ua", 1024))
        .await
        .unwrap_err();
    assert_eq!(err.code(), "transport.connect");
    let text = err.to_string();
    assert!(!text.contains("secret"), "query redacted: {text}");
}

#[tokio::test]
async fn returns_response_headers_lower_cased() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(200).insert_header("Cache-Control", "max-age=86400"))
        .mount(&server)
        .await;
    let response = transport()
        .send(HttpRequest::get(url(&server, "/x"), "ua", 1024))
        .await
        .unwrap();
    assert_eq!(response.header("cache-control"), Some("max-age=86400"));
    assert!(response.headers.iter().any(|(n, _)| n == "cache-control"));
}

#[tokio::test]
async fn sends_no_cookies_back() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(200).insert_header("set-cookie", "s=1"))
        .mount(&server)
        .await;
    let t = transport();
    t.send(HttpRequest::get(url(&server, "/a"), "ua", 1024))
        .await
        .unwrap();
    t.send(HttpRequest::get(url(&server, "/b"), "ua", 1024))
        .await
        .unwrap();
    let requests: Vec<Request> = server.received_requests().await.unwrap();
    assert!(requests.iter().all(|r| r.headers.get("cookie").is_none()));
}

//! The one wiremock responder: records every request, applies the WAF's rules and the endpoint
//! faults, and routes to the endpoint handlers.

mod authorize;
mod documents;
mod logout;
mod token;
mod userinfo;

pub(crate) use logout::mint_logout_token;

use std::sync::Arc;
use std::time::Duration;

use serde_json::{Value, json};
use wiremock::{Request, Respond, ResponseTemplate};

use crate::faults::{Endpoint, EndpointFault};
use crate::jwt;
use crate::record::{DecodedJwt, RecordedRequest};
use crate::state::{MAX_RECORDED_REQUESTS, Shared, cap};

/// A request, decoded once.
pub(crate) struct Incoming {
    pub(crate) method: String,
    pub(crate) path: String,
    pub(crate) raw_query_len: usize,
    pub(crate) query: Vec<(String, String)>,
    pub(crate) headers: Vec<(String, String)>,
    pub(crate) form: Vec<(String, String)>,
    pub(crate) is_form: bool,
}

impl Incoming {
    fn from_request(request: &Request) -> Self {
        Self::from_parts(
            request.method.as_str(),
            &request.url,
            request
                .headers
                .iter()
                .map(|(k, v)| (k.as_str(), v.as_bytes())),
            &request.body,
        )
    }

    /// A request from its method, URL (path and query), headers and body.
    pub(crate) fn from_parts<'a>(
        method: &str,
        url: &url::Url,
        headers: impl Iterator<Item = (&'a str, &'a [u8])>,
        body: &[u8],
    ) -> Self {
        let headers: Vec<(String, String)> = headers
            .map(|(k, v)| {
                (
                    k.to_ascii_lowercase(),
                    String::from_utf8_lossy(v).into_owned(),
                )
            })
            .collect();
        let is_form = headers.iter().any(|(k, v)| {
            k == "content-type"
                && v.split(';').next().is_some_and(|m| {
                    m.trim()
                        .eq_ignore_ascii_case("application/x-www-form-urlencoded")
                })
        });
        let form = if is_form {
            url::form_urlencoded::parse(body).into_owned().collect()
        } else {
            Vec::new()
        };
        Self {
            method: method.to_owned(),
            path: url.path().to_owned(),
            raw_query_len: url.query().map_or(0, str::len),
            query: url.query_pairs().into_owned().collect(),
            headers,
            form,
            is_form,
        }
    }

    pub(crate) fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }
}

/// A parameter's value, or `Err(())` if it appears more than once.
pub(crate) fn single<'a>(pairs: &'a [(String, String)], name: &str) -> Result<Option<&'a str>, ()> {
    let mut found = None;
    for (k, v) in pairs {
        if k == name {
            if found.is_some() {
                return Err(());
            }
            found = Some(v.as_str());
        }
    }
    Ok(found)
}

/// The first value of a parameter.
pub(crate) fn first<'a>(pairs: &'a [(String, String)], name: &str) -> Option<&'a str> {
    pairs
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
}

/// Whether any parameter name appears twice.
pub(crate) fn has_duplicates(pairs: &[(String, String)]) -> bool {
    let mut names: Vec<&str> = pairs.iter().map(|(k, _)| k.as_str()).collect();
    names.sort_unstable();
    names.windows(2).any(|w| w[0] == w[1])
}

/// A response body.
#[derive(Debug, Clone)]
pub(crate) enum Body {
    Empty,
    Text(String),
    Json(Value),
    Raw(Vec<u8>, &'static str),
}

/// A response, before wiremock sees it.
#[derive(Debug, Clone)]
pub(crate) struct Reply {
    pub(crate) status: u16,
    pub(crate) headers: Vec<(String, String)>,
    pub(crate) body: Body,
    pub(crate) delay: Option<Duration>,
}

impl Reply {
    pub(crate) fn new(status: u16, body: Body) -> Self {
        Self {
            status,
            headers: Vec::new(),
            body,
            delay: None,
        }
    }

    pub(crate) fn json(status: u16, body: Value) -> Self {
        Self::new(status, Body::Json(body))
    }

    pub(crate) fn text(status: u16, body: impl Into<String>) -> Self {
        Self::new(status, Body::Text(body.into()))
    }

    pub(crate) fn redirect(location: &str) -> Self {
        Self::new(302, Body::Empty).header("location", location)
    }

    /// An OAuth error as One Login's API answers it: 400 JSON.
    pub(crate) fn oauth_error(status: u16, error: &str, description: &str) -> Self {
        Self::json(
            status,
            json!({ "error": error, "error_description": description }),
        )
        .header("cache-control", "no-store")
    }

    #[must_use]
    pub(crate) fn header(mut self, name: &str, value: &str) -> Self {
        self.headers.retain(|(k, _)| !k.eq_ignore_ascii_case(name));
        self.headers.push((name.to_owned(), value.to_owned()));
        self
    }

    /// Takes the body out: its `Content-Type` (the header set, or the body kind's default) and
    /// bytes; `None` for an empty body.
    pub(crate) fn take_body(&mut self) -> Option<(String, Vec<u8>)> {
        let content_type = self
            .headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case("content-type"))
            .map(|(_, v)| v.clone());
        let (default_type, bytes) = match std::mem::replace(&mut self.body, Body::Empty) {
            Body::Empty => return None,
            Body::Text(s) => ("text/plain; charset=utf-8", s.into_bytes()),
            Body::Json(v) => (
                "application/json",
                serde_json::to_vec(&v).unwrap_or_default(),
            ),
            Body::Raw(bytes, mime) => (mime, bytes),
        };
        Some((content_type.unwrap_or_else(|| default_type.into()), bytes))
    }

    fn into_template(mut self) -> ResponseTemplate {
        let mut t = ResponseTemplate::new(self.status);
        if let Some((content_type, bytes)) = self.take_body() {
            t = t.set_body_raw(bytes, &content_type);
        }
        for (k, v) in self.headers {
            if !k.eq_ignore_ascii_case("content-type") {
                t = t.insert_header(k.as_str(), v.as_str());
            }
        }
        if let Some(d) = self.delay {
            t = t.set_delay(d);
        }
        t
    }
}

/// The single responder mounted on the wiremock server.
#[derive(Debug, Clone)]
pub(crate) struct Dispatcher {
    pub(crate) shared: Arc<Shared>,
}

impl Respond for Dispatcher {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        handle(&self.shared, Incoming::from_request(request)).into_template()
    }
}

/// Answers a request and records it.
pub(crate) fn handle(shared: &Shared, incoming: Incoming) -> Reply {
    let reply = route(shared, &incoming);
    let client_assertion = first(&incoming.form, "client_assertion")
        .and_then(jwt::parse)
        .map(|p| DecodedJwt {
            header: p.header,
            claims: p.claims,
        });
    let record = RecordedRequest {
        method: incoming.method,
        path: incoming.path,
        query: incoming.query,
        headers: incoming.headers,
        form: incoming.form,
        client_assertion,
        status: reply.status,
    };
    let mut state = shared.lock();
    cap(&mut state.requests, MAX_RECORDED_REQUESTS);
    state.requests.push(record);
    drop(state);
    reply
}

fn route(shared: &Shared, req: &Incoming) -> Reply {
    let method = req.method.as_str();
    let api = |endpoint: Endpoint, allowed: &str, handler: &dyn Fn() -> Reply| -> Reply {
        if method != allowed {
            return Reply::text(405, "Method not allowed").header("allow", allowed);
        }
        api_call(shared, req, endpoint, handler)
    };
    match req.path.as_str() {
        "/.well-known/openid-configuration" => {
            api(Endpoint::Discovery, "GET", &|| documents::discovery(shared))
        }
        "/.well-known/jwks.json" => api(Endpoint::Jwks, "GET", &|| documents::jwks(shared)),
        "/.well-known/did.json" => api(Endpoint::DidDocument, "GET", &|| documents::did(shared)),
        "/trustmark" => api(Endpoint::Trustmark, "GET", &|| documents::trustmark(shared)),
        "/token" => api(Endpoint::Token, "POST", &|| token::token(shared, req)),
        "/userinfo" => api(Endpoint::Userinfo, "GET", &|| {
            userinfo::userinfo(shared, req)
        }),
        "/authorize" if method == "GET" => authorize::authorize(shared, req),
        "/logout" if method == "GET" => logout::logout(shared, req),
        "/signed-out" if method == "GET" => {
            Reply::text(200, "You have signed out of GOV.UK One Login")
        }
        "/logout-error" if method == "GET" => {
            Reply::text(200, "GOV.UK One Login: there was a problem signing you out")
        }
        "/authorize" | "/logout" | "/signed-out" | "/logout-error" => {
            Reply::text(405, "Method not allowed").header("allow", "GET")
        }
        _ => Reply::text(404, "Not found"),
    }
}

/// A call the relying party makes directly: the WAF's User-Agent rule, then the endpoint's
/// configured fault, then the handler.
fn api_call(
    shared: &Shared,
    req: &Incoming,
    endpoint: Endpoint,
    handler: &dyn Fn() -> Reply,
) -> Reply {
    let rule = shared
        .require_user_agent
        .load(std::sync::atomic::Ordering::Relaxed);
    if rule
        && req
            .header("user-agent")
            .is_none_or(|ua| ua.trim().is_empty())
    {
        return Reply::text(403, "The request could not be satisfied");
    }
    let fault = shared.lock().faults.endpoint_fault(endpoint).cloned();
    let Some(fault) = fault else {
        return handler();
    };
    match fault {
        EndpointFault::Status(status) => {
            Reply::text(status, format!("testkit: HTTP {status} fault"))
        }
        EndpointFault::StatusWithRetryAfter {
            status,
            retry_after_seconds,
        } => Reply::text(status, format!("testkit: HTTP {status} fault"))
            .header("retry-after", &retry_after_seconds.to_string()),
        EndpointFault::GarbageJson => Reply::new(
            200,
            Body::Raw(
                b"{\"issuer\": \"http://127.0.0.1/\", \"keys\": [{,,}".to_vec(),
                "application/json",
            ),
        ),
        EndpointFault::Delay(d) => {
            let mut reply = handler();
            reply.delay = Some(d);
            reply
        }
        EndpointFault::WrongContentType => {
            handler().header("content-type", "text/html; charset=utf-8")
        }
        EndpointFault::Oversized(bytes) => {
            let mut reply = handler();
            reply.body = match reply.body {
                Body::Json(Value::Object(mut map)) => {
                    map.insert("testkit_padding".into(), Value::String("x".repeat(bytes)));
                    Body::Json(Value::Object(map))
                }
                Body::Json(other) => {
                    Body::Json(json!({ "value": other, "testkit_padding": "x".repeat(bytes) }))
                }
                Body::Text(s) => Body::Text(format!("{s}{}", " ".repeat(bytes))),
                other => other,
            };
            reply
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pairs(p: &[(&str, &str)]) -> Vec<(String, String)> {
        p.iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    #[test]
    fn single_refuses_repeated_parameters() {
        let p = pairs(&[("a", "1"), ("b", "2"), ("a", "3")]);
        assert_eq!(single(&p, "a"), Err(()));
        assert_eq!(single(&p, "b"), Ok(Some("2")));
        assert_eq!(single(&p, "c"), Ok(None));
        assert!(has_duplicates(&p));
        assert!(!has_duplicates(&pairs(&[("a", "1"), ("b", "1")])));
    }
}

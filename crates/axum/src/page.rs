//! Responses: the headers every page of the router carries, redirects, the default pages.

use std::sync::Arc;

use axum::body::Body;
use axum::http::header::{self, HeaderName};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::Response;

use crate::error::RouteError;

/// Renders the page a failed request gets (see [`AuthBuilder::error_page`](crate::AuthBuilder::error_page)).
pub type ErrorPage = Arc<dyn Fn(&RouteError) -> Response + Send + Sync>;

/// Adds the headers no page about signing in should be without, where the response has not set
/// them: `Cache-Control: no-store`, `Referrer-Policy: no-referrer` (a callback URL holds the
/// authorization code), `X-Content-Type-Options: nosniff`, `X-Frame-Options: DENY`.
pub fn add_security_headers(headers: &mut HeaderMap) {
    for (name, value) in [
        (header::CACHE_CONTROL, "no-store"),
        (header::REFERRER_POLICY, "no-referrer"),
        (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        (header::X_FRAME_OPTIONS, "DENY"),
    ] {
        if !headers.contains_key(&name) {
            headers.insert(name, HeaderValue::from_static(value));
        }
    }
}

/// `text` with `& < > " '` escaped, for HTML text and attribute values.
pub fn escape_html(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#x27;"),
            _ => out.push(c),
        }
    }
    out
}

pub(crate) fn respond(status: StatusCode, mut headers: HeaderMap, body: Body) -> Response {
    let mut response = Response::new(body);
    *response.status_mut() = status;
    add_security_headers(&mut headers);
    *response.headers_mut() = headers;
    response
}

pub(crate) fn redirect(to: &str, mut headers: HeaderMap) -> Response {
    match HeaderValue::from_str(to) {
        Ok(v) => {
            headers.insert(header::LOCATION, v);
            respond(StatusCode::SEE_OTHER, headers, Body::empty())
        }
        // Every place is ASCII by construction (URLs, checked paths); never a 303 to nowhere.
        Err(_) => respond(StatusCode::INTERNAL_SERVER_ERROR, headers, Body::empty()),
    }
}

pub(crate) fn html(status: StatusCode, mut headers: HeaderMap, body: String) -> Response {
    for (name, value) in [
        (header::CONTENT_TYPE, "text/html; charset=utf-8"),
        (
            header::CONTENT_SECURITY_POLICY,
            "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'; form-action 'self'",
        ),
    ] {
        headers.insert(name, HeaderValue::from_static(value));
    }
    respond(status, headers, Body::from(body))
}

/// An HTML page with its own `Content-Security-Policy` (one whose `form-action` lets a form's
/// redirect reach One Login).
pub(crate) fn html_with_csp(status: StatusCode, csp: &str, body: String) -> Response {
    let mut response = html(status, HeaderMap::new(), body);
    if let Ok(v) = HeaderValue::from_str(csp) {
        response
            .headers_mut()
            .insert(header::CONTENT_SECURITY_POLICY, v);
    }
    response
}

pub(crate) fn json(status: StatusCode, value: &serde_json::Value) -> Response {
    let mut headers = HeaderMap::new();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    respond(status, headers, Body::from(value.to_string()))
}

/// The default error page: the message and the code, nothing else.
pub(crate) fn default_error_page(e: &RouteError) -> Response {
    html(
        e.status(),
        HeaderMap::new(),
        format!(
            "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>Sorry</title></head><body><h1>Sorry, something went wrong</h1><p>{}</p><p>Error code: <code>{}</code></p><p><a href=\"/\">Go to the start</a></p></body></html>",
            escape_html(e.message()),
            escape_html(e.code()),
        ),
    )
}

/// An error page rendered by `page`, with `extra` headers (cookies to clear) added.
pub(crate) fn error_with(page: &ErrorPage, e: &RouteError, extra: HeaderMap) -> Response {
    tracing::warn!(
        code = e.code(),
        status = e.status().as_u16(),
        "request failed"
    );
    let mut response = page(e);
    *response.status_mut() = e.status();
    let headers = response.headers_mut();
    // `extra` holds only the cookies to set or clear, which the page does not.
    headers.extend(extra);
    add_security_headers(headers);
    response
}

/// The sign-out form: a POST with the session's CSRF token.
pub(crate) fn sign_out_form(service: &str, csrf: &str) -> String {
    format!(
        "<form method=\"post\" action=\"/sign-out/{}\"><input type=\"hidden\" name=\"csrf\" value=\"{}\"><button type=\"submit\">Sign out</button></form>",
        escape_html(&path_segment(service)),
        escape_html(csrf),
    )
}

/// `text` percent-encoded as one path segment (a service name in `/sign-in/{service}`, say).
///
/// ```
/// assert_eq!(govuk_one_login_axum::path_segment("a b/c"), "a%20b%2Fc");
/// ```
pub fn path_segment(text: &str) -> String {
    url::form_urlencoded::byte_serialize(text.as_bytes())
        .collect::<String>()
        .replace('+', "%20")
}

/// A header whose name is known to be valid.
pub(crate) fn header_name(name: &'static str) -> HeaderName {
    HeaderName::from_static(name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_everything_that_could_break_out_of_text_or_an_attribute() {
        assert_eq!(
            escape_html(r#"<a href="x" onclick='y'>&</a>"#),
            "&lt;a href=&quot;x&quot; onclick=&#x27;y&#x27;&gt;&amp;&lt;/a&gt;"
        );
    }

    #[test]
    fn the_sign_out_form_posts_the_token_to_the_services_path() {
        let form = sign_out_form("a b", "t\"k");
        assert!(form.contains(r#"action="/sign-out/a%20b""#), "{form}");
        assert!(form.contains(r#"value="t&quot;k""#), "{form}");
        assert!(form.contains(r#"method="post""#), "{form}");
    }
}

//! The cookies: names, attributes, reading them back.
//!
//! Every cookie is `__Host-` prefixed (so no subdomain and no plain-http page can plant or
//! overwrite it), `Secure`, `HttpOnly`, `SameSite=Lax` and `Path=/`. Browsers treat
//! `http://localhost` and `http://127.0.0.1` as secure contexts, so the same cookies work in local
//! development. None holds anything readable: the session cookie is a random id, the others are
//! sealed (AES-256-GCM) with the application's sealing keys.

use axum::http::header::{COOKIE, SET_COOKIE};
use axum::http::{HeaderMap, HeaderValue};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

/// The session cookie: the browser session's random id.
pub const SESSION_COOKIE: &str = "__Host-ol-session";
/// The prefix of the cookies that each hold one sealed pending sign-in (several tabs may sign in
/// at once); the rest of the name is a digest of its `state`.
pub const PENDING_COOKIE_PREFIX: &str = "__Host-ol-pending-";
/// The cookie holding a sealed pending sign-out, checked when the browser comes back.
pub const SIGN_OUT_COOKIE: &str = "__Host-ol-sign-out";
/// The most sign-ins one browser may have in flight; past it the oldest is dropped. Each rides
/// on every request, so a browser never carries more than a few.
pub const MAX_PENDING_SIGN_INS: usize = 5;
/// The longest cookie value read or written; longer ones are ignored (and pending ones cleared).
pub(crate) const MAX_COOKIE_VALUE: usize = 2048;
/// The most bytes all pending sign-in cookies of a browser may hold together, so that with the
/// session cookie they stay well inside the 8 KiB request-header limit of common proxies.
pub(crate) const MAX_PENDING_BYTES: usize = 5 * 1024;

/// Every `name=value` pair the browser sent, in order (empty values left out).
fn pairs(headers: &HeaderMap) -> impl Iterator<Item = (&str, &str)> {
    headers
        .get_all(COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .filter(|(_, value)| !value.is_empty())
}

/// Every readable `name=value` pair (values longer than any this crate writes are left out).
pub(crate) fn all(headers: &HeaderMap) -> impl Iterator<Item = (&str, &str)> {
    pairs(headers).filter(|(_, value)| value.len() <= MAX_COOKIE_VALUE)
}

/// The value of the first cookie called `name`.
pub(crate) fn get<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    all(headers).find(|(n, _)| *n == name).map(|(_, v)| v)
}

/// The pending sign-in cookies: (name, sealed bytes, if the value is readable base64url of a
/// sensible size; `None` marks one to clear). Each name once.
pub(crate) fn pending(headers: &HeaderMap) -> Vec<(String, Option<Vec<u8>>)> {
    let mut out: Vec<(String, Option<Vec<u8>>)> = Vec::new();
    for (name, value) in pairs(headers) {
        if !name.starts_with(PENDING_COOKIE_PREFIX) || out.iter().any(|(n, _)| n == name) {
            continue;
        }
        let bytes = (value.len() <= MAX_COOKIE_VALUE)
            .then(|| URL_SAFE_NO_PAD.decode(value).ok())
            .flatten();
        out.push((name.to_owned(), bytes));
        if out.len() >= MAX_PENDING_SIGN_INS * 4 {
            break;
        }
    }
    out
}

/// The sealed bytes of the cookie `name`.
pub(crate) fn sealed(headers: &HeaderMap, name: &str) -> Option<Vec<u8>> {
    get(headers, name).and_then(|v| URL_SAFE_NO_PAD.decode(v).ok())
}

/// The pending cookie's name for a sign-in with this state.
pub(crate) fn pending_name(state: &str) -> String {
    let digest = govuk_one_login::secret_digest(state);
    format!("{PENDING_COOKIE_PREFIX}{}", &digest[..16])
}

/// Adds a `Set-Cookie` for `name` holding `value` for `max_age` seconds.
pub(crate) fn set(headers: &mut HeaderMap, name: &str, value: &str, max_age: i64) {
    let text = format!(
        "{name}={value}; Path=/; Max-Age={}; Secure; HttpOnly; SameSite=Lax",
        max_age.max(0)
    );
    if let Ok(v) = HeaderValue::from_str(&text) {
        headers.append(SET_COOKIE, v);
    }
}

/// The cookie value of `sealed` bytes (base64url), if it is not too long to write.
pub(crate) fn sealed_value(sealed: &[u8]) -> Option<String> {
    let value = URL_SAFE_NO_PAD.encode(sealed);
    (value.len() <= MAX_COOKIE_VALUE).then_some(value)
}

/// Adds a `Set-Cookie` that deletes `name`.
pub(crate) fn clear(headers: &mut HeaderMap, name: &str) {
    let text = format!("{name}=; Path=/; Max-Age=0; Secure; HttpOnly; SameSite=Lax");
    if let Ok(v) = HeaderValue::from_str(&text) {
        headers.append(SET_COOKIE, v);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_a_cookie_among_others_and_ignores_empty_ones() {
        let mut headers = HeaderMap::new();
        headers.append(
            COOKIE,
            HeaderValue::from_static("a=1; __Host-ol-session=abc; b=2"),
        );
        headers.append(COOKIE, HeaderValue::from_static("c="));
        assert_eq!(get(&headers, SESSION_COOKIE), Some("abc"));
        assert_eq!(get(&headers, "c"), None);
    }

    #[test]
    fn every_cookie_is_host_prefixed_secure_http_only_and_lax() {
        let mut headers = HeaderMap::new();
        set(&mut headers, SESSION_COOKIE, "v", 60);
        clear(&mut headers, SIGN_OUT_COOKIE);
        let values: Vec<&str> = headers
            .get_all(SET_COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .collect();
        assert_eq!(
            values,
            [
                "__Host-ol-session=v; Path=/; Max-Age=60; Secure; HttpOnly; SameSite=Lax",
                "__Host-ol-sign-out=; Path=/; Max-Age=0; Secure; HttpOnly; SameSite=Lax",
            ]
        );
    }

    #[test]
    fn pending_cookies_are_named_by_their_states_digest_and_read_back() {
        let name = pending_name("state-1");
        assert!(name.starts_with(PENDING_COOKIE_PREFIX));
        assert!(!name.contains("state-1"));
        assert_ne!(name, pending_name("state-2"));
        let mut headers = HeaderMap::new();
        let long = "A".repeat(MAX_COOKIE_VALUE + 1);
        let cookie = format!(
            "{name}=AQID; {name}=BAUG; {PENDING_COOKIE_PREFIX}x=!!; {PENDING_COOKIE_PREFIX}y={long}"
        );
        headers.append(COOKIE, HeaderValue::from_str(&cookie).unwrap());
        assert_eq!(
            pending(&headers),
            vec![
                (name, Some(vec![1, 2, 3])),
                (format!("{PENDING_COOKIE_PREFIX}x"), None),
                (format!("{PENDING_COOKIE_PREFIX}y"), None),
            ],
            "unreadable pending cookies are listed, to be cleared"
        );
    }
}

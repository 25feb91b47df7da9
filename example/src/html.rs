//! The plain HTML the example serves. Everything printed goes through [`escape`]: names, emails
//! and error descriptions are untrusted text.

use std::fmt::Write as _;

use govuk_one_login::{RelyingParty, SignedIn};

/// Escapes text for HTML element content and double-quoted attribute values.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

/// Percent-encodes a path segment (a service name in `/sign-in/{service}`): everything but
/// RFC 3986 unreserved characters.
pub fn path_segment(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for b in text.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(char::from(b));
        } else {
            let _ = write!(out, "%{b:02X}");
        }
    }
    out
}

const STYLE: &str = "body{font-family:Arial,sans-serif;margin:0;color:#0b0c0c}\
header{background:#0b0c0c;color:#fff;padding:12px 30px;font-weight:bold;font-size:1.2em}\
main{max-width:960px;margin:0 auto;padding:20px 30px}\
a{color:#1d70b8}a.button{display:inline-block;background:#00703c;color:#fff;padding:8px 12px;\
text-decoration:none;margin:4px 8px 4px 0}\
.notice{border-left:5px solid #1d70b8;padding:8px 15px;background:#f3f2f1}\
.error{border-left:5px solid #d4351c;padding:8px 15px}\
dt{font-weight:bold}dd{margin:0 0 8px 0}code{background:#f3f2f1;padding:0 4px}";

/// A whole page around `body` (already escaped HTML).
pub(crate) fn page(title: &str, body: &str) -> String {
    format!(
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
<title>{title} - example relying party</title><style>{STYLE}</style></head>\
<body><header>GOV.UK One Login: example relying party</header><main>{body}</main></body></html>\n",
        title = escape(title),
    )
}

/// The home page: every service with its sign-in links, and the signed-in person.
pub(crate) fn home<'a>(
    services: impl Iterator<Item = &'a RelyingParty>,
    person: Option<&SignedIn>,
    notice: Option<&str>,
    issuer: &str,
) -> String {
    let mut body = String::new();
    if let Some(n) = notice {
        let _ = write!(body, "<p class=\"notice\" id=\"notice\">{}</p>", escape(n));
    }
    match person {
        Some(p) => body.push_str(&person_section(p)),
        None => body.push_str("<p id=\"signed-out\">Nobody is signed in from this browser.</p>"),
    }
    let _ = write!(
        body,
        "<h2>Services</h2><p>One Login: <code>{}</code></p><ul id=\"services\">",
        escape(issuer)
    );
    for rp in services {
        let name = rp.config().name().as_str();
        let seg = path_segment(name);
        let _ = write!(
            body,
            "<li><strong>{n}</strong> (client <code>{c}</code>) \
<a class=\"button\" id=\"sign-in-{a}\" href=\"/sign-in/{s}\">Sign in to {n}</a>",
            n = escape(name),
            c = escape(rp.config().client_id().as_str()),
            a = escape(&seg),
            s = escape(&seg),
        );
        if rp.config().identity_vtr().is_some() {
            let _ = write!(
                body,
                "<a class=\"button\" id=\"identity-{a}\" href=\"/sign-in/{s}?identity=true\">\
Sign in to {n} and prove your identity</a>",
                n = escape(name),
                a = escape(&seg),
                s = escape(&seg),
            );
        }
        body.push_str("</li>");
    }
    body.push_str("</ul>");
    page("Home", &body)
}

fn person_section(p: &SignedIn) -> String {
    let mut s = String::new();
    let service = p.service().as_str();
    let _ = write!(
        s,
        "<section id=\"person\"><h2>Signed in to {}</h2><dl>",
        escape(service)
    );
    let mut item = |label: &str, id: &str, value: &str| {
        let _ = write!(
            s,
            "<dt>{}</dt><dd id=\"{id}\">{}</dd>",
            escape(label),
            escape(value)
        );
    };
    let flag = |b: Option<bool>| match b {
        Some(true) => " (verified)",
        Some(false) => " (not verified)",
        None => "",
    };
    item(
        "Email",
        "email",
        &p.email().map_or_else(
            || "not shared".to_owned(),
            |e| format!("{e}{}", flag(p.email_verified())),
        ),
    );
    item(
        "Phone number",
        "phone-number",
        &p.phone_number().map_or_else(
            || "not shared".to_owned(),
            |n| format!("{n}{}", flag(p.phone_number_verified())),
        ),
    );
    item("Credential level (vot)", "vot", p.vot().as_str());
    item("Subject (sub)", "sub", p.sub());
    if p.identity().is_some() {
        let names: Vec<String> = p
            .names()
            .iter()
            .map(|n| {
                let mut parts = n.given_names();
                parts.extend(n.family_names());
                parts.join(" ")
            })
            .collect();
        let dates: Vec<&str> = p.birth_dates().iter().map(|d| d.value.as_str()).collect();
        item("Names", "names", &names.join("; "));
        item("Dates of birth", "birth-dates", &dates.join("; "));
    } else {
        item("Identity", "identity", "not proven in this sign-in");
    }
    let _ = write!(
        s,
        "</dl><p><a class=\"button\" id=\"sign-out\" href=\"/sign-out/{}\">Sign out</a> \
<a href=\"/me\">See this as JSON</a></p></section>",
        escape(&path_segment(service))
    );
    s
}

/// An error page: what went wrong, its stable code, and a way back.
pub(crate) fn error(message: &str, code: &str) -> String {
    let body = format!(
        "<div class=\"error\" id=\"error\"><h1>Sorry, something went wrong</h1><p>{}</p>\
<p>Error code: <code id=\"error-code\">{}</code></p></div><p><a href=\"/\">Back to the start</a></p>",
        escape(message),
        escape(code)
    );
    page("Error", &body)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escape_neutralises_markup_and_quotes() {
        assert_eq!(
            escape(r#"<script>alert("x'&")</script>"#),
            "&lt;script&gt;alert(&quot;x&#39;&amp;&quot;)&lt;/script&gt;"
        );
        assert_eq!(escape("Zoë O'Brien-Smith"), "Zoë O&#39;Brien-Smith");
    }

    #[test]
    fn path_segment_keeps_unreserved_and_encodes_the_rest() {
        assert_eq!(
            path_segment("apply-for_a.licence~1"),
            "apply-for_a.licence~1"
        );
        assert_eq!(path_segment("a b/c?d"), "a%20b%2Fc%3Fd");
        assert_eq!(path_segment("é"), "%C3%A9");
    }

    #[test]
    fn error_page_escapes_the_message() {
        let html = error("<b>bad</b>", "sign_in.state_mismatch");
        assert!(html.contains("&lt;b&gt;bad&lt;/b&gt;"));
        assert!(!html.contains("<b>bad"));
        assert!(html.contains("sign_in.state_mismatch"));
    }
}

//! The plain HTML the example serves. Every value printed is escaped: names, emails and error
//! messages are untrusted text.

use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use govuk_one_login::{OneLogin, RelyingParty, SignedIn};
use govuk_one_login_axum::{MaybeSignedIn, escape_html as esc, path_segment};

const STYLE: &str = "body{font-family:Arial,sans-serif;margin:0;color:#0b0c0c}\
header{background:#0b0c0c;color:#fff;padding:12px 30px;font-weight:bold}main{padding:20px 30px}\
a.button,button{display:inline-block;background:#00703c;color:#fff;padding:8px 12px;border:0;\
text-decoration:none;margin:4px 8px 4px 0;font-size:1em}.notice{border-left:5px solid #1d70b8;\
padding:8px 15px}.error{border-left:5px solid #d4351c;padding:8px 15px}dt{font-weight:bold}";

fn page(status: StatusCode, title: &str, body: &str) -> Response {
    let html = format!(
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>{title} - example \
         relying party</title><style>{STYLE}</style></head><body><header>GOV.UK One Login: example \
         relying party</header><main>{body}</main></body></html>\n"
    );
    (status, Html(html)).into_response()
}

/// The home page: whoever is signed in (each with a sign-out button), then every service with
/// its sign-in links; with `signed_out`, the notice that the person has just signed out.
pub(crate) fn home(one_login: &OneLogin, people: &MaybeSignedIn, signed_out: bool) -> Response {
    let mut body = String::new();
    if signed_out {
        body += "<p class=\"notice\" id=\"notice\">You have signed out.</p>";
    }
    if !people.is_signed_in() {
        body += "<p id=\"signed-out\">Nobody is signed in from this browser.</p>";
    }
    for p in people.iter() {
        body += &person(p, &people.sign_out_form(p.service().as_str()));
    }
    let issuer = one_login
        .iter()
        .next()
        .map(|rp| rp.environment().issuer().to_string());
    let issuer = esc(&issuer.unwrap_or_default());
    body +=
        &format!("<h2>Services</h2><p>One Login: <code>{issuer}</code></p><ul id=\"services\">");
    body.extend(one_login.iter().map(service));
    page(StatusCode::OK, "Home", &(body + "</ul>"))
}

fn service(rp: &RelyingParty) -> String {
    let name = esc(rp.name());
    // The name as one path segment, then escaped for the attribute.
    let seg = esc(&path_segment(rp.name()));
    let client = esc(rp.config().client_id().as_str());
    let mut item = format!(
        "<li><strong>{name}</strong> (client <code>{client}</code>) <a class=\"button\" \
         id=\"sign-in-{seg}\" href=\"/sign-in/{seg}\">Sign in to {name}</a>"
    );
    if rp.config().identity_vtr().is_some() {
        item += &format!(
            "<a class=\"button\" id=\"identity-{seg}\" href=\"/sign-in/{seg}?identity=true\">Sign \
             in to {name} and prove your identity</a>"
        );
    }
    item + "</li>"
}

fn person(p: &SignedIn, sign_out_form: &str) -> String {
    let mut s = format!(
        "<section id=\"person\"><h2>Signed in to {}</h2><dl>",
        esc(p.service().as_str())
    );
    let mut item = |label: &str, id: &str, value: &str| {
        s += &format!("<dt>{label}</dt><dd id=\"{id}\">{}</dd>", esc(value));
    };
    let shared = |value: Option<&str>, verified: Option<bool>| match (value, verified) {
        (None, _) => "not shared".to_owned(),
        (Some(v), Some(true)) => format!("{v} (verified)"),
        (Some(v), Some(false)) => format!("{v} (not verified)"),
        (Some(v), None) => v.to_owned(),
    };
    item("Email", "email", &shared(p.email(), p.email_verified()));
    let phone = shared(p.phone_number(), p.phone_number_verified());
    item("Phone number", "phone-number", &phone);
    item("Credential level (vot)", "vot", p.vot().as_str());
    item("Subject (sub)", "sub", p.sub());
    if p.identity().is_some() {
        let names = p
            .names()
            .iter()
            .map(|n| [n.given_names(), n.family_names()].concat());
        let names: Vec<String> = names.map(|parts| parts.join(" ")).collect();
        let dates: Vec<&str> = p.birth_dates().iter().map(|d| d.value.as_str()).collect();
        item("Names", "names", &names.join("; "));
        item("Dates of birth", "birth-dates", &dates.join("; "));
    } else {
        item("Identity", "identity", "not proven in this sign-in");
    }
    s + "</dl>" + sign_out_form + "<p><a href=\"/me\">See this as JSON</a></p></section>"
}

/// An error page: what went wrong, its stable code, and a way back.
pub(crate) fn error(status: StatusCode, message: &str, code: &str) -> Response {
    let (message, code) = (esc(message), esc(code));
    let body = format!(
        "<div class=\"error\" id=\"error\"><h1>Sorry, something went wrong</h1><p>{message}</p>\
         <p>Error code: <code id=\"error-code\">{code}</code></p></div><p><a href=\"/\">Back to \
         the start</a></p>"
    );
    page(status, "Error", &body)
}

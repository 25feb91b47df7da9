//! One `[[service]]` table: the checks run in file order, each topic in its own function (or
//! module), then the checked [`ServiceConfig`] if none failed.

use std::path::Path;
use std::time::Duration;

use super::{Problems, check_leeway, check_user_agent, keys, sector, trust, uri};
use crate::config::DEFAULT_LEEWAY;
use crate::config::checked::{ClientAuth, ServiceConfig};
use crate::config::problems::ProblemKind;
use crate::config::spec::{ProviderSpec, ServiceSpec};
use crate::environment::EnvironmentKind;
use crate::types::{ClientId, IdTokenAlgorithm, Scope, ServiceName, UiLocale};

/// Checks one service; `None` when any of its checks failed (every failure is in `p`).
pub(super) fn validate_service(
    spec: &ServiceSpec,
    provider: &ProviderSpec,
    env: Option<EnvironmentKind>,
    base_dir: Option<&Path>,
    p: &mut Problems,
) -> Option<ServiceConfig> {
    let start = p.len();
    let svc = if spec.name.trim().is_empty() {
        "<unnamed>"
    } else {
        spec.name.as_str()
    };
    let s = Some(svc);
    check_name_and_client_id(spec, s, p);
    let uris = uri::service_uris(spec, svc, env, p);
    let scopes = scopes(spec, s, p);
    let vtr = trust::sign_in_vtr(spec, s, p);
    let identity_vtr = trust::identity_vtr(spec, s, p);
    let wants_identity = spec.identity_vtr.is_some();
    let claims = trust::claims(spec, s, wants_identity, p);
    let id_token_alg = id_token_alg(spec, s, p);
    let request_objects = spec.request_objects.unwrap_or(false);
    let client_auth = keys::validate_token_auth(
        &spec.token_auth,
        svc,
        wants_identity,
        request_objects,
        base_dir,
        p,
    );
    if uris.jwks.is_some() && matches!(client_auth, Some(ClientAuth::ClientSecretPost { .. })) {
        p.push(
            ProblemKind::MixedAuthSettings,
            s,
            "jwks_uri",
            "`jwks_uri` is set but the method is client_secret_post, which has no keys to publish."
                .into(),
            "remove `jwks_uri`, or set method = \"private_key_jwt\".".into(),
        );
    }
    let (sector_identifier_uri, sector) = sector::service_sector(spec, s, &uris.redirect, start, p);
    let ui_locales = ui_locales(spec, s, p);

    let leeway_secs = spec.clock_leeway_seconds.or(provider.clock_leeway_seconds);
    if let Some(l) = spec.clock_leeway_seconds {
        check_leeway(p, s, "clock_leeway_seconds", l);
    }
    let user_agent_suffix = spec
        .user_agent_suffix
        .clone()
        .or_else(|| provider.user_agent_suffix.clone());
    if let Some(ua) = &spec.user_agent_suffix {
        check_user_agent(p, s, "user_agent_suffix", ua);
    }

    if p.len() != start {
        return None;
    }
    Some(ServiceConfig {
        name: ServiceName::new(spec.name.clone()),
        client_id: ClientId::new(spec.client_id.clone()),
        redirect_uris: uris.redirect,
        post_logout_redirect_uris: uris.post_logout,
        back_channel_logout_uri: uris.back_channel,
        jwks_uri: uris.jwks,
        scopes,
        claims,
        vtr: vtr?,
        identity_vtr,
        id_token_alg,
        client_auth: client_auth?,
        sector_identifier_uri,
        sector,
        share_users_group: spec.share_users_group.clone(),
        ui_locales,
        pkce: spec.pkce.unwrap_or(true),
        request_objects,
        max_age: spec.max_age_seconds,
        clock_leeway: leeway_secs.map_or(DEFAULT_LEEWAY, Duration::from_secs),
        user_agent_suffix,
    })
}

/// A service needs a name and a client id.
fn check_name_and_client_id(spec: &ServiceSpec, s: Option<&str>, p: &mut Problems) {
    if spec.name.trim().is_empty() {
        p.push(
            ProblemKind::EmptyName,
            None,
            "service.name",
            "a service has no name.".into(),
            "give every [[service]] a unique name, e.g. name = \"apply-for-a-licence\".".into(),
        );
    }
    if spec.client_id.trim().is_empty() {
        p.push(ProblemKind::EmptyClientId, s, "client_id",
            "the client id is empty.".into(),
            "copy the client id One Login assigned to this service (admin tool, or GDS for production).".into());
    }
}

/// The scopes, known and without duplicates, `openid` among them; sorted (`openid` first).
fn scopes(spec: &ServiceSpec, s: Option<&str>, p: &mut Problems) -> Vec<Scope> {
    let raw_scopes = spec.scopes.clone().unwrap_or_else(|| vec!["openid".into()]);
    let mut scopes = Vec::new();
    for raw in &raw_scopes {
        match raw.parse::<Scope>() {
            Ok(sc) if !scopes.contains(&sc) => scopes.push(sc),
            Ok(_) => {}
            Err(()) => p.push(ProblemKind::UnknownScope, s, "scopes",
                format!("`{raw}` is not a scope One Login offers."),
                "use only openid, email, phone and wallet-subject-id (space-free, one per list entry).".into()),
        }
    }
    if !scopes.contains(&Scope::OpenId) {
        p.push(
            ProblemKind::MissingOpenId,
            s,
            "scopes",
            "the scopes do not include openid, which One Login requires.".into(),
            "add \"openid\" to scopes.".into(),
        );
    }
    scopes.sort();
    scopes
}

/// The ID-token algorithm registered for the service (`ES256` unless set).
fn id_token_alg(spec: &ServiceSpec, s: Option<&str>, p: &mut Problems) -> IdTokenAlgorithm {
    match spec.id_token_signing_alg.as_deref() {
        None | Some("ES256") => IdTokenAlgorithm::ES256,
        Some("RS256") => IdTokenAlgorithm::RS256,
        Some(other) => {
            p.push(
                ProblemKind::UnknownIdTokenAlgorithm,
                s,
                "id_token_signing_alg",
                format!("`{other}` is not an ID-token algorithm One Login uses."),
                "use \"ES256\" (the default) or \"RS256\", as registered for the service.".into(),
            );
            IdTokenAlgorithm::ES256
        }
    }
}

/// The languages for One Login's pages.
fn ui_locales(spec: &ServiceSpec, s: Option<&str>, p: &mut Problems) -> Vec<UiLocale> {
    let mut ui_locales = Vec::new();
    for raw in &spec.ui_locales {
        match UiLocale::parse(raw) {
            Some(l) => ui_locales.push(l),
            None => p.push(
                ProblemKind::UnknownUiLocale,
                s,
                "ui_locales",
                format!("`{raw}` is not a language One Login offers."),
                "use \"en\" and/or \"cy\".".into(),
            ),
        }
    }
    ui_locales
}

//! Token endpoint authentication: `private_key_jwt` (the RSA key, its id and algorithm) or
//! `client_secret_post` (the secret), and the settings that belong to the other method.

use std::path::Path;

use super::Problems;
use crate::config::checked::ClientAuth;
use crate::config::problems::ProblemKind;
use crate::config::spec::{KeySpec, TokenAuthSpec};
use crate::key::{KeyError, KeySource, RsaPrivateKey};
use crate::secret::SecretString;
use crate::service_key::{RsaPublicKey, ServiceKey};
use crate::types::ClientAssertionAlgorithm;

/// The longest key id accepted: it travels in every assertion's header.
const MAX_KEY_ID: usize = 256;

/// Checks the `token_auth` table and loads the key or secret it names.
pub(super) fn validate_token_auth(
    spec: &TokenAuthSpec,
    svc: &str,
    wants_identity: bool,
    request_objects: bool,
    base_dir: Option<&Path>,
    p: &mut Problems,
) -> Option<ClientAuth> {
    let s = Some(svc);
    match spec.method.as_deref().unwrap_or("private_key_jwt") {
        "private_key_jwt" => private_key_jwt(spec, s, base_dir, p),
        "client_secret_post" => {
            client_secret_post(spec, s, wants_identity, request_objects, base_dir, p)
        }
        other => {
            p.push(ProblemKind::UnknownTokenAuthMethod, s, "token_auth.method",
                format!("`{other}` is not a token authentication method One Login offers."),
                "use \"private_key_jwt\" (the default) or \"client_secret_post\" (authentication-only platforms).".into());
            None
        }
    }
}

/// `private_key_jwt`: no secret settings, a known algorithm, and either one key (`key_file`,
/// `key_env` or the PEM in code, with `key_id`) or a `keys` list with exactly one current key;
/// each key from exactly one source, an RSA key of at least 2048 bits, its `kid` given or its
/// RFC 7638 thumbprint, no two with the same `kid`.
fn private_key_jwt(
    spec: &TokenAuthSpec,
    s: Option<&str>,
    base_dir: Option<&Path>,
    p: &mut Problems,
) -> Option<ClientAuth> {
    for (field, set) in [
        ("token_auth.secret_env", spec.secret_env.is_some()),
        ("token_auth.secret_file", spec.secret_file.is_some()),
    ] {
        if set {
            p.push(
                ProblemKind::MixedAuthSettings,
                s,
                field,
                format!("`{field}` is set but the method is private_key_jwt."),
                format!("remove `{field}`, or set method = \"client_secret_post\"."),
            );
        }
    }
    let alg = match spec.alg.as_deref() {
        None | Some("RS256") => Some(ClientAssertionAlgorithm::RS256),
        Some("PS256") => Some(ClientAssertionAlgorithm::PS256),
        Some(other) => {
            p.push(ProblemKind::UnknownAssertionAlgorithm, s, "token_auth.alg",
                format!("`{other}` cannot sign client assertions; One Login verifies them with RSA only."),
                "use \"RS256\" (the default) or \"PS256\".".into());
            None
        }
    };
    let single = KeySpec {
        key_file: spec.key_file.clone(),
        key_env: spec.key_env.clone(),
        key_pem: spec.key_pem.clone(),
        key_id: spec.key_id.clone(),
        signer: spec.signer.clone(),
        public_key_file: spec.public_key_file.clone(),
        public_key_pem: spec.public_key_pem.clone(),
        current: true,
    };
    let specs: Vec<(String, KeySpec)> = if spec.keys.is_empty() {
        vec![("token_auth".to_owned(), single)]
    } else {
        if single.key_file.is_some()
            || single.key_env.is_some()
            || single.key_pem.is_some()
            || single.key_id.is_some()
            || single.signer.is_some()
            || single.public_key_file.is_some()
            || single.public_key_pem.is_some()
        {
            p.push(ProblemKind::MixedKeyForms, s, "token_auth.keys",
                "`keys` is given together with key_file, key_env or key_id.".into(),
                "list every key under `keys` (one of them current = true), or give one key with key_file or key_env, not both forms.".into());
            return None;
        }
        let current = spec.keys.iter().filter(|k| k.current).count();
        if current != 1 {
            p.push(
                ProblemKind::CurrentKeyCount,
                s,
                "token_auth.keys",
                format!(
                    "{current} of the {} keys are marked current; exactly one must be.",
                    spec.keys.len()
                ),
                "mark the key that signs with current = true, and only that one.".into(),
            );
        }
        spec.keys
            .iter()
            .enumerate()
            .map(|(i, k)| (format!("token_auth.keys[{i}]"), k.clone()))
            .collect()
    };
    let mut current = None;
    let mut others = Vec::new();
    let mut complete = true;
    for (at, key_spec) in &specs {
        match load_key(key_spec, at, s, base_dir, p) {
            Some(key) if key_spec.current && current.is_none() => current = Some(key),
            Some(key) => others.push(key),
            None => complete = false,
        }
    }
    // The same public key under two key ids (a key in a KMS and its private file, say); the
    // same key id twice is reported below.
    let mut thumbprints: Vec<(String, &str)> = Vec::new();
    for key in current.iter().chain(&others) {
        let thumbprint = key.thumbprint();
        if thumbprints
            .iter()
            .any(|(t, kid)| *t == thumbprint && *kid != key.key_id())
        {
            p.push(
                ProblemKind::DuplicateKeyId,
                s,
                "token_auth.keys",
                format!(
                    "the key `{}` is listed twice (the same public key).",
                    key.key_id()
                ),
                "list each key once: a key in a KMS and its private file are the same key.".into(),
            );
            complete = false;
        }
        thumbprints.push((thumbprint, key.key_id()));
    }
    let mut seen: Vec<&str> = Vec::new();
    for key in current.iter().chain(&others) {
        if seen.contains(&key.key_id()) {
            p.push(
                ProblemKind::DuplicateKeyId,
                s,
                "token_auth.keys",
                format!("two keys have the key id `{}`.", key.key_id()),
                "give each key its own key_id (or leave key_id out: each key then gets its RFC 7638 thumbprint)."
                    .into(),
            );
            complete = false;
        }
        seen.push(key.key_id());
    }
    if !complete {
        return None;
    }
    Some(ClientAuth::PrivateKeyJwt {
        key: current?,
        alg: alg?,
        others,
    })
}

/// Loads one key of `token_auth` (the single form, or an entry of `keys` at `at`): exactly one
/// source, a non-empty key id or none (then the thumbprint).
fn load_key(
    spec: &KeySpec,
    at: &str,
    s: Option<&str>,
    base_dir: Option<&Path>,
    p: &mut Problems,
) -> Option<ServiceKey> {
    let key_id = match spec.key_id.as_deref() {
        Some(k) if k.trim().is_empty() => {
            p.push(ProblemKind::MissingKeyId, s, &format!("{at}.key_id"),
                "the key id (kid) is empty.".into(),
                "set key_id to the kid of the public key registered with One Login, or leave it out to use the key's RFC 7638 thumbprint.".into());
            return None;
        }
        Some(k) if k.len() > MAX_KEY_ID || !k.bytes().all(|b| b.is_ascii_graphic()) => {
            p.push(ProblemKind::BadKeyId, s, &format!("{at}.key_id"),
                format!("the key id is not {MAX_KEY_ID} or fewer printable ASCII characters without spaces."),
                "use the kid exactly as registered (letters, digits and punctuation), or leave key_id out to use the key's RFC 7638 thumbprint.".into());
            return None;
        }
        other => other,
    };
    let public_sources: Vec<KeySource> = [
        spec.public_key_file.clone().map(KeySource::File),
        spec.public_key_pem
            .clone()
            .map(|pem| KeySource::Pem(SecretString::new(pem))),
    ]
    .into_iter()
    .flatten()
    .collect();
    let has_private = spec.key_file.is_some() || spec.key_env.is_some() || spec.key_pem.is_some();
    if let Some(signer) = &spec.signer {
        return load_external(
            signer,
            &public_sources,
            has_private,
            key_id,
            at,
            s,
            base_dir,
            p,
        );
    }
    if !public_sources.is_empty() {
        p.push(ProblemKind::BadSigner, s, &format!("{at}.public_key_file"),
            "a public key is given without the signer that holds its private half.".into(),
            "add signer = \"<name>\" (registered with OneLoginBuilder::signer), or give the private key with key_file or key_env instead.".into());
        return None;
    }
    let sources: Vec<KeySource> = [
        spec.key_file.clone().map(KeySource::File),
        spec.key_env.clone().map(KeySource::Env),
        spec.key_pem.clone().map(KeySource::Pem),
    ]
    .into_iter()
    .flatten()
    .collect();
    if sources.len() != 1 {
        p.push(ProblemKind::KeySourceCount, s, &format!("{at}.key_file"),
            if sources.is_empty() { "no private key is given for private_key_jwt.".into() } else { "more than one private key source is given.".into() },
            "give exactly one of key_file (a PEM file) or key_env (a variable holding the PEM), or the PEM in code.".into());
        return None;
    }
    let field = match &sources[0] {
        KeySource::File(_) => format!("{at}.key_file"),
        KeySource::Env(_) => format!("{at}.key_env"),
        KeySource::Pem(_) => format!("{at}.key_pem"),
    };
    match RsaPrivateKey::load(&sources[0], key_id.unwrap_or_default(), base_dir) {
        Ok(key) if key_id.is_none() => {
            let thumbprint = key.thumbprint();
            Some(ServiceKey::Private(key.with_key_id(thumbprint)))
        }
        Ok(key) => Some(ServiceKey::Private(key)),
        Err(e) => {
            let (kind, fix) = key_problem(&e);
            p.push(kind, s, &field, format!("{e}."), fix.into());
            None
        }
    }
}

/// The longest signer name accepted.
const MAX_SIGNER_NAME: usize = 64;

/// A key a signer holds: a printable signer name, exactly one public key source, no private
/// key; its `kid` given or the public key's thumbprint.
#[allow(clippy::too_many_arguments)] // The same context every key check takes, plus the key's parts.
fn load_external(
    signer: &str,
    public_sources: &[KeySource],
    has_private: bool,
    key_id: Option<&str>,
    at: &str,
    s: Option<&str>,
    base_dir: Option<&Path>,
    p: &mut Problems,
) -> Option<ServiceKey> {
    if signer.is_empty()
        || signer.len() > MAX_SIGNER_NAME
        || !signer.bytes().all(|b| b.is_ascii_graphic())
    {
        p.push(ProblemKind::BadSigner, s, &format!("{at}.signer"),
            format!("the signer name is not 1 to {MAX_SIGNER_NAME} printable ASCII characters without spaces."),
            "name the signer as you register it with OneLoginBuilder::signer, e.g. signer = \"kms-apply\".".into());
        return None;
    }
    if has_private {
        p.push(ProblemKind::BadSigner, s, &format!("{at}.signer"),
            "a key held by a signer is given a private key too.".into(),
            "remove key_file, key_env or the PEM: the signer holds the private key; give its public half with public_key_file.".into());
        return None;
    }
    let [source] = public_sources else {
        p.push(ProblemKind::BadSigner, s, &format!("{at}.public_key_file"),
            if public_sources.is_empty() { "a key held by a signer needs its public half.".into() } else { "more than one public key source is given.".into() },
            "give exactly one of public_key_file (the PEM your KMS exports: aws kms get-public-key) or public_key_pem.".into());
        return None;
    };
    let field = match source {
        KeySource::File(_) => format!("{at}.public_key_file"),
        _ => format!("{at}.public_key_pem"),
    };
    match RsaPublicKey::load(source, key_id.unwrap_or_default(), base_dir) {
        Ok(public) => {
            let public = match key_id {
                Some(_) => public,
                None => {
                    let thumbprint = public.thumbprint();
                    public.with_key_id(thumbprint)
                }
            };
            Some(ServiceKey::External {
                signer: signer.to_owned(),
                public,
            })
        }
        Err(e) => {
            let (kind, _) = key_problem(&e);
            p.push(
                kind,
                s,
                &field,
                format!("{e}."),
                "give the RSA public key (2048 bits or more) as PEM: BEGIN PUBLIC KEY.".into(),
            );
            None
        }
    }
}

/// The rule a key that failed to load breaks, and how to fix it.
fn key_problem(e: &KeyError) -> (ProblemKind, &'static str) {
    match e {
        KeyError::NotRsa { .. } => (
            ProblemKind::NonRsaKey,
            "generate an RSA key: openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out key.pem, and register its public half.",
        ),
        KeyError::TooSmall { .. } => (
            ProblemKind::SmallRsaKey,
            "generate a 2048-bit (or larger) RSA key and register its public half.",
        ),
        KeyError::Unreadable { .. } => (
            ProblemKind::BadKey,
            "check the path (relative paths start at the services file's folder) and the file's permissions.",
        ),
        KeyError::EnvMissing { .. } => (
            ProblemKind::BadKey,
            "export the variable with the PEM text before starting the service.",
        ),
        _ => (
            ProblemKind::BadKey,
            "give an unencrypted PEM RSA private key (BEGIN PRIVATE KEY or BEGIN RSA PRIVATE KEY).",
        ),
    }
}

/// `client_secret_post`: not with identity or request objects, no key settings, exactly one
/// non-empty secret.
fn client_secret_post(
    spec: &TokenAuthSpec,
    s: Option<&str>,
    wants_identity: bool,
    request_objects: bool,
    base_dir: Option<&Path>,
    p: &mut Problems,
) -> Option<ClientAuth> {
    if wants_identity {
        p.push(
            ProblemKind::SecretPostWithIdentity,
            s,
            "token_auth.method",
            "client_secret_post cannot be used by a service that proves identity.".into(),
            "use method = \"private_key_jwt\" with an RSA key, or remove identity_vtr and claims."
                .into(),
        );
    }
    if request_objects {
        p.push(ProblemKind::SecretPostWithRequestObjects, s, "request_objects",
            "request objects are signed with the service's RSA key, which client_secret_post services do not have.".into(),
            "set request_objects = false, or use private_key_jwt.".into());
    }
    for (field, set) in [
        ("token_auth.key_file", spec.key_file.is_some()),
        ("token_auth.key_env", spec.key_env.is_some()),
        ("token_auth.key_id", spec.key_id.is_some()),
        ("token_auth.keys", !spec.keys.is_empty()),
        ("token_auth.signer", spec.signer.is_some()),
        ("token_auth.public_key_file", spec.public_key_file.is_some()),
        ("token_auth.public_key_pem", spec.public_key_pem.is_some()),
        ("token_auth.key_pem", spec.key_pem.is_some()),
        ("token_auth.alg", spec.alg.is_some()),
    ] {
        if set {
            p.push(
                ProblemKind::MixedAuthSettings,
                s,
                field,
                format!("`{field}` is set but the method is client_secret_post."),
                format!("remove `{field}`, or set method = \"private_key_jwt\"."),
            );
        }
    }
    let count = usize::from(spec.secret_env.is_some())
        + usize::from(spec.secret_file.is_some())
        + usize::from(spec.secret.is_some());
    if count != 1 {
        p.push(
            ProblemKind::BadSecret,
            s,
            "token_auth.secret_env",
            if count == 0 {
                "no client secret is given.".into()
            } else {
                "more than one client secret source is given.".into()
            },
            "give exactly one of secret_env (a variable) or secret_file, or the secret in code."
                .into(),
        );
        return None;
    }
    let secret = read_secret(spec, base_dir);
    match secret {
        Ok(secret) if !secret.is_empty() => Some(ClientAuth::ClientSecretPost { secret }),
        Ok(_) => {
            p.push(
                ProblemKind::BadSecret,
                s,
                "token_auth.secret_env",
                "the client secret is empty.".into(),
                "give the secret whose Argon2id hash you sent to One Login.".into(),
            );
            None
        }
        Err((field, message, fix)) => {
            p.push(ProblemKind::BadSecret, s, field, message, fix.into());
            None
        }
    }
}

/// Reads the one client secret source given (the caller checked there is exactly one). An
/// error names the field, says what is wrong and how to fix it.
fn read_secret(
    spec: &TokenAuthSpec,
    base_dir: Option<&Path>,
) -> Result<SecretString, (&'static str, String, &'static str)> {
    if let Some(var) = &spec.secret_env {
        std::env::var(var).map(SecretString::new).map_err(|_| {
            (
                "token_auth.secret_env",
                format!("the environment variable {var} is not set."),
                "export the variable with the client secret before starting the service.",
            )
        })
    } else if let Some(path) = &spec.secret_file {
        let full = match base_dir {
            Some(d) if path.is_relative() => d.join(path),
            _ => path.clone(),
        };
        crate::key::read_secret_file(&full)
            .map(|t| SecretString::new(t.trim()))
            .map_err(|e| {
                (
                    "token_auth.secret_file",
                    format!("cannot read {}: {e}.", full.display()),
                    "check the path (relative paths start at the services file's folder).",
                )
            })
    } else {
        Ok(spec.secret.clone().unwrap_or_else(|| SecretString::new("")))
    }
}

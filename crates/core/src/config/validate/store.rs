//! The `[store]` table: which engine shares replay records and sessions between instances.
//!
//! A URL is never echoed whole: it may carry a password, so messages show it through
//! [`redact_userinfo`] or not at all.

use std::time::Duration;

use url::Url;

use super::Problems;
use crate::config::checked::{StoreConfig, StoreKind};
use crate::config::problems::ProblemKind;
use crate::config::spec::StoreSpec;
use crate::config::{MAX_STORE_COMMAND_TIMEOUT, MAX_STORE_CONNECT_TIMEOUT};
use crate::internal::{printable, redact_userinfo};
use crate::secret::SecretString;

/// The longest key prefix a `[store]` table may set.
const MAX_KEY_PREFIX: usize = 64;

/// The checked store (the in-memory default without a table); problems are pushed to `p`.
pub(super) fn store(spec: Option<&StoreSpec>, p: &mut Problems) -> StoreConfig {
    let mut config = StoreConfig::default();
    let Some(spec) = spec else {
        return config;
    };
    let kind = match spec.kind.as_deref().unwrap_or("memory") {
        "memory" => StoreKind::Memory,
        "redis" => StoreKind::Redis,
        other => {
            p.push(
                ProblemKind::UnknownStoreKind,
                None,
                "store.kind",
                format!("`{}` is not a store kind.", printable(other, 40)),
                "use \"memory\" (one instance) or \"redis\" (several instances).".into(),
            );
            return config;
        }
    };
    config.kind = kind;
    if let Some(prefix) = &spec.key_prefix {
        check_prefix(prefix, p);
        config.key_prefix.clone_from(prefix);
    }
    if let Some(ms) = spec.connect_timeout_ms {
        config.connect_timeout =
            timeout(ms, "store.connect_timeout_ms", MAX_STORE_CONNECT_TIMEOUT, p);
    }
    if let Some(ms) = spec.command_timeout_ms {
        config.command_timeout =
            timeout(ms, "store.command_timeout_ms", MAX_STORE_COMMAND_TIMEOUT, p);
    }
    match kind {
        StoreKind::Memory => {
            for (field, set) in [
                ("store.url", spec.url.is_some()),
                ("store.url_env", spec.url_env.is_some()),
            ] {
                if set {
                    p.push(
                        ProblemKind::StoreSettingWithoutRedis,
                        None,
                        field,
                        format!("`{field}` only applies to kind = \"redis\"."),
                        format!("remove `{field}`, or set kind = \"redis\"."),
                    );
                }
            }
        }
        StoreKind::Redis => config.url = redis_url(spec, p),
    }
    config
}

fn check_prefix(prefix: &str, p: &mut Problems) {
    let bad = prefix.is_empty()
        || prefix.chars().count() > MAX_KEY_PREFIX
        || prefix.chars().any(|c| c.is_whitespace() || c.is_control())
        || !prefix.is_ascii();
    if bad {
        p.push(
            ProblemKind::BadStoreKeyPrefix,
            None,
            "store.key_prefix",
            format!(
                "the key prefix must be 1 to {MAX_KEY_PREFIX} printable ASCII characters without spaces."
            ),
            "use something like \"apply-for-a-licence:\" (or leave it out for \"govuk-one-login:\")."
                .into(),
        );
    }
}

fn timeout(ms: u64, field: &str, max: Duration, p: &mut Problems) -> Duration {
    let value = Duration::from_millis(ms);
    if ms == 0 || value > max {
        p.push(
            ProblemKind::StoreTimeoutOutOfRange,
            None,
            field,
            format!(
                "a timeout of {ms} ms is outside 1 to {} ms: a store that answers late holds a \
                 back-channel logout past One Login's 15 s call.",
                max.as_millis()
            ),
            "leave it out for the default, or give a value within the range.".into(),
        );
    }
    value
}

/// Whether the URL's host is loopback. (`redis:` is not a special scheme, so the `url` crate
/// keeps its host as text: `127.0.0.1` is a "domain" there.)
fn loopback_host(url: &Url) -> bool {
    let host = url.host_str().unwrap_or_default();
    let host = host.trim_start_matches('[').trim_end_matches(']');
    host.eq_ignore_ascii_case("localhost")
        || host
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

/// The Redis URL from `url` or `url_env`, checked.
fn redis_url(spec: &StoreSpec, p: &mut Problems) -> Option<SecretString> {
    let (field, text) = match (&spec.url, &spec.url_env) {
        (Some(url), None) => ("store.url", url.clone()),
        (None, Some(var)) => match std::env::var(var) {
            Ok(value) if !value.trim().is_empty() => ("store.url_env", value),
            _ => {
                p.push(
                    ProblemKind::BadStoreUrl,
                    None,
                    "store.url_env",
                    format!(
                        "the environment variable `{}` is not set (or empty).",
                        printable(var, 100)
                    ),
                    "set it to the Redis URL, e.g. rediss://:password@redis.internal:6380/0."
                        .into(),
                );
                return None;
            }
        },
        (None, None) | (Some(_), Some(_)) => {
            let message = if spec.url.is_some() {
                "both `store.url` and `store.url_env` are given."
            } else {
                "a redis store needs its URL."
            };
            p.push(
                ProblemKind::StoreUrlSourceCount,
                None,
                "store.url",
                message.into(),
                "give exactly one of url or url_env (a variable holding the URL: keeps the \
                 password out of the file)."
                    .into(),
            );
            return None;
        }
    };
    let shown = || printable(&redact_userinfo(&text), 200);
    let problem = match Url::parse(&text) {
        Err(_) => Some((
            ProblemKind::BadStoreUrl,
            format!("`{}` is not a URL.", shown()),
        )),
        Ok(u) if !matches!(u.scheme(), "redis" | "rediss") => Some((
            ProblemKind::BadStoreUrl,
            format!("`{}` is not a redis:// or rediss:// URL.", shown()),
        )),
        Ok(u) if u.host_str().is_none_or(str::is_empty) => Some((
            ProblemKind::BadStoreUrl,
            format!("`{}` has no host.", shown()),
        )),
        Ok(u) if u.scheme() == "redis" && !loopback_host(&u) => Some((
            ProblemKind::InsecureStoreUrl,
            format!(
                "`{}` is plain redis:// to a host that is not loopback: sessions and the \
                 password would cross the network in clear.",
                shown()
            ),
        )),
        Ok(_) => None,
    };
    match problem {
        Some((kind, message)) => {
            let fix = match kind {
                ProblemKind::InsecureStoreUrl => "use rediss:// (Redis over TLS).",
                _ => "give a URL such as rediss://:password@redis.internal:6380/0.",
            };
            p.push(kind, None, field, message, fix.into());
            None
        }
        None => Some(SecretString::new(text)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(spec: &StoreSpec) -> (StoreConfig, Vec<(ProblemKind, String, String)>) {
        let mut p = Problems::default();
        let config = store(Some(spec), &mut p);
        let problems =
            p.0.into_iter()
                .map(|c| (c.kind, c.field, c.message))
                .collect();
        (config, problems)
    }

    #[allow(clippy::needless_pass_by_value)] // struct-update literals read better passed by value
    fn kinds(spec: StoreSpec) -> Vec<&'static str> {
        check(&spec)
            .1
            .into_iter()
            .map(|(k, _, _)| k.code())
            .collect()
    }

    fn redis(url: &str) -> StoreSpec {
        StoreSpec {
            kind: Some("redis".into()),
            url: Some(url.into()),
            ..StoreSpec::default()
        }
    }

    #[test]
    fn no_table_means_memory_with_the_defaults() {
        let mut p = Problems::default();
        let config = store(None, &mut p);
        assert_eq!(p.len(), 0);
        assert_eq!(config, StoreConfig::default());
        assert_eq!(config.kind(), StoreKind::Memory);
        assert_eq!(config.key_prefix(), "govuk-one-login:");
        assert_eq!(config.connect_timeout(), Duration::from_secs(2));
        assert_eq!(config.command_timeout(), Duration::from_secs(1));
    }

    #[test]
    fn a_redis_table_is_checked_and_kept() {
        let (config, problems) = check(&StoreSpec {
            key_prefix: Some("apply:".into()),
            connect_timeout_ms: Some(500),
            command_timeout_ms: Some(200),
            ..redis("rediss://:pw@redis.internal:6380/0")
        });
        assert!(problems.is_empty(), "{problems:?}");
        assert_eq!(config.kind(), StoreKind::Redis);
        assert_eq!(
            config.url().map(SecretString::expose_secret),
            Some("rediss://:pw@redis.internal:6380/0")
        );
        assert_eq!(config.key_prefix(), "apply:");
        assert_eq!(config.connect_timeout(), Duration::from_millis(500));
        assert_eq!(config.command_timeout(), Duration::from_millis(200));
        assert!(!format!("{config:?}").contains("pw"), "Debug hides the URL");
        assert!(kinds(redis("redis://127.0.0.1:6379")).is_empty());
        assert!(kinds(redis("redis://localhost")).is_empty());
        assert!(kinds(redis("redis://[::1]:6379")).is_empty());
    }

    #[test]
    fn rejects_an_unknown_kind_and_redis_settings_on_memory() {
        assert_eq!(
            kinds(StoreSpec {
                kind: Some("postgres".into()),
                ..StoreSpec::default()
            }),
            ["config.unknown_store_kind"]
        );
        assert_eq!(
            kinds(StoreSpec {
                kind: Some("memory".into()),
                url: Some("redis://127.0.0.1".into()),
                url_env: Some("REDIS_URL".into()),
                ..StoreSpec::default()
            }),
            [
                "config.store_setting_without_redis",
                "config.store_setting_without_redis"
            ]
        );
    }

    #[test]
    fn a_redis_store_needs_exactly_one_url_source() {
        let none = StoreSpec {
            kind: Some("redis".into()),
            ..StoreSpec::default()
        };
        assert_eq!(kinds(none), ["config.store_url_source_count"]);
        let both = StoreSpec {
            url_env: Some("REDIS_URL".into()),
            ..redis("redis://127.0.0.1")
        };
        assert_eq!(kinds(both), ["config.store_url_source_count"]);
        let unset = StoreSpec {
            kind: Some("redis".into()),
            url_env: Some("GOVUK_ONE_LOGIN_TEST_SURELY_UNSET_VARIABLE".into()),
            ..StoreSpec::default()
        };
        assert_eq!(kinds(unset), ["config.bad_store_url"]);
    }

    #[test]
    fn rejects_bad_and_insecure_urls_without_printing_their_password() {
        for (url, code) in [
            ("not a url", "config.bad_store_url"),
            ("https://u:secret@redis.internal", "config.bad_store_url"),
            (
                "redis://u:secret@redis.internal:6379",
                "config.insecure_store_url",
            ),
            ("rediss://", "config.bad_store_url"),
        ] {
            let (_, problems) = check(&redis(url));
            assert_eq!(problems.len(), 1, "{url}: {problems:?}");
            assert_eq!(problems[0].0.code(), code, "{url}");
            assert_eq!(problems[0].1, "store.url");
            assert!(!problems[0].2.contains("secret"), "{}", problems[0].2);
        }
    }

    #[test]
    fn rejects_bad_prefixes_and_timeouts() {
        for prefix in ["", "has space:", "tab\t", &"x".repeat(65), "é:"] {
            assert_eq!(
                kinds(StoreSpec {
                    key_prefix: Some(prefix.into()),
                    ..redis("redis://127.0.0.1")
                }),
                ["config.bad_store_key_prefix"],
                "{prefix:?}"
            );
        }
        assert_eq!(
            kinds(StoreSpec {
                connect_timeout_ms: Some(0),
                command_timeout_ms: Some(15_000),
                ..redis("redis://127.0.0.1")
            }),
            [
                "config.store_timeout_out_of_range",
                "config.store_timeout_out_of_range"
            ]
        );
    }

    #[test]
    fn the_store_table_is_read_and_written_at_the_top_level_of_the_file() {
        use crate::config::spec::ServicesFile;
        let text = "[provider]\nenvironment = \"integration\"\n\n[store]\nkind = \"redis\"\nurl = \"redis://127.0.0.1:6379\"\nkey_prefix = \"apply:\"\n";
        let file = ServicesFile::parse_toml(text).unwrap();
        let spec = file.provider.store.clone().unwrap();
        assert_eq!(spec.kind.as_deref(), Some("redis"));
        assert_eq!(spec.key_prefix.as_deref(), Some("apply:"));
        let written = file.to_toml().unwrap();
        assert!(written.contains("[store]"), "{written}");
        assert!(!written.contains("[provider.store]"), "{written}");
        assert_eq!(ServicesFile::parse_toml(&written).unwrap(), file);
        let unknown = ServicesFile::parse_toml("[store]\nkind = \"redis\"\npassword = \"x\"\n");
        assert_eq!(unknown.unwrap_err().code(), "config.parse");
        let without = ServicesFile::parse_toml("[provider]\n").unwrap();
        assert!(!without.to_toml().unwrap().contains("store"));
    }
}

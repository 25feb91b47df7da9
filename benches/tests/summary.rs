//! The summary turns criterion medians into ratios and writes exactly the issue's format.

#![allow(clippy::unwrap_used, clippy::expect_used)] // Tests: a panic is a failed test.

use std::path::{Path, PathBuf};

use govuk_one_login_benches::{
    Algorithm, Contender, Figure, Paths, REQUIRED_FIGURES, Target, missing_required, read_figures,
    summarize, table, target_for, verify_group, write_figures,
};

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!(
        "govuk-one-login-benches-{name}-{}",
        std::process::id()
    ));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn estimate(criterion: &Path, group: &str, id: &str, median_ns: f64) {
    let dir = criterion.join(group).join(id).join("new");
    std::fs::create_dir_all(&dir).unwrap();
    let body = serde_json::json!({
        "mean": { "point_estimate": median_ns * 1.1 },
        "median": { "point_estimate": median_ns },
    });
    std::fs::write(dir.join("estimates.json"), body.to_string()).unwrap();
}

fn fake_run(dir: &Path) -> Paths {
    let paths = Paths::under(dir);
    for alg in Algorithm::ALL {
        for (contender, ns) in [
            (Contender::Ours, 40_000.0),
            (Contender::Jsonwebtoken, 50_000.0),
            (Contender::OpenIdConnect, 400_000.0),
            (Contender::RawAwsLc, 36_000.0),
        ] {
            estimate(&paths.criterion, &verify_group(alg), contender.id(), ns);
        }
    }
    let scale: Vec<Figure> = REQUIRED_FIGURES
        .iter()
        .filter(|n| !n.starts_with("verify_"))
        .map(|n| Figure::new(*n, 1.0, "requests"))
        .collect();
    write_figures(&paths.scale, &scale).unwrap();
    paths
}

fn value(figures: &[Figure], name: &str) -> f64 {
    figures.iter().find(|f| f.name == name).unwrap().value
}

#[test]
fn summary_ratios_are_ours_throughput_over_theirs() {
    let paths = fake_run(&scratch("ratios"));
    let figures = summarize(&paths).unwrap();
    assert!((value(&figures, "verify_es256_vs_jsonwebtoken") - 1.25).abs() < 1e-9);
    assert!((value(&figures, "verify_rs256_vs_openidconnect") - 10.0).abs() < 1e-9);
    assert!((value(&figures, "verify_es256_vs_raw_signature") - 0.9).abs() < 1e-9);
    assert!((value(&figures, "verify_es256_ours_us") - 40.0).abs() < 1e-9);
    assert!(missing_required(&figures).is_empty());
}

#[test]
fn summary_file_has_exactly_the_issue_format_with_required_names_first() {
    let paths = fake_run(&scratch("format"));
    summarize(&paths).unwrap();
    let doc: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&paths.summary).unwrap()).unwrap();
    let list = doc["figures"].as_array().unwrap();
    assert_eq!(doc.as_object().unwrap().len(), 1);
    for (i, name) in REQUIRED_FIGURES.iter().enumerate() {
        assert_eq!(list[i]["name"], *name);
    }
    for f in list {
        let keys: Vec<&String> = f.as_object().unwrap().keys().collect();
        assert_eq!(keys, ["name", "unit", "value"]);
        assert!(f["value"].is_number());
    }
    assert_eq!(read_figures(&paths.summary).unwrap().len(), list.len());
}

#[test]
fn summary_without_a_criterion_estimate_is_missing_file() {
    let dir = scratch("no-criterion");
    let err = summarize(&Paths::under(&dir)).unwrap_err();
    assert_eq!(err.code(), "bench.missing_file");
}

#[test]
fn summary_with_an_estimate_lacking_a_median_is_bad_file() {
    let dir = scratch("bad-estimate");
    let paths = fake_run(&dir);
    let file = paths
        .criterion
        .join("verify_es256")
        .join("ours")
        .join("new")
        .join("estimates.json");
    std::fs::write(file, r#"{"mean": {"point_estimate": 1.0}}"#).unwrap();
    assert_eq!(summarize(&paths).unwrap_err().code(), "bench.bad_file");
}

#[test]
fn summary_refuses_a_scale_report_missing_a_required_figure() {
    let dir = scratch("short-scale");
    let paths = fake_run(&dir);
    write_figures(
        &paths.scale,
        &[Figure::new("signins_per_second", 10.0, "per_second")],
    )
    .unwrap();
    let err = summarize(&paths).unwrap_err();
    assert_eq!(err.code(), "bench.bad_file");
    assert!(err.to_string().contains("cold_concurrent_jwks_requests"));
}

#[test]
fn targets_follow_the_issue() {
    assert_eq!(
        target_for("verify_rs256_vs_openidconnect"),
        Some(Target::AtLeast(8.0))
    );
    assert_eq!(
        target_for("verify_es256_vs_openidconnect"),
        Some(Target::AtLeast(4.5))
    );
    assert_eq!(
        target_for("verify_es256_vs_raw_signature"),
        Some(Target::AtLeast(0.90))
    );
    assert_eq!(
        target_for("verify_rs256_vs_raw_signature"),
        Some(Target::AtLeast(0.90))
    );
    assert_eq!(
        target_for("cold_concurrent_jwks_requests"),
        Some(Target::AtMost(1.0))
    );
    assert_eq!(target_for("signins_per_second"), None);
    // Issue 18.
    assert_eq!(
        target_for("router_overhead_ratio"),
        Some(Target::AtMost(1.10))
    );
    assert_eq!(
        target_for("signin_cpu_vs_crypto_floor"),
        Some(Target::AtMost(1.3))
    );
    assert_eq!(target_for("session_bytes"), Some(Target::AtMost(2048.0)));
    assert_eq!(target_for("router_signins_per_second"), None);
    assert!(Target::AtLeast(0.95).holds(0.95));
    assert!(!Target::AtLeast(0.95).holds(0.94));
    assert!(!Target::AtMost(1.0).holds(2.0));
}

#[test]
fn table_marks_missed_and_met_targets() {
    let text = table(&[
        Figure::new("verify_rs256_vs_raw_signature", 0.7, "ratio"),
        Figure::new("services_100_jwks_requests", 1.0, "requests"),
        Figure::new("signins_per_second", 321.5, "per_second"),
    ]);
    let lines: Vec<&str> = text.lines().collect();
    assert!(lines[1].ends_with("MISSED"), "{text}");
    assert!(lines[2].ends_with("met"), "{text}");
    assert!(lines[3].contains("322"), "{text}");
}

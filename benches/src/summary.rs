//! The machine-readable summary (`target/bench-summary.json`) and the table printed by
//! `cargo xtask bench`: criterion's medians turned into throughput ratios, plus the scale
//! figures.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use serde_json::{Value, json};

use crate::contenders::{Algorithm, Contender};
use crate::error::BenchError;

/// The criterion group for warm-key verification with `alg` (`verify_es256`).
pub fn verify_group(alg: Algorithm) -> String {
    format!("verify_{}", alg.slug())
}

/// One figure of the summary.
#[derive(Debug, Clone, PartialEq)]
pub struct Figure {
    /// A stable name, such as `verify_es256_vs_jsonwebtoken`.
    pub name: String,
    /// The value.
    pub value: f64,
    /// The unit (`ratio`, `requests`, `us`, `ms`, `per_second`, `percent`, `bytes`).
    pub unit: String,
}

impl Figure {
    /// A figure.
    pub fn new(name: impl Into<String>, value: f64, unit: impl Into<String>) -> Self {
        Self {
            name: name.into(),
            value,
            unit: unit.into(),
        }
    }

    fn to_json(&self) -> Value {
        json!({ "name": self.name, "value": self.value, "unit": self.unit })
    }

    fn from_json(value: &Value) -> Option<Self> {
        Some(Self::new(
            value.get("name")?.as_str()?,
            value.get("value")?.as_f64()?,
            value.get("unit")?.as_str()?,
        ))
    }
}

/// A bound a figure should meet.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Target {
    /// At least this value.
    AtLeast(f64),
    /// At most this value.
    AtMost(f64),
}

impl Target {
    /// Whether `value` meets the bound.
    pub fn holds(self, value: f64) -> bool {
        match self {
            Self::AtLeast(min) => value >= min,
            Self::AtMost(max) => value <= max,
        }
    }

    fn describe(self) -> String {
        match self {
            Self::AtLeast(min) => format!(">= {min}"),
            Self::AtMost(max) => format!("<= {max}"),
        }
    }
}

/// The target for a figure, if it has one.
pub fn target_for(name: &str) -> Option<Target> {
    Some(match name {
        "verify_es256_vs_jsonwebtoken" | "verify_rs256_vs_jsonwebtoken" => Target::AtLeast(0.95),
        "verify_es256_vs_openidconnect" => Target::AtLeast(4.5),
        "verify_rs256_vs_openidconnect" => Target::AtLeast(8.0),
        // 0.85 in issue 10; 0.90 since "The house", item 8 (verification nearer the floor).
        "verify_es256_vs_raw_signature" | "verify_rs256_vs_raw_signature" => Target::AtLeast(0.90),
        "cold_concurrent_jwks_requests"
        | "services_100_discovery_requests"
        | "services_100_jwks_requests"
        | "unknown_kid_flood_jwks_requests" => Target::AtMost(1.0),
        "unknown_kid_flood_10_windows_jwks_requests" => Target::AtMost(10.0),
        // Issue 18: the axum router.
        "router_overhead_ratio" => Target::AtMost(1.10),
        "signin_cpu_vs_crypto_floor" => Target::AtMost(1.3),
        "session_bytes" => Target::AtMost(2048.0),
        // Issue 19: shared stores on Redis (measured when redis-server is installed).
        "signins_redis_vs_memory" => Target::AtLeast(0.8),
        _ => return None,
    })
}

/// The names the issues require in the summary (issue 10, then issue 18's router figures).
pub const REQUIRED_FIGURES: [&str; 15] = [
    "verify_es256_vs_jsonwebtoken",
    "verify_rs256_vs_jsonwebtoken",
    "verify_es256_vs_openidconnect",
    "verify_rs256_vs_openidconnect",
    "verify_es256_vs_raw_signature",
    "verify_rs256_vs_raw_signature",
    "cold_concurrent_jwks_requests",
    "unknown_kid_flood_jwks_requests",
    "services_100_discovery_requests",
    "services_100_jwks_requests",
    "signins_per_second",
    "router_signins_per_second",
    "router_overhead_ratio",
    "signin_cpu_vs_crypto_floor",
    "session_bytes",
];

/// The median of a criterion benchmark, in nanoseconds, from
/// `<criterion_dir>/<group>/<id>/new/estimates.json`.
///
/// # Errors
/// [`BenchError::MissingFile`] when the benchmark has not run; [`BenchError::BadFile`] when the
/// file has no positive `median.point_estimate`.
pub fn criterion_median_ns(criterion_dir: &Path, group: &str, id: &str) -> Result<f64, BenchError> {
    let path = criterion_dir
        .join(group)
        .join(id)
        .join("new")
        .join("estimates.json");
    let shown = path.display().to_string();
    let text = std::fs::read(&path).map_err(|_| BenchError::MissingFile {
        path: shown.clone(),
    })?;
    let doc: Value = serde_json::from_slice(&text).map_err(|e| BenchError::BadFile {
        path: shown.clone(),
        reason: e.to_string(),
    })?;
    match doc
        .pointer("/median/point_estimate")
        .and_then(Value::as_f64)
    {
        Some(ns) if ns > 0.0 && ns.is_finite() => Ok(ns),
        _ => Err(BenchError::BadFile {
            path: shown,
            reason: "no positive median.point_estimate".to_owned(),
        }),
    }
}

/// The verification figures: each contender's median (`verify_es256_ours_us`, ...) and the
/// throughput ratios ours ÷ theirs (`verify_es256_vs_jsonwebtoken`, ...), which are the
/// inverse ratio of the medians.
///
/// # Errors
/// As [`criterion_median_ns`].
pub fn verification_figures(criterion_dir: &Path) -> Result<Vec<Figure>, BenchError> {
    let mut figures = Vec::new();
    for alg in Algorithm::ALL {
        let group = verify_group(alg);
        let mut medians = Vec::new();
        for contender in Contender::ALL {
            let ns = criterion_median_ns(criterion_dir, &group, contender.id())?;
            figures.push(Figure::new(
                format!("{group}_{}_us", contender.id()),
                ns / 1000.0,
                "us",
            ));
            medians.push((contender, ns));
        }
        let ours = medians
            .iter()
            .find(|(c, _)| *c == Contender::Ours)
            .map_or(f64::NAN, |(_, ns)| *ns);
        for (contender, theirs) in medians {
            if contender != Contender::Ours {
                figures.push(Figure::new(
                    format!("{group}_vs_{}", contender.figure_name()),
                    theirs / ours,
                    "ratio",
                ));
            }
        }
    }
    Ok(figures)
}

/// The key-count figures, when that benchmark ran (`verify_keys/<n>`): the median per number of
/// keys in the set, in microseconds.
pub fn key_count_figures(criterion_dir: &Path) -> Vec<Figure> {
    crate::KEY_COUNTS
        .iter()
        .filter_map(|n| {
            criterion_median_ns(criterion_dir, "verify_keys", &n.to_string())
                .ok()
                .map(|ns| Figure::new(format!("verify_es256_keys_{n}_us"), ns / 1000.0, "us"))
        })
        .collect()
}

/// Reads figures written by [`write_figures`] (the scale report).
///
/// # Errors
/// [`BenchError::MissingFile`] or [`BenchError::BadFile`].
pub fn read_figures(path: &Path) -> Result<Vec<Figure>, BenchError> {
    let shown = path.display().to_string();
    let text = std::fs::read(path).map_err(|_| BenchError::MissingFile {
        path: shown.clone(),
    })?;
    let doc: Value = serde_json::from_slice(&text).map_err(|e| BenchError::BadFile {
        path: shown.clone(),
        reason: e.to_string(),
    })?;
    let list = doc
        .get("figures")
        .and_then(Value::as_array)
        .ok_or_else(|| BenchError::BadFile {
            path: shown.clone(),
            reason: "no `figures` array".to_owned(),
        })?;
    list.iter()
        .map(|v| {
            Figure::from_json(v).ok_or_else(|| BenchError::BadFile {
                path: shown.clone(),
                reason: "a figure lacks `name`, `value` or `unit`".to_owned(),
            })
        })
        .collect()
}

/// Writes `{"figures": [{"name", "value", "unit"}, ...]}` to `path`, creating its folder.
///
/// # Errors
/// [`BenchError::Write`].
pub fn write_figures(path: &Path, figures: &[Figure]) -> Result<(), BenchError> {
    let write_err = |e: std::io::Error| BenchError::Write {
        path: path.display().to_string(),
        reason: e.to_string(),
    };
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).map_err(write_err)?;
    }
    let doc = json!({ "figures": figures.iter().map(Figure::to_json).collect::<Vec<_>>() });
    let mut text = serde_json::to_string_pretty(&doc).map_err(|e| BenchError::Write {
        path: path.display().to_string(),
        reason: e.to_string(),
    })?;
    text.push('\n');
    std::fs::write(path, text).map_err(write_err)
}

/// The figures a summary lacks from [`REQUIRED_FIGURES`].
pub fn missing_required(figures: &[Figure]) -> Vec<&'static str> {
    REQUIRED_FIGURES
        .iter()
        .copied()
        .filter(|name| !figures.iter().any(|f| f.name == *name))
        .collect()
}

/// The summary table: one line per figure with its target and whether it holds.
pub fn table(figures: &[Figure]) -> String {
    let width = figures
        .iter()
        .map(|f| f.name.len())
        .max()
        .unwrap_or(0)
        .max(6);
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{:width$}  {:>12}  {:10}  {:>8}  result",
        "figure", "value", "unit", "target"
    );
    for f in figures {
        let (target, verdict) = match target_for(&f.name) {
            Some(t) if t.holds(f.value) => (t.describe(), "met"),
            Some(t) => (t.describe(), "MISSED"),
            None => (String::new(), ""),
        };
        let value = if f.value.abs() >= 100.0 || f.value.fract() == 0.0 {
            format!("{:.0}", f.value)
        } else {
            format!("{:.2}", f.value)
        };
        let _ = writeln!(
            out,
            "{:width$}  {value:>12}  {:10}  {target:>8}  {verdict}",
            f.name, f.unit
        );
    }
    out
}

/// Where the benchmark outputs live under a target directory.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Paths {
    /// criterion's output folder (`target/criterion`).
    pub criterion: PathBuf,
    /// The scale report (`target/bench-scale.json`).
    pub scale: PathBuf,
    /// The summary (`target/bench-summary.json`).
    pub summary: PathBuf,
}

impl Paths {
    /// The paths under `target_dir`.
    pub fn under(target_dir: &Path) -> Self {
        Self {
            criterion: target_dir.join("criterion"),
            scale: target_dir.join("bench-scale.json"),
            summary: target_dir.join("bench-summary.json"),
        }
    }

    /// The paths under `CARGO_TARGET_DIR`, or `target` in the current directory.
    pub fn from_env() -> Self {
        let dir = std::env::var_os("CARGO_TARGET_DIR")
            .map_or_else(|| PathBuf::from("target"), PathBuf::from);
        Self::under(&dir)
    }
}

/// Reads criterion's output and the scale report, writes the summary and returns its figures:
/// the required names first, then the supporting ones.
///
/// # Errors
/// As [`verification_figures`] and [`read_figures`]; [`BenchError::BadFile`] if a required
/// figure is missing; [`BenchError::Write`].
pub fn summarize(paths: &Paths) -> Result<Vec<Figure>, BenchError> {
    let mut figures = verification_figures(&paths.criterion)?;
    figures.extend(key_count_figures(&paths.criterion));
    figures.extend(read_figures(&paths.scale)?);
    let missing = missing_required(&figures);
    if !missing.is_empty() {
        return Err(BenchError::BadFile {
            path: paths.scale.display().to_string(),
            reason: format!("missing figures: {}", missing.join(", ")),
        });
    }
    figures.sort_by_key(|f| {
        REQUIRED_FIGURES
            .iter()
            .position(|r| *r == f.name)
            .unwrap_or(REQUIRED_FIGURES.len())
    });
    write_figures(&paths.summary, &figures)?;
    Ok(figures)
}

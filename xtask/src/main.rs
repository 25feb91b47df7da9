//! Project automation, in plain Rust: `cargo xtask <command>`.
//!
//! - `test`: everything CI checks, in order, stopping at the first failure.
//! - `conformance`: only the conformance suite against the testkit provider, as a table.
//! - `bench`: the criterion benchmarks and scale measurements; writes `target/bench-summary.json`.
//! - `fuzz [--seconds N] [TARGET...]`: each cargo-fuzz target in turn (nightly).

use std::process::{Command, ExitCode};
use std::time::Instant;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        Some("test") => test(),
        Some("conformance") => conformance(),
        Some("bench") => bench(),
        Some("fuzz") => fuzz(&args[1..]),
        Some("help" | "--help" | "-h") | None => {
            print_help();
            Ok(())
        }
        Some(other) => Err(format!("unknown command `{other}`; try `cargo xtask help`")),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("xtask: {e}");
            ExitCode::FAILURE
        }
    }
}

fn print_help() {
    println!(
        "cargo xtask test         fmt, clippy, unit/property/integration/conformance tests, doc tests, docs"
    );
    println!("cargo xtask conformance  only the conformance suite against the mock One Login");
    println!(
        "cargo xtask bench        criterion benchmarks and scale figures; writes target/bench-summary.json"
    );
    println!(
        "cargo xtask fuzz [--seconds N] [TARGET...]  each fuzz target in turn for N seconds (default 60; nightly)"
    );
}

/// One step: a name and a command line.
struct Step {
    name: &'static str,
    program: &'static str,
    args: Vec<&'static str>,
    env: Vec<(&'static str, String)>,
}

fn step(name: &'static str, program: &'static str, args: &[&'static str]) -> Step {
    Step {
        name,
        program,
        args: args.to_vec(),
        env: Vec::new(),
    }
}

fn has_nextest() -> bool {
    Command::new("cargo")
        .args(["nextest", "--version"])
        .output()
        .is_ok_and(|o| o.status.success())
}

fn run_steps(steps: &[Step]) -> Result<(), String> {
    let started = Instant::now();
    let total = steps.len();
    for (i, s) in steps.iter().enumerate() {
        let line = format!("{} {}", s.program, s.args.join(" "));
        println!("\n==> [{}/{total}] {}: {line}", i + 1, s.name);
        let t = Instant::now();
        let status = Command::new(s.program)
            .args(&s.args)
            .envs(s.env.iter().map(|(k, v)| (*k, v.as_str())))
            .status()
            .map_err(|e| format!("could not start `{line}`: {e}"))?;
        if !status.success() {
            println!(
                "\nxtask: step `{}` failed after {:.1}s; {} passed, 1 failed",
                s.name,
                t.elapsed().as_secs_f64(),
                i
            );
            return Err(format!("`{line}` failed ({status})"));
        }
        println!("<== {} ok in {:.1}s", s.name, t.elapsed().as_secs_f64());
    }
    println!(
        "\nxtask: all steps passed in {:.0}s: {total} passed, 0 failed",
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

fn test() -> Result<(), String> {
    let mut steps = vec![
        step("format", "cargo", &["fmt", "--all", "--check"]),
        step(
            "clippy",
            "cargo",
            &[
                "clippy",
                "--workspace",
                "--all-targets",
                "--",
                "-D",
                "warnings",
            ],
        ),
        step(
            "clippy without optional features",
            "cargo",
            &[
                "clippy",
                "-p",
                "govuk-one-login",
                "--no-default-features",
                "--",
                "-D",
                "warnings",
            ],
        ),
    ];
    if has_nextest() {
        steps.push(step(
            "tests (unit, property, integration, conformance)",
            "cargo",
            &["nextest", "run", "--workspace", "--no-fail-fast"],
        ));
    } else {
        println!(
            "xtask: cargo-nextest not found; using cargo test (install it with `cargo install cargo-nextest`)"
        );
        steps.push(step(
            "tests (unit, property, integration, conformance)",
            "cargo",
            &["test", "--workspace", "--lib", "--bins", "--tests"],
        ));
    }
    steps.push(step(
        "doc tests",
        "cargo",
        &["test", "--workspace", "--doc"],
    ));
    let mut docs = step("docs", "cargo", &["doc", "--workspace", "--no-deps"]);
    docs.env.push(("RUSTDOCFLAGS", "-D warnings".to_owned()));
    steps.push(docs);
    if succeeds("cargo", &["deny", "--version"]) {
        // `advisories` is left out: it clones the RustSec database, which needs network access.
        steps.push(step(
            "dependency policy (deny.toml)",
            "cargo",
            &["deny", "check", "licenses", "bans", "sources"],
        ));
    } else {
        println!(
            "xtask: cargo-deny not found; skipping the deny.toml check (install it with `cargo install cargo-deny --locked`)"
        );
    }
    run_steps(&steps)
}

fn conformance() -> Result<(), String> {
    let report = std::env::current_dir()
        .map_err(|e| e.to_string())?
        .join("target")
        .join("conformance.tsv");
    let _ = std::fs::create_dir_all(report.parent().unwrap_or(&report));
    let _ = std::fs::remove_file(&report);
    let mut suite = step(
        "conformance suite",
        "cargo",
        &[
            "test",
            "-p",
            "govuk-one-login-conformance",
            "--",
            "--test-threads",
            "2",
        ],
    );
    // The suite appends one line per scenario to this file.
    suite.env.push((
        "GOVUK_ONE_LOGIN_CONFORMANCE_REPORT",
        report.to_string_lossy().into_owned(),
    ));
    let result = run_steps(&[suite]);
    print_conformance_table(&report);
    result
}

/// `cargo xtask bench`: builds the benchmarks, runs the criterion verification benchmarks
/// (pinned to core 1 with `taskset` when it exists, `--noplot`), the scale scenarios against the
/// mock One Login, then prints the summary table and writes `target/bench-summary.json`.
fn bench() -> Result<(), String> {
    const PKG: &str = "govuk-one-login-benches";
    let pinned = Command::new("taskset")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    let criterion: &[&'static str] = &["bench", "-p", PKG, "--bench", "verify", "--", "--noplot"];
    let mut steps = vec![
        step(
            "build the benchmarks",
            "cargo",
            &["bench", "-p", PKG, "--no-run"],
        ),
        step(
            "build the scale and summary programs",
            "cargo",
            &["build", "--profile", "bench", "-p", PKG, "--bins"],
        ),
    ];
    if pinned {
        let mut args = vec!["-c", "1", "cargo"];
        args.extend_from_slice(criterion);
        steps.push(step("verification benchmarks on core 1", "taskset", &args));
    } else {
        println!("xtask: taskset not found; the verification benchmarks run unpinned");
        steps.push(step("verification benchmarks", "cargo", criterion));
    }
    steps.push(step(
        "scale scenarios (cold cache, unknown-kid flood, sign-ins, 100 services)",
        "cargo",
        &[
            "run",
            "--profile",
            "bench",
            "-q",
            "-p",
            PKG,
            "--bin",
            "scale",
        ],
    ));
    steps.push(step(
        "summary",
        "cargo",
        &[
            "run",
            "--profile",
            "bench",
            "-q",
            "-p",
            PKG,
            "--bin",
            "summary",
        ],
    ));
    run_steps(&steps)
}

fn print_conformance_table(report: &std::path::Path) {
    let Ok(text) = std::fs::read_to_string(report) else {
        println!("xtask: no conformance report at {}", report.display());
        return;
    };
    let mut rows: Vec<Vec<&str>> = text.lines().map(|l| l.split('\t').collect()).collect();
    rows.retain(|r| r.len() == 4);
    rows.sort();
    let width = |i: usize, title: &str| {
        rows.iter()
            .map(|r| r[i].len())
            .chain([title.len()])
            .max()
            .unwrap_or(0)
    };
    let (w0, w1, w2) = (
        width(0, "family"),
        width(1, "scenario"),
        width(2, "expected"),
    );
    println!(
        "\n{:w0$}  {:w1$}  {:w2$}  result",
        "family", "scenario", "expected"
    );
    let mut failed = 0;
    for r in &rows {
        let ok = r[2] == r[3];
        if !ok {
            failed += 1;
        }
        let verdict = if ok {
            "ok".to_owned()
        } else {
            format!("FAILED (got {})", r[3])
        };
        println!("{:w0$}  {:w1$}  {:w2$}  {verdict}", r[0], r[1], r[2]);
    }
    println!(
        "\nconformance: {} passed, {failed} failed",
        rows.len() - failed
    );
}

/// Whether `program args` runs and exits successfully.
fn succeeds(program: &str, args: &[&str]) -> bool {
    Command::new(program)
        .args(args)
        .output()
        .is_ok_and(|o| o.status.success())
}

/// `cargo xtask fuzz [--seconds N] [TARGET...]`: runs each cargo-fuzz target in `fuzz/` in turn
/// for N seconds (every target unless some are named), with its committed seeds. Needs a nightly
/// toolchain; installs cargo-fuzz when it is missing and the registry offers it.
fn fuzz(args: &[String]) -> Result<(), String> {
    let mut seconds: u64 = 60;
    let mut wanted: Vec<String> = Vec::new();
    let mut it = args.iter();
    while let Some(arg) = it.next() {
        match arg.as_str() {
            "--seconds" => {
                let value = it.next().ok_or("--seconds needs a number")?;
                seconds = value
                    .parse()
                    .map_err(|_| format!("--seconds needs a number, not `{value}`"))?;
            }
            other if other.starts_with('-') => {
                return Err(format!("unknown option `{other}` for `cargo xtask fuzz`"));
            }
            target => wanted.push(target.to_owned()),
        }
    }
    let root = std::env::current_dir().map_err(|e| e.to_string())?;
    let fuzz_dir = root.join("fuzz");
    let mut targets: Vec<String> = std::fs::read_dir(fuzz_dir.join("fuzz_targets"))
        .map_err(|e| {
            format!("no fuzz/fuzz_targets folder here ({e}); run from the repository root")
        })?
        .filter_map(Result::ok)
        .filter_map(|e| {
            e.file_name()
                .to_str()
                .and_then(|n| n.strip_suffix(".rs"))
                .map(str::to_owned)
        })
        .collect();
    targets.sort();
    if let Some(unknown) = wanted.iter().find(|w| !targets.contains(w)) {
        return Err(format!(
            "no fuzz target `{unknown}`; targets: {}",
            targets.join(", ")
        ));
    }
    if !wanted.is_empty() {
        targets.retain(|t| wanted.contains(t));
    }

    if !succeeds("cargo", &["+nightly", "--version"]) {
        println!(
            "xtask: no nightly toolchain (`cargo +nightly` fails); cargo-fuzz needs one. Fuzzing skipped; the same hostile inputs run as property tests in `cargo xtask test`."
        );
        return Ok(());
    }
    if !succeeds("cargo", &["fuzz", "--version"]) {
        println!("xtask: cargo-fuzz is not installed; trying `cargo install cargo-fuzz --locked`");
        if !succeeds("cargo", &["info", "cargo-fuzz"]) {
            println!(
                "xtask: the registry does not offer cargo-fuzz here; fuzzing skipped. The same hostile inputs run as property tests in `cargo xtask test`."
            );
            return Ok(());
        }
        run_steps(&[step(
            "install cargo-fuzz",
            "cargo",
            &["install", "cargo-fuzz", "--locked"],
        )])?;
    }

    let started = Instant::now();
    let total = targets.len();
    let mut failed: Vec<String> = Vec::new();
    for (i, target) in targets.iter().enumerate() {
        let corpus = fuzz_dir.join("corpus").join(target);
        let seeds = fuzz_dir.join("seeds").join(target);
        let _ = std::fs::create_dir_all(&corpus);
        let mut cmd_args: Vec<String> = vec![
            "+nightly".into(),
            "fuzz".into(),
            "run".into(),
            target.clone(),
            corpus.to_string_lossy().into_owned(),
        ];
        if seeds.is_dir() {
            cmd_args.push(seeds.to_string_lossy().into_owned());
        }
        cmd_args.push("--".into());
        cmd_args.push(format!("-max_total_time={seconds}"));
        println!(
            "\n==> [{}/{total}] fuzz {target}: (in fuzz/) cargo {}",
            i + 1,
            cmd_args.join(" ")
        );
        let t = Instant::now();
        // `cargo xtask` runs under the stable toolchain, whose variables would leak into nightly.
        let status = Command::new("cargo")
            .args(&cmd_args)
            .current_dir(&fuzz_dir)
            .env_remove("CARGO")
            .env_remove("RUSTC")
            .env_remove("RUSTDOC")
            .env_remove("RUSTUP_TOOLCHAIN")
            .status()
            .map_err(|e| format!("could not start cargo fuzz: {e}"))?;
        if status.success() {
            println!("<== {target} ok in {:.1}s", t.elapsed().as_secs_f64());
        } else {
            println!(
                "<== {target} FAILED ({status}); the crashing input is in fuzz/artifacts/{target}/"
            );
            failed.push(target.clone());
        }
    }
    println!(
        "\nxtask: fuzzed {total} targets in {:.0}s: {} passed, {} failed",
        started.elapsed().as_secs_f64(),
        total - failed.len(),
        failed.len()
    );
    if failed.is_empty() {
        Ok(())
    } else {
        Err(format!("fuzz targets failed: {}", failed.join(", ")))
    }
}

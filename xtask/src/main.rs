//! Project automation, in plain Rust: `cargo xtask <command>`.
//!
//! - `test`: everything CI checks, in order, stopping at the first failure.
//! - `conformance`: only the conformance suite against the testkit provider.

use std::process::{Command, ExitCode};
use std::time::Instant;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        Some("test") => test(),
        Some("conformance") => conformance(),
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

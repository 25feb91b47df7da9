//! Reads criterion's medians and the scale report, writes `target/bench-summary.json` and prints
//! the summary table with the targets.

use std::process::ExitCode;

use govuk_one_login_benches::{Paths, summarize, table, target_for};

fn main() -> ExitCode {
    let paths = Paths::from_env();
    match summarize(&paths) {
        Ok(figures) => {
            println!("{}", table(&figures));
            let missed = figures
                .iter()
                .filter(|f| target_for(&f.name).is_some_and(|t| !t.holds(f.value)))
                .count();
            let met = figures
                .iter()
                .filter(|f| target_for(&f.name).is_some_and(|t| t.holds(f.value)))
                .count();
            println!("targets: {met} met, {missed} missed (see docs/performance.md)");
            println!("summary written to {}", paths.summary.display());
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("summary: {e} [{}]", e.code());
            ExitCode::FAILURE
        }
    }
}

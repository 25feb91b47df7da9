//! Runs the count and scale scenarios against the mock One Login and writes
//! `target/bench-scale.json` (or the path given as the first argument).

use std::alloc::System;
use std::path::PathBuf;
use std::process::ExitCode;

use cap::Cap;
use govuk_one_login_benches::{Paths, ScalePlan, run_all, write_figures};

/// Counts allocated bytes, for memory per service.
#[global_allocator]
static ALLOCATOR: Cap<System> = Cap::new(System, usize::MAX);

fn allocated() -> usize {
    ALLOCATOR.allocated()
}

fn main() -> ExitCode {
    let out = std::env::args_os()
        .nth(1)
        .map_or_else(|| Paths::from_env().scale, PathBuf::from);
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("scale: the tokio runtime could not start: {e}");
            return ExitCode::FAILURE;
        }
    };
    let result = runtime
        .block_on(run_all(ScalePlan::ISSUE, allocated))
        .and_then(|figures| write_figures(&out, &figures).map(|()| figures));
    match result {
        Ok(figures) => {
            println!(
                "scale: {} figures written to {}",
                figures.len(),
                out.display()
            );
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("scale: {e} [{}]", e.code());
            ExitCode::FAILURE
        }
    }
}

//! Checking a services file by hand: each service's sector, who shares users, every problem.
//! The example's `check` and the `one-login check` command both print this report.

use std::fmt::Write as _;
use std::path::Path;

use govuk_one_login_core::{ServiceSpec, ServicesFile, Url};
use govuk_one_login_sector::{SectorReport, service_sector_host};

/// What [`check_services_file`] found: the report to print, and the code of every problem.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CheckReport {
    /// Each service's sector and who shares its users, warnings, and every problem.
    pub text: String,
    /// The code of each problem (`config.read`, `config.parse` or a `config.*` rule's code).
    pub problems: Vec<&'static str>,
}

impl CheckReport {
    /// Whether the file has no problem (and so can be served).
    pub fn is_ok(&self) -> bool {
        self.problems.is_empty()
    }
}

/// The sector One Login hashes into a service's `sub`, if its URIs give one.
fn sector(spec: &ServiceSpec) -> Option<String> {
    let parse = |u: &String| Url::parse(u).ok();
    let redirects: Vec<Url> = spec.redirect_uris.iter().filter_map(parse).collect();
    let sector_uri = spec.sector_identifier_uri.as_ref().and_then(parse);
    service_sector_host(sector_uri.as_ref(), &redirects)
}

/// Reads and checks a services file. An unreadable, unparsable or invalid file is a problem in
/// the report, with each service's sector as far as it can be worked out.
///
/// ```
/// let report = govuk_one_login::check_services_file("no-such-file.toml");
/// assert_eq!(report.problems, ["config.read"]);
/// assert!(!report.is_ok());
/// ```
pub fn check_services_file(path: impl AsRef<Path>) -> CheckReport {
    let mut text = format!("services file {}\n", path.as_ref().display());
    let mut problems: Vec<(&'static str, String)> = Vec::new();
    match ServicesFile::read(path) {
        Err(e) => problems.push((e.code(), e.to_string())),
        Ok(file) => {
            let sectors: Vec<_> = file.services.iter().map(|s| (s, sector(s))).collect();
            for (spec, sector) in &sectors {
                let shared = sectors
                    .iter()
                    .filter(|(o, s)| o.name != spec.name && s == sector);
                let shared: Vec<&str> = shared
                    .filter(|_| sector.is_some())
                    .map(|(o, _)| o.name.as_str())
                    .collect();
                let sector = sector
                    .as_deref()
                    .unwrap_or("unknown (no valid redirect URI)");
                let (name, client) = (&spec.name, &spec.client_id);
                let _ = writeln!(text, "  service {name} (client {client}): sector {sector}");
                let _ = match shared.as_slice() {
                    [] => writeln!(text, "    shares users with no other service"),
                    others => writeln!(text, "    shares users with: {}", others.join(", ")),
                };
            }
            match file.validate() {
                Ok(services) => {
                    let sectors = SectorReport::new(&services);
                    let warnings = sectors.undeclared_sharing().into_iter();
                    warnings.for_each(|w| text += &format!("warning: {w}\n"));
                }
                Err(e) if e.problems().is_empty() => problems.push((e.code(), e.to_string())),
                Err(e) => {
                    problems.extend(e.problems().iter().map(|p| (p.kind.code(), p.to_string())))
                }
            }
        }
    }
    let _ = match problems.len() {
        0 => writeln!(text, "no problems"),
        n => writeln!(text, "{n} problem(s):"),
    };
    problems
        .iter()
        .for_each(|(_, p)| text += &format!("  - {p}\n"));
    let problems = problems.into_iter().map(|(code, _)| code).collect();
    CheckReport { text, problems }
}

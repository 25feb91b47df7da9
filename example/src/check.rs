//! `example-rp check FILE`: a services file's sectors, who shares users, and every problem.

use std::collections::BTreeMap;
use std::fmt;
use std::path::Path;

use govuk_one_login::sector::{SectorReport, service_sector_host};
use govuk_one_login::{ServicesFile, Url};

/// One service of a checked file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServiceSector {
    /// The service's name.
    pub name: String,
    /// Its client id.
    pub client_id: String,
    /// Its sector (the host One Login hashes into `sub`), when it can be worked out.
    pub sector: Option<String>,
    /// The other services in the same sector: a person has the same `sub` in them.
    pub shares_users_with: Vec<String>,
}

/// One problem found in a file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckProblem {
    /// A stable code (`config.read`, `config.parse`, or a `config.*` rule's code).
    pub code: &'static str,
    /// What is wrong and how to fix it.
    pub message: String,
}

/// What `check` found: per service its sector and who shares users, warnings, and problems.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckReport {
    /// The file checked.
    pub path: String,
    /// The services, in file order.
    pub services: Vec<ServiceSector>,
    /// Things that are allowed but probably unintended (services sharing users without saying so).
    pub warnings: Vec<String>,
    /// Every problem; the file is usable only when there is none.
    pub problems: Vec<CheckProblem>,
}

impl CheckReport {
    /// Whether the file has no problem.
    pub fn is_ok(&self) -> bool {
        self.problems.is_empty()
    }
}

/// Reads and checks a services file. Never fails: an unreadable or unparsable file is a problem
/// in the report.
pub fn check_file(path: impl AsRef<Path>) -> CheckReport {
    let path = path.as_ref();
    let mut report = CheckReport {
        path: path.display().to_string(),
        services: Vec::new(),
        warnings: Vec::new(),
        problems: Vec::new(),
    };
    let file = match ServicesFile::read(path) {
        Ok(f) => f,
        Err(e) => {
            report.problems.push(CheckProblem {
                code: e.code(),
                message: e.to_string(),
            });
            return report;
        }
    };
    match file.validate() {
        Ok(services) => {
            let sectors = SectorReport::new(&services);
            for svc in services.iter() {
                let name = svc.name().as_str();
                let shares = services
                    .iter()
                    .map(|o| o.name().as_str())
                    .filter(|o| *o != name && sectors.shares_users(name, o))
                    .map(str::to_owned)
                    .collect();
                report.services.push(ServiceSector {
                    name: name.to_owned(),
                    client_id: svc.client_id().to_string(),
                    sector: Some(svc.sector().to_owned()),
                    shares_users_with: shares,
                });
            }
            report.warnings = sectors
                .undeclared_sharing()
                .iter()
                .map(ToString::to_string)
                .collect();
        }
        Err(e) => {
            // Best effort for an invalid file: the sector each service would have.
            let sectors: Vec<Option<String>> = file
                .services
                .iter()
                .map(|s| {
                    let parse = |u: &String| Url::parse(u).ok();
                    let sector_uri = s.sector_identifier_uri.as_ref().and_then(parse);
                    let redirects: Vec<Url> = s.redirect_uris.iter().filter_map(parse).collect();
                    service_sector_host(sector_uri.as_ref(), &redirects)
                })
                .collect();
            let mut by_sector: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
            for (spec, sector) in file.services.iter().zip(&sectors) {
                if let Some(sector) = sector {
                    by_sector.entry(sector).or_default().push(&spec.name);
                }
            }
            for (spec, sector) in file.services.iter().zip(&sectors) {
                let shares = sector
                    .as_deref()
                    .and_then(|s| by_sector.get(s))
                    .map(|names| {
                        names
                            .iter()
                            .filter(|n| **n != spec.name)
                            .map(|n| (*n).to_owned())
                            .collect()
                    })
                    .unwrap_or_default();
                report.services.push(ServiceSector {
                    name: spec.name.clone(),
                    client_id: spec.client_id.clone(),
                    sector: sector.clone(),
                    shares_users_with: shares,
                });
            }
            let problems = e.problems();
            if problems.is_empty() {
                report.problems.push(CheckProblem {
                    code: e.code(),
                    message: e.to_string(),
                });
            }
            report
                .problems
                .extend(problems.iter().map(|p| CheckProblem {
                    code: p.kind.code(),
                    message: p.to_string(),
                }));
        }
    }
    report
}

impl fmt::Display for CheckReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "services file {}", self.path)?;
        for s in &self.services {
            let sector = s
                .sector
                .as_deref()
                .unwrap_or("unknown (no valid redirect URI)");
            writeln!(
                f,
                "  service {} (client {}): sector {sector}",
                s.name, s.client_id
            )?;
            if s.shares_users_with.is_empty() {
                writeln!(f, "    shares users with no other service")?;
            } else {
                writeln!(
                    f,
                    "    shares users with: {}",
                    s.shares_users_with.join(", ")
                )?;
            }
        }
        for w in &self.warnings {
            writeln!(f, "warning: {w}")?;
        }
        if self.problems.is_empty() {
            writeln!(f, "no problems")
        } else {
            writeln!(f, "{} problem(s):", self.problems.len())?;
            for p in &self.problems {
                writeln!(f, "  - {}", p.message)?;
            }
            Ok(())
        }
    }
}

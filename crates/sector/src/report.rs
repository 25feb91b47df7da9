//! Which services share users: the services of a checked set, grouped by sector.

use std::collections::BTreeMap;
use std::fmt;

use govuk_one_login_core::{ClientId, ServiceConfig, ServiceName, Services, Url};

use crate::sector::Sector;

/// Where a service's sector comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum SectorSource {
    /// The host of its sector identifier URI.
    SectorIdentifierUri(Url),
    /// The host of its first redirect URI (no sector identifier URI is set).
    FirstRedirectUri(Url),
}

impl fmt::Display for SectorSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::SectorIdentifierUri(u) => write!(f, "sector_identifier_uri {u}"),
            Self::FirstRedirectUri(u) => write!(f, "first redirect URI {u}"),
        }
    }
}

/// One service in a [`SectorEntry`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SectorMember {
    name: ServiceName,
    client_id: ClientId,
    source: SectorSource,
    share_users_group: Option<String>,
}

impl SectorMember {
    fn of(service: &ServiceConfig) -> Self {
        let source = match service.sector_identifier_uri() {
            Some(u) => SectorSource::SectorIdentifierUri(u.clone()),
            None => SectorSource::FirstRedirectUri(service.default_redirect_uri().clone()),
        };
        Self {
            name: service.name().clone(),
            client_id: service.client_id().clone(),
            source,
            share_users_group: service.share_users_group().map(str::to_owned),
        }
    }

    /// The service's name.
    pub fn name(&self) -> &ServiceName {
        &self.name
    }

    /// Its client id.
    pub fn client_id(&self) -> &ClientId {
        &self.client_id
    }

    /// Where its sector comes from.
    pub fn source(&self) -> &SectorSource {
        &self.source
    }

    /// The share-users group the services file puts it in, if any.
    pub fn share_users_group(&self) -> Option<&str> {
        self.share_users_group.as_deref()
    }
}

/// One sector and the services in it: a person has the same `sub` in all of them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SectorEntry {
    sector: Sector,
    services: Vec<SectorMember>,
}

impl SectorEntry {
    /// The sector.
    pub fn sector(&self) -> &Sector {
        &self.sector
    }

    /// Its services, sorted by name.
    pub fn services(&self) -> &[SectorMember] {
        &self.services
    }

    /// Whether more than one service is in this sector (they share users).
    pub fn is_shared(&self) -> bool {
        self.services.len() > 1
    }
}

/// Which services share users: one entry per sector (sorted by sector), services sorted by name.
///
/// Build it from a checked [`Services`] set; core validation has already refused services whose
/// redirect URIs span several hosts without a sector identifier URI, and share-users groups that
/// resolve to different sectors, so this report shows what the provider will do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SectorReport {
    sectors: Vec<SectorEntry>,
}

impl SectorReport {
    /// Groups the services by sector.
    pub fn new(services: &Services) -> Self {
        let mut map: BTreeMap<Sector, Vec<SectorMember>> = BTreeMap::new();
        for service in services {
            map.entry(Sector::of_service(service))
                .or_default()
                .push(SectorMember::of(service));
        }
        let sectors = map
            .into_iter()
            .map(|(sector, mut services)| {
                services.sort_by(|a, b| a.name.cmp(&b.name));
                SectorEntry { sector, services }
            })
            .collect();
        Self { sectors }
    }

    /// Every sector, sorted, with its services sorted by name.
    pub fn sectors(&self) -> &[SectorEntry] {
        &self.sectors
    }

    /// The sectors that more than one service shares.
    pub fn shared_sectors(&self) -> impl Iterator<Item = &SectorEntry> {
        self.sectors.iter().filter(|e| e.is_shared())
    }

    /// The sector of a service, by name.
    pub fn sector_of(&self, service: &str) -> Option<&Sector> {
        self.sectors
            .iter()
            .find(|e| e.services.iter().any(|m| m.name.as_str() == service))
            .map(|e| &e.sector)
    }

    /// Whether services `a` and `b` (by name) see the same `sub` for a person. `false` when either
    /// is unknown; `true` for a known service and itself.
    pub fn shares_users(&self, a: &str, b: &str) -> bool {
        match (self.sector_of(a), self.sector_of(b)) {
            (Some(x), Some(y)) => x == y,
            _ => false,
        }
    }

    /// Pairs of services that share a sector although the services file does not say they share
    /// users: at least one of them names a share-users group and the other names another group or
    /// none. Core validation refuses a group split over several sectors, but not this (the
    /// opposite) case; tooling can show these as warnings. Pairs come in sector order, then by
    /// name.
    pub fn undeclared_sharing(&self) -> Vec<UndeclaredSharing<'_>> {
        let mut out = Vec::new();
        for entry in &self.sectors {
            for (i, first) in entry.services.iter().enumerate() {
                for second in &entry.services[i + 1..] {
                    let (a, b) = (&first.share_users_group, &second.share_users_group);
                    if (a.is_some() || b.is_some()) && a != b {
                        out.push(UndeclaredSharing {
                            sector: &entry.sector,
                            first,
                            second,
                        });
                    }
                }
            }
        }
        out
    }
}

/// Two services that share a sector, and so users, although the services file puts them in
/// different share-users groups (or only one of them in a group).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UndeclaredSharing<'a> {
    /// The sector both are in.
    pub sector: &'a Sector,
    /// The first service (by name).
    pub first: &'a SectorMember,
    /// The second service (by name).
    pub second: &'a SectorMember,
}

impl fmt::Display for UndeclaredSharing<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let group = |m: &SectorMember| match &m.share_users_group {
            Some(g) => format!("group `{g}`"),
            None => "no group".to_owned(),
        };
        write!(
            f,
            "services `{}` ({}) and `{}` ({}) share sector {} and so see the same `sub` for a person",
            self.first.name,
            group(self.first),
            self.second.name,
            group(self.second),
            self.sector
        )
    }
}

impl fmt::Display for SectorReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for entry in &self.sectors {
            let note = if entry.is_shared() {
                "shares users"
            } else {
                "users not shared"
            };
            writeln!(f, "sector {} ({note}):", entry.sector)?;
            for m in &entry.services {
                write!(
                    f,
                    "  - {} (client {}), from {}",
                    m.name, m.client_id, m.source
                )?;
                if let Some(g) = &m.share_users_group {
                    write!(f, ", group `{g}`")?;
                }
                writeln!(f)?;
            }
        }
        Ok(())
    }
}

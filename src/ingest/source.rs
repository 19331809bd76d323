//! What every deploy, incident and catalog reader shares: the context a file is read in (its
//! path, the zone for zoneless times, how names map to catalog services) and the result
//! (records plus the rejects, each naming file, position and field).

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use crate::ingest::time::Zone;
use crate::model::{Reject, Service};

/// Maps the names sources use (environments, applications, status-page components, PagerDuty
/// services, products) to catalog services.
#[derive(Debug, Clone, Default)]
pub struct ServiceResolver {
    /// Catalog service names.
    services: BTreeSet<String>,
    /// Lower-cased alias (catalog aliases and the config's mappings) → service.
    aliases: BTreeMap<String, String>,
}

impl ServiceResolver {
    /// Build from the catalog and the config's `name → service` mappings for one source.
    pub fn new(catalog: &[Service], mappings: &BTreeMap<String, String>) -> ServiceResolver {
        let mut resolver = ServiceResolver::default();
        for service in catalog {
            resolver.services.insert(service.name.clone());
            resolver.aliases.insert(service.name.to_lowercase(), service.name.clone());
            for alias in &service.aliases {
                resolver.aliases.entry(alias.to_lowercase()).or_insert_with(|| service.name.clone());
            }
        }
        for (name, service) in mappings {
            resolver.aliases.insert(name.to_lowercase(), service.clone());
        }
        resolver
    }

    /// The catalog service `name` stands for: a configured mapping, a catalog name or alias
    /// (case-insensitive); `None` when nothing matches.
    pub fn resolve(&self, name: &str) -> Option<String> {
        self.aliases.get(&name.trim().to_lowercase()).cloned()
    }

    /// Whether `name` is exactly a catalog service.
    pub fn is_service(&self, name: &str) -> bool {
        self.services.contains(name)
    }

    /// Whether the catalog is empty (then names are taken as they are, see [`Context::service`]).
    pub fn is_empty(&self) -> bool {
        self.services.is_empty() && self.aliases.is_empty()
    }
}

/// The context one source file is read in.
#[derive(Debug, Clone, Copy)]
pub struct Context<'a> {
    /// The file, as given in the config (for messages).
    pub file: &'a Path,
    /// The zone for timestamps that carry none; `None` makes them errors.
    pub zone: Option<Zone>,
    /// Name → catalog service.
    pub services: &'a ServiceResolver,
}

impl Context<'_> {
    /// A reject at `position` (`line 3`, `$.incidents[2].started_at`), about `field`.
    pub fn reject(
        &self,
        position: impl Into<String>,
        field: Option<&str>,
        message: impl Into<String>,
    ) -> Reject {
        Reject {
            file: self.file.display().to_string(),
            position: position.into(),
            field: field.map(str::to_string),
            message: message.into(),
        }
    }

    /// The catalog service for `name`. Without a catalog, names are taken as they are, so a
    /// team can start with deploys alone.
    pub fn service(&self, name: &str) -> Option<String> {
        if self.services.is_empty() {
            let name = name.trim();
            return (!name.is_empty()).then(|| name.to_string());
        }
        self.services.resolve(name)
    }

    /// `file:position`, for a record's `origin`.
    pub fn origin(&self, position: &str) -> String {
        format!("{}:{position}", self.file.display())
    }
}

/// What reading one file gave: the records, and the ones that could not be used.
#[derive(Debug, Clone, PartialEq)]
pub struct Parsed<T> {
    /// Usable records, in file order.
    pub records: Vec<T>,
    /// Records that could not be used, with the reason; never silently dropped.
    pub rejects: Vec<Reject>,
    /// Notes for the user that do not reject a record (for example an incident component that
    /// maps to no catalog service).
    pub notes: Vec<String>,
}

impl<T> Default for Parsed<T> {
    fn default() -> Self {
        Parsed { records: Vec::new(), rejects: Vec::new(), notes: Vec::new() }
    }
}

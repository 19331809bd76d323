//! What the deploy readers' tests share: fixtures from `tests/fixtures/`, a small catalog, and
//! one line per record so expected records read as a table.

use std::collections::BTreeMap;
use std::path::Path;

use chrono::SecondsFormat;

use crate::ingest::source::{Context, ServiceResolver};
use crate::model::{Deploy, Service};

/// The text of `tests/fixtures/<path>`.
pub(crate) fn fixture(path: &str) -> String {
    let full = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures").join(path);
    std::fs::read_to_string(&full).unwrap_or_else(|e| panic!("{}: {e}", full.display()))
}

/// A catalog component with aliases.
pub(crate) fn service(name: &str, aliases: &[&str]) -> Service {
    Service {
        name: name.into(),
        kind: "component".into(),
        system: None,
        owner: None,
        tier: None,
        lifecycle: None,
        repo: None,
        path: None,
        aliases: aliases.iter().map(|a| a.to_string()).collect(),
    }
}

/// A resolver over `services` with the config mappings `mapping`.
pub(crate) fn resolver(services: &[&str], mapping: &[(&str, &str)]) -> ServiceResolver {
    let catalog: Vec<Service> = services.iter().map(|s| service(s, &[])).collect();
    let mapping: BTreeMap<String, String> =
        mapping.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
    ServiceResolver::new(&catalog, &mapping)
}

/// The context of `file` with `services`, no zone.
pub(crate) fn ctx<'a>(file: &'a str, services: &'a ServiceResolver) -> Context<'a> {
    Context { file: Path::new(file), zone: None, services }
}

/// `id service env repo sha started finished status kind rollback_of actor @origin`, `-` for none.
pub(crate) fn line(d: &Deploy) -> String {
    let t = |at: &chrono::DateTime<chrono::Utc>| at.to_rfc3339_opts(SecondsFormat::AutoSi, true);
    let o = |v: &Option<String>| v.clone().unwrap_or_else(|| "-".into());
    format!(
        "{} {} {} {} {} {} {} {} {} {} {} {} @{}",
        d.id,
        d.service,
        d.environment,
        o(&d.repo),
        o(&d.sha),
        t(&d.started_at),
        d.finished_at.as_ref().map_or("-".into(), t),
        d.status.as_str(),
        d.kind.as_str(),
        o(&d.rollback_of),
        o(&d.actor),
        d.source,
        d.origin
    )
}

/// Every record as a [`line`].
pub(crate) fn lines(records: &[Deploy]) -> Vec<String> {
    records.iter().map(line).collect()
}

/// Every reject as its message line.
pub(crate) fn rejects(rejects: &[crate::model::Reject]) -> Vec<String> {
    rejects.iter().map(|r| r.to_string()).collect()
}

/// A plain successful deploy of `checkout` from repository `repo`.
pub(crate) fn deploy_named(repo: &str) -> Deploy {
    Deploy {
        id: "d1".into(),
        service: "checkout".into(),
        environment: "production".into(),
        repo: Some(repo.into()),
        sha: None,
        started_at: chrono::DateTime::from_timestamp(1_780_304_400, 0).expect("in range"),
        finished_at: None,
        status: crate::model::DeployStatus::Success,
        kind: crate::model::DeployKind::Deploy,
        rollback_of: None,
        actor: None,
        source: "canonical".into(),
        origin: "d.json:$".into(),
    }
}

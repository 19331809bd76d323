//! The service catalog from Backstage entity YAML: the services faultline attributes deploys
//! and incidents to, and the dependencies between them that blast-radius analysis follows.
//!
//! One file holds many entity documents (`---` separated), as `catalog-info.yaml` files and
//! Backstage's own exports do. `Component`, `Resource`, `System` and `API` entities become
//! [`Service`]s (their `metadata.name` is the service name, the kind in lower case); other kinds
//! (`Group`, `User`, `Location`, `Domain`, `Template`, …) describe people and catalog plumbing,
//! not running software, and are skipped with one note counting them. Dependencies come from
//! `spec.dependsOn` and `spec.dependencyOf` (`via = "depends_on"`) and from APIs: a component
//! that consumes an API depends on each component providing it (`via = "consumes_api"`), or on
//! the API entity itself when nothing in the catalog provides it.
//!
//! A document that is not an entity (not a mapping, no `kind`, no `metadata.name`, a field of
//! the wrong type) is a reject naming `document N` and the field. Problems of one edge — a
//! reference to an entity the file does not hold, or to a group — are notes and drop only that
//! edge: the entity is still right, the catalog is merely incomplete. Entities sharing a name
//! are merged into one service and every value they disagree on is noted.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use serde::Deserialize;
use serde_yaml_ng::{Mapping, Value};

use crate::ingest::source::Parsed;
use crate::model::{Reject, Service, ServiceDep};

/// The annotation a service's tier is read from when no key is configured.
pub const TIER_ANNOTATION: &str = "faultline.dev/tier";
/// The label a service's tier is read from when no key is configured (after the annotation).
pub const TIER_LABEL: &str = "tier";
/// The annotation listing other names of a service, comma-separated.
pub const ALIASES_ANNOTATION: &str = "faultline.dev/aliases";
/// Backstage's annotation for where an entity's source code lives.
pub const SOURCE_LOCATION: &str = "backstage.io/source-location";
/// The GitHub plugin's `org/repo` annotation.
pub const PROJECT_SLUG: &str = "github.com/project-slug";
/// Where Backstage read the entity from; the fallback for the repository when neither of the
/// two above is given.
pub const MANAGED_BY_LOCATION: &str = "backstage.io/managed-by-location";

/// The context a catalog file is read in.
#[derive(Debug, Clone, Copy)]
pub struct CatalogContext<'a> {
    /// The file, as given in the config (for messages).
    pub file: &'a Path,
    /// The configured repositories: name and, when known, the remote URL (`git@github.com:
    /// acme/shop.git`, `https://github.com/acme/shop`). A source location is matched to a
    /// repository by its remote when one is given, else by name.
    pub repos: &'a [(String, Option<String>)],
    /// The annotation or label holding the tier (the config's `tier_key`); `None` reads
    /// [`TIER_ANNOTATION`], then the label [`TIER_LABEL`], then `spec.tier`.
    pub tier_key: Option<&'a str>,
    /// `spec.lifecycle` → tier for entities that state no tier (the config's
    /// `lifecycle_tiers`); `None` means [`DEFAULT_LIFECYCLE_TIERS`].
    pub lifecycle_tiers: Option<&'a BTreeMap<String, i32>>,
}

/// The tier an entity's `spec.lifecycle` implies when nothing states its tier: a production
/// service matters more than an experiment. Backstage's own lifecycle values; the config's
/// `lifecycle_tiers` replaces the table.
pub const DEFAULT_LIFECYCLE_TIERS: [(&str, i32); 3] =
    [("production", 2), ("experimental", 4), ("deprecated", 5)];

/// What a catalog file gave: the services (with the rejected documents and the notes) and the
/// dependencies between them.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Catalog {
    /// Services sorted by name, one per name; rejects and notes of the whole file.
    pub services: Parsed<Service>,
    /// Dependencies sorted and unique; both ends are services of [`Catalog::services`].
    pub deps: Vec<ServiceDep>,
}

/// The entity kinds that become services, in the order that wins when two share a name.
const KINDS: [&str; 4] = ["component", "resource", "system", "api"];

/// One accepted entity, before entities of the same name are merged.
struct Entity {
    document: usize,
    /// Index into [`KINDS`].
    kind: usize,
    service: Service,
    /// (field path, reference as written) of each list.
    depends_on: Vec<(String, String)>,
    dependency_of: Vec<(String, String)>,
    consumes: Vec<(String, String)>,
    provides: Vec<(String, String)>,
}

/// A `[kind:][namespace/]name` reference, kind in lower case.
#[derive(Debug, Clone, PartialEq, Eq)]
struct EntityRef {
    kind: String,
    name: String,
}

/// Parse an entity reference; `default_kind` when it names none.
fn parse_ref(text: &str, default_kind: &str) -> Option<EntityRef> {
    let text = text.trim();
    let (kind, rest) = match text.split_once(':') {
        Some((kind, rest)) if !kind.contains('/') => (kind.trim().to_ascii_lowercase(), rest),
        Some(_) => return None,
        None => (default_kind.to_string(), text),
    };
    let name = match rest.split_once('/') {
        Some((namespace, name)) if !namespace.trim().is_empty() => name,
        Some(_) => return None,
        None => rest,
    };
    let name = name.trim();
    let valid = |s: &str| !s.is_empty() && !s.contains([':', '/']) && !s.chars().any(char::is_whitespace);
    (valid(&kind) && valid(name)).then(|| EntityRef { kind, name: name.to_string() })
}

/// The name part of a reference such as `group:default/payments-team`, or the text as written
/// when it is no reference.
fn ref_name(text: &str) -> String {
    parse_ref(text, "").map_or_else(|| text.trim().to_string(), |r| r.name)
}

/// A tier as teams write it: `1`, `tier-1`, `tier1`, `Tier 1`, `t1`, or critical / high /
/// medium / low (1 to 4). `None` for anything else, including levels outside 1…5.
pub fn parse_tier(text: &str) -> Option<i32> {
    let key: String =
        text.trim().to_ascii_lowercase().chars().filter(|c| !matches!(c, ' ' | '-' | '_')).collect();
    match key.as_str() {
        "critical" | "missioncritical" => return Some(1),
        "high" => return Some(2),
        "medium" => return Some(3),
        "low" => return Some(4),
        _ => {}
    }
    let digits = key.strip_prefix("tier").or_else(|| key.strip_prefix('t')).unwrap_or(&key);
    match digits.parse::<i32>() {
        Ok(n @ 1..=5) if digits.len() == 1 => Some(n),
        _ => None,
    }
}

/// Where a source location points: the repository's host and path (for matching remotes), its
/// name, and the folder inside it.
#[derive(Debug, Clone, PartialEq, Eq)]
struct SourceRepo {
    /// `github.com/acme/shop`, lower case, no `.git`.
    key: String,
    /// `shop`, as written.
    name: String,
    /// `services/checkout`, no slashes around it; `None` for the whole repository.
    path: Option<String>,
}

/// Read a repository URL as Backstage writes it: `url:https://github.com/ORG/REPO/tree/BRANCH/
/// PATH/` (`blob` too), GitLab's `GROUP/SUB/REPO/-/tree/BRANCH/PATH`, Bitbucket's `src/BRANCH/
/// PATH` and `projects/P/repos/R/browse/PATH`, Azure DevOps `_git/REPO?path=/PATH`; also plain
/// remotes (`git@github.com:acme/shop.git`, `ssh://…`). A branch holding `/` cannot be told from
/// the path after it: the first segment is taken as the branch.
fn parse_repo_url(text: &str) -> Option<SourceRepo> {
    let text = text.trim();
    let text = text.strip_prefix("url:").unwrap_or(text);
    let (rest, query) = match text.split_once('?') {
        Some((rest, query)) => (rest, Some(query)),
        None => (text, None),
    };
    let rest = rest.split('#').next().unwrap_or(rest);
    let rest = if let Some((_, after)) = rest.split_once("://") {
        after
            .rsplit_once('@')
            .filter(|(user, _)| !user.contains('/'))
            .map_or(after, |(_, host)| host)
            .to_string()
    } else if let Some((user_host, path)) = rest.split_once(':') {
        // scp-like `git@github.com:acme/shop.git`
        if user_host.contains('/')
            || !(user_host.contains('@') || user_host.contains('.'))
            || path.starts_with(['.', '/'])
        {
            return None;
        }
        let host = user_host.rsplit_once('@').map_or(user_host, |(_, h)| h);
        format!("{host}/{path}")
    } else {
        return None;
    };
    let segments: Vec<&str> = rest.split('/').filter(|s| !s.is_empty()).collect();
    let (host, segs) = segments.split_first()?;
    let host = host.split_once(':').map_or(*host, |(h, _port)| h);
    let (repo_segs, tail): (&[&str], &[&str]) = if let Some(i) = segs.iter().position(|s| *s == "-") {
        // GitLab: everything before `/-/` is the project, however deep the groups.
        let tail = &segs[i + 1..];
        (&segs[..i], if tail.len() >= 2 && matches!(tail[0], "tree" | "blob") { &tail[2..] } else { &[] })
    } else if let Some(i) = segs.iter().position(|s| *s == "_git") {
        // Azure DevOps: ORG/PROJECT/_git/REPO, the folder in `?path=`.
        (&segs[..(i + 2).min(segs.len())], &[])
    } else if segs.len() >= 4 && segs[0] == "projects" && segs[2] == "repos" {
        // Bitbucket Server: projects/P/repos/R/browse/PATH
        let tail = &segs[4..];
        (&segs[..4], if tail.first() == Some(&"browse") { &tail[1..] } else { &[] })
    } else if segs.len() >= 2 {
        let tail = &segs[2..];
        (
            &segs[..2],
            if tail.len() >= 2 && matches!(tail[0], "tree" | "blob" | "src") { &tail[2..] } else { &[] },
        )
    } else {
        return None;
    };
    let name = repo_segs.last()?;
    let name = name.strip_suffix(".git").unwrap_or(name);
    if name.is_empty() {
        return None;
    }
    let mut key_parts: Vec<String> = vec![host.to_ascii_lowercase()];
    key_parts.extend(repo_segs[..repo_segs.len() - 1].iter().map(|s| s.to_ascii_lowercase()));
    key_parts.push(name.to_ascii_lowercase());
    let mut path = tail.join("/");
    if let Some(q) = query {
        if let Some(p) = q.split('&').find_map(|kv| kv.strip_prefix("path=")) {
            path = p.to_string();
        }
    }
    let path = path.trim_matches('/').to_string();
    Some(SourceRepo {
        key: key_parts.join("/"),
        name: name.to_string(),
        path: (!path.is_empty() && path != ".").then_some(path),
    })
}

/// The configured repository a source location names, or why there is none.
fn match_repo(ctx: &CatalogContext<'_>, source: &SourceRepo) -> Result<String, String> {
    if let Some((name, _)) = ctx
        .repos
        .iter()
        .find(|(_, remote)| remote.as_deref().and_then(parse_repo_url).is_some_and(|r| r.key == source.key))
    {
        return Ok(name.clone());
    }
    let by_name: Vec<&String> = ctx
        .repos
        .iter()
        .filter(|(name, remote)| remote.is_none() && name.eq_ignore_ascii_case(&source.name))
        .map(|(name, _)| name)
        .collect();
    match by_name.as_slice() {
        [one] => Ok((*one).clone()),
        [] if ctx.repos.is_empty() => Err("no repositories are configured".into()),
        [] => Err(format!(
            "no configured repository is named `{}` or has the remote {}",
            source.name, source.key
        )),
        many => match many.iter().find(|n| ***n == source.name) {
            Some(exact) => Ok((*exact).clone()),
            None => Err(format!(
                "several configured repositories match `{}` ignoring case: {}",
                source.name,
                many.iter().map(|n| n.as_str()).collect::<Vec<_>>().join(", ")
            )),
        },
    }
}

/// What a YAML value is, for a message.
fn describe(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Sequence(_) => "a list",
        Value::Mapping(_) => "a mapping",
        Value::Tagged(_) => "a tagged value",
    }
}

/// Reading one document: its number, for rejects and notes.
struct Doc<'c, 'a> {
    ctx: &'c CatalogContext<'a>,
    number: usize,
}

impl Doc<'_, '_> {
    fn position(&self) -> String {
        format!("document {}", self.number)
    }

    fn reject(&self, field: Option<&str>, message: impl Into<String>) -> Reject {
        Reject {
            file: self.ctx.file.display().to_string(),
            position: self.position(),
            field: field.map(str::to_string),
            message: message.into(),
        }
    }

    fn note(&self, message: impl std::fmt::Display) -> String {
        format!("{}: {}: {message}", self.ctx.file.display(), self.position())
    }

    /// A mapping field; `None` when absent or null.
    fn mapping<'v>(&self, parent: Option<&'v Value>, field: &str) -> Result<Option<&'v Mapping>, Reject> {
        match parent.and_then(|p| p.get(leaf(field))) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::Mapping(m)) => Ok(Some(m)),
            Some(other) => {
                Err(self.reject(Some(field), format!("expected a mapping, found {}", describe(other))))
            }
        }
    }

    /// A string field, trimmed; `None` when absent, null or blank.
    fn string(&self, parent: Option<&Value>, field: &str) -> Result<Option<String>, Reject> {
        match parent.and_then(|p| p.get(leaf(field))) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(s)) => Ok(Some(s.trim().to_string()).filter(|s| !s.is_empty())),
            Some(other) => {
                Err(self.reject(Some(field), format!("expected a string, found {}", describe(other))))
            }
        }
    }

    /// A list of entity references: (field path of the item, reference).
    fn refs(&self, spec: Option<&Value>, field: &str) -> Result<Vec<(String, String)>, Reject> {
        match spec.and_then(|p| p.get(leaf(field))) {
            None | Some(Value::Null) => Ok(Vec::new()),
            Some(Value::Sequence(items)) => items
                .iter()
                .enumerate()
                .map(|(i, item)| match item {
                    Value::String(s) => Ok((format!("{field}[{i}]"), s.clone())),
                    other => Err(self.reject(
                        Some(&format!("{field}[{i}]")),
                        format!(
                            "expected an entity reference such as component:default/payments, found {}",
                            describe(other)
                        ),
                    )),
                })
                .collect(),
            Some(other) => Err(self.reject(
                Some(field),
                format!("expected a list of entity references, found {}", describe(other)),
            )),
        }
    }
}

/// The last segment of a dotted field path (the key inside its parent).
fn leaf(field: &str) -> &str {
    field.rsplit('.').next().unwrap_or(field)
}

/// A string-keyed lookup in an annotations or labels mapping.
fn lookup<'m>(map: Option<&'m Mapping>, key: &str) -> Option<&'m Value> {
    map.and_then(|m| m.get(key)).filter(|v| !v.is_null())
}

/// Read one entity document; `Ok(None)` for a kind that is no service (counted in `ignored`).
fn read_entity(
    doc: &Doc<'_, '_>,
    value: &Value,
    ignored: &mut BTreeMap<String, usize>,
    notes: &mut Vec<String>,
) -> Result<Option<Entity>, Reject> {
    if !value.is_mapping() {
        return Err(doc.reject(
            None,
            format!(
                "expected a Backstage entity (a mapping with apiVersion, kind, metadata and spec), found {}",
                describe(value)
            ),
        ));
    }
    let kind_text =
        doc.string(Some(value), "kind")?.ok_or_else(|| doc.reject(Some("kind"), "required but missing"))?;
    let Some(kind) = KINDS.iter().position(|k| k.eq_ignore_ascii_case(&kind_text)) else {
        *ignored.entry(kind_text).or_default() += 1;
        return Ok(None);
    };
    let metadata = match value.get("metadata") {
        None | Some(Value::Null) => return Err(doc.reject(Some("metadata.name"), "required but missing")),
        Some(m @ Value::Mapping(_)) => m,
        Some(other) => {
            return Err(doc.reject(Some("metadata"), format!("expected a mapping, found {}", describe(other))))
        }
    };
    let name = doc
        .string(Some(metadata), "metadata.name")?
        .ok_or_else(|| doc.reject(Some("metadata.name"), "required but missing"))?;
    let title = doc.string(Some(metadata), "metadata.title")?;
    let annotations = doc.mapping(Some(metadata), "metadata.annotations")?;
    let labels = doc.mapping(Some(metadata), "metadata.labels")?;
    let spec = match value.get("spec") {
        None | Some(Value::Null) => None,
        Some(s @ Value::Mapping(_)) => Some(s),
        Some(other) => {
            return Err(doc.reject(Some("spec"), format!("expected a mapping, found {}", describe(other))))
        }
    };
    let owner = doc.string(spec, "spec.owner")?.map(|o| ref_name(&o));
    let system = doc.string(spec, "spec.system")?.map(|s| ref_name(&s));
    let lifecycle = doc.string(spec, "spec.lifecycle")?;

    let tier = read_tier(doc, annotations, labels, spec, notes)
        .or_else(|| lifecycle.as_deref().and_then(|l| lifecycle_tier(doc.ctx, l)));

    let mut aliases: Vec<String> = title.into_iter().collect();
    match lookup(annotations, ALIASES_ANNOTATION) {
        None => {}
        Some(Value::String(list)) => aliases.extend(list.split(',').map(|a| a.trim().to_string())),
        Some(other) => {
            return Err(doc.reject(
                Some(&format!("metadata.annotations.{ALIASES_ANNOTATION}")),
                format!("expected comma-separated names, found {}", describe(other)),
            ))
        }
    }
    let mut seen = BTreeSet::new();
    aliases.retain(|a| !a.is_empty() && !a.eq_ignore_ascii_case(&name) && seen.insert(a.to_lowercase()));
    aliases.sort();

    let (repo, path) = read_repo(doc, &name, annotations, notes)?;

    let depends_on = doc.refs(spec, "spec.dependsOn")?;
    let dependency_of = doc.refs(spec, "spec.dependencyOf")?;
    let consumes = doc.refs(spec, "spec.consumesApis")?;
    let provides = doc.refs(spec, "spec.providesApis")?;

    Ok(Some(Entity {
        document: doc.number,
        kind,
        service: Service {
            name,
            kind: KINDS[kind].to_string(),
            system,
            owner,
            tier,
            lifecycle,
            repo,
            path,
            aliases,
        },
        depends_on,
        dependency_of,
        consumes,
        provides,
    }))
}

/// The tier from the configured key, or the default places; a value that is no tier is a note.
fn read_tier(
    doc: &Doc<'_, '_>,
    annotations: Option<&Mapping>,
    labels: Option<&Mapping>,
    spec: Option<&Value>,
    notes: &mut Vec<String>,
) -> Option<i32> {
    let places: Vec<(String, Option<&Value>)> = match doc.ctx.tier_key {
        Some(key) => vec![
            (format!("metadata.annotations.{key}"), lookup(annotations, key)),
            (format!("metadata.labels.{key}"), lookup(labels, key)),
        ],
        None => vec![
            (format!("metadata.annotations.{TIER_ANNOTATION}"), lookup(annotations, TIER_ANNOTATION)),
            (format!("metadata.labels.{TIER_LABEL}"), lookup(labels, TIER_LABEL)),
            ("spec.tier".to_string(), spec.and_then(|s| s.get("tier")).filter(|v| !v.is_null())),
        ],
    };
    let (field, value) = places.into_iter().find_map(|(field, value)| value.map(|v| (field, v)))?;
    let (written, tier) = match value {
        Value::String(s) => (format!("{s:?}"), parse_tier(s)),
        Value::Number(n) => (n.to_string(), n.as_i64().filter(|n| (1..=5).contains(n)).map(|n| n as i32)),
        other => (describe(other).to_string(), None),
    };
    if tier.is_none() {
        notes.push(doc.note(format_args!(
            "{field}: {written} is not a tier (expected 1…5, tier-1, critical, high, medium or low); the tier is left unknown"
        )));
    }
    tier
}

/// The tier `spec.lifecycle` implies: a lifecycle that names a tier (`tier-1`, `critical`),
/// else the configured or default table (case ignored).
fn lifecycle_tier(ctx: &CatalogContext<'_>, lifecycle: &str) -> Option<i32> {
    if let Some(tier) = parse_tier(lifecycle) {
        return Some(tier);
    }
    let wanted = lifecycle.trim();
    match ctx.lifecycle_tiers {
        Some(table) => table.iter().find(|(name, _)| name.eq_ignore_ascii_case(wanted)).map(|(_, t)| *t),
        None => DEFAULT_LIFECYCLE_TIERS
            .iter()
            .find(|(name, _)| name.eq_ignore_ascii_case(wanted))
            .map(|(_, t)| *t),
    }
}

/// Repository and folder from the source-location, project-slug or managed-by-location
/// annotations, the repository mapped to a configured one.
fn read_repo(
    doc: &Doc<'_, '_>,
    name: &str,
    annotations: Option<&Mapping>,
    notes: &mut Vec<String>,
) -> Result<(Option<String>, Option<String>), Reject> {
    let text = |key: &str| -> Result<Option<String>, Reject> {
        match lookup(annotations, key) {
            None => Ok(None),
            Some(Value::String(s)) => Ok(Some(s.trim().to_string()).filter(|s| !s.is_empty())),
            Some(other) => Err(doc.reject(
                Some(&format!("metadata.annotations.{key}")),
                format!("expected a string, found {}", describe(other)),
            )),
        }
    };
    let location = text(SOURCE_LOCATION)?;
    let slug = text(PROJECT_SLUG)?;
    let managed = text(MANAGED_BY_LOCATION)?;
    let from_slug = slug.as_ref().and_then(|s| {
        let (owner, repo) = s.split_once('/')?;
        (!owner.is_empty() && !repo.is_empty() && !repo.contains('/')).then(|| SourceRepo {
            key: format!("github.com/{}", s.to_ascii_lowercase()),
            name: repo.to_string(),
            path: None,
        })
    });
    if let (Some(s), None) = (&slug, &from_slug) {
        notes.push(doc.note(format_args!("{PROJECT_SLUG} {s:?} is not `org/repo`; ignored")));
    }
    // Source location first, then the project slug, then where the entity file lives.
    let mut places = vec![(SOURCE_LOCATION, &location)];
    if from_slug.is_none() {
        places.push((MANAGED_BY_LOCATION, &managed));
    }
    let mut source = None;
    for (key, written) in places {
        let Some(written) = written else { continue };
        if written.starts_with("file:") {
            notes
                .push(doc.note(format_args!("{key} {written:?} is a local path, not a repository; ignored")));
            continue;
        }
        match parse_repo_url(written) {
            Some(mut repo) => {
                if key == MANAGED_BY_LOCATION {
                    // The entity file's own folder: a catalog-info.yaml beside the service's code.
                    repo.path = match repo.path {
                        Some(p) if p.ends_with(".yaml") || p.ends_with(".yml") => {
                            p.rsplit_once('/').map(|(dir, _)| dir.to_string())
                        }
                        other => other,
                    };
                }
                source = Some(repo);
                break;
            }
            None => notes.push(doc.note(format_args!("{key} {written:?} is not a repository URL; ignored"))),
        }
    }
    let source = match (source, from_slug) {
        (Some(location), Some(slug)) => {
            if location.name != slug.name {
                notes.push(doc.note(format_args!(
                    "{SOURCE_LOCATION} names repository `{}` but {PROJECT_SLUG} names `{}`; the source location is used",
                    location.name, slug.name
                )));
            }
            location
        }
        (Some(location), None) => location,
        (None, Some(slug)) => slug,
        (None, None) => return Ok((None, None)),
    };
    match match_repo(doc.ctx, &source) {
        Ok(repo) => Ok((Some(repo), source.path)),
        Err(why) => {
            notes.push(doc.note(format_args!(
                "`{name}` lives in repository `{}` ({}), but {why}; its repository is left unknown",
                source.name, source.key
            )));
            Ok((None, None))
        }
    }
}

/// One service being merged from the entities that share its name.
struct Merged {
    service: Service,
    /// Index into [`KINDS`] of the entity whose values win.
    rank: usize,
    document: usize,
    /// Every kind an entity of this name has.
    kinds: BTreeSet<usize>,
}

/// Fold `entity` into the service of the same name; the higher-ranked kind (component,
/// resource, system, api), then the earlier document, wins each value both set.
fn merge_entity(merged: &mut Merged, entity: &Entity, file: &Path, notes: &mut Vec<String>) {
    let later_wins = entity.kind < merged.rank;
    let (winner, loser) =
        if later_wins { (&entity.service, &merged.service) } else { (&merged.service, &entity.service) };
    let mut conflicts = Vec::new();
    let mut pick = |name: &str, w: &Option<String>, l: &Option<String>| -> Option<String> {
        if let (Some(a), Some(b)) = (w, l) {
            if a != b {
                conflicts.push(format!("{name} `{a}` over `{b}`"));
            }
        }
        w.clone().or_else(|| l.clone())
    };
    let system = pick("system", &winner.system, &loser.system);
    let owner = pick("owner", &winner.owner, &loser.owner);
    let lifecycle = pick("lifecycle", &winner.lifecycle, &loser.lifecycle);
    let (repo, path) = if winner.repo.is_some() {
        (winner.repo.clone(), winner.path.clone())
    } else {
        (loser.repo.clone(), loser.path.clone())
    };
    if let (Some(a), Some(b)) = (&winner.repo, &loser.repo) {
        if (a, &winner.path) != (b, &loser.path) {
            let show = |r: &str, p: &Option<String>| p.as_ref().map_or(r.to_string(), |p| format!("{r}/{p}"));
            conflicts.push(format!("repository `{}` over `{}`", show(a, &winner.path), show(b, &loser.path)));
        }
    }
    let tier = match (winner.tier, loser.tier) {
        (Some(a), Some(b)) if a != b => {
            conflicts.push(format!("tier {a} over {b}"));
            Some(a)
        }
        (a, b) => a.or(b),
    };
    if entity.kind != merged.rank {
        let (w, l) = if later_wins { (entity.kind, merged.rank) } else { (merged.rank, entity.kind) };
        conflicts.insert(0, format!("kind {} over {}", KINDS[w], KINDS[l]));
    }
    let mut aliases: Vec<String> = winner.aliases.iter().chain(&loser.aliases).cloned().collect();
    let mut seen = BTreeSet::new();
    aliases.retain(|a| seen.insert(a.to_lowercase()));
    aliases.sort();
    let service = Service {
        name: merged.service.name.clone(),
        kind: winner.kind.clone(),
        system,
        owner,
        tier,
        lifecycle,
        repo,
        path,
        aliases,
    };
    let what = if conflicts.is_empty() {
        "merged into one service".to_string()
    } else {
        format!("merged into one service, keeping {}", conflicts.join(", "))
    };
    notes.push(format!(
        "{}: document {}: `{}` ({}) has the same name as the {} in document {}; {what}",
        file.display(),
        entity.document,
        service.name,
        KINDS[entity.kind],
        KINDS[merged.rank],
        merged.document
    ));
    merged.service = service;
    merged.kinds.insert(entity.kind);
    if later_wins {
        merged.rank = entity.kind;
    }
}

/// Read a Backstage catalog file (one or many entity documents).
///
/// Services come out sorted by name, dependencies sorted and unique. A document that is not
/// valid YAML is one reject; the documents around it are still read.
pub fn parse_backstage(text: &str, ctx: &CatalogContext) -> Catalog {
    let mut parsed: Parsed<Service> = Parsed::default();
    let mut notes = Vec::new();
    let mut ignored: BTreeMap<String, usize> = BTreeMap::new();
    let mut entities: Vec<Entity> = Vec::new();
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    for (index, (lines_before, chunk)) in crate::ingest::source::yaml_documents(text).into_iter().enumerate()
    {
        let doc = Doc { ctx, number: index + 1 };
        let Some(document) = serde_yaml_ng::Deserializer::from_str(chunk).next() else { continue };
        let mut value = match Value::deserialize(document) {
            Ok(value) => value,
            Err(e) => {
                let message = crate::ingest::source::shift_lines(&e.to_string(), lines_before);
                parsed.rejects.push(doc.reject(None, format!("not valid YAML ({message})")));
                continue;
            }
        };
        if let Err(e) = value.apply_merge() {
            parsed.rejects.push(doc.reject(None, format!("a `<<` merge key cannot be applied: {e}")));
            continue;
        }
        if value.is_null() {
            continue;
        }
        match read_entity(&doc, &value, &mut ignored, &mut notes) {
            Ok(Some(entity)) => entities.push(entity),
            Ok(None) => {}
            Err(reject) => parsed.rejects.push(reject),
        }
    }

    let mut services: BTreeMap<String, Merged> = BTreeMap::new();
    for entity in &entities {
        match services.get_mut(&entity.service.name) {
            Some(merged) => merge_entity(merged, entity, ctx.file, &mut notes),
            None => {
                services.insert(
                    entity.service.name.clone(),
                    Merged {
                        service: entity.service.clone(),
                        rank: entity.kind,
                        document: entity.document,
                        kinds: [entity.kind].into(),
                    },
                );
            }
        }
    }

    let deps = dependencies(&entities, &services, ctx, &mut notes);

    // Two services claiming one alias: the resolver gives it to the first by name; say so.
    let mut claims: BTreeMap<String, Vec<&str>> = BTreeMap::new();
    for merged in services.values() {
        for alias in &merged.service.aliases {
            claims.entry(alias.to_lowercase()).or_default().push(&merged.service.name);
        }
    }
    for (alias, names) in &claims {
        if services.contains_key(alias) || services.keys().any(|n| n.eq_ignore_ascii_case(alias)) {
            notes.push(format!(
                "{}: alias `{alias}` of {} is also a service's name; the name wins",
                ctx.file.display(),
                names.iter().map(|n| format!("`{n}`")).collect::<Vec<_>>().join(", ")
            ));
        } else if names.len() > 1 {
            notes.push(format!(
                "{}: alias `{alias}` is claimed by {}; it resolves to `{}`",
                ctx.file.display(),
                names.iter().map(|n| format!("`{n}`")).collect::<Vec<_>>().join(", "),
                names[0]
            ));
        }
    }

    if !ignored.is_empty() {
        let total: usize = ignored.values().sum();
        notes.push(format!(
            "{}: {total} entit{} of kinds that are not services skipped: {}",
            ctx.file.display(),
            if total == 1 { "y" } else { "ies" },
            ignored.iter().map(|(k, n)| format!("{k} ({n})")).collect::<Vec<_>>().join(", ")
        ));
    }

    parsed.records = services.into_values().map(|m| m.service).collect();
    parsed.notes = notes;
    Catalog { services: parsed, deps }
}

/// The dependency edges of every entity, each bad edge a note.
fn dependencies(
    entities: &[Entity],
    services: &BTreeMap<String, Merged>,
    ctx: &CatalogContext<'_>,
    notes: &mut Vec<String>,
) -> Vec<ServiceDep> {
    let mut deps = BTreeSet::new();
    // API name → the components (or other entities) that provide it.
    let mut providers: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
    for entity in entities {
        let doc = Doc { ctx, number: entity.document };
        for (field, written) in &entity.provides {
            if let Some(api) = resolve(&doc, services, field, written, "api", &entity.service.name, notes) {
                providers.entry(api).or_default().insert(&entity.service.name);
            }
        }
    }
    for entity in entities {
        let doc = Doc { ctx, number: entity.document };
        let me = entity.service.name.as_str();
        for (field, written) in &entity.depends_on {
            if let Some(target) = resolve(&doc, services, field, written, "component", me, notes) {
                deps.insert(edge(me, target, "depends_on"));
            }
        }
        for (field, written) in &entity.dependency_of {
            if let Some(source) = resolve(&doc, services, field, written, "component", me, notes) {
                deps.insert(edge(source, me, "depends_on"));
            }
        }
        for (field, written) in &entity.consumes {
            let Some(api) = resolve(&doc, services, field, written, "api", me, notes) else { continue };
            let others: Vec<&str> =
                providers.get(api).into_iter().flatten().copied().filter(|p| *p != me).collect();
            if others.is_empty() && providers.get(api).is_some_and(|p| p.contains(me)) {
                notes.push(doc.note(format_args!(
                    "{field}: `{me}` consumes the API `{api}` it provides itself; no edge"
                )));
            } else if others.is_empty() {
                deps.insert(edge(me, api, "consumes_api"));
            } else {
                for provider in others {
                    deps.insert(edge(me, provider, "consumes_api"));
                }
            }
        }
    }
    deps.into_iter().collect()
}

fn edge(service: &str, depends_on: &str, via: &str) -> ServiceDep {
    ServiceDep { service: service.to_string(), depends_on: depends_on.to_string(), via: via.to_string() }
}

/// The service a reference names, or a note saying why the edge is dropped.
fn resolve<'s>(
    doc: &Doc<'_, '_>,
    services: &'s BTreeMap<String, Merged>,
    field: &str,
    written: &str,
    default_kind: &str,
    me: &str,
    notes: &mut Vec<String>,
) -> Option<&'s str> {
    let Some(reference) = parse_ref(written, default_kind) else {
        notes.push(doc.note(format_args!(
            "{field}: {written:?} is not an entity reference (expected [kind:][namespace/]name); edge dropped"
        )));
        return None;
    };
    let Some(kind) = KINDS.iter().position(|k| *k == reference.kind) else {
        notes.push(doc.note(format_args!(
            "{field}: {written:?} refers to a {}, which is not a service; edge dropped",
            reference.kind
        )));
        return None;
    };
    let Some((name, merged)) = services.get_key_value(&reference.name) else {
        notes.push(doc.note(format_args!(
            "{field}: {written:?} refers to `{}`, which is not in the catalog; edge dropped",
            reference.name
        )));
        return None;
    };
    if name == me {
        notes.push(doc.note(format_args!("{field}: `{me}` refers to itself; edge dropped")));
        return None;
    }
    if !merged.kinds.contains(&kind) && written.contains(':') {
        notes.push(doc.note(format_args!(
            "{field}: {written:?} names a {}, but `{name}` is a {}; edge kept",
            reference.kind, merged.service.kind
        )));
    }
    Some(name.as_str())
}

#[cfg(test)]
mod tests {
    use super::*;

    const SAMPLE: &str = include_str!("../../tests/fixtures/catalog/backstage.yaml");

    fn repos() -> Vec<(String, Option<String>)> {
        vec![
            ("shop".to_string(), None),
            ("payments-service".to_string(), Some("git@github.com:acme/payments.git".to_string())),
            ("platform".to_string(), None),
        ]
    }

    fn ctx<'a>(repos: &'a [(String, Option<String>)]) -> CatalogContext<'a> {
        CatalogContext { file: Path::new("catalog.yaml"), repos, tier_key: None, lifecycle_tiers: None }
    }

    fn service(name: &str, kind: &str) -> Service {
        Service {
            name: name.into(),
            kind: kind.into(),
            system: None,
            owner: None,
            tier: None,
            lifecycle: None,
            repo: None,
            path: None,
            aliases: vec![],
        }
    }

    #[test]
    fn tier_from_lifecycle_only_where_no_tier_is_stated() {
        let repos = repos();
        let text = "kind: Component\nmetadata: {name: a}\nspec: {lifecycle: production}\n---\nkind: Component\nmetadata: {name: b, annotations: {faultline.dev/tier: '1'}}\nspec: {lifecycle: experimental}\n---\nkind: Component\nmetadata: {name: c}\nspec: {lifecycle: beta}\n---\nkind: Component\nmetadata: {name: d}\nspec: {lifecycle: Tier-1}\n";
        let tiers = |catalog: &Catalog| -> Vec<(String, Option<i32>)> {
            catalog.services.records.iter().map(|s| (s.name.clone(), s.tier)).collect()
        };
        let catalog = parse_backstage(text, &ctx(&repos));
        assert_eq!(
            tiers(&catalog),
            vec![("a".into(), Some(2)), ("b".into(), Some(1)), ("c".into(), None), ("d".into(), Some(1))]
        );
        let table: BTreeMap<String, i32> = [("Production".to_string(), 1), ("beta".to_string(), 3)].into();
        let configured = CatalogContext { lifecycle_tiers: Some(&table), ..ctx(&repos) };
        let catalog = parse_backstage(text, &configured);
        assert_eq!(
            tiers(&catalog),
            vec![("a".into(), Some(1)), ("b".into(), Some(1)), ("c".into(), Some(3)), ("d".into(), Some(1))]
        );
    }

    fn rejects(catalog: &Catalog) -> Vec<String> {
        catalog.services.rejects.iter().map(|r| r.to_string()).collect()
    }

    #[test]
    fn sample_catalog_reads_into_exact_services_and_dependencies() {
        let repos = repos();
        let catalog = parse_backstage(SAMPLE, &ctx(&repos));
        assert_eq!(rejects(&catalog), Vec::<String>::new());
        let expected = vec![
            Service {
                system: Some("storefront".into()),
                owner: Some("team-checkout".into()),
                tier: Some(1),
                lifecycle: Some("production".into()),
                repo: Some("shop".into()),
                path: Some("services/checkout".into()),
                aliases: vec!["Checkout API".into(), "Checkout Service".into()],
                ..service("checkout", "component")
            },
            Service {
                system: Some("storefront".into()),
                owner: Some("team-checkout".into()),
                lifecycle: Some("production".into()),
                tier: Some(2),
                ..service("checkout-api", "api")
            },
            Service {
                owner: Some("team-platform".into()),
                lifecycle: Some("deprecated".into()),
                tier: Some(5),
                ..service("legacy-batch", "component")
            },
            Service {
                system: Some("storefront".into()),
                owner: Some("team-platform".into()),
                tier: Some(1),
                lifecycle: Some("production".into()),
                ..service("orders-db", "resource")
            },
            Service {
                system: Some("payments".into()),
                owner: Some("team-payments".into()),
                tier: Some(1),
                lifecycle: Some("production".into()),
                repo: Some("payments-service".into()),
                aliases: vec!["Payments Service".into()],
                ..service("payments", "component")
            },
            Service {
                system: Some("payments".into()),
                owner: Some("team-payments".into()),
                lifecycle: Some("production".into()),
                tier: Some(2),
                ..service("payments-api", "api")
            },
            Service {
                owner: Some("team-platform".into()),
                lifecycle: Some("experimental".into()),
                tier: Some(3),
                repo: Some("shop".into()),
                path: Some("services/search".into()),
                ..service("search", "component")
            },
            Service { owner: Some("team-checkout".into()), ..service("storefront", "system") },
            Service {
                owner: Some("team-fraud".into()),
                lifecycle: Some("production".into()),
                tier: Some(2),
                ..service("stripe-api", "api")
            },
            Service {
                system: Some("storefront".into()),
                owner: Some("team-web".into()),
                tier: Some(2),
                lifecycle: Some("production".into()),
                repo: Some("shop".into()),
                path: Some("web".into()),
                ..service("web", "component")
            },
        ];
        assert_eq!(catalog.services.records, expected);
        let deps: Vec<(&str, &str, &str)> = catalog
            .deps
            .iter()
            .map(|d| (d.service.as_str(), d.depends_on.as_str(), d.via.as_str()))
            .collect();
        assert_eq!(
            deps,
            vec![
                ("checkout", "orders-db", "depends_on"),
                ("checkout", "payments", "consumes_api"),
                ("checkout", "payments", "depends_on"),
                ("payments", "stripe-api", "consumes_api"),
                ("search", "orders-db", "depends_on"),
                ("web", "checkout", "consumes_api"),
                ("web", "search", "depends_on"),
            ]
        );
        assert_eq!(
            catalog.services.notes,
            vec![
                "catalog.yaml: document 6: metadata.labels.tier: \"gold\" is not a tier (expected 1…5, tier-1, critical, high, medium or low); the tier is left unknown",
                "catalog.yaml: document 6: `legacy-batch` lives in repository `batch` (gitlab.com/acme/ops/batch), but no configured repository is named `batch` or has the remote gitlab.com/acme/ops/batch; its repository is left unknown",
                "catalog.yaml: document 9: `search` (component) has the same name as the component in document 5; merged into one service, keeping tier 3 over 4",
                "catalog.yaml: document 4: spec.dependsOn[1]: \"resource:default/cache\" refers to `cache`, which is not in the catalog; edge dropped",
                "catalog.yaml: document 5: spec.dependsOn[0]: \"group:team-platform\" refers to a group, which is not a service; edge dropped",
                "catalog.yaml: 4 entities of kinds that are not services skipped: Domain (1), Group (2), Location (1)",
            ]
        );
    }

    #[test]
    fn malformed_documents_are_rejected_with_document_and_field() {
        let repos = repos();
        let text = "\
kind: Component
metadata: {title: Nameless}
---
- just a list
---
apiVersion: backstage.io/v1alpha1
metadata: {name: x}
---
kind: Component
metadata: {name: ok}
spec: {dependsOn: payments}
---
kind: Component
metadata: {name: ok2, annotations: {faultline.dev/aliases: [a, b]}}
---
kind: Resource
metadata: {name: db}
spec: [1]
---
kind: Component
metadata: {name: fine}
spec: {owner: team-a, dependsOn: [component:db, 'component:', missing]}
---
kind: [broken
";
        let catalog = parse_backstage(text, &ctx(&repos));
        assert_eq!(
            rejects(&catalog),
            vec![
                "catalog.yaml: document 1: field `metadata.name`: required but missing",
                "catalog.yaml: document 2: expected a Backstage entity (a mapping with apiVersion, kind, metadata and spec), found a list",
                "catalog.yaml: document 3: field `kind`: required but missing",
                "catalog.yaml: document 4: field `spec.dependsOn`: expected a list of entity references, found a string",
                "catalog.yaml: document 5: field `metadata.annotations.faultline.dev/aliases`: expected comma-separated names, found a list",
                "catalog.yaml: document 6: field `spec`: expected a mapping, found a list",
                "catalog.yaml: document 8: not valid YAML (did not find expected ',' or ']' at line 25 column 1, while parsing a flow sequence at line 24 column 7)",
            ]
        );
        assert_eq!(
            catalog.services.records,
            vec![Service { owner: Some("team-a".into()), ..service("fine", "component") }]
        );
        assert_eq!(catalog.deps, vec![]);
        assert_eq!(
            catalog.services.notes,
            vec![
                "catalog.yaml: document 7: spec.dependsOn[0]: \"component:db\" refers to `db`, which is not in the catalog; edge dropped",
                "catalog.yaml: document 7: spec.dependsOn[1]: \"component:\" is not an entity reference (expected [kind:][namespace/]name); edge dropped",
                "catalog.yaml: document 7: spec.dependsOn[2]: \"missing\" refers to `missing`, which is not in the catalog; edge dropped",
            ]
        );
    }

    #[test]
    fn entity_references_in_every_spelling() {
        let r = |kind: &str, name: &str| Some(EntityRef { kind: kind.into(), name: name.into() });
        assert_eq!(parse_ref("component:default/payments", "component"), r("component", "payments"));
        assert_eq!(parse_ref("Component:payments", "api"), r("component", "payments"));
        assert_eq!(parse_ref("resource:default/orders-db", "component"), r("resource", "orders-db"));
        assert_eq!(parse_ref("payments", "component"), r("component", "payments"));
        assert_eq!(parse_ref("acme/payments", "api"), r("api", "payments"));
        for bad in ["", "component:", "a:b:c", "/x", "x/y/z", "has space", "ns/"] {
            assert_eq!(parse_ref(bad, "component"), None, "{bad}");
        }
    }

    #[test]
    fn source_locations_of_every_host() {
        let repo = |key: &str, name: &str, path: Option<&str>| {
            Some(SourceRepo { key: key.into(), name: name.into(), path: path.map(str::to_string) })
        };
        assert_eq!(
            parse_repo_url("url:https://github.com/acme/shop/tree/main/services/checkout/"),
            repo("github.com/acme/shop", "shop", Some("services/checkout"))
        );
        assert_eq!(
            parse_repo_url("url:https://github.com/Acme/Shop/blob/main/catalog-info.yaml"),
            repo("github.com/acme/shop", "Shop", Some("catalog-info.yaml"))
        );
        assert_eq!(
            parse_repo_url("url:https://github.com/acme/shop.git"),
            repo("github.com/acme/shop", "shop", None)
        );
        assert_eq!(
            parse_repo_url("url:https://github.com/acme/shop/tree/main/"),
            repo("github.com/acme/shop", "shop", None)
        );
        assert_eq!(
            parse_repo_url("url:https://gitlab.com/acme/ops/batch/-/tree/main/jobs/nightly"),
            repo("gitlab.com/acme/ops/batch", "batch", Some("jobs/nightly"))
        );
        assert_eq!(
            parse_repo_url("url:https://bitbucket.org/acme/shop/src/master/web/"),
            repo("bitbucket.org/acme/shop", "shop", Some("web"))
        );
        assert_eq!(
            parse_repo_url("url:https://git.acme.com/projects/SHOP/repos/shop/browse/web"),
            repo("git.acme.com/projects/shop/repos/shop", "shop", Some("web"))
        );
        assert_eq!(
            parse_repo_url("url:https://dev.azure.com/acme/Shop/_git/shop?path=/web&version=GBmain"),
            repo("dev.azure.com/acme/shop/_git/shop", "shop", Some("web"))
        );
        assert_eq!(
            parse_repo_url("git@github.com:acme/payments.git"),
            repo("github.com/acme/payments", "payments", None)
        );
        assert_eq!(
            parse_repo_url("ssh://git@github.com:22/acme/payments"),
            repo("github.com/acme/payments", "payments", None)
        );
        for bad in ["", "url:", "shop", "url:https://github.com/acme", "file:./catalog-info.yaml"] {
            assert_eq!(parse_repo_url(bad), None, "{bad}");
        }
    }

    #[test]
    fn tiers_as_teams_write_them() {
        for (text, want) in [
            ("1", Some(1)),
            ("tier-1", Some(1)),
            ("tier1", Some(1)),
            ("Tier 2", Some(2)),
            ("TIER_3", Some(3)),
            ("t4", Some(4)),
            ("5", Some(5)),
            ("critical", Some(1)),
            ("Mission-Critical", Some(1)),
            ("high", Some(2)),
            ("medium", Some(3)),
            ("low", Some(4)),
            ("0", None),
            ("tier-6", None),
            ("12", None),
            ("gold", None),
            ("", None),
        ] {
            assert_eq!(parse_tier(text), want, "{text}");
        }
    }

    #[test]
    fn a_configured_tier_key_replaces_the_default_places() {
        let text = "kind: Component\nmetadata:\n  name: a\n  labels: {tier: '1'}\n  annotations: {acme.com/criticality: high}\n";
        let repos = repos();
        let mut context = ctx(&repos);
        assert_eq!(parse_backstage(text, &context).services.records[0].tier, Some(1));
        context.tier_key = Some("acme.com/criticality");
        assert_eq!(parse_backstage(text, &context).services.records[0].tier, Some(2));
    }

    #[test]
    fn repositories_match_by_remote_then_by_name() {
        let repos = repos();
        let context = ctx(&repos);
        let source = |text: &str| parse_repo_url(text).expect("a repository URL");
        assert_eq!(
            match_repo(&context, &source("https://github.com/acme/payments")),
            Ok("payments-service".into())
        );
        assert_eq!(match_repo(&context, &source("https://github.com/acme/Shop")), Ok("shop".into()));
        assert_eq!(
            match_repo(&context, &source("https://github.com/other/payments-service")),
            Err("no configured repository is named `payments-service` or has the remote github.com/other/payments-service".into())
        );
        let none: Vec<(String, Option<String>)> = vec![];
        assert_eq!(
            match_repo(&ctx(&none), &source("https://github.com/acme/shop")),
            Err("no repositories are configured".into())
        );
    }

    #[test]
    fn services_and_edges_do_not_depend_on_document_order() {
        // Only the values two same-kind entities disagree on follow the order (the first wins).
        let repos = repos();
        let docs: Vec<&str> = SAMPLE.split("\n---\n").collect();
        let reversed: Vec<&str> = docs.iter().rev().copied().collect();
        let forward = parse_backstage(SAMPLE, &ctx(&repos));
        let backward = parse_backstage(&reversed.join("\n---\n"), &ctx(&repos));
        assert_eq!(forward.deps, backward.deps);
        let names = |c: &Catalog| {
            c.services.records.iter().map(|s| (s.name.clone(), s.kind.clone())).collect::<Vec<_>>()
        };
        assert_eq!(names(&forward), names(&backward));
    }

    #[test]
    fn cut_files_never_panic() {
        let repos = repos();
        for end in (0..SAMPLE.len()).filter(|&e| SAMPLE.is_char_boundary(e)) {
            let _ = parse_backstage(&SAMPLE[..end], &ctx(&repos));
        }
        for text in
            ["", "---", "--- ~", "[", "kind: 3", "kind: Component\nmetadata: 3", "*x", "&a [*a]", "!tag {}"]
        {
            let _ = parse_backstage(text, &ctx(&repos));
        }
    }

    #[test]
    fn same_name_of_two_kinds_keeps_the_component() {
        let text = "kind: API\nmetadata: {name: pay}\nspec: {owner: team-api}\n---\nkind: Component\nmetadata: {name: pay, title: Pay}\nspec: {owner: team-pay, providesApis: [pay]}\n";
        let repos = repos();
        let catalog = parse_backstage(text, &ctx(&repos));
        assert_eq!(
            catalog.services.records,
            vec![Service { owner: Some("team-pay".into()), ..service("pay", "component") }]
        );
        assert_eq!(
            catalog.services.notes,
            vec![
                "catalog.yaml: document 2: `pay` (component) has the same name as the api in document 1; merged into one service, keeping kind component over api, owner `team-pay` over `team-api`",
                "catalog.yaml: document 2: spec.providesApis[0]: `pay` refers to itself; edge dropped",
            ]
        );
    }
}

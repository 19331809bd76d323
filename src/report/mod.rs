//! The reports people read: the incident review ([`incident`]) and the quarterly AI-risk report
//! ([`quarter`]), each a folder of `report.md`, a self-contained `report.html` and its charts as
//! SVG and PNG, plus `index.html` linking every report in the output folder.
//!
//! This module gathers the findings from the store (read once, see [`Dataset`]) and writes the
//! files; what the files say is decided by the pure renderers in `render::{markdown, html,
//! chart}`. Nothing here reads the clock: a report depends only on the store and the config,
//! so the same inputs give the same bytes.

pub mod facts;
pub mod incident;
pub mod quarter;

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::{Path, PathBuf};

use chrono::{DateTime, Datelike, NaiveDate, Utc};
use rustc_hash::FxHashMap;

use crate::analyze::blast_radius::ImpactWeights;
use crate::config::Config;
use crate::error::{Error, Result};
use crate::model::{Deploy, Incident, Provenance, Service, ServiceDep, Suspect, SzzLine};
use crate::provenance_report::Origin;
use crate::tables::{self, names, CommitBrief};

/// Values by commit, looked up by `(repo, sha)` without building a key.
#[derive(Debug, Clone)]
pub struct ByCommit<V>(FxHashMap<String, FxHashMap<String, V>>);

impl<V> Default for ByCommit<V> {
    fn default() -> ByCommit<V> {
        ByCommit(FxHashMap::default())
    }
}

impl<V> ByCommit<V> {
    /// The value of a commit.
    pub fn get(&self, repo: &str, sha: &str) -> Option<&V> {
        self.0.get(repo)?.get(sha)
    }

    /// Whether the commit has one.
    pub fn contains(&self, repo: &str, sha: &str) -> bool {
        self.get(repo, sha).is_some()
    }

    /// Every value, in no particular order.
    pub fn values(&self) -> impl Iterator<Item = &V> {
        self.0.values().flat_map(FxHashMap::values)
    }
}

impl<V> FromIterator<((String, String), V)> for ByCommit<V> {
    fn from_iter<I: IntoIterator<Item = ((String, String), V)>>(items: I) -> ByCommit<V> {
        let mut out = ByCommit::default();
        for ((repo, sha), value) in items {
            out.0.entry(repo).or_default().insert(sha, value);
        }
        out
    }
}

/// Which reports a [`Dataset`] is loaded for.
#[derive(Debug, Clone, Copy)]
pub enum Scope<'a> {
    /// Every quarter with deploys or incidents, and the reviews of the latest `reviews`
    /// incidents ([`write_all`]).
    Everything {
        /// How many incident reviews, the latest.
        reviews: usize,
    },
    /// One incident's review.
    Incident(&'a str),
    /// One period's report.
    Period(&'a Period),
}

/// Everything the reports read: the small tables whole (deploys, incidents, suspects, the
/// catalog), and of the history only what [`facts`] reduced it to on the engine.
pub struct Dataset {
    /// The commits the reports name (suspects, top commits, governance), by (repo, sha).
    pub commits: ByCommit<CommitBrief>,
    /// The provenance of the reviewed incidents' suspect commits.
    pub provenance: ByCommit<Provenance>,
    /// The AI tools of the other commits the reports name.
    pub tools: ByCommit<Vec<String>>,
    /// The origin of every commit a suspect names.
    pub origins: ByCommit<Origin>,
    /// Deploys, by start.
    pub deploys: Vec<Deploy>,
    /// Deploy id → index into `deploys`.
    pub deploy_index: HashMap<String, usize>,
    /// The four keys' facts of production deploys, by start.
    pub deploy_facts: Vec<crate::analyze::deploy_facts::DeployFact>,
    /// Incidents, by start.
    pub incidents: Vec<Incident>,
    /// Suspects by incident, by rank.
    pub suspects: BTreeMap<String, Vec<Suspect>>,
    /// SZZ lines by incident.
    pub szz: BTreeMap<String, Vec<SzzLine>>,
    /// The catalog's services.
    pub services: Vec<Service>,
    /// Their dependencies.
    pub deps: Vec<ServiceDep>,
    /// Web address per repository, for commit links.
    pub web: BTreeMap<String, String>,
    /// Trailer keys that name a reviewer.
    pub review_keys: Vec<String>,
    /// Environments that are production, lower case.
    pub production: Vec<String>,
    /// Severity and tier weights, and the impact of an incident without an end.
    pub weights: ImpactWeights,
    /// The periods loaded, each with its facts.
    pub quarters: Vec<(Period, facts::QuarterFacts)>,
    /// The incidents whose reviews were loaded, latest first.
    pub reviews: Vec<String>,
    /// Incidents left without a review ([`Scope::Everything`]).
    pub skipped: usize,
}

impl Dataset {
    /// Read what the reports of `scope` need from `source` (the store, or a lake on an
    /// engine) once `faultline analyze` has written its tables.
    pub fn load(config: &Config, source: &mut crate::engine::Source, scope: Scope<'_>) -> Result<Dataset> {
        let deploys = tables::deploys_from_frame(&source.require(names::DEPLOYS)?)?;
        let deploy_index = deploys.iter().enumerate().map(|(i, d)| (d.id.clone(), i)).collect();
        let deploy_facts = tables::deploy_facts_from_frame(&source.require(names::DEPLOY_FACTS)?)?;
        let incidents = tables::incidents_from_frames(
            &source.require(names::INCIDENTS)?,
            &source.require(names::TIMELINE_EVENTS)?,
        )?;
        let mut suspects: BTreeMap<String, Vec<Suspect>> = BTreeMap::new();
        for s in tables::suspects_from_frame(&source.require(names::SUSPECTS)?)? {
            suspects.entry(s.incident_id.clone()).or_default().push(s);
        }
        let mut szz: BTreeMap<String, Vec<SzzLine>> = BTreeMap::new();
        for line in tables::szz_links_from_frame(&source.require(names::SZZ_LINKS)?)? {
            szz.entry(line.incident_id.clone()).or_default().push(line);
        }
        let state = match source.read(names::INGEST_STATE)? {
            Some(frame) => tables::state_from_frame(&frame)?,
            None => BTreeMap::new(),
        };
        let mut web = BTreeMap::new();
        for repo in &config.repos {
            let remote = state.get(&format!("{}{}", crate::ingest::REMOTE_URL, repo.name));
            if let Some(url) = repo.url.as_deref().or(remote.map(String::as_str)).and_then(web_address) {
                web.insert(repo.name.clone(), url);
            }
        }
        let weights = crate::analyze::attribution::Weights::from_config(&config.attribution);
        let mut data = Dataset {
            commits: ByCommit::default(),
            provenance: ByCommit::default(),
            tools: ByCommit::default(),
            origins: ByCommit::default(),
            deploys,
            deploy_index,
            deploy_facts,
            incidents,
            suspects,
            szz,
            services: tables::services_from_frame(&source.require(names::SERVICES)?)?,
            deps: tables::service_deps_from_frame(&source.require(names::SERVICE_DEPS)?)?,
            web,
            review_keys: config.policy.review_keys(),
            production: weights.production_environments,
            weights: ImpactWeights::from_config(&config.blast_radius),
            quarters: Vec::new(),
            reviews: Vec::new(),
            skipped: 0,
        };
        let periods = match scope {
            Scope::Everything { reviews } => {
                let mut latest: Vec<&Incident> = data.incidents.iter().collect();
                latest.sort_by(|a, b| (b.started_at, &b.id).cmp(&(a.started_at, &a.id)));
                data.skipped = latest.len().saturating_sub(reviews);
                data.reviews = latest.iter().take(reviews).map(|i| i.id.clone()).collect();
                Period::quarters_of(
                    data.deploys
                        .iter()
                        .map(|d| d.started_at)
                        .chain(data.incidents.iter().map(|i| i.started_at)),
                )
            }
            Scope::Incident(id) => {
                data.reviews = vec![id.to_string()];
                Vec::new()
            }
            Scope::Period(period) => vec![period.clone()],
        };
        data.gather(source, periods)?;
        Ok(data)
    }

    /// The facts of `periods` and the commits the reports name, from the engine.
    fn gather(&mut self, source: &mut crate::engine::Source, periods: Vec<Period>) -> Result<()> {
        let tier1: BTreeSet<&str> =
            self.services.iter().filter(|s| s.tier == Some(1)).map(|s| s.name.as_str()).collect();
        let deploys = facts::period_deploys(&self.deploys, &periods, |e| self.is_production(e), &tier1);
        let mut quarters = facts::quarters(source, &periods, &deploys)?;

        // Every commit a suspect names, for its origin; the heads of production deploys that
        // shipped nothing, to tell whether the history has them.
        let in_periods = |at| periods.iter().any(|p: &Period| p.contains(at));
        let reviewed: BTreeSet<&str> = self.reviews.iter().map(String::as_str).collect();
        let mut keys: BTreeSet<(String, String)> = BTreeSet::new();
        for incident in &self.incidents {
            if !in_periods(incident.started_at) && !reviewed.contains(incident.id.as_str()) {
                continue;
            }
            for s in self.suspects.get(&incident.id).into_iter().flatten() {
                if let (Some(repo), Some(sha)) = (&s.repo, &s.sha) {
                    keys.insert((repo.clone(), sha.clone()));
                }
            }
        }
        let shipping: BTreeSet<&str> = self.deploy_facts.iter().map(|f| f.deploy_id.as_str()).collect();
        let silent: Vec<(usize, &Deploy)> = deploys
            .iter()
            .filter(|(id, _, _)| !shipping.contains(id))
            .filter_map(|(id, k, _)| Some((*k as usize, &self.deploys[*self.deploy_index.get(*id)?])))
            .collect();
        for (_, d) in &silent {
            if let (Some(repo), Some(sha)) = (&d.repo, &d.sha) {
                keys.insert((repo.clone(), sha.clone()));
            }
        }
        let origins = facts::origins(source, &keys)?;
        for (k, d) in &silent {
            if let (Some(repo), Some(sha)) = (&d.repo, &d.sha) {
                if !origins.contains_key(&(repo.clone(), sha.clone())) {
                    quarters[*k].deploys_not_in_history += 1;
                }
            }
        }

        // The commits the reports show: the reviewed incidents' suspects (with their whole
        // provenance), the top commits and the AI commits that reached tier 1 (with their tools).
        let mut reviewed_commits: BTreeSet<(String, String)> = BTreeSet::new();
        for id in &self.reviews {
            for s in self.suspects.get(id).into_iter().flatten() {
                if let (Some(repo), Some(sha)) = (&s.repo, &s.sha) {
                    reviewed_commits.insert((repo.clone(), sha.clone()));
                }
            }
        }
        let mut listed: BTreeSet<(String, String)> = BTreeSet::new();
        for q in &quarters {
            listed.extend(
                q.top_realized.iter().chain(&q.top_potential).map(|r| (r.repo.clone(), r.sha.clone())),
            );
            listed.extend(q.tier1.keys().cloned());
        }
        let shown: BTreeSet<(String, String)> = reviewed_commits.union(&listed).cloned().collect();
        self.commits = facts::briefs(source, &shown)?
            .into_iter()
            .map(|c| ((c.repo.clone(), c.sha.clone()), c))
            .collect();
        self.provenance = facts::provenance(source, &reviewed_commits)?
            .into_iter()
            .map(|p| ((p.repo.clone(), p.sha.clone()), p))
            .collect();
        let listed: BTreeSet<(String, String)> = listed.difference(&reviewed_commits).cloned().collect();
        self.tools =
            facts::ai_tools(source, &listed)?.into_iter().map(|(key, (_, tools))| (key, tools)).collect();
        self.origins = origins.into_iter().collect();
        self.quarters = periods.into_iter().zip(quarters).collect();
        Ok(())
    }

    /// The facts of `period`, when they were loaded.
    pub fn facts(&self, period: &Period) -> Result<&facts::QuarterFacts> {
        self.quarters.iter().find(|(p, _)| p == period).map(|(_, f)| f).ok_or_else(|| {
            Error::Internal(format!("the facts of {} were not loaded for its report", period.name))
        })
    }

    /// Who wrote a commit, as far as the evidence tells.
    pub fn origin(&self, repo: &str, sha: &str) -> Origin {
        self.origins.get(repo, sha).copied().unwrap_or(Origin::Unknown)
    }

    /// The AI tools of a commit the reports name.
    pub fn tools(&self, repo: &str, sha: &str) -> Vec<String> {
        match self.provenance.get(repo, sha) {
            Some(p) => p.tools.clone(),
            None => self.tools.get(repo, sha).cloned().unwrap_or_default(),
        }
    }

    /// Whether `environment` is production.
    pub fn is_production(&self, environment: &str) -> bool {
        self.production.contains(&environment.to_lowercase())
    }

    /// The link to a commit, when its repository's web address is known.
    pub fn commit_url(&self, repo: &str, sha: &str) -> Option<String> {
        let base = self.web.get(repo)?;
        let path = if base.contains("gitlab") {
            "/-/commit/"
        } else if base.starts_with("https://bitbucket.org/") {
            "/commits/"
        } else {
            "/commit/"
        };
        Some(format!("{base}{path}{sha}"))
    }

    /// The people a commit's review trailers name, other than its author: a self-review is not
    /// a review.
    pub fn reviewers(&self, commit: &CommitBrief) -> Vec<String> {
        crate::ingest::provenance::reviewers(
            &commit.trailers,
            &self.review_keys,
            &commit.author_name,
            &commit.author_email,
        )
    }

    /// Impact minutes of an incident, as blast radius counts them: start to mitigation (or
    /// resolution), or the configured default when it records neither.
    pub fn impact_minutes(&self, incident: &Incident) -> f64 {
        self.weights.impact_minutes(incident)
    }

    /// The tier of a service, when the catalog gives one.
    pub fn tier(&self, service: &str) -> Option<i32> {
        self.services.iter().find(|s| s.name == service).and_then(|s| s.tier)
    }
}

/// A repository's web address from a configured URL or a remote: `https://host/path` with no
/// `.git`, no credentials and no trailing slash; `None` for local paths.
pub fn web_address(remote: &str) -> Option<String> {
    let remote = remote.trim();
    let (host, path) = if let Some(rest) = remote
        .strip_prefix("https://")
        .or_else(|| remote.strip_prefix("http://"))
        .or_else(|| remote.strip_prefix("ssh://"))
    {
        let (authority, path) = rest.split_once('/')?;
        let host = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
        // An ssh port is not the web server's.
        let host = if remote.starts_with("ssh://") { host.split(':').next().unwrap_or(host) } else { host };
        (host.to_string(), path.to_string())
    } else if let Some((user_host, path)) = remote.split_once(':') {
        if user_host.contains('/') || path.starts_with('/') {
            return None;
        }
        (user_host.rsplit_once('@').map_or(user_host, |(_, h)| h).to_string(), path.to_string())
    } else {
        return None;
    };
    let path = path.trim_end_matches('/');
    let path = path.strip_suffix(".git").unwrap_or(path);
    let safe =
        |s: &str| !s.is_empty() && s.chars().all(|c| c.is_ascii_alphanumeric() || "-._~/:".contains(c));
    if !host.contains('.') || !safe(&host) || !safe(path) || path.contains("..") {
        return None;
    }
    Some(format!("https://{host}/{path}"))
}

/// A file or folder name made from an untrusted id (an incident id): letters, digits, `-`, `_`
/// and `.` kept, anything else turned into `_`, never `.` or `..`, at most 80 characters; a
/// short hash of the id is appended whenever it had to change, so two ids never share a folder.
pub fn safe_component(id: &str) -> String {
    let mut out: String = id
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.') { c } else { '_' })
        .take(80)
        .collect();
    if out.starts_with('.') {
        out.replace_range(0..1, "_");
    }
    if out != id || out.is_empty() {
        use std::hash::Hasher as _;
        let mut hasher = rustc_hash::FxHasher::default();
        hasher.write(id.as_bytes());
        out.push_str(&format!("-{:08x}", hasher.finish() as u32));
    }
    out
}

/// A reporting period: `[from, to)` in UTC, and its name (`2026-Q2`, or `2026-04-01..2026-06-30`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Period {
    /// Its name, also its folder under `quarters/`.
    pub name: String,
    /// First instant.
    pub from: DateTime<Utc>,
    /// First instant after it.
    pub to: DateTime<Utc>,
}

impl Period {
    /// `2026-Q2`, case-insensitive.
    pub fn quarter(text: &str) -> Result<Period> {
        let bad = || Error::Usage(format!("quarter {text:?}: expected a year and a quarter such as 2026-Q2"));
        let (year, q) = text.trim().split_once(['-', ' ']).ok_or_else(bad)?;
        let year: i32 = year.parse().map_err(|_| bad())?;
        let q: u32 = q
            .strip_prefix(['Q', 'q'])
            .and_then(|q| q.parse().ok())
            .filter(|q| (1..=4).contains(q))
            .ok_or_else(bad)?;
        let start = NaiveDate::from_ymd_opt(year, (q - 1) * 3 + 1, 1).ok_or_else(bad)?;
        let end = if q == 4 {
            NaiveDate::from_ymd_opt(year + 1, 1, 1)
        } else {
            NaiveDate::from_ymd_opt(year, q * 3 + 1, 1)
        }
        .ok_or_else(bad)?;
        Ok(Period { name: format!("{year}-Q{q}"), from: midnight(start), to: midnight(end) })
    }

    /// `--from DATE --to DATE`, both days included.
    pub fn dates(from: &str, to: &str) -> Result<Period> {
        let day = |flag: &str, text: &str| {
            NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d")
                .map_err(|_| Error::Usage(format!("{flag} {text:?}: expected a date such as 2026-04-01")))
        };
        let (first, last) = (day("--from", from)?, day("--to", to)?);
        if last < first {
            return Err(Error::Usage(format!("--to {to} is before --from {from}")));
        }
        let end = last.succ_opt().ok_or_else(|| Error::Usage(format!("--to {to}: too far in the future")))?;
        Ok(Period { name: format!("{first}..{last}"), from: midnight(first), to: midnight(end) })
    }

    /// Whether `at` falls inside.
    pub fn contains(&self, at: DateTime<Utc>) -> bool {
        self.from <= at && at < self.to
    }

    /// The quarters that hold any of `times`, in order.
    pub fn quarters_of(times: impl Iterator<Item = DateTime<Utc>>) -> Vec<Period> {
        let mut names: Vec<(i32, u32)> = times.map(|t| (t.year(), (t.month() - 1) / 3 + 1)).collect();
        names.sort();
        names.dedup();
        names.into_iter().filter_map(|(y, q)| Period::quarter(&format!("{y}-Q{q}")).ok()).collect()
    }
}

fn midnight(day: NaiveDate) -> DateTime<Utc> {
    day.and_hms_opt(0, 0, 0).expect("midnight exists").and_utc()
}

/// The files of one report, by name inside its folder.
pub type Files = Vec<(String, Vec<u8>)>;

/// Write `files` into `folder` (created), each through a temporary file renamed into place, so
/// a reader never sees half a report file.
pub fn write_files(folder: &Path, files: &Files) -> Result<()> {
    std::fs::create_dir_all(folder).map_err(|e| Error::io(folder, e))?;
    for (name, bytes) in files {
        let path = folder.join(name);
        let mut temp = tempfile::NamedTempFile::new_in(folder).map_err(|e| Error::io(folder, e))?;
        std::io::Write::write_all(&mut temp, bytes).map_err(|e| Error::io(&path, e))?;
        temp.persist(&path).map_err(|e| Error::io(&path, e.error))?;
    }
    Ok(())
}

/// Where reports go by default: `reports/` beside the config.
pub fn default_out(config: &Config) -> PathBuf {
    config.path.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new(".")).join("reports")
}

/// Write the incident review of `id` under `out/incidents/<id>/`; returns the folder.
pub fn write_incident(data: &Dataset, id: &str, out: &Path) -> Result<PathBuf> {
    let review = incident::review(data, id)?;
    let folder = out.join("incidents").join(safe_component(&review.id));
    write_files(&folder, &crate::render::report::incident_files(&review)?)?;
    Ok(folder)
}

/// Write the quarterly report of `period` under `out/quarters/<name>/`; returns the folder.
pub fn write_quarter(data: &Dataset, period: &Period, out: &Path) -> Result<PathBuf> {
    let report = quarter::report(data, period)?;
    let folder = out.join("quarters").join(safe_component(&period.name));
    write_files(&folder, &crate::render::report::quarter_files(&report)?)?;
    Ok(folder)
}

/// `faultline analyze` writes the reviews of this many incidents, the latest; older ones are
/// written on demand by `faultline report incident ID`. A review takes about 25 ms of CPU, so
/// this keeps a store of 10,000 incidents from spending minutes on reports nobody asked for.
pub const ANALYZE_REVIEWS: usize = 200;

/// What [`write_all`] wrote.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Written {
    /// Incident reviews.
    pub reviews: usize,
    /// Incidents left without one (older than the latest [`Scope::Everything`] asks for).
    pub skipped: usize,
    /// Quarterly reports.
    pub quarters: usize,
}

/// The reports a dataset was loaded for with [`Scope::Everything`]: the reviews of the latest
/// incidents, the report of every quarter with deploys or incidents, and `index.html`.
pub fn write_all(data: &Dataset, out: &Path) -> Result<Written> {
    use rayon::prelude::*;
    data.reviews.par_iter().try_for_each(|id| write_incident(data, id, out).map(|_| ()))?;
    data.quarters.par_iter().try_for_each(|(p, _)| write_quarter(data, p, out).map(|_| ()))?;
    write_index(out)?;
    Ok(Written { reviews: data.reviews.len(), skipped: data.skipped, quarters: data.quarters.len() })
}

/// `index.html`, linking every report found under `out` (so reports written one by one with
/// `faultline report` are listed too).
pub fn write_index(out: &Path) -> Result<()> {
    let mut entries = Vec::new();
    for kind in ["quarters", "incidents"] {
        let dir = out.join(kind);
        let Ok(read) = std::fs::read_dir(&dir) else { continue };
        let mut names: Vec<String> = Vec::new();
        for entry in read {
            let entry = entry.map_err(|e| Error::io(&dir, e))?;
            let name = entry.file_name().to_string_lossy().into_owned();
            if entry.path().join("report.html").is_file() {
                names.push(name);
            }
        }
        names.sort();
        for name in names {
            let title = std::fs::read_to_string(dir.join(&name).join("report.html"))
                .ok()
                .and_then(|html| page_title(&html))
                .unwrap_or_else(|| name.clone());
            entries.push(crate::render::report::IndexEntry { kind, folder: name, title });
        }
    }
    write_files(
        out,
        &vec![("index.html".to_string(), crate::render::report::index_html(&entries).into_bytes())],
    )
}

/// The text of a page's `<title>`, entities decoded (the index escapes it again).
fn page_title(html: &str) -> Option<String> {
    let start = html.find("<title>")? + "<title>".len();
    let end = start + html[start..].find("</title>")?;
    Some(
        html[start..end]
            .replace("&lt;", "<")
            .replace("&gt;", ">")
            .replace("&quot;", "\"")
            .replace("&#39;", "'")
            .replace("&amp;", "&"),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn page_titles_are_decoded_once() {
        assert_eq!(
            page_title("<title>a &amp;lt; &lt;b&gt; &quot;&#39;</title>").as_deref(),
            Some("a &lt; <b> \"'")
        );
        assert_eq!(page_title("<p>none</p>"), None);
    }

    #[test]
    fn hostile_ids_cannot_steer_the_folder() {
        assert_eq!(safe_component("INC-2026-011"), "INC-2026-011");
        for id in ["../../etc", "/abs/path", "..", ".", "", "a/b", "a\\b", "C:x", "x\0y", "é"] {
            let name = safe_component(id);
            assert!(!name.contains(['/', '\\', ':', '\0']), "{id:?} → {name:?}");
            assert!(!name.starts_with('.'), "{id:?} → {name:?}");
            assert!(!name.is_empty());
        }
        assert_ne!(safe_component("a/b"), safe_component("a_b"));
        assert_eq!(safe_component("statuspage:pwkdezxl9l24").len(), "statuspage_pwkdezxl9l24".len() + 9);
        assert!(safe_component(&"x".repeat(500)).len() <= 89);
    }

    #[test]
    fn remotes_become_web_addresses() {
        let cases = [
            ("git@github.com:acme/shop.git", Some("https://github.com/acme/shop")),
            ("https://github.com/acme/shop.git", Some("https://github.com/acme/shop")),
            ("https://user:token@gitlab.com/acme/ops/batch/", Some("https://gitlab.com/acme/ops/batch")),
            ("ssh://git@git.example.com:2222/acme/shop.git", Some("https://git.example.com/acme/shop")),
            ("/srv/git/shop.git", None),
            ("file:///srv/git/shop.git", None),
            ("../shop", None),
            ("https://github.com/acme/\"><script>", None),
        ];
        for (remote, web) in cases {
            assert_eq!(web_address(remote).as_deref(), web, "{remote}");
        }
    }

    #[test]
    fn periods_are_half_open_and_checked() {
        let q = Period::quarter("2026-q2").unwrap();
        assert_eq!(
            (q.name.as_str(), q.from.to_rfc3339(), q.to.to_rfc3339()),
            ("2026-Q2", "2026-04-01T00:00:00+00:00".into(), "2026-07-01T00:00:00+00:00".into())
        );
        assert_eq!(Period::quarter("2026-Q4").unwrap().to.to_rfc3339(), "2027-01-01T00:00:00+00:00");
        assert!(Period::quarter("2026-Q5").is_err() && Period::quarter("Q2").is_err());
        let d = Period::dates("2026-06-01", "2026-06-30").unwrap();
        assert_eq!(
            (d.name.as_str(), d.to.to_rfc3339()),
            ("2026-06-01..2026-06-30", "2026-07-01T00:00:00+00:00".into())
        );
        assert!(Period::dates("2026-06-30", "2026-06-01").is_err());
    }
}

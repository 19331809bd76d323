//! The sample company's operations data, written from its git history so that the two can never
//! drift apart: the service catalog (Backstage entity YAML), the deploy logs (faultline's canonical
//! JSON Lines for the monorepo, GitHub Deployments for auth) and the incidents (canonical JSON
//! Lines, Atlassian Statuspage, PagerDuty incidents with their log entries).
//!
//! Deploys follow release trains: each train first deploys the tip of `main` to staging (when
//! something below the service's folders changed since the last staging deploy) and some forty
//! minutes later promotes what staging runs to production (when that differs from production).
//! The trains run on weekdays at the owning team's morning: catalog at 01:00 UTC (Tokyo), payments
//! at 06:30 and 15:00 (Europe), checkout at 16:30 (US west coast); auth releases on Tuesdays and
//! Thursdays at 08:30 (India). A few deploys fail (production ones are retried), one is
//! cancelled, one auth deployment stays queued, and the last shop deploy is still running when
//! the log was exported.
//!
//! Each bad change of [`SampleSummary`] reaches production with the first production deploy
//! whose commit contains it; its incident starts a scripted number of minutes after that deploy
//! finished ([`SCRIPTS`]); reverted and urgent changes are rolled back during mitigation
//! (production is then held until the undoing commit is on `main`), and a later deploy ships the
//! revert or fix. Four more incidents have no change at fault: a cloud provider's network, a
//! Stripe outage that starts shortly after an innocent payments deploy, a traffic spike and a
//! CDN outage. Every time is a whole second (milliseconds in Statuspage, as it writes them), in
//! UTC, and comes from a seeded generator, so two runs write the same bytes.

use std::collections::BTreeMap;
use std::fs;
use std::path::Path;

use chrono::{Datelike, NaiveDate, Weekday};
use git2::{Error, Oid, Repository};

use super::{
    generate, io_error, utc, Person, Rng, SampleSummary, Undo, DAY, DAYS, DEVIN_OKAFOR, EMMA, HOUR, JOSE,
    KENJI, LIAM, MARCUS, MINUTE, PRIYA, RAVI, START, TARO, ZOE,
};

// ---------------------------------------------------------------------------------------------
// What is written, and what the generator reports about it
// ---------------------------------------------------------------------------------------------

/// The Backstage catalog, relative to the sample's root.
pub const CATALOG: &str = "catalog.yaml";
/// The monorepo's deploys, canonical JSON Lines.
pub const SHOP_DEPLOYS: &str = "deploys/shop.jsonl";
/// auth's deployments as `GET /repos/acme-shop/auth/deployments` returns them, statuses inline.
pub const AUTH_DEPLOYS: &str = "deploys/auth-github.json";
/// Canonical incidents, JSON Lines.
pub const CANONICAL_INCIDENTS: &str = "incidents/canonical.jsonl";
/// The public status page's `incidents.json`.
pub const STATUSPAGE_INCIDENTS: &str = "incidents/statuspage.json";
/// PagerDuty `GET /incidents`.
pub const PAGERDUTY_INCIDENTS: &str = "incidents/pagerduty-incidents.json";
/// PagerDuty `GET /log_entries` for those incidents.
pub const PAGERDUTY_LOG_ENTRIES: &str = "incidents/pagerduty-log-entries.json";
/// Every file above, in the order they are written.
pub const FILES: [&str; 8] = [
    CATALOG,
    SHOP_DEPLOYS,
    AUTH_DEPLOYS,
    CANONICAL_INCIDENTS,
    STATUSPAGE_INCIDENTS,
    PAGERDUTY_INCIDENTS,
    PAGERDUTY_LOG_ENTRIES,
    GROUND_TRUTH,
];

/// One deploy as written, in the canonical vocabulary whatever the file's format.
#[derive(Clone, Debug)]
pub struct Deploy {
    /// `dep-shop-0042` in the canonical log; the numeric deployment id for GitHub.
    pub id: String,
    /// `canonical` or `github`.
    pub format: &'static str,
    pub service: &'static str,
    pub environment: &'static str,
    pub repo: &'static str,
    pub sha: String,
    pub started_at: i64,
    pub finished_at: Option<i64>,
    /// `success`, `failure`, `cancelled` or `in_progress`.
    pub status: &'static str,
    /// `deploy` or `rollback`.
    pub kind: &'static str,
    pub rollback_of: Option<String>,
    pub actor: String,
}

/// Why an incident happened, when a change was at fault.
#[derive(Clone, Debug)]
pub struct Cause {
    pub repo: &'static str,
    /// The bad commit: a scripted one of [`super::BadChange::sha`], or everyday work a deploy
    /// shipped.
    pub sha: String,
    /// The first production deploy whose commit contains it.
    pub deploy: String,
    /// The rollback of that deploy during mitigation, if there was one.
    pub rollback: Option<String>,
    /// The revert or fix, when a commit undid it, and the first production deploy after the
    /// start that shipped it (or, without one, the release that carried a fix forward).
    pub undone_by: Option<String>,
    pub undo: Option<Undo>,
    pub undo_deploy: String,
    /// The kinds of evidence the data holds, in [`EVIDENCE`]'s words.
    pub evidence: Vec<&'static str>,
    /// Whether anything points at the commit itself, not only at its deploy: the timeline
    /// names the commit or its pull request, a revert, or a fix naming the incident.
    pub commit_evidence: bool,
}

/// The kinds of evidence an incident can carry: its timeline or title names the deploy, the
/// commit or its pull request; the deploy was rolled back during the incident; a commit reverted
/// the bad one; a fix naming the incident changed the bad commit's lines; and always the time and
/// the services.
pub const EVIDENCE: [&str; 5] = ["timeline", "rollback", "revert", "fix", "time"];

/// The ground truth: the true cause of every incident, for tests to compare faultline's answers
/// with. faultline never reads it: no config names it.
pub const GROUND_TRUTH: &str = "ground-truth.json";

/// One incident as written.
#[derive(Clone, Debug)]
pub struct Incident {
    /// The company's own number, `INC-2026-021`.
    pub key: &'static str,
    /// `canonical`, `statuspage` or `pagerduty`.
    pub format: &'static str,
    /// The id in its file: the key for canonical, the Statuspage or PagerDuty id otherwise.
    pub id: String,
    pub title: String,
    /// Catalog services.
    pub services: Vec<&'static str>,
    /// When impact began; for PagerDuty, which has no such field, when the incident opened.
    pub started_at: i64,
    pub detected_at: i64,
    pub mitigated_at: Option<i64>,
    pub resolved_at: i64,
    pub cause: Option<Cause>,
}

/// Everything [`generate_sample`] wrote.
#[derive(Clone, Debug)]
pub struct SampleData {
    pub summary: SampleSummary,
    /// Shop's deploys first, then auth's, each oldest first.
    pub deploys: Vec<Deploy>,
    /// Oldest first.
    pub incidents: Vec<Incident>,
}

/// Write the whole sample under `root`: `repos/shop.git` and `repos/auth.git` exactly as
/// [`generate`] writes them, then the catalog, deploys and incidents of [`FILES`].
pub fn generate_sample(root: &Path) -> Result<SampleData, Error> {
    let summary = generate(&root.join("repos"))?;
    let histories = [
        History::open(&root.join("repos").join("shop.git"), "shop")?,
        History::open(&root.join("repos").join("auth.git"), "auth")?,
    ];
    let troubles = SCRIPTS
        .iter()
        .map(|script| Trouble::new(script, &summary, &histories))
        .collect::<Result<Vec<_>, Error>>()?;
    let mut schedule = Schedule {
        histories: &histories,
        rng: Rng(0x0DE9_1075),
        runs: Vec::new(),
        lanes: SERVICES.iter().map(|_| Lane::default()).collect(),
        troubles,
        pending: Vec::new(),
        cancelled: false,
        stuck: false,
    };
    schedule.run()?;
    let ops = Operations::new(schedule)?;

    let mut data = SampleData { summary, deploys: ops.deploys(), incidents: Vec::new() };
    let mut canonical = Vec::new();
    let mut statuspage = Vec::new();
    let mut pagerduty = Vec::new();
    let mut rng = Rng(0x1C1D_E275);
    let stories = ops.stories(&mut rng)?;
    for story in stories {
        data.incidents.push(story.incident.clone());
        match story.record {
            Record::Canonical(c) => canonical.push(c),
            Record::Statuspage(s) => statuspage.push(s),
            Record::PagerDuty(p) => pagerduty.push(p),
        }
    }

    let write = |name: &str, text: String| -> Result<(), Error> {
        let path = root.join(name);
        fs::create_dir_all(path.parent().expect("every file is in the root or a folder below it"))
            .map_err(|e| io_error(&path, e))?;
        fs::write(&path, text).map_err(|e| io_error(&path, e))
    };
    write(CATALOG, CATALOG_YAML.to_string())?;
    write(SHOP_DEPLOYS, ops.shop_jsonl())?;
    write(AUTH_DEPLOYS, ops.github_json())?;
    write(CANONICAL_INCIDENTS, canonical.iter().map(|c| c.to_json().compact() + "\n").collect())?;
    write(STATUSPAGE_INCIDENTS, statuspage_json(&statuspage).pretty() + "\n")?;
    let (incidents, entries) = pagerduty_json(&pagerduty);
    write(PAGERDUTY_INCIDENTS, incidents.pretty() + "\n")?;
    write(PAGERDUTY_LOG_ENTRIES, entries.pretty() + "\n")?;
    write(GROUND_TRUTH, ground_truth(&data.incidents, &data.deploys).pretty() + "\n")?;
    Ok(data)
}

/// The true causes, oldest incident first, each under the id faultline stores it by.
fn ground_truth(incidents: &[Incident], deploys: &[Deploy]) -> J {
    // faultline names a deploy of a vendor format by its source, as it does incidents.
    let deploy_id = |id: &str| match deploys.iter().find(|d| d.id == id).map(|d| d.format) {
        Some("github") => format!("github:{id}"),
        _ => id.to_string(),
    };
    let file = |format: &str| match format {
        "canonical" => CANONICAL_INCIDENTS,
        "statuspage" => STATUSPAGE_INCIDENTS,
        _ => PAGERDUTY_INCIDENTS,
    };
    let records = incidents
        .iter()
        .map(|i| {
            let id = match i.format {
                "canonical" => i.id.clone(),
                format => format!("{format}:{}", i.id),
            };
            let cause = i.cause.as_ref().map_or(J::Null, |c| {
                obj(vec![
                    ("repo", s(c.repo)),
                    ("deploy", s(deploy_id(&c.deploy))),
                    ("commit", s(&c.sha)),
                    ("rollback", c.rollback.as_deref().map_or(J::Null, |r| s(deploy_id(r)))),
                    ("undone_by", c.undone_by.as_ref().map_or(J::Null, s)),
                    ("evidence", J::Arr(c.evidence.iter().map(|e| s(*e)).collect())),
                    ("commit_evidence", J::Bool(c.commit_evidence)),
                ])
            });
            obj(vec![
                ("key", s(i.key)),
                ("id", s(id)),
                ("file", s(file(i.format))),
                ("title", s(&i.title)),
                ("services", J::Arr(i.services.iter().map(|x| s(*x)).collect())),
                ("started_at", s(ts(i.started_at))),
                ("cause", cause),
            ])
        })
        .collect();
    obj(vec![
        (
            "about",
            s("The true cause of every incident of the sample company, written by the generator. faultline never reads this file: the tests compare its answers with it. commit_evidence says whether anything points at the commit itself (a revert, a fix naming the incident, the timeline naming it); otherwise only the deploy can be told. Ids are those faultline stores: vendor formats are prefixed with their source (statuspage:, pagerduty:, github:)."),
        ),
        ("incidents", J::Arr(records)),
    ])
}

// ---------------------------------------------------------------------------------------------
// The services and their trains
// ---------------------------------------------------------------------------------------------

struct ServicePlan {
    name: &'static str,
    /// Index into the histories: 0 shop, 1 auth.
    repo: usize,
    /// Production trains, UTC hour and minute, on these days.
    trains: &'static [(i64, i64)],
    days: &'static [Weekday],
    /// What a deploy of the service ships: a change below any of these starts a train.
    paths: &'static [&'static str],
    /// Who presses the button, a week each in turn.
    deployers: &'static [&'static Person],
}

const WEEKDAYS: [Weekday; 5] = [Weekday::Mon, Weekday::Tue, Weekday::Wed, Weekday::Thu, Weekday::Fri];

static SERVICES: [ServicePlan; 4] = [
    ServicePlan {
        name: "checkout",
        repo: 0,
        trains: &[(16, 30)],
        days: &WEEKDAYS,
        paths: &["services/checkout", "libs/common", "deploy/k8s/checkout"],
        deployers: &[&JOSE, &MARCUS],
    },
    ServicePlan {
        name: "payments",
        repo: 0,
        trains: &[(6, 30), (15, 0)],
        days: &WEEKDAYS,
        paths: &["services/payments", "libs/common", "deploy/k8s/payments"],
        deployers: &[&ZOE, &LIAM],
    },
    ServicePlan {
        name: "catalog",
        repo: 0,
        trains: &[(1, 0)],
        days: &WEEKDAYS,
        paths: &["services/catalog", "deploy/k8s/catalog"],
        deployers: &[&TARO, &KENJI],
    },
    ServicePlan {
        name: "auth",
        repo: 1,
        trains: &[(8, 30)],
        days: &[Weekday::Tue, Weekday::Thu],
        paths: &["src", "config", "deploy", "package.json", "Dockerfile", "tsconfig.json"],
        deployers: &[&PRIYA, &RAVI, &DEVIN_OKAFOR],
    },
];

const REPOS: [&str; 2] = ["shop", "auth"];

fn service_index(name: &str) -> usize {
    SERVICES.iter().position(|s| s.name == name).expect("scripts name known services")
}

/// 2026-`month`-`day` 00:00 UTC.
fn day(month: u32, day: u32) -> i64 {
    NaiveDate::from_ymd_opt(2026, month, day)
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .expect("the script only names real dates")
        .and_utc()
        .timestamp()
}

/// 2026-`month`-`day` `hour`:`minute` UTC.
fn at(month: u32, d: u32, hour: i64, minute: i64) -> i64 {
    day(month, d) + hour * HOUR + minute * MINUTE
}

// ---------------------------------------------------------------------------------------------
// How each bad change plays out
// ---------------------------------------------------------------------------------------------

/// How an incident's impact was stopped.
#[derive(Clone, Copy)]
enum Mitigation {
    /// Roll the bad deploy back this many minutes after impact began.
    Rollback { after_minutes: i64, by: &'static Person },
    /// Ship the fix as soon as it is on `main`.
    Hotfix { by: &'static Person },
    /// Nothing is deployed to stop it: the next ordinary release carries a fix forward.
    Forward,
}

/// Where the bad change comes from.
#[derive(Clone, Copy)]
enum Culprit {
    /// A scripted bad change of the summary, found by its incident; its revert or fix holds
    /// production after a rollback.
    Scripted,
    /// Everyday work: the newest non-merge commit below the service's paths that the first
    /// production deploy of the day at or after `from_hour` UTC shipped. After a rollback,
    /// production waits a day.
    Shipped { from_hour: i64 },
}

struct BadScript {
    incident: &'static str,
    service: &'static str,
    culprit: Culprit,
    /// The day the bad change reaches production, checked so the story cannot drift.
    shipped_on: (u32, u32),
    /// Minutes from the end of that deploy to the start of impact.
    start_after_minutes: i64,
    mitigation: Mitigation,
    /// A manual release of an unrelated service that day, UTC hour and minute: a decoy
    /// deploy minutes before the start.
    decoy: Option<(&'static str, i64, i64)>,
}

static SCRIPTS: [BadScript; 10] = [
    BadScript {
        incident: "INC-2026-009",
        service: "catalog",
        culprit: Culprit::Scripted,
        shipped_on: (6, 10),
        start_after_minutes: 17,
        mitigation: Mitigation::Hotfix { by: &KENJI },
        decoy: None,
    },
    BadScript {
        incident: "INC-2026-014",
        service: "payments",
        culprit: Culprit::Scripted,
        shipped_on: (7, 14),
        start_after_minutes: 72,
        mitigation: Mitigation::Rollback { after_minutes: 22, by: &ZOE },
        decoy: None,
    },
    BadScript {
        incident: "INC-2026-021",
        service: "checkout",
        culprit: Culprit::Scripted,
        shipped_on: (8, 6),
        start_after_minutes: 38,
        mitigation: Mitigation::Rollback { after_minutes: 67, by: &JOSE },
        decoy: None,
    },
    BadScript {
        incident: "INC-2026-027",
        service: "auth",
        culprit: Culprit::Scripted,
        shipped_on: (8, 20),
        start_after_minutes: 26,
        mitigation: Mitigation::Rollback { after_minutes: 33, by: &RAVI },
        decoy: None,
    },
    BadScript {
        incident: "INC-2026-033",
        service: "payments",
        culprit: Culprit::Scripted,
        shipped_on: (9, 3),
        start_after_minutes: 21,
        mitigation: Mitigation::Rollback { after_minutes: 8, by: &EMMA },
        decoy: None,
    },
    BadScript {
        incident: "INC-2026-034",
        service: "payments",
        culprit: Culprit::Shipped { from_hour: 6 },
        shipped_on: (9, 7),
        start_after_minutes: 40,
        mitigation: Mitigation::Forward,
        decoy: Some(("catalog", 6, 55)),
    },
    BadScript {
        incident: "INC-2026-035",
        service: "auth",
        culprit: Culprit::Shipped { from_hour: 8 },
        shipped_on: (9, 8),
        start_after_minutes: 30,
        mitigation: Mitigation::Rollback { after_minutes: 21, by: &RAVI },
        decoy: Some(("catalog", 8, 50)),
    },
    BadScript {
        incident: "INC-2026-036",
        service: "checkout",
        culprit: Culprit::Scripted,
        shipped_on: (9, 8),
        start_after_minutes: 24,
        mitigation: Mitigation::Hotfix { by: &MARCUS },
        decoy: None,
    },
    BadScript {
        incident: "INC-2026-038",
        service: "payments",
        culprit: Culprit::Scripted,
        shipped_on: (9, 10),
        start_after_minutes: 31,
        mitigation: Mitigation::Hotfix { by: &ZOE },
        decoy: Some(("checkout", 15, 10)),
    },
    BadScript {
        incident: "INC-2026-037",
        service: "catalog",
        culprit: Culprit::Shipped { from_hour: 0 },
        shipped_on: (9, 10),
        start_after_minutes: 29,
        mitigation: Mitigation::Rollback { after_minutes: 26, by: &KENJI },
        decoy: None,
    },
];

/// One bad change on its way through the deploys.
struct Trouble {
    script: &'static BadScript,
    service: usize,
    /// Known from the start for a scripted change; for everyday work, once it ships.
    bad: Option<Oid>,
    bad_subject: String,
    /// The revert or fix, for a scripted change.
    undo: Option<Oid>,
    undo_subject: String,
    undo_at: i64,
    undo_kind: Option<Undo>,
    /// The pull request that brought the bad change to `main`, if one did.
    pr: Option<u32>,
    /// The first production deploy containing it, and what production ran before.
    deploy: Option<usize>,
    previous: Option<Oid>,
    /// When impact began.
    start: i64,
    rollback: Option<usize>,
    undo_deploy: Option<usize>,
}

impl Trouble {
    fn bad(&self) -> Oid {
        self.bad.expect("checked: every bad change ships")
    }

    fn undo(&self) -> Oid {
        self.undo.expect("a scripted change has its revert or fix")
    }

    fn new(
        script: &'static BadScript,
        summary: &SampleSummary,
        histories: &[History; 2],
    ) -> Result<Trouble, Error> {
        let service = service_index(script.service);
        let history = &histories[SERVICES[service].repo];
        if let Culprit::Shipped { .. } = script.culprit {
            return Ok(Trouble {
                script,
                service,
                bad: None,
                bad_subject: String::new(),
                undo: None,
                undo_subject: String::new(),
                undo_at: 0,
                undo_kind: None,
                pr: None,
                deploy: None,
                previous: None,
                start: 0,
                rollback: None,
                undo_deploy: None,
            });
        }
        let change = summary
            .repo(history.name)
            .bad_changes
            .iter()
            .find(|b| b.incident == script.incident)
            .ok_or_else(|| Error::from_str(&format!("no bad change for {}", script.incident)))?;
        let bad = Oid::from_str(&change.sha)?;
        let undo = Oid::from_str(&change.undone_by)?;
        Ok(Trouble {
            script,
            service,
            bad: Some(bad),
            bad_subject: change.subject.clone(),
            undo: Some(undo),
            undo_subject: history.subject(undo)?,
            undo_at: history.commit_time(undo)?,
            undo_kind: Some(change.undo),
            pr: history.pull_request(bad)?,
            deploy: None,
            previous: None,
            start: 0,
            rollback: None,
            undo_deploy: None,
        })
    }
}

// ---------------------------------------------------------------------------------------------
// Reading the history
// ---------------------------------------------------------------------------------------------

struct History {
    name: &'static str,
    repo: Repository,
    /// The first-parent chain of `main`, oldest first, with committer times (which only grow:
    /// commits land on `main` in order).
    main: Vec<(Oid, i64)>,
}

impl History {
    fn open(path: &Path, name: &'static str) -> Result<History, Error> {
        let repo = Repository::open_bare(path)?;
        let mut main = Vec::new();
        {
            let mut commit = repo.find_reference("refs/heads/main")?.peel_to_commit()?;
            loop {
                main.push((commit.id(), commit.time().seconds()));
                let Some(parent) = commit.parents().next() else { break };
                commit = parent;
            }
        }
        main.reverse();
        if main.windows(2).any(|w| w[1].1 < w[0].1) {
            return Err(Error::from_str(&format!("{name}: commit times on main go backwards")));
        }
        Ok(History { name, repo, main })
    }

    /// The commit `main` pointed at, at `t`.
    fn tip_at(&self, t: i64) -> Option<Oid> {
        let n = self.main.partition_point(|(_, at)| *at <= t);
        n.checked_sub(1).map(|i| self.main[i].0)
    }

    fn contains(&self, tip: Oid, commit: Oid) -> Result<bool, Error> {
        Ok(tip == commit || self.repo.graph_descendant_of(tip, commit)?)
    }

    /// Whether anything below `paths` differs between the two commits.
    fn touches(&self, from: Option<Oid>, to: Oid, paths: &[&str]) -> Result<bool, Error> {
        let Some(from) = from else { return Ok(true) };
        let (a, b) = (self.repo.find_commit(from)?.tree()?, self.repo.find_commit(to)?.tree()?);
        for path in paths {
            let id = |tree: &git2::Tree| tree.get_path(Path::new(path)).ok().map(|e| e.id());
            if id(&a) != id(&b) {
                return Ok(true);
            }
        }
        Ok(false)
    }

    /// The newest non-merge commit in `to` but not in `from` that changes something below
    /// `paths`.
    fn newest_shipped(&self, from: Option<Oid>, to: Oid, paths: &[&str]) -> Result<Option<Oid>, Error> {
        let mut walk = self.repo.revwalk()?;
        walk.set_sorting(git2::Sort::TIME)?;
        walk.push(to)?;
        if let Some(from) = from {
            walk.hide(from)?;
        }
        for oid in walk {
            let oid = oid?;
            let commit = self.repo.find_commit(oid)?;
            if commit.parent_count() == 1 && self.touches(Some(commit.parent_id(0)?), oid, paths)? {
                return Ok(Some(oid));
            }
        }
        Ok(None)
    }

    fn commit_time(&self, oid: Oid) -> Result<i64, Error> {
        Ok(self.repo.find_commit(oid)?.time().seconds())
    }

    fn subject(&self, oid: Oid) -> Result<String, Error> {
        let commit = self.repo.find_commit(oid)?;
        let subject = commit.summary()?.unwrap_or_default().to_string();
        Ok(subject)
    }

    /// The pull request that brought `commit` to `main`: the subject of the first commit on
    /// `main` that contains it says `Merge pull request #N` or ends in `(#N)`.
    fn pull_request(&self, commit: Oid) -> Result<Option<u32>, Error> {
        for (oid, _) in &self.main {
            if self.contains(*oid, commit)? {
                let subject = self.subject(*oid)?;
                if let Some(rest) = subject.strip_prefix("Merge pull request #") {
                    return Ok(rest.split(' ').next().and_then(|n| n.parse().ok()));
                }
                let number = subject.strip_suffix(')').and_then(|s| s.rsplit_once("(#")).map(|(_, n)| n);
                return Ok(number.and_then(|n| n.parse().ok()));
            }
        }
        Ok(None)
    }
}

// ---------------------------------------------------------------------------------------------
// The deploy schedule
// ---------------------------------------------------------------------------------------------

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Status {
    Success,
    Failure,
    Cancelled,
    /// Running when the log was exported, or (GitHub) queued and never picked up.
    InProgress,
}

impl Status {
    fn name(self) -> &'static str {
        match self {
            Status::Success => "success",
            Status::Failure => "failure",
            Status::Cancelled => "cancelled",
            Status::InProgress => "in_progress",
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Why {
    Train,
    Retry,
    Hotfix,
    Rollback,
}

struct Run {
    service: usize,
    environment: &'static str,
    sha: Oid,
    started: i64,
    finished: Option<i64>,
    status: Status,
    why: Why,
    rollback_of: Option<usize>,
    /// `None` for the CI bot.
    actor: Option<&'static Person>,
    /// Cut off by the export.
    dropped: bool,
}

impl Run {
    /// A successful train deploy by the CI bot; callers override what differs.
    fn new(service: usize, environment: &'static str, sha: Oid, started: i64, finished: i64) -> Run {
        Run {
            service,
            environment,
            sha,
            started,
            finished: Some(finished),
            status: Status::Success,
            why: Why::Train,
            rollback_of: None,
            actor: None,
            dropped: false,
        }
    }
}

#[derive(Default)]
struct Lane {
    last_staging: Option<Oid>,
    last_production: Option<Oid>,
    /// After a rollback: production waits for this commit,
    hold: Option<Oid>,
    /// or, when no commit undid the change, until this time.
    hold_until: Option<i64>,
}

struct Schedule<'h> {
    histories: &'h [History; 2],
    rng: Rng,
    runs: Vec<Run>,
    lanes: Vec<Lane>,
    troubles: Vec<Trouble>,
    /// Mitigations due: time, trouble.
    pending: Vec<(i64, usize)>,
    cancelled: bool,
    stuck: bool,
}

impl Schedule<'_> {
    fn run(&mut self) -> Result<(), Error> {
        let mut slots = Vec::new();
        for d in 0..DAYS {
            let midnight = START + d * DAY;
            for (i, service) in SERVICES.iter().enumerate() {
                if !service.days.contains(&utc(midnight).weekday()) {
                    continue;
                }
                for (hour, minute) in service.trains {
                    slots.push((midnight + hour * HOUR + minute * MINUTE, i, false));
                }
            }
        }
        for script in &SCRIPTS {
            if let Some((service, hour, minute)) = script.decoy {
                let (month, d) = script.shipped_on;
                slots.push((at(month, d, hour, minute), service_index(service), true));
            }
        }
        slots.sort();
        for (t, service, manual) in slots {
            self.train(t, service, manual)?;
        }
        self.flush(i64::MAX)?;
        self.cut_at_export();
        self.check()
    }

    fn push(&mut self, run: Run) -> usize {
        self.runs.push(run);
        self.runs.len() - 1
    }

    fn minutes(&mut self, lo: i64, hi: i64) -> i64 {
        self.rng.range(lo * MINUTE, hi * MINUTE)
    }

    /// Whether deploying `to` over `from` brings a bad change of this service, or its revert or
    /// fix, to the environment: such deploys never fail, so the story keeps its days.
    fn brings_story(&self, service: usize, from: Option<Oid>, to: Oid) -> Result<bool, Error> {
        let history = &self.histories[SERVICES[service].repo];
        for trouble in self.troubles.iter().filter(|t| t.service == service) {
            for commit in [trouble.bad, trouble.undo].into_iter().flatten() {
                let before = match from {
                    Some(from) => history.contains(from, commit)?,
                    None => false,
                };
                if !before && history.contains(to, commit)? {
                    return Ok(true);
                }
            }
        }
        Ok(false)
    }

    /// A release train at `t`; a `manual` release deploys even when nothing changed (a
    /// redeploy of what production runs).
    fn train(&mut self, t: i64, service: usize, manual: bool) -> Result<(), Error> {
        let plan = &SERVICES[service];
        let histories = self.histories;
        let history = &histories[plan.repo];
        let staging_at = t - 50 * MINUTE + self.minutes(0, 10);
        self.flush(staging_at)?;

        if let Some(tip) = history.tip_at(staging_at - MINUTE) {
            let last = self.lanes[service].last_staging;
            if history.touches(last, tip, plan.paths)? {
                let risky = self.brings_story(service, last, tip)?;
                let stuck = plan.name == "auth" && !self.stuck && !risky && staging_at >= day(7, 8);
                let duration = self.minutes(3, 7);
                if stuck {
                    self.stuck = true;
                    self.push(Run {
                        finished: None,
                        status: Status::InProgress,
                        ..Run::new(service, "staging", tip, staging_at, staging_at)
                    });
                    let again = staging_at + self.minutes(20, 28);
                    self.push(Run {
                        why: Why::Retry,
                        ..Run::new(service, "staging", tip, again, again + duration)
                    });
                    self.lanes[service].last_staging = Some(tip);
                } else {
                    let fails = !risky && self.rng.chance(4);
                    self.push(Run {
                        status: if fails { Status::Failure } else { Status::Success },
                        ..Run::new(service, "staging", tip, staging_at, staging_at + duration)
                    });
                    if !fails {
                        self.lanes[service].last_staging = Some(tip);
                    }
                }
            }
        }

        let Some(candidate) = self.lanes[service].last_staging else { return Ok(()) };
        if let Some(undo) = self.lanes[service].hold {
            if !history.contains(candidate, undo)? {
                return Ok(());
            }
        }
        match self.lanes[service].hold_until {
            Some(until) if t < until => return Ok(()),
            Some(_) => self.lanes[service].hold_until = None,
            None => {}
        }
        let last = self.lanes[service].last_production;
        let candidate = match last {
            Some(last) if manual && !history.touches(Some(last), candidate, plan.paths)? => last,
            _ => candidate,
        };
        if !manual && !history.touches(last, candidate, plan.paths)? {
            return Ok(());
        }
        let risky = self.brings_story(service, last, candidate)?;
        let week = ((t - START) / (7 * DAY)) as usize;
        let actor = plan.deployers[week % plan.deployers.len()];
        let started = t + self.minutes(0, 12);
        let mut start = started;
        if plan.name == "checkout" && !self.cancelled && !risky && started >= day(7, 22) {
            self.cancelled = true;
            let end = start + self.minutes(2, 4);
            self.push(Run {
                status: Status::Cancelled,
                actor: Some(actor),
                ..Run::new(service, "production", candidate, start, end)
            });
            start = end + self.minutes(12, 18);
        } else if !risky && self.rng.chance(3) {
            let end = start + self.minutes(4, 9);
            self.push(Run {
                status: Status::Failure,
                actor: Some(actor),
                ..Run::new(service, "production", candidate, start, end)
            });
            start = end + self.minutes(20, 35);
        }
        let end = start + self.minutes(6, 14);
        let run = self.push(Run {
            why: if start == started { Why::Train } else { Why::Retry },
            actor: Some(actor),
            ..Run::new(service, "production", candidate, start, end)
        });
        self.deployed(run)
    }

    /// Bookkeeping after a successful production deploy: the lane, holds lifted, bad changes
    /// shipped (their incident and mitigation scheduled) and undoing commits shipped.
    fn deployed(&mut self, run: usize) -> Result<(), Error> {
        let (service, sha, finished, why) = {
            let r = &self.runs[run];
            (r.service, r.sha, r.finished.expect("a successful deploy finished"), r.why)
        };
        let histories = self.histories;
        let history = &histories[SERVICES[service].repo];
        let previous = self.lanes[service].last_production.replace(sha);
        if let Some(undo) = self.lanes[service].hold {
            if history.contains(sha, undo)? {
                self.lanes[service].hold = None;
            }
        }
        let started = self.runs[run].started;
        for i in 0..self.troubles.len() {
            if self.troubles[i].service != service {
                continue;
            }
            if let (None, Culprit::Shipped { from_hour }) =
                (self.troubles[i].deploy, self.troubles[i].script.culprit)
            {
                let (month, d) = self.troubles[i].script.shipped_on;
                let from = day(month, d) + from_hour * HOUR;
                if why != Why::Rollback && (from..day(month, d) + DAY).contains(&started) {
                    let bad =
                        history.newest_shipped(previous, sha, SERVICES[service].paths)?.ok_or_else(|| {
                            Error::from_str(&format!(
                                "{}: the deploy ships nothing",
                                self.troubles[i].script.incident
                            ))
                        })?;
                    let trouble = &mut self.troubles[i];
                    trouble.bad = Some(bad);
                    trouble.bad_subject = history.subject(bad)?;
                    trouble.pr = history.pull_request(bad)?;
                }
            }
            let ships_bad = match self.troubles[i].bad {
                Some(bad) => history.contains(sha, bad)?,
                None => false,
            };
            if self.troubles[i].deploy.is_none() && ships_bad {
                let start =
                    finished + self.troubles[i].script.start_after_minutes * MINUTE + self.rng.range(0, 60);
                let trouble = &mut self.troubles[i];
                trouble.deploy = Some(run);
                trouble.previous = previous;
                trouble.start = start;
                let due = match trouble.script.mitigation {
                    Mitigation::Rollback { after_minutes, .. } => Some(start + after_minutes * MINUTE),
                    Mitigation::Hotfix { .. } => Some(trouble.undo_at + 8 * MINUTE),
                    Mitigation::Forward => None,
                };
                if let Some(due) = due {
                    let due = due + self.rng.range(0, 60);
                    self.pending.push((due, i));
                }
            }
            let trouble = &self.troubles[i];
            let undone = match trouble.undo {
                Some(undo) => history.contains(sha, undo)?,
                // A fix forward: the first release after the start.
                None => trouble.deploy.is_some_and(|d| d != run) && started > trouble.start,
            };
            if trouble.deploy.is_some() && trouble.undo_deploy.is_none() && why != Why::Rollback && undone {
                self.troubles[i].undo_deploy = Some(run);
            }
        }
        Ok(())
    }

    /// Carry out the mitigations due before `until`.
    fn flush(&mut self, until: i64) -> Result<(), Error> {
        self.pending.sort();
        while let Some(&(due, i)) = self.pending.first() {
            if due >= until {
                break;
            }
            self.pending.remove(0);
            let service = self.troubles[i].service;
            let histories = self.histories;
            let history = &histories[SERVICES[service].repo];
            match self.troubles[i].script.mitigation {
                Mitigation::Rollback { by, .. } => {
                    let previous = self.troubles[i].previous.ok_or_else(|| {
                        Error::from_str(&format!(
                            "{}: nothing to roll back to",
                            self.troubles[i].script.incident
                        ))
                    })?;
                    let end = due + self.minutes(4, 6);
                    let run = self.push(Run {
                        why: Why::Rollback,
                        rollback_of: self.troubles[i].deploy,
                        actor: Some(by),
                        ..Run::new(service, "production", previous, due, end)
                    });
                    self.troubles[i].rollback = Some(run);
                    self.lanes[service].last_production = Some(previous);
                    match self.troubles[i].undo {
                        Some(undo) => self.lanes[service].hold = Some(undo),
                        None => self.lanes[service].hold_until = Some(due + 20 * HOUR),
                    }
                }
                Mitigation::Hotfix { by } => {
                    let tip = history.tip_at(due - MINUTE).expect("the fix is on main");
                    let undo =
                        self.troubles[i].undo.ok_or_else(|| Error::from_str("a hotfix needs its fix"))?;
                    if !history.contains(tip, undo)? {
                        return Err(Error::from_str("the hotfix is not on main yet"));
                    }
                    let end = due + self.minutes(6, 9);
                    let run = self.push(Run {
                        why: Why::Hotfix,
                        actor: Some(by),
                        ..Run::new(service, "production", tip, due, end)
                    });
                    self.deployed(run)?;
                }
                Mitigation::Forward => {}
            }
        }
        Ok(())
    }

    /// The shop log was exported while its last production deploy was running.
    fn cut_at_export(&mut self) {
        let last = (0..self.runs.len())
            .filter(|&i| SERVICES[self.runs[i].service].repo == 0 && self.runs[i].environment == "production")
            .max_by_key(|&i| self.runs[i].started)
            .expect("shop deploys");
        let cut = self.runs[last].started;
        self.runs[last].status = Status::InProgress;
        self.runs[last].finished = None;
        for run in &mut self.runs {
            if SERVICES[run.service].repo == 0 && run.started > cut {
                run.dropped = true;
            }
        }
    }

    /// The story holds: every bad change shipped on its day, was mitigated and undone.
    fn check(&self) -> Result<(), Error> {
        for t in &self.troubles {
            let fail = |what: &str| Err(Error::from_str(&format!("{}: {what}", t.script.incident)));
            let Some(deploy) = t.deploy else {
                let runs: Vec<String> = self
                    .runs
                    .iter()
                    .filter(|r| {
                        r.service == t.service && r.environment == "production" && r.started >= day(9, 1)
                    })
                    .map(|r| format!("{} {:?}", utc(r.started), r.why))
                    .collect();
                return fail(&format!("never shipped ({})", runs.join(", ")));
            };
            let run = &self.runs[deploy];
            let (month, d) = t.script.shipped_on;
            if run.started < day(month, d)
                || run.started >= day(month, d) + DAY
                || run.status != Status::Success
            {
                return fail(&format!("shipped by a deploy at {} ({:?})", utc(run.started), run.status));
            }
            if t.undo_deploy.is_none() {
                return fail("the revert or fix never shipped");
            }
            if matches!(t.script.mitigation, Mitigation::Rollback { .. }) && t.rollback.is_none() {
                return fail("never rolled back");
            }
            if let Some((name, ..)) = t.script.decoy {
                let decoy = self.runs.iter().any(|r| {
                    SERVICES[r.service].name == name
                        && r.environment == "production"
                        && r.status == Status::Success
                        && r.started < t.start
                        && t.start - r.started <= 45 * MINUTE
                });
                if !decoy {
                    let near: Vec<String> = self
                        .runs
                        .iter()
                        .filter(|r| {
                            SERVICES[r.service].name == name && (r.started - t.start).abs() < 12 * HOUR
                        })
                        .map(|r| format!("{} {} {:?}", utc(r.started), r.environment, r.status))
                        .collect();
                    return fail(&format!(
                        "no {name} deploy in the 45 minutes before the start at {} (near: {})",
                        utc(t.start),
                        near.join(", ")
                    ));
                }
            }
        }
        Ok(())
    }
}

// ---------------------------------------------------------------------------------------------
// The deploys as records, with their ids
// ---------------------------------------------------------------------------------------------

struct Operations<'h> {
    schedule: Schedule<'h>,
    /// Kept runs per repository, oldest first.
    order: [Vec<usize>; 2],
    /// Run → id as written (`dep-shop-0042`, or the GitHub deployment id).
    ids: BTreeMap<usize, String>,
    /// Run → GitHub status ids, oldest status first.
    status_ids: BTreeMap<usize, Vec<u64>>,
    /// Run → GitHub Actions run id, for the log links.
    action_runs: BTreeMap<usize, u64>,
}

impl<'h> Operations<'h> {
    fn new(schedule: Schedule<'h>) -> Result<Operations<'h>, Error> {
        let runs = &schedule.runs;
        let mut order = [Vec::new(), Vec::new()];
        for (i, run) in runs.iter().enumerate() {
            if !run.dropped {
                order[SERVICES[run.service].repo].push(i);
            }
        }
        for list in &mut order {
            list.sort_by_key(|&i| (runs[i].started, SERVICES[runs[i].service].name, runs[i].environment));
        }
        let mut ids = BTreeMap::new();
        for (n, &i) in order[0].iter().enumerate() {
            ids.insert(i, format!("dep-shop-{:04}", n + 1));
        }
        let mut rng = Rng(0x61_7B0B);
        let (mut id, mut status, mut action) = (2_401_877_263_u64, 5_204_118_907_u64, 15_310_442_871_u64);
        let mut status_ids = BTreeMap::new();
        let mut action_runs = BTreeMap::new();
        for &i in &order[1] {
            id += 350_000 + rng.below(2_050_000);
            ids.insert(i, id.to_string());
            let count = if runs[i].status == Status::InProgress { 1 } else { 2 };
            let mut list = Vec::new();
            for _ in 0..count {
                status += 700_000 + rng.below(4_300_000);
                list.push(status);
            }
            status_ids.insert(i, list);
            action += 2_000_000 + rng.below(9_000_000);
            action_runs.insert(i, action);
        }
        let ops = Operations { schedule, order, ids, status_ids, action_runs };
        for t in &ops.schedule.troubles {
            let deploy = t.deploy.expect("checked");
            if ops.runs()[deploy].dropped {
                return Err(Error::from_str("a bad deploy fell after the export"));
            }
        }
        Ok(ops)
    }

    fn runs(&self) -> &[Run] {
        &self.schedule.runs
    }

    fn id(&self, run: usize) -> &str {
        &self.ids[&run]
    }

    fn deploys(&self) -> Vec<Deploy> {
        let mut out = Vec::new();
        for (repo, list) in self.order.iter().enumerate() {
            for &i in list {
                let run = &self.runs()[i];
                out.push(Deploy {
                    id: self.id(i).to_string(),
                    format: if repo == 0 { "canonical" } else { "github" },
                    service: SERVICES[run.service].name,
                    environment: run.environment,
                    repo: REPOS[repo],
                    sha: run.sha.to_string(),
                    started_at: run.started,
                    finished_at: run.finished,
                    status: run.status.name(),
                    kind: if run.why == Why::Rollback { "rollback" } else { "deploy" },
                    rollback_of: run.rollback_of.map(|r| self.id(r).to_string()),
                    actor: run.actor.map_or("github-actions[bot]", |p| p.handle).to_string(),
                });
            }
        }
        out
    }

    fn shop_jsonl(&self) -> String {
        let mut out = String::new();
        for d in self.deploys().iter().filter(|d| d.repo == "shop") {
            let record = obj(vec![
                ("id", s(&d.id)),
                ("service", s(d.service)),
                ("environment", s(d.environment)),
                ("repo", s(d.repo)),
                ("sha", s(&d.sha)),
                ("started_at", s(ts(d.started_at))),
                ("finished_at", d.finished_at.map_or(J::Null, |t| s(ts(t)))),
                ("status", s(d.status)),
                ("kind", s(d.kind)),
                ("rollback_of", d.rollback_of.as_ref().map_or(J::Null, s)),
                ("actor", s(&d.actor)),
            ]);
            out.push_str(&record.compact());
            out.push('\n');
        }
        out
    }

    /// auth's deployments, newest first as the API lists them.
    fn github_json(&self) -> String {
        let repo_api = "https://api.github.com/repos/acme-shop/auth";
        let mut items = Vec::new();
        for &i in self.order[1].iter().rev() {
            let run = &self.runs()[i];
            let id = self.id(i);
            let short = abbrev(run.sha);
            let production = run.environment == "production";
            let url = format!("{repo_api}/deployments/{id}");
            let action = format!("https://github.com/acme-shop/auth/actions/runs/{}", self.action_runs[&i]);
            let environment_url = if production {
                "https://auth.acme-shop.example"
            } else {
                "https://auth.staging.acme-shop.example"
            };
            let creator = match run.actor {
                Some(person) => user(person),
                None => bot(),
            };
            let mut payload = Vec::new();
            if run.started >= day(7, 1) {
                payload.push(("service", s("auth")));
            }
            let (task, reference, description) = if run.why == Why::Rollback {
                let of = self.id(run.rollback_of.expect("a rollback names its deploy"));
                let incident = self
                    .schedule
                    .troubles
                    .iter()
                    .find(|t| t.rollback == Some(i))
                    .map_or("", |t| t.script.incident);
                payload.push(("rollback_of", J::Int(of.parse().expect("GitHub ids are numbers"))));
                ("deploy:rollback", run.sha.to_string(), format!("Roll back deployment {of} ({incident})"))
            } else {
                ("deploy", "main".to_string(), format!("Deploy main@{short} to {}", run.environment))
            };
            // Statuses, oldest first here and reversed when written.
            let ids = &self.status_ids[&i];
            let mut statuses = Vec::new();
            let status = |n: usize, state: &str, at: i64, text: &str| {
                obj(vec![
                    ("url", s(format!("{url}/statuses/{}", ids[n]))),
                    ("id", J::Int(ids[n] as i64)),
                    ("node_id", s(node_id("016:DeploymentStatus", ids[n]))),
                    ("state", s(state)),
                    ("creator", bot()),
                    ("description", s(text)),
                    ("environment", s(run.environment)),
                    ("target_url", s(&action)),
                    ("created_at", s(ts(at))),
                    ("updated_at", s(ts(at))),
                    ("deployment_url", s(&url)),
                    ("repository_url", s(repo_api)),
                    ("environment_url", s(environment_url)),
                    ("log_url", s(&action)),
                    ("performed_via_github_app", J::Null),
                ])
            };
            let updated = match (run.status, run.finished) {
                (Status::InProgress, _) | (_, None) => {
                    statuses.push(status(0, "queued", run.started, "Deployment queued"));
                    run.started
                }
                (state, Some(end)) => {
                    statuses.push(status(0, "in_progress", run.started + 12, "Deploying"));
                    let (name, text) = match state {
                        Status::Failure => {
                            ("failure", "Deployment failed: health checks did not pass within 300s")
                        }
                        _ => ("success", "Deployment finished successfully."),
                    };
                    statuses.push(status(1, name, end, text));
                    end
                }
            };
            statuses.reverse();
            items.push(obj(vec![
                ("url", s(&url)),
                ("id", J::Int(id.parse().expect("GitHub ids are numbers"))),
                ("node_id", s(node_id("010:Deployment", id.parse().expect("GitHub ids are numbers")))),
                ("sha", s(run.sha.to_string())),
                ("ref", s(reference)),
                ("task", s(task)),
                ("payload", obj(payload)),
                ("original_environment", s(run.environment)),
                ("environment", s(run.environment)),
                ("description", s(description)),
                ("creator", creator),
                ("created_at", s(ts(run.started))),
                ("updated_at", s(ts(updated))),
                ("statuses_url", s(format!("{url}/statuses"))),
                ("repository_url", s(repo_api)),
                ("transient_environment", J::Bool(false)),
                ("production_environment", J::Bool(production)),
                ("performed_via_github_app", J::Null),
                ("statuses", J::Arr(statuses)),
            ]));
        }
        J::Arr(items).pretty() + "\n"
    }
}

fn user(person: &Person) -> J {
    let id = u64::from(person.github_id);
    obj(vec![
        ("login", s(person.handle)),
        ("id", J::Int(id as i64)),
        ("node_id", s(node_id("04:User", id))),
        ("avatar_url", s(format!("https://avatars.githubusercontent.com/u/{id}?v=4"))),
        ("gravatar_id", s("")),
        ("url", s(format!("https://api.github.com/users/{}", person.handle))),
        ("html_url", s(format!("https://github.com/{}", person.handle))),
        ("type", s("User")),
        ("site_admin", J::Bool(false)),
    ])
}

fn bot() -> J {
    obj(vec![
        ("login", s("github-actions[bot]")),
        ("id", J::Int(41_898_282)),
        ("node_id", s(node_id("03:Bot", 41_898_282))),
        ("avatar_url", s("https://avatars.githubusercontent.com/in/15368?v=4")),
        ("gravatar_id", s("")),
        ("url", s("https://api.github.com/users/github-actions%5Bbot%5D")),
        ("html_url", s("https://github.com/apps/github-actions")),
        ("type", s("Bot")),
        ("site_admin", J::Bool(false)),
    ])
}

/// GitHub's legacy global node id: base64 of `<type prefix><id>`.
fn node_id(prefix: &str, id: u64) -> String {
    base64(format!("{prefix}{id}").as_bytes())
}

fn base64(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let n = chunk.iter().enumerate().fold(0u32, |n, (i, b)| n | u32::from(*b) << (16 - 8 * i));
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(char::from(ALPHABET[(n >> (18 - 6 * i) & 63) as usize]));
            } else {
                out.push('=');
            }
        }
    }
    out
}

// ---------------------------------------------------------------------------------------------
// The incidents
// ---------------------------------------------------------------------------------------------

struct Story {
    incident: Incident,
    record: Record,
}

enum Record {
    Canonical(CanonicalIncident),
    Statuspage(StatuspageIncident),
    PagerDuty(PagerDutyIncident),
}

impl Record {
    /// The title and every text of the timeline.
    fn texts(&self) -> Vec<String> {
        match self {
            Record::Canonical(c) => {
                std::iter::once(c.title.clone()).chain(c.timeline.iter().map(|e| e.2.clone())).collect()
            }
            Record::Statuspage(p) => {
                std::iter::once(p.name.clone()).chain(p.updates.iter().map(|u| u.2.clone())).collect()
            }
            Record::PagerDuty(p) => std::iter::once(p.title.clone())
                .chain(p.entries.iter().filter_map(|e| match &e.1 {
                    Entry::Trigger(text) | Entry::Annotate(_, text) => Some(text.clone()),
                    Entry::Acknowledge(_) | Entry::Resolve(_) => None,
                }))
                .collect(),
        }
    }
}

struct CanonicalIncident {
    id: &'static str,
    title: String,
    severity: &'static str,
    services: Vec<&'static str>,
    started: i64,
    detected: i64,
    mitigated: i64,
    resolved: i64,
    customers: Option<i64>,
    timeline: Vec<(i64, &'static str, String)>,
}

impl CanonicalIncident {
    fn to_json(&self) -> J {
        obj(vec![
            ("id", s(self.id)),
            ("title", s(&self.title)),
            ("severity", s(self.severity)),
            ("services", J::Arr(self.services.iter().map(|x| s(*x)).collect())),
            ("started_at", s(ts(self.started))),
            ("detected_at", s(ts(self.detected))),
            ("mitigated_at", s(ts(self.mitigated))),
            ("resolved_at", s(ts(self.resolved))),
            ("customers_affected", self.customers.map_or(J::Null, J::Int)),
            (
                "timeline",
                J::Arr(
                    self.timeline
                        .iter()
                        .map(|(t, kind, text)| {
                            obj(vec![("at", s(ts(*t))), ("kind", s(*kind)), ("text", s(text))])
                        })
                        .collect(),
                ),
            ),
        ])
    }
}

/// Times in milliseconds, as Statuspage writes them.
struct StatuspageIncident {
    id: String,
    name: String,
    impact: &'static str,
    shortlink: String,
    started: i64,
    components: Vec<&'static str>,
    /// Oldest first: time, status, body, affected components (name, old, new) or none.
    updates:
        Vec<(i64, &'static str, String, Option<Vec<(&'static str, &'static str, &'static str)>>, String)>,
}

struct PagerDutyIncident {
    id: String,
    number: i64,
    title: String,
    urgency: &'static str,
    priority: &'static str,
    service: &'static str,
    key: String,
    /// Oldest first: time, entry, entry id.
    entries: Vec<(i64, Entry, String)>,
}

enum Entry {
    Trigger(String),
    Acknowledge(&'static Person),
    Annotate(&'static Person, String),
    Resolve(&'static Person),
}

/// The clock time of `t`, as people write it in an incident channel.
fn hm(t: i64) -> String {
    utc(t).format("%H:%M UTC").to_string()
}

fn abbrev(oid: Oid) -> String {
    oid.to_string()[..7].to_string()
}

fn random_id(rng: &mut Rng, alphabet: &[u8], len: usize) -> String {
    (0..len).map(|_| char::from(alphabet[rng.below(alphabet.len() as u64) as usize])).collect()
}

const LOWER: &[u8] = b"abcdefghijklmnopqrstuvwxyz0123456789";
const UPPER: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";

impl Operations<'_> {
    fn trouble(&self, incident: &str) -> &Trouble {
        self.schedule.troubles.iter().find(|t| t.script.incident == incident).expect("scripted")
    }

    fn cause(&self, t: &Trouble) -> Cause {
        Cause {
            repo: REPOS[SERVICES[t.service].repo],
            sha: t.bad().to_string(),
            deploy: self.id(t.deploy.expect("checked")).to_string(),
            rollback: t.rollback.map(|r| self.id(r).to_string()),
            undone_by: t.undo.map(|u| u.to_string()),
            undo: t.undo_kind,
            undo_deploy: self.id(t.undo_deploy.expect("checked")).to_string(),
            evidence: Vec::new(),
            commit_evidence: false,
        }
    }

    fn finished(&self, run: Option<usize>) -> i64 {
        self.runs()[run.expect("checked")].finished.expect("a successful deploy finished")
    }

    /// The last production deploy of `service` that finished before `t`.
    fn last_finished_before(&self, service: &str, t: i64) -> Option<usize> {
        (0..self.runs().len())
            .filter(|&i| {
                let r = &self.runs()[i];
                SERVICES[r.service].name == service
                    && r.environment == "production"
                    && !r.dropped
                    && r.finished.is_some_and(|f| f < t)
            })
            .max_by_key(|&i| self.runs()[i].finished)
    }

    fn stories(&self, rng: &mut Rng) -> Result<Vec<Story>, Error> {
        let mut stories = vec![
            self.inc_009(rng),
            self.inc_011()?,
            self.inc_014(rng),
            self.inc_019(rng),
            self.inc_021(),
            self.inc_024(rng)?,
            self.inc_027(rng),
            self.inc_030(),
            self.inc_033(rng),
            self.inc_034(rng),
            self.inc_035(),
            self.inc_036(rng),
            self.inc_037(),
            self.inc_038(),
        ];
        stories.sort_by_key(|s| s.incident.started_at);
        for story in &mut stories {
            let texts = story.record.texts();
            let key = story.incident.key;
            let Some(cause) = &mut story.incident.cause else { continue };
            let trouble = self.trouble(key);
            let mut commit_names = vec![cause.sha[..7].to_string()];
            commit_names.extend(trouble.pr.map(|n| format!("#{n}")));
            let names = |list: &[String]| texts.iter().any(|t| list.iter().any(|n| t.contains(n.as_str())));
            cause.commit_evidence = names(&commit_names);
            if cause.commit_evidence || names(std::slice::from_ref(&cause.deploy)) {
                cause.evidence.push("timeline");
            }
            if cause.rollback.is_some() {
                cause.evidence.push("rollback");
            }
            match cause.undo {
                Some(Undo::Revert) => cause.evidence.push("revert"),
                // A fix counts when it names the incident and the incident carries that name.
                Some(Undo::Fix)
                    if trouble.undo_subject.contains(key) && texts.iter().any(|t| t.contains(key)) =>
                {
                    cause.evidence.push("fix")
                }
                Some(Undo::Fix) if trouble.undo_subject.contains(key) && story.incident.id == key => {
                    cause.evidence.push("fix")
                }
                _ => {}
            }
            cause.commit_evidence |= cause.evidence.iter().any(|e| matches!(*e, "revert" | "fix"));
            cause.evidence.push("time");
        }
        for story in &stories {
            let i = &story.incident;
            let ordered = i.started_at <= i.detected_at
                && i.mitigated_at.is_none_or(|m| i.detected_at <= m && m <= i.resolved_at)
                && i.detected_at <= i.resolved_at;
            if !ordered {
                return Err(Error::from_str(&format!("{}: milestones out of order", i.key)));
            }
            let times: Vec<i64> = match &story.record {
                Record::Canonical(c) => c.timeline.iter().map(|e| e.0).collect(),
                Record::Statuspage(p) => p.updates.iter().map(|u| u.0).collect(),
                Record::PagerDuty(p) => p.entries.iter().map(|e| e.0).collect(),
            };
            if times.windows(2).any(|w| w[1] < w[0]) {
                return Err(Error::from_str(&format!("{}: timeline out of order", i.key)));
            }
            if let Some(cause) = &i.cause {
                let run =
                    self.ids.iter().find(|(_, id)| **id == cause.deploy).map(|(r, _)| *r).expect("an id");
                let after = i.started_at - self.runs()[run].finished.expect("finished");
                if !(10 * MINUTE..=90 * MINUTE).contains(&after) {
                    return Err(Error::from_str(&format!("{}: starts {after}s after its deploy", i.key)));
                }
            }
        }
        Ok(stories)
    }

    // ----- caused by a change -----

    /// Catalog search slows down after a migration drops an index; the fix ships as a hotfix.
    fn inc_009(&self, rng: &mut Rng) -> Story {
        let t = self.trouble("INC-2026-009");
        let deploy = t.deploy.expect("checked");
        let hotfix = t.undo_deploy.expect("checked");
        let (bad_at, fix_end) = (self.runs()[deploy].started, self.finished(Some(hotfix)));
        let started = t.start;
        let detected = started + 14 * MINUTE + 7;
        let identified = (t.undo_at - 6 * MINUTE - 21).max(detected + 5 * MINUTE + 9);
        let monitoring = fix_end + 2 * MINUTE + 40;
        let resolved = monitoring + 35 * MINUTE + 12;
        let search = "Product search";
        let updates = vec![
            (
                detected,
                "investigating",
                "Product search is slow for some customers; search and category pages may take several seconds to load. We are investigating.".to_string(),
                Some(vec![(search, "operational", "degraded_performance")]),
            ),
            (
                identified,
                "identified",
                format!(
                    "We have identified the cause: the catalog release at {} (deploy {}) included a database migration, commit {}, that dropped an index product search still uses. We are restoring the index.",
                    hm(bad_at),
                    self.id(deploy),
                    abbrev(t.bad())
                ),
                Some(vec![(search, "degraded_performance", "degraded_performance")]),
            ),
            (
                monitoring,
                "monitoring",
                format!(
                    "A fix has been deployed (deploy {}, commit {} restores the index). Search times are back to normal and we are monitoring.",
                    self.id(hotfix),
                    abbrev(t.undo())
                ),
                Some(vec![(search, "degraded_performance", "operational")]),
            ),
            (
                resolved,
                "resolved",
                format!("This incident has been resolved. Our internal reference is {}.", t.script.incident),
                None,
            ),
        ];
        self.statuspage_story(
            rng,
            t.script.incident,
            "Slow product search",
            "minor",
            started,
            vec![search],
            updates,
            Some(self.cause(t)),
        )
    }

    /// Card authorizations time out in the EU evening after the Stripe client stopped retrying.
    fn inc_014(&self, rng: &mut Rng) -> Story {
        let t = self.trouble("INC-2026-014");
        let (deploy, rollback, undo) =
            (t.deploy.expect("checked"), t.rollback.expect("checked"), t.undo_deploy);
        let rolled_back = self.finished(Some(rollback));
        let started = t.start;
        let previous = self.runs()[rollback].sha;
        let entries = vec![
            (started + 3 * MINUTE + 4, Entry::Trigger("Payments API: card authorization errors above 2% for 5 minutes (6.2%)".into())),
            (started + 6 * MINUTE + 30, Entry::Acknowledge(&ZOE)),
            (
                started + 17 * MINUTE + 12,
                Entry::Annotate(
                    &ZOE,
                    format!(
                        "Timeouts calling Stripe began after payments deploy {} ({}). It ships {} \"{}\"; Stripe's p99 is 2.4s tonight. Suspect {}.",
                        self.id(deploy),
                        hm(self.runs()[deploy].started),
                        abbrev(t.bad()),
                        t.bad_subject,
                        abbrev(t.bad())
                    ),
                ),
            ),
            (
                rolled_back + 50,
                Entry::Annotate(
                    &ZOE,
                    format!(
                        "Rolled back deploy {} with {} (payments back on {}). Authorizations recovering.",
                        self.id(deploy),
                        self.id(rollback),
                        abbrev(previous)
                    ),
                ),
            ),
            (
                started + 41 * MINUTE + 5,
                Entry::Annotate(&LIAM, "Error rate under 0.2% for 10 minutes. Payments production deploys are held until the change is reverted.".into()),
            ),
            (started + 44 * MINUTE + 18, Entry::Resolve(&ZOE)),
            (
                self.finished(undo) + 3 * MINUTE,
                Entry::Annotate(
                    &ZOE,
                    format!(
                        "Revert {} shipped in {}; payments deploys resumed. Postmortem: {}.",
                        abbrev(t.undo()),
                        self.id(undo.expect("checked")),
                        t.script.incident
                    ),
                ),
            ),
        ];
        self.pagerduty_story(
            rng,
            t.script.incident,
            1412,
            "Card authorizations failing: Stripe calls timing out in payments",
            "P1",
            "Payments API",
            entries,
            Some(self.cause(t)),
        )
    }

    /// Cached cart totals keep sale prices after a flash sale; rolled back, then fixed.
    fn inc_021(&self) -> Story {
        let t = self.trouble("INC-2026-021");
        let (deploy, rollback, undo) =
            (t.deploy.expect("checked"), t.rollback.expect("checked"), t.undo_deploy.expect("checked"));
        let started = t.start;
        let detected = started + 47 * MINUTE + 20;
        let rollback_at = self.runs()[rollback].started;
        let mitigated = self.finished(Some(rollback)) + 45;
        let shipped = self.finished(Some(undo));
        let resolved = shipped + 30 * MINUTE;
        let pr = t.pr.map_or(String::new(), |n| format!("PR #{n} "));
        let timeline = vec![
            (started, "impact", "The summer flash sale ended; carts priced during the sale kept their cached sale totals at checkout.".to_string()),
            (detected, "alert", "Support escalation: customers charged sale prices after the sale ended (12 tickets in 30 minutes).".to_string()),
            (
                detected + 8 * MINUTE,
                "note",
                format!(
                    "Checkout deploy {} at {} shipped {}\"{}\" (commit {}). Cached totals ignore price list changes. Suspect.",
                    self.id(deploy),
                    hm(self.runs()[deploy].started),
                    pr,
                    t.bad_subject,
                    abbrev(t.bad())
                ),
            ),
            (
                rollback_at,
                "action",
                format!(
                    "Rolling back checkout: {} undoes deploy {} (back to {}).",
                    self.id(rollback),
                    self.id(deploy),
                    abbrev(self.runs()[rollback].sha)
                ),
            ),
            (mitigated, "status", "Rollback finished; new orders are priced correctly. Checkout production deploys are held until a fix lands.".to_string()),
            (t.undo_at + 2 * MINUTE, "note", format!("Fix {} \"{}\" is on main.", abbrev(t.undo()), t.undo_subject)),
            (shipped + MINUTE, "action", format!("Deploy {} shipped the fix {}; checkout deploys resumed.", self.id(undo), abbrev(t.undo()))),
            (resolved, "status", "Resolved. 1,874 orders were refunded the difference.".to_string()),
        ];
        let record = CanonicalIncident {
            id: t.script.incident,
            title: "Orders charged flash-sale prices after the sale ended".into(),
            severity: "SEV2",
            services: vec!["checkout"],
            started,
            detected,
            mitigated,
            resolved,
            customers: Some(1874),
            timeline,
        };
        self.canonical_story(record, Some(self.cause(t)))
    }

    /// Android users are signed out in a loop when token expiry loses its clock skew leeway.
    fn inc_027(&self, rng: &mut Rng) -> Story {
        let t = self.trouble("INC-2026-027");
        let (deploy, rollback) = (t.deploy.expect("checked"), t.rollback.expect("checked"));
        let started = t.start;
        let detected = started + 13 * MINUTE + 44;
        let identified = started + 24 * MINUTE + 2;
        let monitoring = self.finished(Some(rollback)) + 58;
        let resolved = monitoring + 50 * MINUTE + 31;
        let (login, app) = ("Login", "Mobile app");
        let updates = vec![
            (
                detected,
                "investigating",
                "Some users of the Android app are being signed out repeatedly. We are investigating.".to_string(),
                Some(vec![(login, "operational", "partial_outage"), (app, "operational", "partial_outage")]),
            ),
            (
                identified,
                "identified",
                format!(
                    "We have identified the cause: a change to token validation (commit {}), released at {} in auth deployment {}, rejects tokens from phones whose clocks run slightly fast. We are rolling it back.",
                    abbrev(t.bad()),
                    hm(self.runs()[deploy].started),
                    self.id(deploy)
                ),
                Some(vec![(login, "partial_outage", "partial_outage")]),
            ),
            (
                monitoring,
                "monitoring",
                format!(
                    "The rollback (auth deployment {}) is complete and signing in works again. We are monitoring.",
                    self.id(rollback)
                ),
                Some(vec![(login, "partial_outage", "operational"), (app, "partial_outage", "operational")]),
            ),
            (
                resolved,
                "resolved",
                format!(
                    "This incident has been resolved. Users who were signed out can sign in again normally. Our internal reference is {}.",
                    t.script.incident
                ),
                None,
            ),
        ];
        self.statuspage_story(
            rng,
            t.script.incident,
            "Android app users signed out repeatedly",
            "major",
            started,
            vec![login, app],
            updates,
            Some(self.cause(t)),
        )
    }

    /// Two payments pods cannot take the renewal batch after the autoscaling floor was lowered.
    fn inc_033(&self, rng: &mut Rng) -> Story {
        let t = self.trouble("INC-2026-033");
        let (deploy, rollback, undo) =
            (t.deploy.expect("checked"), t.rollback.expect("checked"), t.undo_deploy);
        let started = t.start;
        let rolled_back = self.finished(Some(rollback));
        let pr = t.pr.map_or(String::new(), |n| format!("PR #{n} "));
        let entries = vec![
            (started + 2 * MINUTE + 9, Entry::Trigger("Payments API: HTTP 5xx above 5% for 2 minutes (31%)".into())),
            (started + 4 * MINUTE + 40, Entry::Acknowledge(&EMMA)),
            (
                started + 7 * MINUTE + 3,
                Entry::Annotate(
                    &EMMA,
                    format!(
                        "The subscription renewal batch is hitting payments with only 2 pods up. Deploy {} ({}) shipped {}\"{}\" ({}). Rolling back.",
                        self.id(deploy),
                        hm(self.runs()[deploy].started),
                        pr,
                        t.bad_subject,
                        abbrev(t.bad())
                    ),
                ),
            ),
            (
                rolled_back + 35,
                Entry::Annotate(
                    &EMMA,
                    format!(
                        "Rolled back deploy {} with {}; 6 payments pods ready and the 503s stopped.",
                        self.id(deploy),
                        self.id(rollback)
                    ),
                ),
            ),
            (
                t.undo_at + 2 * MINUTE,
                Entry::Annotate(
                    &EMMA,
                    format!("Revert {} of {}is on main; payments production deploys are held until it ships.", abbrev(t.undo()), pr),
                ),
            ),
            (t.undo_at + 9 * MINUTE + 12, Entry::Resolve(&EMMA)),
            (
                self.finished(undo) + 4 * MINUTE,
                Entry::Annotate(
                    &ZOE,
                    format!(
                        "Revert {} shipped in {}; payments deploys resumed. Postmortem: {}.",
                        abbrev(t.undo()),
                        self.id(undo.expect("checked")),
                        t.script.incident
                    ),
                ),
            ),
        ];
        self.pagerduty_story(
            rng,
            t.script.incident,
            1518,
            "Payments API returning 503s during the subscription renewal batch",
            "P1",
            "Payments API",
            entries,
            Some(self.cause(t)),
        )
    }

    /// Payments latency climbs after the morning release; more pods hold it until the next
    /// release carries a fix forward. Nothing names the deploy or a commit: time and service only,
    /// with a catalog release minutes before the start.
    fn inc_034(&self, rng: &mut Rng) -> Story {
        let t = self.trouble("INC-2026-034");
        let fix = self.finished(t.undo_deploy);
        let started = t.start;
        let entries = vec![
            (started + 2 * MINUTE + 41, Entry::Trigger("Payments API: p99 latency above 1.5s for 5 minutes (2.3s)".into())),
            (started + 5 * MINUTE + 12, Entry::Acknowledge(&LIAM)),
            (
                started + 19 * MINUTE + 30,
                Entry::Annotate(&LIAM, "Every payments endpoint is slow; the database connection pool is saturated (20 of 20 in use). Scaling payments from 6 to 12 pods as a stopgap.".into()),
            ),
            (
                started + 48 * MINUTE + 2,
                Entry::Annotate(&ZOE, "p99 at 900ms with 12 pods. Keeping this open until a proper fix is released.".into()),
            ),
            (fix + 4 * MINUTE + 10, Entry::Annotate(&ZOE, "The next payments release, with a connection pool fix, is out; p99 back to 240ms on 6 pods.".into())),
            (fix + 21 * MINUTE + 37, Entry::Resolve(&ZOE)),
        ];
        self.pagerduty_story(
            rng,
            t.script.incident,
            1531,
            "Payments API slow: database connection pool exhausted",
            "P3",
            "Payments API",
            entries,
            Some(self.cause(t)),
        )
    }

    /// Token refreshes fail after an auth release; responders roll it back without naming it.
    fn inc_035(&self) -> Story {
        let t = self.trouble("INC-2026-035");
        let rollback = t.rollback.expect("checked");
        let started = t.start;
        let detected = started + 6 * MINUTE + 18;
        let mitigated = self.finished(Some(rollback)) + 40;
        let resolved = mitigated + 35 * MINUTE + 6;
        let timeline = vec![
            (detected, "alert", "Login success rate down to 91% (normally 99.6%); the failures are 401s on token refresh.".to_string()),
            (detected + 9 * MINUTE + 30, "note", "It began shortly after this morning's auth release; nothing else changed on auth.".to_string()),
            (self.runs()[rollback].started, "action", "Rolling auth back to the previous release.".to_string()),
            (mitigated, "status", "Rollback done; login success rate back to 99.5%. Auth releases are paused until the refresh path is fixed.".to_string()),
            (resolved, "status", "Resolved.".to_string()),
        ];
        let record = CanonicalIncident {
            id: t.script.incident,
            title: "Sign-in failing for some users on token refresh".into(),
            severity: "SEV2",
            services: vec!["auth"],
            started,
            detected,
            mitigated,
            resolved,
            customers: None,
            timeline,
        };
        self.canonical_story(record, Some(self.cause(t)))
    }

    /// Paid orders cannot be fulfilled after checkout stopped waiting for the stock reservation.
    /// The status page names nothing but the incident's reference; the fix names it too.
    fn inc_036(&self, rng: &mut Rng) -> Story {
        let t = self.trouble("INC-2026-036");
        let hotfix = self.finished(t.undo_deploy);
        let started = t.start;
        let detected = started + 21 * MINUTE + 48;
        let identified = detected + 34 * MINUTE + 5;
        let monitoring = hotfix + 3 * MINUTE + 11;
        let resolved = monitoring + 41 * MINUTE + 30;
        let web = "Web checkout";
        let updates = vec![
            (
                detected,
                "investigating",
                "Some orders placed in the last half hour were charged for items that are out of stock. We are investigating.".to_string(),
                Some(vec![(web, "operational", "degraded_performance")]),
            ),
            (
                identified,
                "identified",
                "We have found the cause and are preparing a fix. Affected orders will be refunded.".to_string(),
                Some(vec![(web, "degraded_performance", "degraded_performance")]),
            ),
            (
                monitoring,
                "monitoring",
                "A fix has been deployed and new orders are placed correctly. We are monitoring.".to_string(),
                Some(vec![(web, "degraded_performance", "operational")]),
            ),
            (
                resolved,
                "resolved",
                format!(
                    "This incident has been resolved. 312 affected orders were refunded. Our internal reference is {}.",
                    t.script.incident
                ),
                None,
            ),
        ];
        self.statuspage_story(
            rng,
            t.script.incident,
            "Orders charged for out-of-stock items",
            "minor",
            started,
            vec![web],
            updates,
            Some(self.cause(t)),
        )
    }

    /// Retried declines trip Stripe's rate limit; the revert ships as soon as it is on main.
    /// The timeline names neither the deploy nor the commit; a checkout release comes minutes
    /// before the start.
    fn inc_038(&self) -> Story {
        let t = self.trouble("INC-2026-038");
        let shipped = self.finished(t.undo_deploy);
        let started = t.start;
        let detected = started + 4 * MINUTE + 51;
        let mitigated = shipped + 70;
        let resolved = mitigated + 29 * MINUTE + 14;
        let timeline = vec![
            (detected, "alert", "Card authorization failures at 14%: HTTP 429 from Stripe.".to_string()),
            (detected + 12 * MINUTE + 3, "note", "Stripe says our account is over its rate limit: authorization attempts are four times the usual.".to_string()),
            (t.undo_at + 2 * MINUTE, "note", "The revert is on main; releasing payments now.".to_string()),
            (mitigated, "status", "Authorization attempts back to normal; failures under 0.3%.".to_string()),
            (resolved, "status", "Resolved.".to_string()),
        ];
        let record = CanonicalIncident {
            id: t.script.incident,
            title: "Card authorizations failing: processor rate limit".into(),
            severity: "SEV2",
            services: vec!["payments"],
            started,
            detected,
            mitigated,
            resolved,
            customers: Some(2_140),
            timeline,
        };
        self.canonical_story(record, Some(self.cause(t)))
    }

    /// A catalog release breaks carts, seen only at checkout, a dependency hop downstream; the
    /// catalog release is rolled back without naming it.
    fn inc_037(&self) -> Story {
        let t = self.trouble("INC-2026-037");
        let rollback = t.rollback.expect("checked");
        let started = t.start;
        let detected = started + 8 * MINUTE + 27;
        let mitigated = self.finished(Some(rollback)) + 31;
        let resolved = mitigated + 30 * MINUTE + 45;
        let timeline = vec![
            (detected, "alert", "Checkout API: HTTP 5xx at 3% on cart pages.".to_string()),
            (
                detected + 11 * MINUTE + 40,
                "note",
                "Checkout gets 404s from the catalog API for some product ids in carts.".to_string(),
            ),
            (self.runs()[rollback].started, "action", "Rolling back tonight's catalog release.".to_string()),
            (mitigated, "status", "Cart errors gone after the catalog rollback.".to_string()),
            (resolved, "status", "Resolved.".to_string()),
        ];
        let record = CanonicalIncident {
            id: t.script.incident,
            title: "Checkout errors for carts with some products".into(),
            severity: "SEV3",
            services: vec!["checkout"],
            started,
            detected,
            mitigated,
            resolved,
            customers: None,
            timeline,
        };
        self.canonical_story(record, Some(self.cause(t)))
    }

    // ----- no change at fault -----

    /// A cloud provider's network degrades in one availability zone.
    fn inc_011(&self) -> Result<Story, Error> {
        let started = at(6, 24, 13, 12) + 41;
        for service in ["checkout", "payments", "catalog"] {
            if let Some(run) = self.last_finished_before(service, started) {
                if self.runs()[run].finished.is_some_and(|f| started - f < 6 * HOUR) {
                    return Err(Error::from_str("INC-2026-011 says no deploy in six hours"));
                }
            }
        }
        let detected = started + 3 * MINUTE + 50;
        let mitigated = at(6, 24, 13, 41) + 3;
        let resolved = at(6, 24, 14, 5) + 29;
        let timeline = vec![
            (detected, "alert", "Synthetic checks failing for checkout and product pages from eu-west-1 (5xx at 4%).".to_string()),
            (at(6, 24, 13, 22) + 10, "note", "AWS Health Dashboard: increased network packet loss in eu-west-1 (euw1-az2) since 13:08 UTC.".to_string()),
            (at(6, 24, 13, 25) + 2, "note", "No shop deploy in the six hours before; nothing to roll back.".to_string()),
            (at(6, 24, 13, 31) + 48, "action", "Drained euw1-az2 from the load balancers.".to_string()),
            (mitigated, "status", "Error rates back to baseline with euw1-az2 drained.".to_string()),
            (resolved, "status", "AWS reports the network issue resolved; euw1-az2 is back in service. Resolved.".to_string()),
        ];
        let record = CanonicalIncident {
            id: "INC-2026-011",
            title: "Elevated errors in eu-west-1: cloud provider network degradation".into(),
            severity: "SEV3",
            services: vec!["catalog", "checkout", "payments"],
            started,
            detected,
            mitigated,
            resolved,
            customers: None,
            timeline,
        };
        Ok(self.canonical_story(record, None))
    }

    /// A TV spot sends six times the usual traffic; the autoscaler catches up.
    fn inc_019(&self, rng: &mut Rng) -> Story {
        let opened = at(7, 27, 19, 40) + 12;
        let entries = vec![
            (opened, Entry::Trigger("Shop Web (prod): p95 latency above 3s for 5 minutes".into())),
            (opened + 4 * MINUTE + 2, Entry::Acknowledge(&JOSE)),
            (
                opened + 11 * MINUTE + 30,
                Entry::Annotate(&JOSE, "Traffic is 6x normal since 19:35 UTC, after the TV spot aired in the US. Checkout pods at their CPU limit; the autoscaler is adding pods.".into()),
            ),
            (
                opened + 26 * MINUTE + 8,
                Entry::Annotate(&MARCUS, "18 checkout pods up, p95 back under 800ms. Traffic-driven; no deploy involved.".into()),
            ),
            (opened + 38 * MINUTE + 51, Entry::Resolve(&JOSE)),
        ];
        self.pagerduty_story(
            rng,
            "INC-2026-019",
            1437,
            "Storefront slow under a traffic spike",
            "P3",
            "Shop Web (prod)",
            entries,
            None,
        )
    }

    /// Stripe itself fails, 38 minutes after an innocent payments deploy.
    fn inc_024(&self, rng: &mut Rng) -> Result<Story, Error> {
        let afternoon = self
            .last_finished_before("payments", at(8, 13, 17, 0))
            .filter(|&r| self.runs()[r].started >= at(8, 13, 14, 0))
            .ok_or_else(|| Error::from_str("INC-2026-024 follows the payments deploy of 2026-08-13"))?;
        let started = self.finished(Some(afternoon)) + 38 * MINUTE + 17;
        let card = "Card payments";
        let updates = vec![
            (
                started + 6 * MINUTE + 2,
                "investigating",
                "Some card payments are failing at checkout. We are investigating.".to_string(),
                Some(vec![(card, "operational", "major_outage")]),
            ),
            (
                started + 17 * MINUTE + 40,
                "identified",
                "Our card payment processor is having an outage that makes card authorizations fail or time out. We are in contact with them.".to_string(),
                Some(vec![(card, "major_outage", "major_outage")]),
            ),
            (
                started + 64 * MINUTE + 11,
                "monitoring",
                "Our payment processor reports the issue fixed and card payments are succeeding again. We are monitoring.".to_string(),
                Some(vec![(card, "major_outage", "operational")]),
            ),
            (
                started + 95 * MINUTE + 3,
                "resolved",
                "This incident has been resolved. Stripe has published its own incident report. Our internal reference is INC-2026-024.".to_string(),
                None,
            ),
        ];
        Ok(self.statuspage_story(
            rng,
            "INC-2026-024",
            "Card payments failing",
            "major",
            started,
            vec![card],
            updates,
            None,
        ))
    }

    /// A CDN's Tokyo and Osaka edges fail; image traffic moves to the second CDN.
    fn inc_030(&self) -> Story {
        let started = at(8, 27, 3, 10) + 26;
        let detected = started + 8 * MINUTE + 5;
        let mitigated = at(8, 27, 3, 52) + 14;
        let resolved = at(8, 27, 4, 25) + 40;
        let timeline = vec![
            (
                detected,
                "alert",
                "Product image error rate 18% from the Tokyo and Osaka edge locations.".to_string(),
            ),
            (
                detected + 9 * MINUTE,
                "note",
                "CDN provider's status page: degraded performance at NRT and KIX points of presence."
                    .to_string(),
            ),
            (mitigated - 6 * MINUTE, "action", "Moved APAC image traffic to the secondary CDN.".to_string()),
            (mitigated, "status", "Images load normally through the secondary CDN.".to_string()),
            (
                resolved,
                "status",
                "The provider resolved its incident; image traffic is back on the primary CDN. Resolved."
                    .to_string(),
            ),
        ];
        let record = CanonicalIncident {
            id: "INC-2026-030",
            title: "Product images missing in Asia-Pacific: CDN edge outage".into(),
            severity: "SEV4",
            services: vec!["catalog"],
            started,
            detected,
            mitigated,
            resolved,
            customers: None,
            timeline,
        };
        self.canonical_story(record, None)
    }

    // ----- per format -----

    fn canonical_story(&self, record: CanonicalIncident, cause: Option<Cause>) -> Story {
        let incident = Incident {
            key: record.id,
            format: "canonical",
            id: record.id.to_string(),
            title: record.title.clone(),
            services: record.services.clone(),
            started_at: record.started,
            detected_at: record.detected,
            mitigated_at: Some(record.mitigated),
            resolved_at: record.resolved,
            cause,
        };
        Story { incident, record: Record::Canonical(record) }
    }

    #[allow(clippy::too_many_arguments)]
    fn statuspage_story(
        &self,
        rng: &mut Rng,
        key: &'static str,
        name: &str,
        impact: &'static str,
        started: i64,
        components: Vec<&'static str>,
        updates: Vec<(i64, &'static str, String, Option<Vec<(&'static str, &'static str, &'static str)>>)>,
        cause: Option<Cause>,
    ) -> Story {
        let id = random_id(rng, LOWER, 12);
        let shortlink = format!("https://stspg.io/{}", random_id(rng, LOWER, 10));
        let mut millis = |t: i64| t * 1000 + rng.below(1000) as i64;
        let started_ms = millis(started);
        let updates: Vec<_> = updates
            .into_iter()
            .map(|(t, status, body, affected)| (millis(t), status, body, affected))
            .collect();
        let mut with_ids = Vec::new();
        for (t, status, body, affected) in updates {
            with_ids.push((t, status, body, affected, random_id(rng, LOWER, 12)));
        }
        let when = |status: &str| with_ids.iter().find(|u| u.1 == status).map(|u| u.0 / 1000);
        let services: Vec<&'static str> = components.iter().filter_map(|c| component_service(c)).collect();
        let incident = Incident {
            key,
            format: "statuspage",
            id: id.clone(),
            title: name.to_string(),
            services,
            started_at: started,
            detected_at: with_ids[0].0 / 1000,
            mitigated_at: when("monitoring"),
            resolved_at: when("resolved").expect("every sample incident resolves"),
            cause,
        };
        let record = StatuspageIncident {
            id,
            name: name.to_string(),
            impact,
            shortlink,
            started: started_ms,
            components,
            updates: with_ids,
        };
        Story { incident, record: Record::Statuspage(record) }
    }

    #[allow(clippy::too_many_arguments)]
    fn pagerduty_story(
        &self,
        rng: &mut Rng,
        key: &'static str,
        number: i64,
        title: &str,
        priority: &'static str,
        service: &'static str,
        entries: Vec<(i64, Entry)>,
        cause: Option<Cause>,
    ) -> Story {
        let id = format!("P{}", random_id(rng, UPPER, 6));
        let incident_key = random_id(rng, b"0123456789abcdef", 32);
        let entries: Vec<(i64, Entry, String)> =
            entries.into_iter().map(|(t, e)| (t, e, format!("R{}", random_id(rng, UPPER, 25)))).collect();
        let opened = entries[0].0;
        let resolved = entries
            .iter()
            .find(|e| matches!(e.1, Entry::Resolve(_)))
            .map(|e| e.0)
            .expect("every sample incident resolves");
        let services = match service {
            "Shop Web (prod)" => vec!["checkout"],
            other => component_service(other).into_iter().collect(),
        };
        let incident = Incident {
            key,
            format: "pagerduty",
            id: id.clone(),
            title: title.to_string(),
            services,
            started_at: opened,
            detected_at: opened,
            mitigated_at: None,
            resolved_at: resolved,
            cause,
        };
        let record = PagerDutyIncident {
            id,
            number,
            title: title.to_string(),
            urgency: "high",
            priority,
            service,
            key: incident_key,
            entries,
        };
        Story { incident, record: Record::PagerDuty(record) }
    }
}

/// The catalog service a status page component or PagerDuty service names (its alias).
fn component_service(name: &str) -> Option<&'static str> {
    match name {
        "Web checkout" | "Checkout API" => Some("checkout"),
        "Card payments" | "Payments API" => Some("payments"),
        "Product search" | "Catalog API" => Some("catalog"),
        "Login" | "Auth API" => Some("auth"),
        _ => None,
    }
}

// ---------------------------------------------------------------------------------------------
// Statuspage and PagerDuty documents
// ---------------------------------------------------------------------------------------------

const PAGE_ID: &str = "v2k8h4d9q1xc";

/// The status page's components: name, id, position, description.
const COMPONENTS: [(&str, &str, i64, &str); 5] = [
    ("Web checkout", "m4qzr1c8w2td", 1, "Carts, checkout and order placement on the web shop"),
    ("Card payments", "7hxk2p9vbn3s", 2, "Card and wallet payments"),
    ("Product search", "c0yw5tj6l8fe", 3, "Search, category and product pages"),
    ("Login", "p3nd7r0gkq5u", 4, "Signing in and staying signed in"),
    ("Mobile app", "zb9e1v4h6m2a", 5, "The Acme Shop apps for iOS and Android"),
];

fn ts(t: i64) -> String {
    utc(t).format("%Y-%m-%dT%H:%M:%SZ").to_string()
}

fn ts_ms(ms: i64) -> String {
    format!("{}.{:03}Z", utc(ms.div_euclid(1000)).format("%Y-%m-%dT%H:%M:%S"), ms.rem_euclid(1000))
}

fn statuspage_json(incidents: &[StatuspageIncident]) -> J {
    let updated = incidents.iter().flat_map(|i| i.updates.iter().map(|u| u.0)).max().unwrap_or(0);
    let page = obj(vec![
        ("id", s(PAGE_ID)),
        ("name", s("Acme Shop")),
        ("url", s("https://status.acme-shop.example")),
        ("time_zone", s("Etc/UTC")),
        ("updated_at", s(ts_ms(updated + 4_211))),
    ]);
    let mut list = Vec::new();
    for incident in incidents.iter().rev() {
        let last = incident.updates.last().expect("updates").0;
        let when =
            |status: &str| incident.updates.iter().find(|u| u.1 == status).map_or(J::Null, |u| s(ts_ms(u.0)));
        let code = |name: &str| COMPONENTS.iter().find(|c| c.0 == name).expect("a known component").1;
        let updates = incident
            .updates
            .iter()
            .rev()
            .map(|(t, status, body, affected, id)| {
                obj(vec![
                    ("id", s(id)),
                    ("status", s(*status)),
                    ("body", s(body)),
                    ("incident_id", s(&incident.id)),
                    ("created_at", s(ts_ms(*t))),
                    ("updated_at", s(ts_ms(*t))),
                    ("display_at", s(ts_ms(*t))),
                    (
                        "affected_components",
                        affected.as_ref().map_or(J::Null, |list| {
                            J::Arr(
                                list.iter()
                                    .map(|(name, old, new)| {
                                        obj(vec![
                                            ("code", s(code(name))),
                                            ("name", s(*name)),
                                            ("old_status", s(*old)),
                                            ("new_status", s(*new)),
                                        ])
                                    })
                                    .collect(),
                            )
                        }),
                    ),
                    ("deliver_notifications", J::Bool(true)),
                    ("custom_tweet", J::Null),
                    ("tweet_id", J::Null),
                ])
            })
            .collect();
        let components = incident
            .components
            .iter()
            .map(|name| {
                let (_, id, position, description) =
                    *COMPONENTS.iter().find(|c| c.0 == *name).expect("known");
                obj(vec![
                    ("id", s(id)),
                    ("name", s(*name)),
                    ("status", s("operational")),
                    ("created_at", s(ts_ms(1_747_211_522_118 + position * 61_004))),
                    ("updated_at", s(ts_ms(last + 1_207))),
                    ("position", J::Int(position)),
                    ("description", s(description)),
                    ("showcase", J::Bool(true)),
                    ("start_date", s("2025-05-14")),
                    ("group_id", J::Null),
                    ("page_id", s(PAGE_ID)),
                    ("group", J::Bool(false)),
                    ("only_show_if_degraded", J::Bool(false)),
                ])
            })
            .collect();
        list.push(obj(vec![
            ("id", s(&incident.id)),
            ("name", s(&incident.name)),
            ("status", s("resolved")),
            ("created_at", s(ts_ms(incident.updates[0].0))),
            ("updated_at", s(ts_ms(last + 19))),
            ("monitoring_at", when("monitoring")),
            ("resolved_at", when("resolved")),
            ("impact", s(incident.impact)),
            ("shortlink", s(&incident.shortlink)),
            ("started_at", s(ts_ms(incident.started))),
            ("page_id", s(PAGE_ID)),
            ("incident_updates", J::Arr(updates)),
            ("components", J::Arr(components)),
        ]));
    }
    obj(vec![("page", page), ("incidents", J::Arr(list))])
}

const PD_API: &str = "https://api.pagerduty.com";
const PD_WEB: &str = "https://acme-shop.pagerduty.com";

/// A PagerDuty-looking id for a person, service or policy, from a seed.
fn pd_id(seed: u64) -> String {
    format!("P{}", random_id(&mut Rng(seed), UPPER, 6))
}

fn pd_user(person: &Person) -> J {
    let id = pd_id(u64::from(person.github_id));
    obj(vec![
        ("id", s(&id)),
        ("type", s("user_reference")),
        ("summary", s(person.name)),
        ("self", s(format!("{PD_API}/users/{id}"))),
        ("html_url", s(format!("{PD_WEB}/users/{id}"))),
    ])
}

/// PagerDuty service → (escalation policy, team).
fn pd_owner(service: &str) -> (&'static str, &'static str) {
    match service {
        "Payments API" => ("Payments on-call", "Payments"),
        _ => ("Storefront on-call", "Checkout"),
    }
}

fn pd_reference(kind: &str, name: &str, path: &str, web: &str) -> J {
    let id = pd_id(name.bytes().fold(0xA5u64, |h, b| h.wrapping_mul(31).wrapping_add(u64::from(b))));
    obj(vec![
        ("id", s(&id)),
        ("type", s(kind)),
        ("summary", s(name)),
        ("self", s(format!("{PD_API}/{path}/{id}"))),
        ("html_url", s(format!("{PD_WEB}/{web}/{id}"))),
    ])
}

fn pagerduty_json(incidents: &[PagerDutyIncident]) -> (J, J) {
    let mut list = Vec::new();
    let mut entries: Vec<(i64, J)> = Vec::new();
    for incident in incidents {
        let summary = format!("[#{}] {}", incident.number, incident.title);
        let self_url = format!("{PD_API}/incidents/{}", incident.id);
        let html_url = format!("{PD_WEB}/incidents/{}", incident.id);
        let service = pd_reference("service_reference", incident.service, "services", "service-directory");
        let (policy, team) = pd_owner(incident.service);
        let policy =
            pd_reference("escalation_policy_reference", policy, "escalation_policies", "escalation_policies");
        let team = pd_reference("team_reference", team, "teams", "teams");
        let opened = incident.entries[0].0;
        let updated = incident.entries.iter().map(|e| e.0).max().expect("entries");
        let (resolved, resolver) = incident
            .entries
            .iter()
            .find_map(|e| match e.1 {
                Entry::Resolve(p) => Some((e.0, p)),
                _ => None,
            })
            .expect("resolved");
        let trigger = &incident.entries[0];
        let incident_ref = obj(vec![
            ("id", s(&incident.id)),
            ("type", s("incident_reference")),
            ("summary", s(&summary)),
            ("self", s(&self_url)),
            ("html_url", s(&html_url)),
        ]);
        for (t, entry, id) in &incident.entries {
            let (kind, text, agent, channel) = match entry {
                Entry::Trigger(alert) => (
                    "trigger_log_entry",
                    "Triggered through the API".to_string(),
                    service.clone(),
                    obj(vec![("type", s("api")), ("summary", s(alert))]),
                ),
                Entry::Acknowledge(p) => (
                    "acknowledge_log_entry",
                    format!("Acknowledged by {}.", p.name),
                    pd_user(p),
                    obj(vec![("type", s("mobile"))]),
                ),
                Entry::Annotate(p, note) => (
                    "annotate_log_entry",
                    note.clone(),
                    pd_user(p),
                    obj(vec![("type", s("note")), ("summary", s(note))]),
                ),
                Entry::Resolve(p) => (
                    "resolve_log_entry",
                    format!("Resolved by {}.", p.name),
                    pd_user(p),
                    obj(vec![("type", s("website"))]),
                ),
            };
            let mut fields = vec![
                ("id", s(id)),
                ("type", s(kind)),
                ("summary", s(text)),
                ("self", s(format!("{PD_API}/log_entries/{id}"))),
                ("html_url", s(format!("{html_url}/log_entries/{id}"))),
                ("created_at", s(ts(*t))),
                ("agent", agent),
                ("channel", channel),
                ("service", service.clone()),
                ("incident", incident_ref.clone()),
                ("teams", J::Arr(vec![team.clone()])),
                ("contexts", J::Arr(vec![])),
            ];
            if let Entry::Trigger(alert) = entry {
                fields.push(("event_details", obj(vec![("description", s(alert))])));
            }
            entries.push((*t, obj(fields)));
        }
        list.push(obj(vec![
            ("id", s(&incident.id)),
            ("type", s("incident")),
            ("summary", s(&summary)),
            ("self", s(&self_url)),
            ("html_url", s(&html_url)),
            ("incident_number", J::Int(incident.number)),
            ("title", s(&incident.title)),
            ("created_at", s(ts(opened))),
            ("updated_at", s(ts(updated))),
            ("status", s("resolved")),
            ("incident_key", s(&incident.key)),
            ("service", service.clone()),
            ("assignments", J::Arr(vec![])),
            ("assigned_via", s("escalation_policy")),
            ("last_status_change_at", s(ts(resolved))),
            ("resolved_at", s(ts(resolved))),
            (
                "first_trigger_log_entry",
                obj(vec![
                    ("id", s(&trigger.2)),
                    ("type", s("trigger_log_entry_reference")),
                    ("summary", s("Triggered through the API")),
                    ("self", s(format!("{PD_API}/log_entries/{}?incident_id={}", trigger.2, incident.id))),
                    ("html_url", s(format!("{html_url}/log_entries/{}", trigger.2))),
                ]),
            ),
            (
                "alert_counts",
                obj(vec![("all", J::Int(1)), ("triggered", J::Int(0)), ("resolved", J::Int(1))]),
            ),
            ("is_mergeable", J::Bool(true)),
            ("incident_type", obj(vec![("name", s("incident_default"))])),
            ("escalation_policy", policy),
            ("teams", J::Arr(vec![team])),
            ("pending_actions", J::Arr(vec![])),
            ("acknowledgements", J::Arr(vec![])),
            ("last_status_change_by", pd_user(resolver)),
            (
                "priority",
                obj(vec![
                    ("id", s(pd_id(u64::from(incident.priority.as_bytes()[1])))),
                    ("type", s("priority_reference")),
                    ("summary", s(incident.priority)),
                    (
                        "self",
                        s(format!(
                            "{PD_API}/priorities/{}",
                            pd_id(u64::from(incident.priority.as_bytes()[1]))
                        )),
                    ),
                ]),
            ),
            ("resolve_reason", J::Null),
            ("incidents_responders", J::Arr(vec![])),
            ("responder_requests", J::Arr(vec![])),
            ("urgency", s(incident.urgency)),
        ]));
    }
    // The log entries endpoint lists newest first.
    entries.sort_by_key(|(t, _)| std::cmp::Reverse(*t));
    let incidents = obj(vec![
        ("incidents", J::Arr(list)),
        ("limit", J::Int(25)),
        ("offset", J::Int(0)),
        ("more", J::Bool(false)),
        ("total", J::Null),
    ]);
    let entries = obj(vec![
        ("log_entries", J::Arr(entries.into_iter().map(|(_, e)| e).collect())),
        ("limit", J::Int(100)),
        ("offset", J::Int(0)),
        ("more", J::Bool(false)),
        ("total", J::Null),
    ]);
    (incidents, entries)
}

// ---------------------------------------------------------------------------------------------
// JSON with the key order the tools use
// ---------------------------------------------------------------------------------------------

/// A JSON value whose objects keep their keys in the order given, so the files look like the
/// tools' own output whatever features `serde_json` was built with.
#[derive(Clone)]
enum J {
    Null,
    Bool(bool),
    Int(i64),
    Str(String),
    Arr(Vec<J>),
    Obj(Vec<(&'static str, J)>),
}

fn s(text: impl AsRef<str>) -> J {
    J::Str(text.as_ref().to_string())
}

fn obj(fields: Vec<(&'static str, J)>) -> J {
    J::Obj(fields)
}

fn quote(text: &str) -> String {
    serde_json::to_string(text).expect("a string always serializes")
}

impl J {
    /// One line, no spaces: a JSON Lines record.
    fn compact(&self) -> String {
        match self {
            J::Null => "null".into(),
            J::Bool(b) => b.to_string(),
            J::Int(n) => n.to_string(),
            J::Str(text) => quote(text),
            J::Arr(items) => format!("[{}]", items.iter().map(J::compact).collect::<Vec<_>>().join(",")),
            J::Obj(fields) => format!(
                "{{{}}}",
                fields
                    .iter()
                    .map(|(k, v)| format!("{}:{}", quote(k), v.compact()))
                    .collect::<Vec<_>>()
                    .join(",")
            ),
        }
    }

    /// Two-space indentation, as the APIs print it.
    fn pretty(&self) -> String {
        let mut out = String::new();
        self.write_pretty(0, &mut out);
        out
    }

    fn write_pretty(&self, depth: usize, out: &mut String) {
        let pad = |n: usize| "  ".repeat(n);
        match self {
            J::Arr(items) if !items.is_empty() => {
                out.push_str("[\n");
                for (i, item) in items.iter().enumerate() {
                    out.push_str(&pad(depth + 1));
                    item.write_pretty(depth + 1, out);
                    out.push_str(if i + 1 < items.len() { ",\n" } else { "\n" });
                }
                out.push_str(&pad(depth));
                out.push(']');
            }
            J::Obj(fields) if !fields.is_empty() => {
                out.push_str("{\n");
                for (i, (key, value)) in fields.iter().enumerate() {
                    out.push_str(&pad(depth + 1));
                    out.push_str(&quote(key));
                    out.push_str(": ");
                    value.write_pretty(depth + 1, out);
                    out.push_str(if i + 1 < fields.len() { ",\n" } else { "\n" });
                }
                out.push_str(&pad(depth));
                out.push('}');
            }
            J::Arr(_) => out.push_str("[]"),
            J::Obj(_) => out.push_str("{}"),
            other => out.push_str(&other.compact()),
        }
    }
}

// ---------------------------------------------------------------------------------------------
// The catalog
// ---------------------------------------------------------------------------------------------

/// Backstage entities, one document each. Titles and `faultline.dev/aliases` carry the names the
/// status page and PagerDuty use, `faultline.dev/tier` the tier; dependency references are
/// written both with and without the `default/` namespace, as real catalogs mix them. The APIs
/// have no title, so "Payments API" names the payments service alone.
const CATALOG_YAML: &str = r#"# Acme Shop's service catalog, as Backstage reads it (https://backstage.io/docs/features/software-catalog/descriptor-format).
apiVersion: backstage.io/v1alpha1
kind: System
metadata:
  name: shop
  title: Acme Shop
  description: The online shop - storefront, checkout, payments and customer accounts.
spec:
  owner: group:default/platform
---
apiVersion: backstage.io/v1alpha1
kind: Component
metadata:
  name: checkout
  title: Checkout
  description: Carts, pricing and order placement.
  annotations:
    backstage.io/source-location: url:https://github.com/acme-shop/shop/tree/main/services/checkout/
    github.com/project-slug: acme-shop/shop
    pagerduty.com/service-id: PWEB7Q3
    faultline.dev/tier: "1"
    faultline.dev/aliases: Checkout API, Web checkout
  tags:
    - go
spec:
  type: service
  lifecycle: production
  owner: group:default/checkout-team
  system: shop
  providesApis:
    - checkout-api
  consumesApis:
    - payments-api
    - catalog-api
    - auth-api
  dependsOn:
    - component:default/payments
    - component:catalog
    - component:auth
    - resource:default/orders-db
    - resource:cart-cache
---
apiVersion: backstage.io/v1alpha1
kind: Component
metadata:
  name: payments
  title: Payments
  description: Card authorizations, captures, refunds and the ledger.
  annotations:
    backstage.io/source-location: url:https://github.com/acme-shop/shop/tree/main/services/payments/
    github.com/project-slug: acme-shop/shop
    pagerduty.com/service-id: PPAY2K8
    faultline.dev/tier: "1"
    faultline.dev/aliases: Payments API, Card payments
  tags:
    - go
spec:
  type: service
  lifecycle: production
  owner: group:default/payments-team
  system: shop
  providesApis:
    - payments-api
  consumesApis:
    - auth-api
  dependsOn:
    - component:default/auth
    - resource:default/ledger-db
    - resource:stripe
---
apiVersion: backstage.io/v1alpha1
kind: Component
metadata:
  name: catalog
  title: Product catalog
  description: Products, prices, search and images.
  annotations:
    backstage.io/source-location: url:https://github.com/acme-shop/shop/tree/main/services/catalog/
    github.com/project-slug: acme-shop/shop
    faultline.dev/tier: "2"
    faultline.dev/aliases: Catalog API, Product search
  tags:
    - python
spec:
  type: service
  lifecycle: production
  owner: group:default/catalog-team
  system: shop
  providesApis:
    - catalog-api
  dependsOn:
    - resource:default/catalog-db
    - resource:images-cdn
---
apiVersion: backstage.io/v1alpha1
kind: Component
metadata:
  name: auth
  title: Accounts and sign-in
  description: Login, sessions and tokens for the web shop and the apps.
  annotations:
    github.com/project-slug: acme-shop/auth
    faultline.dev/tier: "1"
    faultline.dev/aliases: Auth API, Login
  tags:
    - typescript
spec:
  type: service
  lifecycle: production
  owner: group:default/identity-team
  system: shop
  providesApis:
    - auth-api
  dependsOn:
    - resource:default/sessions-redis
---
apiVersion: backstage.io/v1alpha1
kind: API
metadata:
  name: payments-api
  description: Authorize, capture and refund payments.
spec:
  type: openapi
  lifecycle: production
  owner: group:default/payments-team
  system: shop
  definition: |
    openapi: 3.0.3
    info:
      title: Payments API
      version: 2.4.0
    paths:
      /v2/payments:
        post:
          summary: Authorize a payment
      /v2/payments/{id}/capture:
        post:
          summary: Capture an authorized payment
      /v2/refunds:
        post:
          summary: Refund a captured payment
---
apiVersion: backstage.io/v1alpha1
kind: API
metadata:
  name: catalog-api
  description: Products, prices and search.
spec:
  type: openapi
  lifecycle: production
  owner: group:default/catalog-team
  system: shop
  definition: |
    openapi: 3.0.3
    info:
      title: Catalog API
      version: 1.12.0
    paths:
      /products/{sku}:
        get:
          summary: One product with its current price
      /search:
        get:
          summary: Search products
---
apiVersion: backstage.io/v1alpha1
kind: API
metadata:
  name: auth-api
  description: Sign in, refresh and verify tokens.
spec:
  type: openapi
  lifecycle: production
  owner: group:default/identity-team
  system: shop
  definition: |
    openapi: 3.0.3
    info:
      title: Auth API
      version: 1.15.0
    paths:
      /login:
        post:
          summary: Sign in
      /token/refresh:
        post:
          summary: Exchange a refresh token for a new access token
---
apiVersion: backstage.io/v1alpha1
kind: API
metadata:
  name: checkout-api
  description: Carts and orders for the web shop and the apps.
spec:
  type: openapi
  lifecycle: production
  owner: group:default/checkout-team
  system: shop
  definition: |
    openapi: 3.0.3
    info:
      title: Checkout API
      version: 3.1.0
    paths:
      /carts/{id}:
        get:
          summary: A cart with its totals
      /orders:
        post:
          summary: Place an order
---
apiVersion: backstage.io/v1alpha1
kind: Resource
metadata:
  name: orders-db
  title: Orders database
  description: PostgreSQL 16, orders and order lines.
spec:
  type: database
  owner: group:default/checkout-team
  system: shop
---
apiVersion: backstage.io/v1alpha1
kind: Resource
metadata:
  name: cart-cache
  title: Cart cache
  description: Redis, carts and their cached totals.
spec:
  type: cache
  owner: group:default/checkout-team
  system: shop
---
apiVersion: backstage.io/v1alpha1
kind: Resource
metadata:
  name: ledger-db
  title: Ledger database
  description: PostgreSQL 16, the payments ledger.
spec:
  type: database
  owner: group:default/payments-team
  system: shop
---
apiVersion: backstage.io/v1alpha1
kind: Resource
metadata:
  name: catalog-db
  title: Catalog database
  description: PostgreSQL 16, products, prices and search indexes.
spec:
  type: database
  owner: group:default/catalog-team
  system: shop
---
apiVersion: backstage.io/v1alpha1
kind: Resource
metadata:
  name: sessions-redis
  title: Session store
  description: Redis, sessions and refresh tokens.
spec:
  type: cache
  owner: group:default/identity-team
  system: shop
---
apiVersion: backstage.io/v1alpha1
kind: Resource
metadata:
  name: stripe
  title: Stripe
  description: The card processor, an external service.
  annotations:
    faultline.dev/aliases: Stripe API
  links:
    - url: https://status.stripe.com
      title: Stripe status
spec:
  type: external-service
  owner: group:default/payments-team
  system: shop
---
apiVersion: backstage.io/v1alpha1
kind: Resource
metadata:
  name: images-cdn
  title: Image CDN
  description: The CDN that serves product images, an external service.
spec:
  type: external-service
  owner: group:default/catalog-team
  system: shop
"#;

//! The forensic graph (petgraph): commits, deploys, services, incidents and AI tools, joined by
//! what the store knows — a commit `shipped_in` a deploy, a deploy `deployed_to` a service, a
//! service `depends_on` another, a deploy or commit `suspected_cause` of an incident (with its
//! probability and evidence), a commit `reverted_by` another, an incident `fixed_by` a commit,
//! a commit that `introduced` the lines a fix changed (SZZ), a commit `written_by` an AI tool.
//! Built from the tables `faultline analyze` writes; exported whole or as one incident's
//! neighbourhood by `faultline graph`.

use std::collections::{BTreeMap, BTreeSet};

use petgraph::graph::{DiGraph, NodeIndex};
use petgraph::visit::EdgeRef;
use serde::Serialize;

use crate::error::{Error, Result};
use crate::model::SuspectKind;
use crate::store::Store;
use crate::tables::{self, names};

/// A node: its kind and its id within the kind (`shop@3f2a9c1…` for a commit).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct Node {
    /// `commit`, `deploy`, `service`, `incident` or `tool`.
    pub kind: &'static str,
    /// The id: `repo@sha` for a commit, else the deploy, service, incident or tool name.
    pub id: String,
    /// What to show.
    pub label: String,
}

/// An edge's meaning, and for a suspected cause its probability and evidence.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Edge {
    /// `shipped_in`, `deployed_to`, `depends_on`, `suspected_cause`, `reverted_by`,
    /// `fixed_by`, `introduced` or `written_by`.
    pub kind: &'static str,
    /// P(cause), for `suspected_cause`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub probability: Option<f64>,
    /// Why, for `suspected_cause`.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub evidence: Vec<String>,
}

/// The graph, nodes unique by (kind, id).
#[derive(Debug, Default)]
pub struct Forensics {
    /// The petgraph graph.
    pub graph: DiGraph<Node, Edge>,
    index: BTreeMap<(&'static str, String), NodeIndex>,
}

impl Forensics {
    fn node(&mut self, kind: &'static str, id: &str, label: &str) -> NodeIndex {
        if let Some(&i) = self.index.get(&(kind, id.to_string())) {
            return i;
        }
        let i = self.graph.add_node(Node { kind, id: id.to_string(), label: label.to_string() });
        self.index.insert((kind, id.to_string()), i);
        i
    }

    fn edge(&mut self, from: NodeIndex, to: NodeIndex, kind: &'static str) {
        self.graph.add_edge(from, to, Edge { kind, probability: None, evidence: Vec::new() });
    }

    /// Build the graph from the store.
    pub fn load(store: &Store) -> Result<Forensics> {
        let read = |table: &str| store.require(table, "analyze");
        let commits = tables::commits_from_frames(&read(names::COMMITS)?, None)?;
        let subjects: BTreeMap<(String, String), String> =
            commits.iter().map(|c| ((c.repo.clone(), c.sha.clone()), c.subject.clone())).collect();
        let mut g = Forensics::default();
        let commit_node = |g: &mut Forensics, repo: &str, sha: &str| {
            let label = format!(
                "{} {}",
                &sha[..sha.len().min(7)],
                subjects.get(&(repo.to_string(), sha.to_string())).map_or("", String::as_str)
            );
            g.node("commit", &format!("{repo}@{sha}"), &label)
        };
        for deploy in tables::deploys_from_frame(&read(names::DEPLOYS)?)? {
            let d = g.node("deploy", &deploy.id, &deploy.id);
            let s = g.node("service", &deploy.service, &deploy.service);
            g.edge(d, s, "deployed_to");
        }
        for dep in tables::service_deps_from_frame(&read(names::SERVICE_DEPS)?)? {
            let a = g.node("service", &dep.service, &dep.service);
            let b = g.node("service", &dep.depends_on, &dep.depends_on);
            g.edge(a, b, "depends_on");
        }
        let shipped = store
            .read(names::DEPLOY_COMMITS)?
            .ok_or_else(|| Error::Usage("run `faultline analyze` first".into()))?;
        let column = |name: &str| -> Result<Vec<String>> {
            let col = shipped.column(name).map_err(|e| Error::Internal(e.to_string()))?;
            let ca = col.str().map_err(|e| Error::Internal(e.to_string()))?;
            Ok(ca.iter().map(|v| v.unwrap_or_default().to_string()).collect())
        };
        let (deploy_ids, repos, shas) = (column("deploy_id")?, column("repo")?, column("sha")?);
        for k in 0..deploy_ids.len() {
            let c = commit_node(&mut g, &repos[k], &shas[k]);
            let d = g.node("deploy", &deploy_ids[k], &deploy_ids[k]);
            g.edge(c, d, "shipped_in");
        }
        for commit in &commits {
            if let Some(target) = crate::analyze::attribution::reverted_commit(&commit.body) {
                // The first commit of the repository whose sha starts with the named one.
                let original = subjects
                    .range((commit.repo.clone(), target.clone())..)
                    .next()
                    .map(|((repo, sha), _)| (repo, sha))
                    .filter(|(repo, sha)| **repo == commit.repo && sha.starts_with(&target));
                if let Some((repo, sha)) = original {
                    let a = commit_node(&mut g, repo, sha);
                    let b = commit_node(&mut g, &commit.repo, &commit.sha);
                    g.edge(a, b, "reverted_by");
                }
            }
        }
        for p in tables::provenance_from_frame(&read(names::PROVENANCE)?)?.into_iter().filter(|p| p.ai) {
            for tool in &p.tools {
                let c = commit_node(&mut g, &p.repo, &p.sha);
                let t = g.node("tool", tool, tool);
                g.edge(c, t, "written_by");
            }
        }
        let incidents =
            tables::incidents_from_frames(&read(names::INCIDENTS)?, &read(names::TIMELINE_EVENTS)?)?;
        for incident in &incidents {
            g.node("incident", &incident.id, &format!("{} {}", incident.id, incident.title));
        }
        for s in tables::suspects_from_frame(&read(names::SUSPECTS)?)? {
            let from = match s.kind {
                SuspectKind::NoChange => continue,
                SuspectKind::Deploy => g.node(
                    "deploy",
                    s.deploy_id.as_deref().unwrap_or_default(),
                    s.deploy_id.as_deref().unwrap_or_default(),
                ),
                SuspectKind::Commit => commit_node(
                    &mut g,
                    s.repo.as_deref().unwrap_or_default(),
                    s.sha.as_deref().unwrap_or_default(),
                ),
            };
            let to = g.node("incident", &s.incident_id, &s.incident_id);
            g.graph.add_edge(
                from,
                to,
                Edge { kind: "suspected_cause", probability: Some(s.probability), evidence: s.evidence },
            );
        }
        let szz = store
            .read(names::SZZ_LINKS)?
            .ok_or_else(|| Error::Usage("run `faultline analyze` first".into()))?;
        let column = |name: &str| -> Result<Vec<String>> {
            let col = szz.column(name).map_err(|e| Error::Internal(e.to_string()))?;
            let ca = col.str().map_err(|e| Error::Internal(e.to_string()))?;
            Ok(ca.iter().map(|v| v.unwrap_or_default().to_string()).collect())
        };
        let (incident_ids, repos, fixes, blamed) =
            (column("incident_id")?, column("repo")?, column("fix_sha")?, column("blamed_sha")?);
        let mut seen = BTreeSet::new();
        for k in 0..fixes.len() {
            if !seen.insert((incident_ids[k].clone(), repos[k].clone(), fixes[k].clone(), blamed[k].clone()))
            {
                continue;
            }
            let fix = commit_node(&mut g, &repos[k], &fixes[k]);
            let bad = commit_node(&mut g, &repos[k], &blamed[k]);
            let incident = g.node("incident", &incident_ids[k], &incident_ids[k]);
            if g.graph.find_edge(incident, fix).is_none() {
                g.edge(incident, fix, "fixed_by");
            }
            g.edge(bad, fix, "introduced");
        }
        Ok(g)
    }

    /// The neighbourhood of one incident: the incident, its suspects above `min_probability`,
    /// what they shipped or were shipped in, the services involved and their dependencies, the
    /// fixes and what they blamed, and the tools that wrote the commits.
    pub fn neighbourhood(&self, incident: &str, min_probability: f64) -> Result<Forensics> {
        let Some(&center) = self.index.get(&("incident", incident.to_string())) else {
            return Err(Error::Usage(format!(
                "no incident `{incident}` in the graph; see `faultline explain` for the known ids"
            )));
        };
        let mut keep: BTreeSet<NodeIndex> = BTreeSet::from([center]);
        for e in self.graph.edges_directed(center, petgraph::Direction::Incoming) {
            if e.weight().probability.is_some_and(|p| p >= min_probability) {
                keep.insert(e.source());
            }
        }
        for e in self.graph.edges_directed(center, petgraph::Direction::Outgoing) {
            keep.insert(e.target());
        }
        let first: Vec<NodeIndex> = keep.iter().copied().collect();
        for n in first {
            for e in self.graph.edges(n) {
                if matches!(e.weight().kind, "deployed_to" | "written_by" | "reverted_by") {
                    keep.insert(e.target());
                }
            }
            for e in self.graph.edges_directed(n, petgraph::Direction::Incoming) {
                if matches!(e.weight().kind, "introduced" | "shipped_in") && self.graph[n].kind != "service" {
                    let suspect = self.graph[e.source()].kind != "commit"
                        || self.graph.edges(e.source()).any(|x| {
                            x.target() == center
                                && x.weight().probability.is_some_and(|p| p >= min_probability)
                        });
                    if suspect || e.weight().kind == "introduced" {
                        keep.insert(e.source());
                    }
                }
            }
        }
        let services: Vec<NodeIndex> =
            keep.iter().copied().filter(|&n| self.graph[n].kind == "service").collect();
        for s in services {
            for e in self.graph.edges(s).filter(|e| e.weight().kind == "depends_on") {
                keep.insert(e.target());
            }
        }
        let mut out = Forensics::default();
        for &n in &keep {
            let node = &self.graph[n];
            out.node(node.kind, &node.id, &node.label);
        }
        for e in self.graph.edge_references() {
            if keep.contains(&e.source()) && keep.contains(&e.target()) {
                let (a, b) = (&self.graph[e.source()], &self.graph[e.target()]);
                let (from, to) = (out.index[&(a.kind, a.id.clone())], out.index[&(b.kind, b.id.clone())]);
                out.graph.add_edge(from, to, e.weight().clone());
            }
        }
        Ok(out)
    }

    /// Nodes sorted by kind and id, and edges by endpoints and kind: the same store gives the
    /// same output.
    pub fn sorted(&self) -> (Vec<&Node>, Vec<(&Node, &Node, &Edge)>) {
        let mut nodes: Vec<&Node> = self.graph.node_weights().collect();
        nodes.sort();
        let mut edges: Vec<(&Node, &Node, &Edge)> = self
            .graph
            .edge_references()
            .map(|e| (&self.graph[e.source()], &self.graph[e.target()], e.weight()))
            .collect();
        edges.sort_by(|a, b| (a.0, a.1, a.2.kind).cmp(&(b.0, b.1, b.2.kind)));
        (nodes, edges)
    }
}

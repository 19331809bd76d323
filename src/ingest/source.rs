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

/// The documents of a YAML stream, each with the number of lines before it, split at the
/// `---` and `...` markers at the start of a line (where YAML always ends a document), so a
/// document that is not valid YAML costs only itself: a YAML parser cannot find the next
/// document after a syntax error. Text before the first marker that holds only comments and
/// blank lines is no document; a marker line stays with the document it opens.
pub(crate) fn yaml_documents(text: &str) -> Vec<(usize, &str)> {
    let is_marker = |line: &str, marker: &str| {
        line.strip_prefix(marker).is_some_and(|rest| rest.is_empty() || rest.starts_with([' ', '\t', '\r']))
    };
    let mut documents = Vec::new();
    let (mut start, mut start_line, mut offset) = (0, 0, 0);
    for (number, line) in text.split_inclusive('\n').enumerate() {
        let bare = line.trim_end_matches(['\n', '\r']);
        let opens = is_marker(bare, "---");
        let closes = is_marker(bare, "...");
        if opens || closes {
            push_document(&mut documents, start_line, &text[start..offset]);
            if opens {
                (start, start_line) = (offset, number);
            } else {
                (start, start_line) = (offset + line.len(), number + 1);
            }
        }
        offset += line.len();
    }
    push_document(&mut documents, start_line, &text[start..]);
    documents
}

/// A YAML parser's message about one of [`yaml_documents`], its `line N` made lines of the
/// whole file.
pub(crate) fn shift_lines(message: &str, lines_before: usize) -> String {
    shift_line_numbers(message, lines_before, 0)
}

/// `line N` → `line N+by`, the first `limit` times (every time when 0).
fn shift_line_numbers(text: &str, by: usize, limit: usize) -> String {
    static LINE: std::sync::LazyLock<regex::Regex> =
        std::sync::LazyLock::new(|| regex::Regex::new(r"\bline (\d+)").expect("built-in pattern is valid"));
    if by == 0 {
        return text.to_string();
    }
    LINE.replacen(text, limit, |c: &regex::Captures<'_>| match c[1].parse::<usize>() {
        Ok(n) => format!("line {}", n.saturating_add(by)),
        Err(_) => c[0].to_string(),
    })
    .into_owned()
}

fn push_document<'t>(documents: &mut Vec<(usize, &'t str)>, first_line: usize, text: &'t str) {
    let content = text.lines().any(|l| {
        let l = l.trim();
        !l.is_empty()
            && !l.starts_with('#')
            && !(l.starts_with("---") && l[3..].trim_start().starts_with('#'))
    });
    // A lone `---` opens an empty document: kept, so document numbers match the markers.
    let lone_marker = text.trim_start().starts_with("---");
    if content || lone_marker {
        documents.push((first_line, text));
    }
}

#[cfg(test)]
mod yaml_tests {
    use super::yaml_documents;

    #[test]
    fn documents_split_at_markers_with_their_first_lines() {
        let text = "# catalog\na: 1\n---\nb: [\n---\nc: 3\n...\n--- # last\nd: 4\n";
        let docs = yaml_documents(text);
        assert_eq!(
            docs,
            vec![(0, "# catalog\na: 1\n"), (2, "---\nb: [\n"), (4, "---\nc: 3\n"), (7, "--- # last\nd: 4\n")]
        );
        assert_eq!(yaml_documents("---\na: 1\n"), vec![(0, "---\na: 1\n")]);
        assert_eq!(yaml_documents("# only a comment\n"), Vec::<(usize, &str)>::new());
        // `---` inside a line, or followed by more dashes, is no marker.
        assert_eq!(yaml_documents("a: ---\n----\n"), vec![(0, "a: ---\n----\n")]);
    }

    #[test]
    fn parser_lines_become_file_lines() {
        assert_eq!(
            super::shift_lines("expected ']' at line 2 column 1, while parsing at line 1 column 7", 23),
            "expected ']' at line 25 column 1, while parsing at line 24 column 7"
        );
    }
}

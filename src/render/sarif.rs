//! `faultline gate` as SARIF 2.1.0, the format GitHub code scanning reads: one rule per policy
//! rule, one result per finding, located on the file and first added line it points at.

use serde_json::{json, Value};

use crate::config::RuleLevel;
use crate::gate::GateReport;

/// The SARIF schema the output follows.
pub const SCHEMA: &str = "https://json.schemastore.org/sarif-2.1.0.json";

/// The report as a SARIF 2.1.0 log with one run.
pub fn to_string(report: &GateReport) -> String {
    let rules: Vec<Value> = report
        .rules
        .iter()
        .map(|rule| {
            json!({
                "id": rule.rule,
                "name": camel(rule.rule),
                "shortDescription": { "text": rule.description },
                "fullDescription": { "text": rule.description },
                "help": { "text": format!(
                    "{} Set its level with [policy.rules] {} = \"deny\", \"warn\" or \"off\" in faultline.toml.",
                    sentence(&rule.description), rule.rule
                ) },
                "defaultConfiguration": {
                    "enabled": rule.level != RuleLevel::Off,
                    "level": level(rule.level),
                },
            })
        })
        .collect();
    let results: Vec<Value> = report
        .findings()
        .map(|finding| {
            let index = report.rules.iter().position(|r| r.rule == finding.rule).unwrap_or_default();
            let mut result = json!({
                "ruleId": finding.rule,
                "ruleIndex": index,
                "level": level(finding.level),
                "message": { "text": finding.message },
                "partialFingerprints": {
                    "faultlineFinding/v1": format!("{:016x}", xxhash_rust::xxh3::xxh3_64(
                        format!("{}\0{}\0{}", finding.rule, finding.commit.as_deref().unwrap_or(&report.range),
                            finding.path.as_deref().unwrap_or_default()).as_bytes()
                    )),
                },
                "properties": {
                    "commit": finding.commit,
                    "repo": report.repo,
                },
            });
            if let Some(path) = &finding.path {
                let mut physical = json!({
                    "artifactLocation": { "uri": uri_path(path), "uriBaseId": "%SRCROOT%" },
                });
                if let Some(line) = finding.line.filter(|&l| l >= 1) {
                    physical["region"] = json!({ "startLine": line });
                }
                result["locations"] = json!([{ "physicalLocation": physical }]);
            }
            result
        })
        .collect();
    let log = json!({
        "$schema": SCHEMA,
        "version": "2.1.0",
        "runs": [{
            "tool": { "driver": {
                "name": "faultline",
                "version": env!("CARGO_PKG_VERSION"),
                "semanticVersion": env!("CARGO_PKG_VERSION"),
                "rules": rules,
            } },
            "automationDetails": { "id": format!("faultline-gate/{}/", report.repo) },
            "results": results,
            "properties": {
                "range": report.range,
                "base": report.base,
                "head": report.head,
                "denied": report.denied,
                "warned": report.warned,
                "passed": report.passed,
            },
        }],
    });
    super::json::to_string(&log)
}

fn level(level: RuleLevel) -> &'static str {
    match level {
        RuleLevel::Deny => "error",
        RuleLevel::Warn => "warning",
        RuleLevel::Off => "none",
    }
}

/// `ai_review` as `AiReview`, SARIF's style for a rule's name.
fn camel(id: &str) -> String {
    id.split('_')
        .map(|part| {
            let mut chars = part.chars();
            chars.next().map_or_else(String::new, |c| c.to_ascii_uppercase().to_string() + chars.as_str())
        })
        .collect()
}

fn sentence(text: &str) -> String {
    let mut chars = text.chars();
    let first = chars.next().map(|c| c.to_uppercase().to_string()).unwrap_or_default();
    format!("{first}{}.", chars.as_str())
}

/// A repository path as a relative URI reference: every byte outside RFC 3986's unreserved
/// characters and `/` percent-encoded.
pub fn uri_path(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    for byte in path.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'.' | b'_' | b'~' | b'/') {
            out.push(byte as char);
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_become_uri_references() {
        assert_eq!(uri_path("src/pay ments/é#1.rs"), "src/pay%20ments/%C3%A9%231.rs");
        assert_eq!(camel("ai_audit_trailers"), "AiAuditTrailers");
    }
}

//! The reports: the committed `reports/` folder is exactly what `faultline analyze` writes for
//! the sample, hostile text comes out escaped in every file and cannot steer where files go,
//! and the pages render in a real browser with no errors.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use crate::support::{RepoBuilder, Workspace, T0};

/// Every file under `root`, by path relative to it.
fn files_under(root: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    fn walk(root: &Path, dir: &Path, out: &mut BTreeMap<PathBuf, Vec<u8>>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                walk(root, &path, out);
            } else {
                out.insert(path.strip_prefix(root).unwrap().to_path_buf(), std::fs::read(&path).unwrap());
            }
        }
    }
    let mut out = BTreeMap::new();
    walk(root, root, &mut out);
    out
}

#[test]
fn the_committed_reports_are_what_analyze_writes_for_the_sample() {
    let ws = crate::sample_workspace();
    let out = ws.run(&["analyze", "--out", "out"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(
        out.stderr.contains("14 incident review(s), 2 quarterly report(s) and the index"),
        "{}",
        out.stderr
    );
    let written = files_under(&ws.path().join("out"));
    let mut committed = files_under(&Path::new(env!("CARGO_MANIFEST_DIR")).join("reports"));
    committed.remove(Path::new("README.md"));
    let names = |m: &BTreeMap<PathBuf, Vec<u8>>| m.keys().cloned().collect::<Vec<_>>();
    assert_eq!(names(&written), names(&committed), "regenerate with `cargo run --release -- analyze`");
    for (name, bytes) in &written {
        assert!(
            committed[name] == *bytes,
            "reports/{} is stale: regenerate with `cargo run --release -- analyze`",
            name.display()
        );
    }
    // 14 reviews with a timeline each, 2 quarters with 4 charts each, every chart twice.
    // 14 timelines, 12 failure paths (two incidents have no deploy at P ≥ 5 %), 2 × 4 quarter charts.
    assert_eq!(written.keys().filter(|p| p.extension().is_some_and(|e| e == "png")).count(), 14 + 12 + 8);
    let index = String::from_utf8(written[Path::new("index.html")].clone()).unwrap();
    assert_eq!(index.matches("/report.html\">").count(), 16);
    assert!(index.contains("<a href=\"incidents/pagerduty_PS9E55H-b1d090f9/report.html\">pagerduty:PS9E55H: Card authorizations failing: Stripe calls timing out in payments</a>"));
}

#[test]
fn the_incident_review_names_the_cause_its_provenance_and_the_phases() {
    let ws = crate::sample_workspace();
    assert_eq!(ws.run(&["analyze", "--no-reports"]).code, 0);
    let out = ws.run(&["report", "incident", "INC-2026-021", "--out", "r"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(out.stdout, "r/incidents/INC-2026-021/report.html\n");
    let md = std::fs::read_to_string(ws.path().join("r/incidents/INC-2026-021/report.md")).unwrap();
    assert!(
        md.starts_with("# INC-2026-021\\: Orders charged flash-sale prices after the sale ended\n"),
        "{}",
        &md[..200]
    );
    assert!(md.contains("**Most likely cause\\: deploy dep-shop-0236 to checkout (P = 100 %), and within it commit bc03ce70c721 (P = 100 %), written by AI (copilot).**"), "{md}");
    for line in
        ["- time to detect\\: 47 min", "- time to mitigate\\: 72 min", "- time to resolve\\: 24 h 1 min"]
    {
        assert!(md.contains(line), "{line}\n{md}");
    }
    assert!(md.contains("| `bc03ce70c721` | shop | `dep-shop-0236` | 100 % | AI (copilot) | Cache cart totals between pricing calls |"), "{md}");
    assert!(md.contains("![Timeline of incident INC-2026-021"), "{md}");
    assert!(ws.path().join("r/incidents/INC-2026-021/timeline.png").is_file());
    assert!(ws.path().join("r/incidents/INC-2026-021/dependencies.svg").is_file());
    assert!(ws.path().join("r/index.html").is_file());

    let unknown = ws.run(&["report", "incident", "INC-2026-999", "--out", "r"]);
    assert_eq!(unknown.code, 2);
    assert!(unknown.stderr.contains("no incident `INC-2026-999` in the store"), "{}", unknown.stderr);
    let bad = ws.run(&["report", "quarter", "2026-Q7"]);
    assert_eq!(bad.code, 2);
    assert!(
        bad.stderr.contains("quarter \"2026-Q7\": expected a year and a quarter such as 2026-Q2"),
        "{}",
        bad.stderr
    );
}

#[test]
fn the_quarterly_report_compares_ai_and_human_deploys_honestly() {
    let ws = crate::sample_workspace();
    assert_eq!(ws.run(&["analyze", "--no-reports"]).code, 0);
    let out = ws.run(&["report", "quarter", "--from", "2026-07-01", "--to", "2026-09-30", "--out", "r"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let dir = ws.path().join("r/quarters/2026-07-01..2026-09-30");
    let md = std::fs::read_to_string(dir.join("report.md")).unwrap();
    let q3 = ws.run(&["report", "quarter", "2026-Q3", "--out", "r"]);
    assert_eq!(q3.code, 0, "{}", q3.stderr);
    // The same period under two names: the same report but for its name.
    let named = std::fs::read_to_string(ws.path().join("r/quarters/2026-Q3/report.md")).unwrap();
    assert_eq!(md.replace("2026-07-01..2026-09-30", "2026-Q3"), named);
    assert!(
        md.contains(
            "| change failure rate | 8/94 = 9 % (95 % CI 4 %–16 %) | 1/62 = 2 % (95 % CI 0.3 %–9 %) |"
        ),
        "{md}"
    );
    assert!(md.contains("**Too small to tell\\: the 95% intervals"), "{md}");
    assert!(md.contains("## Governance"), "{md}");
    assert_eq!(std::fs::read_dir(&dir).unwrap().count(), 10);
}

/// Text a hostile commit author, incident tool or deploy tool could write.
const HOSTILE: &str = "<script>alert(1)</script> | **b** [x](javascript:alert(1)) &amp; \u{1b}[31m \u{202e}gnp.exe ]]> \"q\" 'a' `c`";

#[test]
fn hostile_text_is_escaped_in_every_report_and_ids_cannot_steer_paths() {
    let ws = Workspace::new();
    let b = RepoBuilder::init(&ws.path().join("r"), false);
    b.repo.remote("origin", "git@github.com:acme/r.git").unwrap();
    let who = RepoBuilder::sig("Mallory & \"Co\" | *x*", "m@example.com", T0, 0);
    let c1 = b.commit("main", &[], &[(b"services/a/x", Some(b"1\n"))], &who, &format!("a: start {HOSTILE}"));
    let c2 = b.commit(
        "main",
        &[c1],
        &[(b"services/a/x", Some(b"2\n"))],
        &RepoBuilder::sig("Mallory & \"Co\" | *x*", "m@example.com", T0 + 3600, 0),
        &format!("a: {HOSTILE}\n\n{HOSTILE}\n\nCo-authored-by: Claude <noreply@anthropic.com>\nReviewed-by: {HOSTILE}\n"),
    );
    ws.write(
        "catalog.yaml",
        "apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n  name: a\n  annotations:\n    backstage.io/source-location: url:https://github.com/acme/r/tree/main/services/a/\n    faultline.dev/tier: \"1\"\nspec:\n  type: service\n  lifecycle: production\n  owner: team\n",
    );
    let at = |seconds: i64| chrono::DateTime::from_timestamp(T0 + seconds, 0).unwrap().to_rfc3339();
    let deploy = |id: &str, sha: &str, seconds: i64| {
        serde_json::json!({"id": id, "service": "a", "environment": "production", "repo": "r", "sha": sha,
            "started_at": at(seconds), "status": "success", "actor": HOSTILE})
        .to_string()
            + "\n"
    };
    let hostile_deploy = format!("dep<b>|{HOSTILE}");
    ws.write(
        "deploys.jsonl",
        &[deploy("d1", &c1.to_string(), 600), deploy(&hostile_deploy, &c2.to_string(), 7200)].concat(),
    );
    let ids = ["../../../../escaped", "/abs/olute", "..", "INC|<i>*1*</i>", "C:\\x"];
    let incidents: String = ids
        .iter()
        .enumerate()
        .map(|(k, id)| {
            serde_json::json!({"id": id, "title": format!("{HOSTILE} {k}"), "severity": "SEV1", "services": ["a"],
                "started_at": at(9000 + k as i64 * 60), "mitigated_at": at(9600 + k as i64 * 60),
                "timeline": [{"at": at(9100), "kind": HOSTILE, "text": format!("{HOSTILE} deploy {hostile_deploy}")}]})
            .to_string()
                + "\n"
        })
        .collect();
    ws.write("incidents.jsonl", &incidents);
    ws.write(
        "faultline.toml",
        "[[repos]]\nname = \"r\"\npath = \"r\"\n[catalog]\npath = \"catalog.yaml\"\ntier_key = \"faultline.dev/tier\"\n[[deploys]]\npath = \"deploys.jsonl\"\n[[incidents]]\npath = \"incidents.jsonl\"\n",
    );
    let out = ws.run(&["analyze", "--out", "out"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    for id in ids {
        let again = ws.run(&["report", "incident", id, "--out", "out"]);
        assert_eq!(again.code, 0, "{id}: {}", again.stderr);
        assert!(
            again.stdout.starts_with("out/incidents/") && again.stdout.ends_with("/report.html\n"),
            "{}",
            again.stdout
        );
    }
    // Nothing was written outside `out/`, and every review has a folder of its own.
    let mut top: Vec<String> = std::fs::read_dir(ws.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    top.sort();
    assert_eq!(
        top,
        [".faultline", "catalog.yaml", "deploys.jsonl", "faultline.toml", "incidents.jsonl", "out", "r"]
    );
    let folders: Vec<String> = std::fs::read_dir(ws.path().join("out/incidents"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(folders.len(), ids.len());
    assert!(
        folders.iter().all(|f| !f.starts_with('.') && !f.contains(['/', '\\', ':', '<', '|'])),
        "{folders:?}"
    );

    let files = files_under(&ws.path().join("out"));
    let mut checked = BTreeMap::new();
    for (name, bytes) in &files {
        let ext = name.extension().and_then(|e| e.to_str()).unwrap_or("").to_string();
        *checked.entry(ext.clone()).or_insert(0) += 1;
        if ext == "png" {
            assert!(bytes.starts_with(b"\x89PNG"), "{}", name.display());
            continue;
        }
        let text = std::str::from_utf8(bytes).unwrap();
        assert!(
            !text.contains('\u{1b}') && !text.contains('\u{202e}'),
            "{}: a control character got through",
            name.display()
        );
        for raw in ["<script", "<i>", "<b>", "href=\"javascript"] {
            assert!(!text.contains(raw), "{}: {raw:?} unescaped", name.display());
        }
        match ext.as_str() {
            "svg" => {
                roxmltree::Document::parse(text)
                    .unwrap_or_else(|e| panic!("{}: not XML: {e}", name.display()));
            }
            "html" => {
                // Untrusted text is there, escaped, in every page but the index.
                if !name.ends_with("index.html") {
                    assert!(text.contains("&lt;script&gt;alert(1)&lt;/script&gt;"), "{}", name.display());
                }
                assert!(
                    !text.contains("src=\"http") && !text.contains("<link"),
                    "{}: an external request",
                    name.display()
                );
                // Inline SVG parses too.
                for svg in text.split("<svg").skip(1) {
                    let svg = format!("<svg{}", &svg[..svg.find("</svg>").unwrap() + 6]);
                    roxmltree::Document::parse(&svg)
                        .unwrap_or_else(|e| panic!("{}: inline SVG: {e}", name.display()));
                }
            }
            "md" => {
                assert!(text.contains("&lt;script&gt;alert(1)&lt;/script&gt; \\| \\*\\*b\\*\\* \\[x\\](javascript\\:alert(1))"), "{}:\n{text}", name.display());
                // Every table row has as many cells as its header.
                let mut columns = 0;
                for line in text.lines() {
                    if !line.starts_with('|') {
                        columns = 0;
                        continue;
                    }
                    let cells = line.replace("\\|", "").matches('|').count() - 1;
                    if columns == 0 {
                        columns = cells;
                    }
                    assert_eq!(cells, columns, "{}: {line}", name.display());
                }
            }
            other => panic!("unexpected file {} ({other})", name.display()),
        }
    }
    // 5 reviews (md, html, 2 charts × 2) and 1 quarter (md, html, 4 charts × 2), and the index.
    assert_eq!(
        checked,
        BTreeMap::from([("html".into(), 7), ("md".into(), 6), ("png".into(), 14), ("svg".into(), 14)])
    );
    // The link to the commit, from the remote; the review named by the author is not counted.
    let review = std::fs::read_to_string(ws.path().join("out/quarters/2026-Q2/report.md")).unwrap();
    assert!(
        review.contains(&format!("[{}](<https://github.com/acme/r/commit/{c2}>)", &c2.to_string()[..12])),
        "{review}"
    );
    assert!(review.contains("0 of the 1 AI-provenance commits shipped to production on tier-1 services carry no review trailer"), "{review}");
}

/// Chromium, when the machine has it.
fn chromium() -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    for dir in std::env::split_paths(&path) {
        for name in ["chromium", "chromium-browser", "google-chrome"] {
            let candidate = dir.join(name);
            if candidate.is_file() {
                return Some(candidate);
            }
        }
    }
    None
}

/// Open `page` headless; the screenshot's pixels and the console lines the page logged.
fn open_in_browser(browser: &Path, page: &Path, profile: &Path) -> (Vec<u8>, (u32, u32), Vec<String>) {
    let shot = profile.with_extension("png");
    let out = std::process::Command::new(browser)
        .args([
            "--headless=new",
            "--no-sandbox",
            "--disable-gpu",
            "--hide-scrollbars",
            "--window-size=1100,2600",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .arg(format!("--screenshot={}", shot.display()))
        .args(["--enable-logging=stderr", "--v=0"])
        .arg(format!("file://{}", page.display()))
        .output()
        .expect("run chromium");
    assert!(out.status.success(), "chromium failed: {}", String::from_utf8_lossy(&out.stderr));
    let console = String::from_utf8_lossy(&out.stderr)
        .lines()
        .filter(|l| l.contains(":CONSOLE"))
        .map(str::to_string)
        .collect();
    let decoder = png::Decoder::new(std::io::BufReader::new(std::fs::File::open(&shot).unwrap()));
    let mut reader = decoder.read_info().unwrap();
    let mut pixels = vec![0; reader.output_buffer_size().unwrap()];
    let info = reader.next_frame(&mut pixels).unwrap();
    pixels.truncate(info.buffer_size());
    let rgb = match info.color_type {
        png::ColorType::Rgb => pixels,
        png::ColorType::Rgba => pixels.chunks(4).flat_map(|p| p[..3].to_vec()).collect(),
        other => panic!("unexpected screenshot colour type {other:?}"),
    };
    (rgb, (info.width, info.height), console)
}

/// The AI colour of the charts, and the darkest of the tool ramp.
const AI: [u8; 3] = [153, 52, 4];
const VIOLET: [u8; 3] = [68, 1, 84];

/// Pixels of about this colour in an RGB image (the browser may shift colours a little as it
/// manages them).
fn count(pixels: &[u8], rgb: [u8; 3]) -> usize {
    pixels.chunks(3).filter(|p| p.iter().zip(rgb).all(|(a, b)| a.abs_diff(b) <= 10)).count()
}

#[test]
fn reports_render_in_headless_chromium_with_no_console_errors() {
    let Some(browser) = chromium() else {
        assert!(
            std::env::var_os("FAULTLINE_REQUIRE_BROWSER").is_none(),
            "FAULTLINE_REQUIRE_BROWSER is set but no chromium is on PATH (.ci/run installs Debian's chromium)"
        );
        eprintln!("skipped: no chromium on PATH (apt-get install -y chromium; .ci/run installs it)");
        return;
    };
    let ws = crate::sample_workspace();
    assert_eq!(ws.run(&["analyze", "--out", "out"]).code, 0);
    // A control page first, so the checks below are known to catch what they look for.
    ws.write("bad.html", "<!DOCTYPE html><html><head><meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'\"></head><body><img src=\"https://example.com/x.png\"></body></html>");
    let (pixels, _, console) =
        open_in_browser(&browser, &ws.path().join("bad.html"), &ws.path().join("profile-bad"));
    assert!(!console.is_empty(), "a blocked external image must show in the console");
    assert_eq!(count(&pixels, VIOLET) + count(&pixels, AI), 0);

    // The charts drew: on the quarter's first screen the darkest tool colour (line markers,
    // bars); on the review's, the AI colour of the suspect deploy.
    let pages = [
        ("out/quarters/2026-Q3/report.html", VIOLET, 2_000),
        ("out/incidents/INC-2026-021/report.html", AI, 150),
        ("out/index.html", AI, 0),
    ];
    for (k, (page, colour, least)) in pages.iter().enumerate() {
        let (pixels, (w, h), console) =
            open_in_browser(&browser, &ws.path().join(page), &ws.path().join(format!("profile-{k}")));
        assert!(console.is_empty(), "{page} logged: {console:#?}");
        assert_eq!((w, h), (1100, 2600));
        let white = count(&pixels, [255, 255, 255]);
        assert!(white < pixels.len() / 3 * 98 / 100, "{page}: the screenshot is blank");
        let drawn = count(&pixels, *colour);
        assert!(drawn >= *least, "{page}: {drawn} pixels of the chart colour {colour:?}");
    }
}

//! Text renderings of a [`FleetReport`]: a terminal table, Markdown (an issue or a PR
//! comment) and one self-contained HTML page (inline SVG charts, no script). Pure
//! functions returning `String`.

use std::fmt::Write as _;

use super::report::{BUCKETS, FleetReport, ProjectRow, RepoRow, Status};

fn opt<T: ToString>(v: &Option<T>) -> String {
    v.as_ref().map_or("-".to_string(), T::to_string)
}

fn pct(share: f64) -> String {
    format!("{:.0}%", share * 100.0)
}

/// One line per project (and per unreadable repository).
fn lines(r: &FleetReport) -> Vec<[String; 8]> {
    let mut out = Vec::new();
    let cells = |repo: &RepoRow, p: &ProjectRow| {
        [
            repo.repository.clone(),
            p.answers_file.clone(),
            format!("{}@{}", p.golden_path, p.version),
            opt(&p.versions_behind),
            opt(&p.days_behind),
            opt(&p.last_update),
            p.enforced_drift.len().to_string(),
            match p.status {
                Status::Pass => "pass".to_string(),
                Status::Fail => "fail".to_string(),
            },
        ]
    };
    for repo in &r.repositories {
        if let Some(e) = &repo.error {
            out.push([
                repo.repository.clone(),
                "-".into(),
                "-".into(),
                "-".into(),
                "-".into(),
                "-".into(),
                "-".into(),
                format!("error: {e}"),
            ]);
        }
        for p in &repo.projects {
            out.push(cells(repo, p));
        }
    }
    out
}

const HEAD: [&str; 8] = [
    "repository",
    "answers file",
    "golden path",
    "behind",
    "days",
    "last update",
    "drift",
    "status",
];

fn summary(r: &FleetReport) -> Vec<String> {
    let a = &r.aggregates;
    let mut out = vec![format!(
        "{} repositories ({} unreadable), {} projects, {} failing; within the {}-day freshness SLO: {} ({} of {} known)",
        a.repositories,
        a.errors,
        a.projects,
        a.failing,
        r.slo_days,
        pct(a.freshness.share),
        a.freshness.within_slo,
        a.freshness.known
    )];
    for (name, g) in &a.golden_paths {
        let versions: Vec<String> = g
            .versions
            .iter()
            .map(|(v, n)| format!("{v}: {n}"))
            .collect();
        out.push(format!(
            "{name}: adopted by {} repositories ({}), versions {}",
            g.repositories,
            pct(g.adoption),
            versions.join(", ")
        ));
    }
    out
}

/// The terminal table, then the summary lines.
pub fn table(r: &FleetReport) -> String {
    let rows = lines(r);
    let mut width = HEAD.map(str::len);
    for row in &rows {
        for (w, c) in width.iter_mut().zip(row) {
            *w = (*w).max(c.chars().count());
        }
    }
    let mut s = String::new();
    let line = |s: &mut String, cells: &[String]| {
        let parts: Vec<String> = cells
            .iter()
            .zip(width)
            .map(|(c, w)| format!("{c:<w$}"))
            .collect();
        let _ = writeln!(s, "{}", parts.join("  ").trim_end());
    };
    line(&mut s, &HEAD.map(str::to_string));
    for row in &rows {
        line(&mut s, row);
    }
    s.push('\n');
    for l in summary(r) {
        let _ = writeln!(s, "{l}");
    }
    if !r.aggregates.top_drift.is_empty() {
        let _ = writeln!(s, "most drifted enforced files:");
        for d in &r.aggregates.top_drift {
            let _ = writeln!(s, "  {} {}: {}", d.golden_path, d.path, d.projects);
        }
    }
    s
}

fn md_cell(c: &str) -> String {
    c.replace('|', "\\|").replace('\n', " ")
}

/// Markdown: a summary, the per-golden-path table, the drift list, every project.
pub fn markdown(r: &FleetReport) -> String {
    let a = &r.aggregates;
    let mut s = String::from("## Fleet report\n\n");
    for l in summary(r) {
        let _ = writeln!(s, "- {}", md_cell(&l));
    }
    s.push_str("\n| golden path | repositories | adoption | versions | within SLO |\n|---|---|---|---|---|\n");
    for (name, g) in &a.golden_paths {
        let versions: Vec<String> = g
            .versions
            .iter()
            .map(|(v, n)| format!("{v} ({n})"))
            .collect();
        let _ = writeln!(
            s,
            "| {name} | {} | {} | {} | {} |",
            g.repositories,
            pct(g.adoption),
            versions.join(", "),
            pct(g.freshness.share)
        );
    }
    if !a.top_drift.is_empty() {
        s.push_str("\n### Enforced files that drift most\n\n");
        for d in &a.top_drift {
            let _ = writeln!(
                s,
                "- `{}` ({}): {} projects",
                d.path, d.golden_path, d.projects
            );
        }
    }
    s.push_str("\n### Projects\n\n| ");
    s.push_str(&HEAD.join(" | "));
    s.push_str(" |\n|");
    s.push_str(&"---|".repeat(HEAD.len()));
    s.push('\n');
    for row in lines(r) {
        let cells: Vec<String> = row.iter().map(|c| md_cell(c)).collect();
        let _ = writeln!(s, "| {} |", cells.join(" | "));
    }
    s
}

fn esc(t: &str) -> String {
    t.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// A bar chart as inline SVG; each bar carries `data-label` and `data-value`.
fn bars(id: &str, title: &str, data: &[(String, usize)]) -> String {
    let max = data.iter().map(|d| d.1).max().unwrap_or(0).max(1);
    let bar_w = 60;
    let h = 160;
    let w = (data.len().max(1) * (bar_w + 20)) + 20;
    let mut s = format!(
        "<figure id=\"{id}\"><figcaption>{}</figcaption><svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{w}\" height=\"{}\">",
        esc(title),
        h + 40
    );
    for (i, (label, value)) in data.iter().enumerate() {
        let bh = value * h / max;
        let x = 20 + i * (bar_w + 20);
        let _ = write!(
            s,
            "<g class=\"bar\" data-label=\"{l}\" data-value=\"{value}\"><rect x=\"{x}\" y=\"{}\" width=\"{bar_w}\" height=\"{bh}\" fill=\"#4a7bd0\"/><text x=\"{}\" y=\"{}\" font-size=\"12\" text-anchor=\"middle\">{value}</text><text x=\"{}\" y=\"{}\" font-size=\"11\" text-anchor=\"middle\">{l}</text></g>",
            h - bh + 10,
            x + bar_w / 2,
            h - bh + 6,
            x + bar_w / 2,
            h + 28,
            l = esc(label)
        );
    }
    s.push_str("</svg></figure>\n");
    s
}

/// One self-contained page: the summary with its numbers in `data-*` attributes,
/// a version distribution chart per golden path, the freshness histogram and the
/// projects table. No script, no external resource.
pub fn html(r: &FleetReport) -> String {
    let a = &r.aggregates;
    let mut s = String::from(
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>Fleet report</title>\n<style>body{font-family:sans-serif;margin:2em}table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:2px 6px}figure{display:inline-block;margin:1em}</style></head><body>\n<h1>Fleet report</h1>\n",
    );
    let _ = writeln!(
        s,
        "<p id=\"summary\" data-repositories=\"{}\" data-errors=\"{}\" data-projects=\"{}\" data-failing=\"{}\" data-within-slo=\"{}\" data-known=\"{}\">{}</p>",
        a.repositories,
        a.errors,
        a.projects,
        a.failing,
        a.freshness.within_slo,
        a.freshness.known,
        esc(&summary(r)[0])
    );
    for (name, g) in &a.golden_paths {
        let data: Vec<(String, usize)> = g.versions.iter().map(|(v, n)| (v.clone(), *n)).collect();
        s.push_str(&bars(
            &format!("versions-{}", esc(name)),
            &format!("{name}: projects by version ({} adoption)", pct(g.adoption)),
            &data,
        ));
    }
    let hist: Vec<(String, usize)> = BUCKETS
        .iter()
        .map(|b| (b.to_string(), a.histogram.get(*b).copied().unwrap_or(0)))
        .collect();
    s.push_str(&bars(
        "freshness",
        "projects by days behind (freshness)",
        &hist,
    ));
    s.push_str("<table id=\"projects\"><tr>");
    for h in HEAD {
        let _ = write!(s, "<th>{h}</th>");
    }
    s.push_str("</tr>\n");
    for row in lines(r) {
        s.push_str("<tr>");
        for c in row {
            let _ = write!(s, "<td>{}</td>", esc(&c));
        }
        s.push_str("</tr>\n");
    }
    s.push_str("</table>\n</body></html>\n");
    s
}

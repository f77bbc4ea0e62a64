//! `scaffold list`, `show` and `lint`.

use anstream::{print, println};
use serde_json::Value;

use scaffold_core::golden_path::GoldenPathInfo;
use scaffold_core::{Engine, Error};

use crate::cli::Format;
use crate::output::{self, BOLD, DIM, GREEN, RED, RESET, YELLOW};

pub fn list(engine: &Engine, format: Format) -> Result<u8, Error> {
    let catalog = engine.catalog()?;
    if format == Format::Json {
        output::json(&catalog);
        return Ok(0);
    }
    let row = |c: &scaffold_core::engine::CatalogEntry| {
        let mut source = c.source.clone();
        if c.shadowed {
            source.push_str(" (shadowed)");
        }
        if let Some(e) = &c.error {
            source.push_str(&format!(
                " {RED}[broken: {}]{RESET}",
                output::flag_words(e.lines().next().unwrap_or_default())
            ));
        }
        vec![c.name.clone(), c.title.clone(), c.version.clone(), source]
    };
    let (add_ons, golden_paths): (Vec<_>, Vec<_>) = catalog.iter().partition(|c| c.is_add_on());
    let rows: Vec<Vec<String>> = golden_paths.into_iter().map(row).collect();
    print!(
        "{}",
        output::table(&["NAME", "TITLE", "VERSION", "SOURCE"], &rows)
    );
    if !add_ons.is_empty() {
        let rows: Vec<Vec<String>> = add_ons
            .into_iter()
            .map(|c| {
                let mut r = row(c);
                r.insert(3, c.applies_to.join(", "));
                r
            })
            .collect();
        println!("\n{BOLD}Add-ons{RESET} (scaffold new ADD-ON --into PROJECT)");
        print!(
            "{}",
            output::table(&["NAME", "TITLE", "VERSION", "APPLIES TO", "SOURCE"], &rows)
        );
    }
    Ok(0)
}

pub fn list_versions(engine: &Engine, format: Format) -> Result<u8, Error> {
    let catalog = engine.catalog_versions()?;
    if format == Format::Json {
        output::json(&catalog);
        return Ok(0);
    }
    let mut rows: Vec<Vec<String>> = Vec::new();
    for c in &catalog {
        if let Some(e) = &c.error {
            rows.push(vec![
                c.name.clone(),
                "?".to_string(),
                format!(
                    "{} {RED}[broken: {}]{RESET}",
                    c.source,
                    output::flag_words(e.lines().next().unwrap_or_default())
                ),
            ]);
            continue;
        }
        for v in &c.versions {
            let version = if v.latest {
                format!("{} (latest)", v.version)
            } else {
                v.version.clone()
            };
            rows.push(vec![c.name.clone(), version, v.definition.clone()]);
        }
    }
    print!(
        "{}",
        output::table(&["NAME", "VERSION", "DEFINITION"], &rows)
    );
    Ok(0)
}

fn short(v: &Value) -> String {
    match v {
        Value::String(s) if s.is_empty() => "\"\"".to_string(),
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// `text` wrapped to `width` columns under an indent of `indent` spaces.
fn block(text: &str, width: usize, indent: usize) -> String {
    hanging(text, width, indent, indent)
}

/// `text` wrapped to `width` columns, the first line indented by `first` spaces and
/// the others by `rest`.
fn hanging(text: &str, width: usize, first: usize, rest: usize) -> String {
    crate::prompt::wrap_hanging(text, width, first, rest)
        .into_iter()
        .map(|l| l + "\n")
        .collect()
}

/// A value in a `key=value` list: quoted as JSON when it holds spaces or is empty.
fn pair_value(v: &Value) -> String {
    match v {
        Value::String(s) if s.is_empty() || s.contains(char::is_whitespace) => {
            Value::String(s.clone()).to_string()
        }
        other => short(other),
    }
}

/// Defaults longer than this go on a line of their own.
const SHORT_DEFAULT: usize = 24;

/// `show`: the golden path, then one block per parameter (name and type on a line,
/// the description wrapped below it, then the allowed values and examples), the
/// computed values (their description; `-v` adds the templates), the path policies
/// and the example answer sets, all fitted to the width (`COLUMNS`, else the
/// terminal's).
pub fn show(
    engine: &Engine,
    name: Option<&str>,
    format: Format,
    verbose: bool,
) -> Result<u8, Error> {
    let gp = match name {
        Some(name) => engine.load(name)?,
        // Inside a project (from any subdirectory): the golden path it records.
        None => {
            scaffold_core::project::Project::golden_path_here(engine, std::path::Path::new("."))?
        }
    };
    let info = engine.info(&gp)?;
    if format == Format::Json {
        output::json(&info);
        return Ok(0);
    }
    let width = output::width();
    let mut out = show_head(&info, width);
    out.push_str(&show_parameters(&info, width, verbose));
    out.push_str(&show_computed(&info, width, verbose));
    out.push_str(&show_policies(&info, width));
    if !info.examples.is_empty() {
        out.push_str(&format!("\n{BOLD}Examples{RESET}\n"));
        for ex in info.examples {
            let pairs: Vec<String> = ex
                .as_object()
                .map(|m| {
                    m.iter()
                        .map(|(k, v)| format!("{k}={}", pair_value(v)))
                        .collect()
                })
                .unwrap_or_default();
            out.push_str(&hanging(&pairs.join(" "), width, 2, 4));
        }
    }
    print!("{out}");
    Ok(0)
}

/// The golden path's name, version and source, description, add-on relations,
/// requirements and newest changelog entry.
fn show_head(info: &GoldenPathInfo<'_>, width: usize) -> String {
    let mut out = String::new();
    out.push_str(&block(
        &format!(
            "{BOLD}{}{RESET} {} {DIM}({}){RESET}",
            info.title.unwrap_or(info.name),
            info.version,
            info.source
        ),
        width,
        0,
    ));
    if let Some(d) = info.description {
        out.push_str(&block(d, width, 0));
    }
    if !info.applies_to.is_empty() {
        out.push_str(&block(
            &format!("Add-on for: {}", info.applies_to.join(", ")),
            width,
            0,
        ));
    }
    if !info.add_ons.is_empty() {
        out.push_str(&block(
            &format!("Add-ons: {}", info.add_ons.join(", ")),
            width,
            0,
        ));
    }
    if !info.requirements.is_empty() {
        let tools: Vec<String> = info.requirements.iter().map(ToString::to_string).collect();
        out.push_str(&block(&format!("Requires: {}", tools.join(", ")), width, 0));
    }
    for h in info.hooks {
        out.push_str(&block(
            &format!("Hook ({}): {}", hook_when(h.when), h.run),
            width,
            0,
        ));
    }
    if let Some(entry) = &info.changelog_newest {
        // The first bullet (or paragraph), on one line, cut to the width.
        let mut first = String::new();
        for line in entry.body.lines().map(str::trim) {
            let starts_item = line.starts_with(['-', '*']);
            if line.is_empty() || (starts_item && !first.is_empty()) {
                if first.is_empty() {
                    continue;
                }
                break;
            }
            if !first.is_empty() {
                first.push(' ');
            }
            first.push_str(line.trim_start_matches(['-', '*']).trim());
        }
        let head = format!(
            "Changelog {}{}: ",
            entry.version,
            entry
                .date
                .as_ref()
                .map(|d| format!(" ({d})"))
                .unwrap_or_default()
        );
        let rest = width.saturating_sub(head.chars().count());
        out.push_str(&format!(
            "{DIM}{head}{RESET}{}\n",
            crate::prompt::cut(&first, rest.max(10))
        ));
    }
    out
}

/// One block per parameter: name and facts, the description, allowed values, examples.
fn show_parameters(info: &GoldenPathInfo<'_>, width: usize, verbose: bool) -> String {
    let mut out = format!("\n{BOLD}Parameters{RESET}\n");
    for q in &info.parameters {
        let mut facts = vec![if q.choices.is_empty() {
            q.type_name.clone()
        } else {
            format!(
                "one of {}",
                q.choices.iter().map(short).collect::<Vec<_>>().join(" | ")
            )
        }];
        if q.required {
            facts.push("required".to_string());
        }
        let default = q.default.as_ref().map(short);
        let long_default = default
            .as_ref()
            .filter(|d| d.chars().count() > SHORT_DEFAULT);
        if let (Some(d), None) = (&default, long_default) {
            facts.push(format!("default {d}"));
        }
        if q.secret {
            facts.push("secret".to_string());
        }
        let head = format!("{BOLD}{}{RESET}  {}", q.name, facts.join(", "));
        out.push_str(&hanging(&head, width, 2, 6));
        if let Some(d) = long_default {
            out.push_str(&hanging(&format!("default: {d}"), width, 6, 8));
        }
        let title = (q.title != q.name).then_some(q.title.as_str());
        let text = match (title, &q.description) {
            (Some(t), Some(d)) if !d.starts_with(t) => format!("{t}. {d}"),
            (_, Some(d)) => d.clone(),
            (Some(t), None) => t.to_string(),
            (None, None) => String::new(),
        };
        if !text.is_empty() {
            out.push_str(&block(&text, width, 6));
        }
        match (&q.pattern_hint, &q.pattern) {
            (Some(h), Some(p)) => {
                out.push_str(&block(&format!("allowed: {h}"), width, 6));
                if verbose {
                    out.push_str(&block(&format!("pattern: /{p}/"), width, 6));
                }
            }
            (None, Some(p)) => out.push_str(&block(&format!("pattern: /{p}/"), width, 6)),
            _ => {}
        }
        if !q.examples.is_empty() {
            let ex: Vec<String> = q.examples.iter().map(short).collect();
            out.push_str(&block(&format!("e.g. {}", ex.join(", ")), width, 6));
        }
    }
    out
}

/// The computed values with their description (`-v`: and their templates).
fn show_computed(info: &GoldenPathInfo<'_>, width: usize, verbose: bool) -> String {
    let mut out = String::new();
    if info.computed.is_empty() {
        return out;
    }
    out.push_str(&format!(
        "\n{BOLD}Computed{RESET}{}\n",
        if verbose {
            ""
        } else {
            " (-v shows the templates)"
        }
    ));
    let w = info
        .computed
        .iter()
        .map(|c| c.name.chars().count())
        .max()
        .unwrap_or(0)
        .min(24);
    for c in &info.computed {
        let line = format!("{:<w$}  {}", c.name, c.description);
        out.push_str(&hanging(&line, width, 2, w + 4));
        if verbose && !c.description.starts_with("constant") {
            // The raw template, as written (not wrapped: it is code).
            let template = if c.template.is_empty() {
                "\"\""
            } else {
                c.template
            };
            out.push_str(&format!("{:w$}    = {template}\n", ""));
        }
    }
    out
}

/// The enforced and seed path globs.
fn show_policies(info: &GoldenPathInfo<'_>, width: usize) -> String {
    let mut out = String::new();
    let policy = &info.policy;
    if policy.enforced.is_empty() && policy.seed.is_empty() {
        return out;
    }
    out.push_str(&format!("\n{BOLD}Paths{RESET}\n"));
    for (label, globs, what) in [
        (
            "enforced",
            &policy.enforced,
            "always the template's version; drift fails check",
        ),
        ("seed", &policy.seed, "written once by new, never updated"),
    ] {
        if globs.is_empty() {
            continue;
        }
        out.push_str(&block(&format!("{label}: {what}"), width, 2));
        out.push_str(&block(&globs.join(", "), width, 6));
    }
    out
}

pub fn lint(engine: &Engine, path: &str, format: Format) -> Result<u8, Error> {
    let reports = scaffold_core::golden_path::lint::lint_path(engine, path)?;
    let failed = reports.iter().any(|r| !r.is_clean());
    if format == Format::Json {
        output::json(&reports);
    } else {
        for r in &reports {
            for w in &r.warnings {
                println!("{YELLOW}warning{RESET}: {w}");
            }
            for h in &r.hooks {
                println!(
                    "hook ({}, timeout {} s): {}",
                    match h.when {
                        scaffold_core::golden_path::definition::HookWhen::New => "after new",
                        scaffold_core::golden_path::definition::HookWhen::Update => "after update",
                        scaffold_core::golden_path::definition::HookWhen::Always =>
                            "after new and update",
                    },
                    h.timeout().as_secs_f64(),
                    h.run
                );
            }
            if r.is_clean() {
                println!(
                    "{GREEN}ok{RESET} {} ({}): {} example(s) rendered",
                    r.golden_path, r.file, r.examples_rendered
                );
            } else {
                for pr in &r.problems {
                    println!("{RED}error{RESET}: {}", output::flag_words(&pr.to_string()));
                }
                println!(
                    "{RED}{}{RESET}: {} problem(s)",
                    r.golden_path,
                    r.problems.len()
                );
            }
        }
    }
    Ok(u8::from(failed))
}

/// When a hook runs, in words (`show`, `lint`).
fn hook_when(when: scaffold_core::golden_path::definition::HookWhen) -> &'static str {
    use scaffold_core::golden_path::definition::HookWhen;
    match when {
        HookWhen::New => "after new",
        HookWhen::Update => "after update",
        HookWhen::Always => "after new and update",
    }
}

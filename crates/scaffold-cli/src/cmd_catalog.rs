//! `scaffold list`, `show` and `lint`.

use anstream::{print, println};
use serde_json::Value;

use scaffold_core::{Engine, Error};

use crate::cli::Format;
use crate::output::{self, BOLD, DIM, GREEN, RED, RESET};

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
                e.lines().next().unwrap_or_default()
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
                    e.lines().next().unwrap_or_default()
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
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

pub fn show(engine: &Engine, name: Option<&str>, format: Format) -> Result<u8, Error> {
    let gp = match name {
        Some(name) => engine.load(name)?,
        // Inside a project (from any subdirectory): the golden path it records.
        None => {
            let dir = scaffold_core::project::Project::default_dir(std::path::Path::new("."));
            let project = scaffold_core::project::Project::select(&dir, None, false)?;
            project[0].recorded_golden_path(engine)?
        }
    };
    let info = engine.info(&gp)?;
    if format == Format::Json {
        output::json(&info);
        return Ok(0);
    }
    let questions = gp.parameters().questions();
    let newest = scaffold_core::golden_path::changelog::newest(&gp);
    let m = &gp.definition.metadata;
    println!(
        "{BOLD}{}{RESET} {} {DIM}({}){RESET}",
        m.title.as_deref().unwrap_or(&m.name),
        gp.version,
        gp.source
    );
    if let Some(d) = &m.description {
        println!("{d}");
    }
    if !info.applies_to.is_empty() {
        println!("Add-on for: {}", info.applies_to.join(", "));
    }
    if !info.add_ons.is_empty() {
        println!("Add-ons: {}", info.add_ons.join(", "));
    }
    if let Some(entry) = &newest {
        // The first bullet (or paragraph), on one line, cut at about 100 characters.
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
        if first.chars().count() > 100 {
            first = first.chars().take(99).collect::<String>() + "…";
        }
        println!(
            "{DIM}Changelog {}{}:{RESET} {first}",
            entry.version,
            entry
                .date
                .as_ref()
                .map(|d| format!(" ({d})"))
                .unwrap_or_default()
        );
    }
    println!();
    let rows: Vec<Vec<String>> = questions
        .iter()
        .map(|q| {
            let allowed = if !q.choices.is_empty() {
                q.choices.iter().map(short).collect::<Vec<_>>().join(" | ")
            } else {
                q.pattern
                    .clone()
                    .map(|p| format!("/{p}/"))
                    .unwrap_or_default()
            };
            let mut ty = q.type_name.clone();
            if q.secret {
                ty.push_str(" (secret)");
            }
            vec![
                q.name.clone(),
                ty,
                if q.required {
                    "yes".into()
                } else {
                    "no".into()
                },
                q.default.as_ref().map(short).unwrap_or_default(),
                allowed,
                q.description.clone().unwrap_or_default(),
            ]
        })
        .collect();
    print!(
        "{}",
        output::table(
            &[
                "NAME",
                "TYPE",
                "REQUIRED",
                "DEFAULT",
                "ALLOWED",
                "DESCRIPTION"
            ],
            &rows
        )
    );
    if !gp.definition.spec.computed.is_empty() {
        println!("\n{BOLD}Computed{RESET}");
        for (k, v) in &gp.definition.spec.computed {
            println!("  {k} = {v}");
        }
    }
    Ok(0)
}

pub fn lint(engine: &Engine, path: &str, format: Format) -> Result<u8, Error> {
    let reports = scaffold_core::golden_path::lint::lint_path(engine, path)?;
    let failed = reports.iter().any(|r| !r.is_clean());
    if format == Format::Json {
        output::json(&reports);
    } else {
        for r in &reports {
            if r.is_clean() {
                println!(
                    "{GREEN}ok{RESET} {} ({}): {} example(s) rendered",
                    r.golden_path, r.file, r.examples_rendered
                );
            } else {
                for pr in &r.problems {
                    println!("{RED}error{RESET}: {pr}");
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

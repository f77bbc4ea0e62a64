//! `scaffold config [NAME]`: the user configuration in use and, for a golden path,
//! each parameter's value and where it comes from (docs/config.md).

use std::path::PathBuf;

use anstream::{print, println};
use serde_json::Map;

use scaffold_core::config::{AnswerLayers, ConfigReport, UserConfig};
use scaffold_core::{Engine, Error};

use crate::cli::{AnswerArgs, Format};
use crate::output::{self, BOLD, DIM, RESET};

pub fn run(
    engine: &Engine,
    path: &Option<PathBuf>,
    config: Option<&UserConfig>,
    name: Option<&str>,
    answers: &AnswerArgs,
    format: Format,
) -> Result<u8, Error> {
    let mut report = ConfigReport {
        path: path.clone(),
        exists: config.is_some(),
        config: config.map(|c| c.file.clone()),
        libraries: config.map(UserConfig::libraries).unwrap_or_default(),
        golden_path: None,
        parameters: Vec::new(),
    };
    if let Some(name) = name {
        let gp = engine.load(name)?;
        let params = gp.parameters();
        let values = match &answers.values {
            Some(f) => scaffold_core::golden_path::answers::ValuesFile::read(f)?.values,
            None => Map::new(),
        };
        let mut sets = Map::new();
        for s in &answers.set {
            let (k, v) = params.parse_set(s)?;
            sets.insert(k, v);
        }
        let layers = AnswerLayers {
            config: match config {
                Some(c) => c.defaults_for(&gp)?,
                None => Map::new(),
            },
            destination: Map::new(),
            values,
            sets,
        };
        report.golden_path = Some(gp.name().to_string());
        report.parameters = scaffold_core::config::resolve_parameters(params, &layers);
    }
    if format == Format::Json {
        output::json(&report);
        return Ok(0);
    }
    print_report(&report);
    Ok(0)
}

fn print_report(report: &ConfigReport) {
    match (&report.path, report.exists) {
        (Some(p), true) => println!("{BOLD}Configuration{RESET} {}", p.display()),
        (Some(p), false) => println!(
            "{BOLD}Configuration{RESET} none ({} does not exist; docs/config.md)",
            p.display()
        ),
        (None, _) => println!("{BOLD}Configuration{RESET} none (no configuration directory)"),
    }
    if let Some(c) = &report.config {
        let line = |label: &str, items: Vec<String>| {
            if !items.is_empty() {
                println!("  {label}: {}", items.join(", "));
            }
        };
        let pairs = |m: &Map<String, serde_json::Value>| -> Vec<String> {
            m.iter()
                .map(|(k, v)| {
                    format!(
                        "{k}={}",
                        scaffold_core::golden_path::answers::display_value(v)
                    )
                })
                .collect()
        };
        line("defaults", pairs(&c.defaults));
        for (name, g) in &c.golden_paths {
            line(&format!("defaults of {name}"), pairs(&g.defaults));
        }
        line(
            "libraries",
            report
                .libraries
                .iter()
                .map(|l| l.display().to_string())
                .collect(),
        );
        line("trusted", c.trusted.clone());
        line(
            "shorthands",
            c.shorthands
                .iter()
                .map(|(k, v)| format!("{k}: {v}"))
                .collect(),
        );
    }
    if let Some(gp) = &report.golden_path {
        println!("\n{BOLD}Parameters of {gp}{RESET}");
        let rows: Vec<Vec<String>> = report
            .parameters
            .iter()
            .map(|p| {
                let origin = match p.origin {
                    Some(o) => serde_json::to_value(o)
                        .ok()
                        .and_then(|v| v.as_str().map(str::to_string))
                        .unwrap_or_default(),
                    None => format!("{DIM}(asked, or required){RESET}"),
                };
                let value = match &p.value {
                    serde_json::Value::Null => "-".to_string(),
                    v => scaffold_core::golden_path::answers::display_value(v),
                };
                vec![p.name.clone(), value, origin]
            })
            .collect();
        print!(
            "{}",
            output::table(&["PARAMETER", "VALUE", "ORIGIN"], &rows)
        );
    }
}

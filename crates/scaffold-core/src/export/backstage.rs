//! `scaffold export backstage`: a golden path as a Backstage Software Template
//! (`scaffolder.backstage.io/v1beta3`), so the portal and the CLI run one definition.
//!
//! The template asks the golden path's own questions as form pages and has one step
//! that runs the scaffold engine ([`ACTION_ID`], the action of the backend module in
//! `integrations/backstage/`), then `publish:github` and `catalog:register`. The engine
//! validates the answers against the golden path's whole schema in that step, and the
//! project it writes carries the answers file and baseline, so `scaffold update` and
//! `scaffold check` work on what the portal created.
//!
//! The pages are the golden path's JSON Schema split by property: identity first (the
//! required parameters and the catalog fields `description`, `system`, `lifecycle`),
//! then the other options, then secrets (`ui:widget: password`). Each property's schema
//! is kept as it is (title, description, enum, pattern, default, examples, `x-*`) with
//! `ui:*` keys added. [`merge_pages`] is the inverse, and [`round_trip_problems`]
//! checks that exporting then merging gives the golden path's schema back.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};

use super::ExportedFile;
use crate::error::{Error, Result};
use crate::golden_path::{AnswerInput, GoldenPath};
use crate::source::SourceRecord;

/// The id of the scaffolder action that runs the scaffold engine.
pub const ACTION_ID: &str = "scaffold:new";
/// The file an export writes.
pub const TEMPLATE_FILE: &str = "template.yaml";
/// The page key marking a page of the portal's own questions (not the golden path's),
/// which [`merge_pages`] leaves out.
pub const PORTAL_PAGE: &str = "x-scaffold-portal";
/// Top-level keywords of the golden path's schema that the pages do not carry (see
/// [`round_trip_problems`]).
pub const NOT_CARRIED: [&str; 2] = ["$schema", "additionalProperties"];
const FORMAT: &str = "Backstage Software Template";
/// Parameters shown on the first page besides the required ones.
const IDENTITY: [&str; 3] = ["description", "system", "lifecycle"];
/// Keys of a page that describe the page itself, not the answers.
const PAGE_LABELS: [&str; 2] = ["title", "description"];

/// A v1beta3 Template entity (the subset an export writes and reads back).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Template {
    /// `scaffolder.backstage.io/v1beta3`.
    pub api_version: String,
    /// `Template`.
    pub kind: String,
    /// Entity metadata.
    pub metadata: TemplateMetadata,
    /// Parameters, steps, output.
    pub spec: TemplateSpec,
}

/// `metadata:` of a [`Template`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TemplateMetadata {
    /// The golden path's name.
    pub name: String,
    /// Its title.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// Its description.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Its tags.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tags: Vec<String>,
    /// `scaffold.dev/golden-path`, `scaffold.dev/version`, `scaffold.dev/source`.
    #[serde(default)]
    pub annotations: std::collections::BTreeMap<String, String>,
}

/// `spec:` of a [`Template`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TemplateSpec {
    /// The golden path's owner.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub owner: Option<String>,
    /// The kind of component (`service`).
    #[serde(rename = "type")]
    pub kind: String,
    /// The form pages: each a JSON Schema object.
    pub parameters: Vec<Value>,
    /// The steps, in order.
    pub steps: Vec<Step>,
    /// Links shown when the task is done.
    pub output: Value,
}

/// One step of a [`Template`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Step {
    /// Step id (`steps.<id>.output`).
    pub id: String,
    /// What the portal shows.
    pub name: String,
    /// The action id.
    pub action: String,
    /// The action's input.
    pub input: Value,
}

/// One form page of an export, for the report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PageSummary {
    /// The page title.
    pub title: String,
    /// Its parameters, in order.
    pub parameters: Vec<String>,
}

/// What `scaffold export backstage` produced (the JSON contract, docs/json.md).
#[derive(Debug, Clone, Serialize)]
pub struct BackstageExport {
    /// The golden path.
    pub golden_path: String,
    /// Its version.
    pub version: String,
    /// The golden-path reference the step runs (`NAME@VERSION` for a built-in one).
    pub reference: String,
    /// The action id of the engine step.
    pub action: String,
    /// The form pages.
    pub pages: Vec<PageSummary>,
    /// The step ids, in order.
    pub steps: Vec<String>,
    /// What the export could not carry over, in words (e.g. no catalog-info.yaml, so
    /// no `catalog:register` step).
    pub notes: Vec<String>,
    /// The files (`template.yaml`).
    pub files: Vec<ExportedFile>,
    /// The template, as data.
    #[serde(skip)]
    pub template: Template,
}

/// A difference between the golden path's schema and the one its exported pages
/// merge into, at a JSON pointer into the golden path's `spec.parameters`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RoundTripProblem {
    /// Where, e.g. `/properties/port/default`.
    pub pointer: String,
    /// What differs.
    pub message: String,
}

impl std::fmt::Display for RoundTripProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let at = if self.pointer.is_empty() {
            "the schema"
        } else {
            &self.pointer
        };
        write!(f, "{at}: {}", self.message)
    }
}

/// The reference an exported step should run for `gp`, typed by the user as `typed`:
/// a built-in golden path pinned to its version (`NAME@VERSION`), a git source pinned
/// to the ref asked for (else the resolved commit), a local one as typed.
pub fn pinned_reference(gp: &GoldenPath, typed: &str) -> String {
    match &gp.source {
        SourceRecord::Builtin { .. } => format!("{}@{}", gp.name(), gp.version),
        SourceRecord::Git {
            url,
            subpath,
            reference,
            commit,
        } => {
            let sub = subpath
                .as_deref()
                .map(|s| format!("//{s}"))
                .unwrap_or_default();
            format!("{url}{sub}?ref={}", reference.as_deref().unwrap_or(commit))
        }
        SourceRecord::Local { .. } => typed.to_string(),
    }
}

/// Export `gp` as a Backstage Software Template whose engine step runs `reference`
/// (see [`pinned_reference`]). An add-on cannot be exported: it applies to an
/// existing project, and a template creates a new repository.
pub fn export(gp: &GoldenPath, reference: &str) -> Result<BackstageExport> {
    build(gp, reference, true)
}

/// [`export`]; `render` says whether to render the first example to see if there is a
/// `catalog-info.yaml` (the round trip needs no render: the pages do not depend on it).
fn build(gp: &GoldenPath, reference: &str, render: bool) -> Result<BackstageExport> {
    if gp.is_add_on() {
        return Err(Error::ExportUnsupported {
            golden_path: gp.name().to_string(),
            format: FORMAT.to_string(),
            reason: format!(
                "it is an add-on (applied to an existing project of {}), and a template creates a new repository; export the golden paths it applies to instead",
                gp.applies_to().join(", ")
            ),
        });
    }
    let schema = gp.parameters().schema();
    let mut pages = split_pages(schema);
    let mut notes = Vec::new();
    let repo_url = repository(gp.name(), schema, &mut pages)?;
    let catalog = !render || renders_catalog_info(gp, &mut notes);
    let steps = steps(gp, reference, schema, &repo_url, catalog);
    let template = Template {
        api_version: "scaffolder.backstage.io/v1beta3".into(),
        kind: "Template".into(),
        metadata: metadata(gp, reference),
        spec: TemplateSpec {
            owner: gp.definition.metadata.owner.clone(),
            kind: "service".into(),
            parameters: pages.iter().map(|p| p.schema.clone()).collect(),
            output: output(gp, reference, catalog),
            steps,
        },
    };
    let yaml = serde_yaml::to_string(&template)
        .map_err(|e| Error::Usage(format!("cannot write the template of `{}`: {e}", gp.name())))?;
    let header = format!(
        "# Backstage Software Template for the golden path {name} {version}, written by\n# `scaffold export backstage` (scaffold {engine}). Export it again instead of editing:\n# the golden path is the source, and `scaffold lint` checks that this round-trips.\n",
        name = gp.name(),
        version = gp.version,
        engine = crate::ENGINE_VERSION,
    );
    Ok(BackstageExport {
        golden_path: gp.name().to_string(),
        version: gp.version.clone(),
        reference: reference.to_string(),
        action: ACTION_ID.to_string(),
        pages: pages
            .iter()
            .map(|p| PageSummary {
                title: p.title.clone(),
                parameters: p.names.clone(),
            })
            .collect(),
        steps: template.spec.steps.iter().map(|s| s.id.clone()).collect(),
        notes,
        files: vec![ExportedFile::new(TEMPLATE_FILE, header + &yaml)],
        template,
    })
}

fn metadata(gp: &GoldenPath, reference: &str) -> TemplateMetadata {
    let m = &gp.definition.metadata;
    let annotations = [
        ("scaffold.dev/golden-path", gp.name().to_string()),
        ("scaffold.dev/version", gp.version.clone()),
        ("scaffold.dev/source", reference.to_string()),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v))
    .collect();
    TemplateMetadata {
        name: m.name.clone(),
        title: m.title.clone(),
        description: m.description.clone(),
        tags: m.tags.clone(),
        annotations,
    }
}

/// One form page being built.
#[derive(Debug, Clone)]
struct Page {
    title: String,
    names: Vec<String>,
    schema: Value,
}

fn is_secret(p: &Value) -> bool {
    p.get("x-secret").and_then(Value::as_bool).unwrap_or(false)
        || p.get("format").and_then(Value::as_str) == Some("password")
}

/// The golden path's schema as form pages (empty pages left out).
fn split_pages(schema: &Value) -> Vec<Page> {
    let empty = Map::new();
    let properties = schema
        .get("properties")
        .and_then(Value::as_object)
        .unwrap_or(&empty);
    let required: Vec<&str> = schema
        .get("required")
        .and_then(Value::as_array)
        .map(|r| r.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    let mut groups: [Vec<&str>; 3] = Default::default();
    for (name, p) in properties {
        let group = if is_secret(p) {
            2
        } else if required.contains(&name.as_str()) || IDENTITY.contains(&name.as_str()) {
            0
        } else {
            1
        };
        groups[group].push(name);
    }
    let labels = [
        (
            "Identity",
            "What the component is called, who owns it, and what it is.",
        ),
        (
            "Options",
            "How the component is built and deployed; the defaults are the golden path's.",
        ),
        (
            "Secrets",
            "Values that are never written to the repository.",
        ),
    ];
    let mut pages = Vec::new();
    for (i, names) in groups.iter().enumerate() {
        if names.is_empty() {
            continue;
        }
        let (title, description) = labels[i];
        let mut page = Map::new();
        page.insert("title".into(), title.into());
        page.insert("description".into(), description.into());
        page_keywords(schema, pages.is_empty(), &mut page);
        let page_required: Vec<Value> = required
            .iter()
            .filter(|r| names.contains(r))
            .map(|r| Value::from(*r))
            .collect();
        if !page_required.is_empty() {
            page.insert("required".into(), Value::Array(page_required));
        }
        let mut props = Map::new();
        for (j, name) in names.iter().enumerate() {
            let autofocus = pages.is_empty() && j == 0;
            props.insert(name.to_string(), with_ui(&properties[*name], autofocus));
        }
        page.insert("properties".into(), Value::Object(props));
        pages.push(Page {
            title: title.to_string(),
            names: names.iter().map(|n| n.to_string()).collect(),
            schema: Value::Object(page),
        });
    }
    pages
}

/// The top-level keywords a page carries besides its properties: `type` and `$defs`
/// on every page (a page is a schema of its own), every other keyword (such as
/// `allOf` or `dependentRequired`) on the first page only, since the portal validates
/// the whole answers against each page.
fn page_keywords(schema: &Value, first: bool, page: &mut Map<String, Value>) {
    let Some(obj) = schema.as_object() else {
        return;
    };
    for (k, v) in obj {
        let skip = NOT_CARRIED.contains(&k.as_str())
            || matches!(k.as_str(), "properties" | "required")
            || PAGE_LABELS.contains(&k.as_str());
        let everywhere = matches!(k.as_str(), "type" | "$defs" | "definitions");
        if !skip && (everywhere || first) {
            page.insert(k.clone(), v.clone());
        }
    }
}

/// A property's schema with the form's `ui:*` keys added.
fn with_ui(property: &Value, autofocus: bool) -> Value {
    let mut p = property.clone();
    if let Some(obj) = p.as_object_mut() {
        if autofocus {
            obj.insert("ui:autofocus".into(), true.into());
        }
        if is_secret(property) {
            obj.insert("ui:widget".into(), "password".into());
            obj.insert(
                "ui:backstage".into(),
                json!({"review": {"mask": "********"}}),
            );
        }
    }
    p
}

/// The `publish:github` repository: `github.com?owner=${{ parameters.org }}&repo=${{
/// parameters.name }}` when the golden path asks for both (its generated files name
/// that repository), else a page of the portal's own with a `RepoUrlPicker`.
fn repository(name: &str, schema: &Value, pages: &mut Vec<Page>) -> Result<String> {
    let has = |n: &str| schema.pointer(&format!("/properties/{n}")).is_some();
    if has("org") && has("name") {
        return Ok(format!(
            "github.com?owner={}&repo={}",
            expr("org"),
            expr("name")
        ));
    }
    if has("repoUrl") {
        return Err(Error::ExportUnsupported {
            golden_path: name.to_string(),
            format: FORMAT.to_string(),
            reason: "the golden path asks for neither `org` and `name` nor leaves the name `repoUrl` free for the repository picker".into(),
        });
    }
    let page = json!({
        "title": "Repository",
        "description": "Where the new repository is created.",
        PORTAL_PAGE: true,
        "type": "object",
        "required": ["repoUrl"],
        "properties": {
            "repoUrl": {
                "title": "Repository location",
                "type": "string",
                "ui:field": "RepoUrlPicker",
                "ui:options": {"allowedHosts": ["github.com"]}
            }
        }
    });
    pages.push(Page {
        title: "Repository".into(),
        names: vec!["repoUrl".into()],
        schema: page,
    });
    Ok(expr("repoUrl"))
}

/// `${{ parameters.NAME }}` (bracketed for a name that is not an identifier).
fn expr(name: &str) -> String {
    let ident = name
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
    if ident {
        format!("${{{{ parameters.{name} }}}}")
    } else {
        format!("${{{{ parameters['{}'] }}}}", name.replace('\'', "\\'"))
    }
}

/// Whether the golden path's first example renders a `catalog-info.yaml` (what
/// `catalog:register` reads); without examples it is assumed to.
fn renders_catalog_info(gp: &GoldenPath, notes: &mut Vec<String>) -> bool {
    let Some(example) = gp.definition.spec.examples.first() else {
        return true;
    };
    let input = AnswerInput {
        values: example.as_object().cloned().unwrap_or_default(),
        sets: Vec::new(),
    };
    match gp.resolve_answers(&input).and_then(|a| gp.render(&a)) {
        Ok(r) if r.files.contains_key("catalog-info.yaml") => true,
        Ok(_) => {
            notes.push("the golden path renders no catalog-info.yaml, so the template has no catalog:register step".into());
            false
        }
        Err(e) => {
            notes.push(format!(
                "examples[0] does not render ({e}); the catalog:register step assumes a catalog-info.yaml"
            ));
            true
        }
    }
}

fn steps(
    gp: &GoldenPath,
    reference: &str,
    schema: &Value,
    repo_url: &str,
    catalog: bool,
) -> Vec<Step> {
    let values: Map<String, Value> = schema
        .get("properties")
        .and_then(Value::as_object)
        .map(|p| {
            p.keys()
                .map(|k| (k.clone(), Value::from(expr(k))))
                .collect()
        })
        .unwrap_or_default();
    let title = gp.definition.metadata.title.as_deref().unwrap_or(gp.name());
    let mut publish = json!({
        "repoUrl": repo_url,
        "defaultBranch": "main",
        "repoVisibility": "private",
    });
    if schema.pointer("/properties/description").is_some() {
        publish["description"] = expr("description").into();
    }
    let mut steps = vec![
        Step {
            id: "scaffold".into(),
            name: format!("Create the {title} project with scaffold"),
            action: ACTION_ID.into(),
            input: json!({"goldenPath": reference, "values": values}),
        },
        Step {
            id: "publish".into(),
            name: "Publish to GitHub".into(),
            action: "publish:github".into(),
            input: publish,
        },
    ];
    if catalog {
        steps.push(Step {
            id: "register".into(),
            name: "Register in the catalog".into(),
            action: "catalog:register".into(),
            input: json!({
                "repoContentsUrl": "${{ steps['publish'].output.repoContentsUrl }}",
                "catalogInfoPath": "/catalog-info.yaml",
            }),
        });
    }
    steps
}

fn output(gp: &GoldenPath, reference: &str, catalog: bool) -> Value {
    let mut links = vec![json!({
        "title": "Repository",
        "url": "${{ steps['publish'].output.remoteUrl }}",
    })];
    if catalog {
        links.push(json!({
            "title": "Open in catalog",
            "icon": "catalog",
            "entityRef": "${{ steps['register'].output.entityRef }}",
        }));
    }
    let text = format!(
        "Created from the golden path {} {} ({reference}) by scaffold, with its answers file in `.scaffold/`. Run `scaffold update` in a clone to take newer versions as a three-way merge, and `scaffold check` in CI to catch drift.",
        gp.name(),
        gp.version
    );
    json!({
        "links": links,
        "text": [{"title": "Keeping it up to date", "content": text}],
    })
}

/// Merge form pages back into one JSON Schema, the way scaffold reads a template's
/// pages: properties in page order with their `ui:*` keys removed, `required` joined,
/// the pages' titles and descriptions dropped (they label the pages), every other
/// keyword kept (equal wherever two pages carry it). Pages marked [`PORTAL_PAGE`] hold
/// the portal's own questions and are left out. Every conflict is reported, at a
/// pointer into `spec.parameters`.
pub fn merge_pages(pages: &[Value]) -> std::result::Result<Value, Vec<RoundTripProblem>> {
    let mut merged = Map::new();
    let mut properties = Map::new();
    let mut required: Vec<Value> = Vec::new();
    let mut problems = Vec::new();
    for (i, page) in pages.iter().enumerate() {
        let at = |k: &str| {
            format!(
                "/{i}{}",
                if k.is_empty() {
                    String::new()
                } else {
                    format!("/{}", escape(k))
                }
            )
        };
        let Some(obj) = page.as_object() else {
            problems.push(problem(at(""), "a page is not an object".into()));
            continue;
        };
        if obj.get(PORTAL_PAGE).and_then(Value::as_bool) == Some(true) {
            continue;
        }
        for (k, v) in obj {
            match k.as_str() {
                "properties" => match v.as_object() {
                    Some(props) => {
                        for (name, schema) in props {
                            if properties.contains_key(name) {
                                problems.push(problem(
                                    format!("{}/{}", at(k), escape(name)),
                                    format!("`{name}` is on more than one page"),
                                ));
                            }
                            properties.insert(name.clone(), without_ui(schema));
                        }
                    }
                    None => problems.push(problem(at(k), "`properties` is not an object".into())),
                },
                "required" => match v.as_array() {
                    Some(names) => {
                        for n in names {
                            if !required.contains(n) {
                                required.push(n.clone());
                            }
                        }
                    }
                    None => problems.push(problem(at(k), "`required` is not an array".into())),
                },
                k if PAGE_LABELS.contains(&k) => {}
                _ => match merged.get(k) {
                    Some(existing) if existing != v => problems.push(problem(
                        at(k),
                        format!("`{k}` differs from an earlier page's"),
                    )),
                    _ => {
                        merged.insert(k.clone(), v.clone());
                    }
                },
            }
        }
    }
    if !required.is_empty() {
        merged.insert("required".into(), Value::Array(required));
    }
    merged.insert("properties".into(), Value::Object(properties));
    if problems.is_empty() {
        Ok(Value::Object(merged))
    } else {
        Err(problems)
    }
}

fn problem(pointer: String, message: String) -> RoundTripProblem {
    RoundTripProblem { pointer, message }
}

/// `schema` without `ui:*` keys, at any depth.
fn without_ui(schema: &Value) -> Value {
    match schema {
        Value::Object(obj) => Value::Object(
            obj.iter()
                .filter(|(k, _)| !k.starts_with("ui:"))
                .map(|(k, v)| (k.clone(), without_ui(v)))
                .collect(),
        ),
        Value::Array(items) => Value::Array(items.iter().map(without_ui).collect()),
        other => other.clone(),
    }
}

/// A JSON pointer token.
fn escape(token: &str) -> String {
    token.replace('~', "~0").replace('/', "~1")
}

/// Export `gp`, read the written `template.yaml` back, merge its pages and compare
/// the result with the golden path's schema: every difference, at its pointer into
/// the golden path's `spec.parameters`. The keywords in [`NOT_CARRIED`] are not
/// compared: the portal's form validators read draft-07 and refuse a 2020-12
/// `$schema`, and Backstage validates the whole answers against each page, so no page
/// can refuse the others' properties (the form offers only declared ones, and the
/// engine step validates against the full schema). An add-on has no template and no
/// problems.
pub fn round_trip_problems(gp: &GoldenPath) -> Vec<RoundTripProblem> {
    if gp.is_add_on() {
        return Vec::new();
    }
    let exported = match build(gp, &pinned_reference(gp, gp.name()), false) {
        Ok(e) => e,
        Err(e) => return vec![problem(String::new(), format!("cannot export: {e}"))],
    };
    let text = &exported.files[0].contents;
    let template: Template = match serde_yaml::from_str(text) {
        Ok(t) => t,
        Err(e) => {
            return vec![problem(
                String::new(),
                format!("the exported {TEMPLATE_FILE} does not read back: {e}"),
            )];
        }
    };
    let portal = |p: &Value| p.get(PORTAL_PAGE).and_then(Value::as_bool) == Some(true);
    if template.spec.parameters.iter().all(portal) {
        return without_pages(gp.parameters().schema());
    }
    let merged = match merge_pages(&template.spec.parameters) {
        Ok(m) => m,
        Err(problems) => return problems,
    };
    let mut expected = gp.parameters().schema().clone();
    if let Some(obj) = expected.as_object_mut() {
        for k in NOT_CARRIED {
            obj.remove(k);
        }
    }
    let mut out = Vec::new();
    differences("", &expected, &merged, &mut out);
    out
}

/// The round trip of a golden path without parameters, which exports no pages: only
/// a schema that asks nothing (`type: object`, no or empty `properties` and
/// `required`, besides [`NOT_CARRIED`]) round-trips.
fn without_pages(schema: &Value) -> Vec<RoundTripProblem> {
    let empty = |v: &Value| {
        v.as_object().is_some_and(Map::is_empty) || v.as_array().is_some_and(Vec::is_empty)
    };
    schema
        .as_object()
        .into_iter()
        .flatten()
        .filter(|(k, v)| {
            let asks_nothing = match k.as_str() {
                "type" => *v == "object",
                "properties" | "required" => empty(v),
                k => NOT_CARRIED.contains(&k),
            };
            !asks_nothing
        })
        .map(|(k, _)| {
            problem(
                format!("/{}", escape(k)),
                "is lost: a golden path without parameters exports no form pages".into(),
            )
        })
        .collect()
}

/// Every difference between `expected` and `got` below `pointer`. Object keys are
/// compared as sets (the pages reorder properties); the top-level `required` too.
fn differences(pointer: &str, expected: &Value, got: &Value, out: &mut Vec<RoundTripProblem>) {
    match (expected, got) {
        (Value::Object(e), Value::Object(g)) => {
            for (k, ev) in e {
                let at = format!("{pointer}/{}", escape(k));
                match g.get(k) {
                    Some(gv) => differences(&at, ev, gv, out),
                    None => out.push(problem(
                        at,
                        "is lost: the exported pages do not carry it".into(),
                    )),
                }
            }
            for k in g.keys().filter(|k| !e.contains_key(*k)) {
                out.push(problem(
                    format!("{pointer}/{}", escape(k)),
                    "is added by the export".into(),
                ));
            }
        }
        (Value::Array(e), Value::Array(g)) if pointer == "/required" => {
            let mut e = e.clone();
            let mut g = g.clone();
            e.sort_by_key(Value::to_string);
            g.sort_by_key(Value::to_string);
            if e != g {
                out.push(problem(
                    pointer.into(),
                    format!(
                        "{} after the round trip, {} in the golden path",
                        Value::Array(g),
                        Value::Array(e)
                    ),
                ));
            }
        }
        (e, g) if e == g => {}
        (e, g) => out.push(problem(
            pointer.into(),
            format!("{g} after the round trip, {e} in the golden path"),
        )),
    }
}

#[cfg(test)]
mod tests;

//! The steps of a Backstage Template, run in memory over a workspace.
//!
//! The workspace is the directory Backstage would create for the task; here it is a
//! tree in memory that becomes the [`Rendered`] tree the engine plans and writes
//! (so dry-run, preview, atomic writes and the baseline are the engine's own). The
//! built-in actions run for real: `fetch:template`, `fetch:template:file`,
//! `fetch:plain`, `fetch:plain:file`, `fetch:cookiecutter` (over a local skeleton),
//! `fs:rename`, `fs:delete`, `debug:log`, `catalog:write`. `publish:*` and
//! `catalog:register` need no network: publishing is the git repository `new`
//! initialises and commits in DEST, and registering validates DEST's
//! `catalog-info.yaml`; both produce the outputs later steps read (`remoteUrl`,
//! `repoContentsUrl`, `entityRef`, `catalogInfoUrl`). A remote `url:` is read as a
//! git source through the engine's cache ([`remote_skeleton`]); offline and not
//! cached, its step is reported as not run. Custom actions are reported as not run,
//! with their rendered inputs.

use std::collections::BTreeMap;
use std::sync::Arc;

use serde_json::{Map, Value, json};

use crate::backstage::expr::{Evaluator, Flavour, Origin};
use crate::backstage::{RunReport, Step, StepReport, StepStatus, Template, TemplateDoc, pointer};
use crate::error::{DefinitionProblem, Error, Location, Result, TemplateError};
use crate::golden_path::definition::YamlPositions;
use crate::golden_path::render::{Rendered, RenderedFile};
use crate::source::TemplateFs;
use crate::source::git::{GitError, GitSource};
use crate::source::remote::Target as GitTarget;
use crate::tree::{Entry, FileMode};

/// The actions this engine runs.
pub const BUILT_IN: &[&str] = &[
    "fetch:template",
    "fetch:template:file",
    "fetch:plain",
    "fetch:plain:file",
    "fetch:cookiecutter",
    "fs:rename",
    "fs:delete",
    "debug:log",
    "catalog:write",
    "catalog:register",
];

/// Whether the engine knows `action` (the built-ins and every `publish:*`).
pub fn is_known(action: &str) -> bool {
    BUILT_IN.contains(&action) || action.starts_with("publish:")
}

/// One file of the workspace and where it came from.
#[derive(Debug, Clone)]
struct WsFile {
    entry: Entry,
    step: String,
    source: String,
    templated: bool,
}

/// Runs the steps of one Template.
pub(crate) struct Runner<'a> {
    tpl: &'a Template,
    ev: &'a Evaluator,
    parameters: Map<String, Value>,
    secrets: Map<String, Value>,
    steps: Map<String, Value>,
    ws: BTreeMap<String, WsFile>,
    report: RunReport,
    not_run: Vec<String>,
    /// The trees of remote skeletons read so far, by git source (repository and ref),
    /// with the commit read.
    remote_trees: BTreeMap<(String, Option<String>), (TemplateFs, String)>,
}

/// What an action did.
enum Outcome {
    Ran(Map<String, Value>, Option<String>),
    NotRun(String),
}

fn str_input<'v>(input: &'v Map<String, Value>, key: &str) -> Option<&'v str> {
    input.get(key).and_then(Value::as_str)
}

fn is_remote(url: &str) -> bool {
    url.contains("://") || url.starts_with("git@")
}

/// A remote skeleton `url:` as a git source. Backstage's own form is a repository
/// browse URL: `https://github.com/O/R/tree/REF/PATH` (`/blob/` for one file),
/// GitLab's `https://gitlab.com/G/R/-/tree/REF/PATH`, Bitbucket's
/// `https://bitbucket.org/O/R/src/REF/PATH`: the ref is the segment after `tree`,
/// `blob` or `src` (a ref holding `/` cannot be told from the path; use the other
/// form). Anything else is read as scaffold's git source, `URL[//PATH][?ref=REF]`.
pub(crate) fn remote_skeleton(url: &str) -> std::result::Result<GitSource, String> {
    let browse = url.split_once("://").and_then(|(scheme, rest)| {
        let (host, path) = rest.split_once('/')?;
        let segments: Vec<&str> = path.trim_end_matches('/').split('/').collect();
        let at = (2..segments.len().saturating_sub(1))
            .find(|&i| matches!(segments[i], "tree" | "blob" | "src"))?;
        let repo: Vec<&str> = segments[..at]
            .iter()
            .copied()
            .filter(|s| *s != "-")
            .collect();
        let reference = segments[at + 1];
        let sub = segments[at + 2..].join("/");
        let mut spec = format!("{scheme}://{host}/{}", repo.join("/"));
        if !sub.is_empty() {
            spec.push_str("//");
            spec.push_str(&sub);
        }
        Some(format!("{spec}?ref={reference}"))
    });
    let spec = browse.as_deref().unwrap_or(url);
    GitSource::parse(spec).map_err(|e| e.to_string())
}

impl<'a> Runner<'a> {
    pub(crate) fn new(
        tpl: &'a Template,
        ev: &'a Evaluator,
        parameters: Map<String, Value>,
        secrets: Map<String, Value>,
    ) -> Runner<'a> {
        Runner {
            tpl,
            ev,
            parameters,
            secrets,
            steps: Map::new(),
            ws: BTreeMap::new(),
            report: RunReport::default(),
            not_run: Vec::new(),
            remote_trees: BTreeMap::new(),
        }
    }

    /// The expression context: `parameters`, `steps`, `user`, `secrets` (and `each`).
    pub(crate) fn context(&self, each: Option<&Value>) -> Result<tera::Context> {
        let mut v = json!({
            "parameters": self.parameters,
            "steps": self.steps,
            "secrets": self.secrets,
            "user": {"ref": "user:default/guest", "entity": {"metadata": {"name": "guest"}}},
            "context": {"task": {"id": "offline"}},
        });
        if let Some(e) = each {
            v["each"] = e.clone();
        }
        tera::Context::from_serialize(&v)
            .map_err(|e| Error::Usage(format!("parameters cannot be used in expressions: {e}")))
    }

    /// Run step `i` (all its iterations), or skip it.
    pub(crate) fn step(&mut self, i: usize, step: &Step) -> Result<()> {
        let id = step.id.clone().unwrap_or_else(|| format!("step-{}", i + 1));
        let at = format!("/spec/steps/{i}");
        let row = |status, note: Option<String>| StepReport {
            id: id.clone(),
            name: step.name.clone(),
            action: step.action.clone(),
            status,
            note,
            input: None,
            output: Map::new(),
        };
        if let Some(cond) = &step.condition {
            let ctx = self.context(None)?;
            if !self
                .ev
                .truthy(cond, &ctx, &self.tpl.origin(&format!("{at}/if")))?
            {
                self.report
                    .steps
                    .push(row(StepStatus::Skipped, Some("its `if` is false".into())));
                return Ok(());
            }
        }
        let items = match &step.each {
            None => vec![None],
            Some(e) => {
                let ctx = self.context(None)?;
                let origin = |p: &[String]| self.tpl.origin(&pointer(&format!("{at}/each"), p));
                match self.ev.value(e, &ctx, &origin, &mut Vec::new())? {
                    Some(Value::Array(a)) => a
                        .into_iter()
                        .enumerate()
                        .map(|(k, v)| Some(json!({"key": k, "value": v})))
                        .collect(),
                    Some(Value::Object(m)) => m
                        .into_iter()
                        .map(|(k, v)| Some(json!({"key": k, "value": v})))
                        .collect(),
                    other => {
                        return Err(step_error(
                            self.tpl.origin(&format!("{at}/each")),
                            &id,
                            format!(
                                "`each` must give an array or an object, not {}",
                                kind_of(other.as_ref())
                            ),
                        ));
                    }
                }
            }
        };
        if let Some(dep) = self.not_run_dependency(step) {
            let note = format!("it uses the output of step `{dep}`, which did not run");
            self.report.steps.push(row(StepStatus::NotRun, Some(note)));
            self.not_run.push(id.clone());
            self.steps.insert(id, json!({ "output": {} }));
            return Ok(());
        }
        let mut output = Map::new();
        for item in items {
            let ctx = self.context(item.as_ref())?;
            let origin = |p: &[String]| self.tpl.origin(&pointer(&format!("{at}/input"), p));
            let input = self
                .ev
                .value(&step.input, &ctx, &origin, &mut Vec::new())?
                .unwrap_or(Value::Null);
            let input = match input {
                Value::Object(m) => m,
                Value::Null => Map::new(),
                other => {
                    return Err(step_error(
                        self.tpl.origin(&format!("{at}/input")),
                        &id,
                        format!("`input` must be an object, not {}", kind_of(Some(&other))),
                    ));
                }
            };
            let mut r = row(StepStatus::Ran, None);
            match self.action(&id, &at, &step.action, &input)? {
                Outcome::Ran(out, note) => {
                    output.extend(out.clone());
                    r.output = out;
                    r.note = note;
                }
                Outcome::NotRun(note) => {
                    self.not_run.push(id.clone());
                    r.status = StepStatus::NotRun;
                    r.note = Some(note);
                    r.input = Some(self.mask(Value::Object(input)));
                }
            }
            self.report.steps.push(r);
        }
        self.steps.insert(id, json!({ "output": output }));
        Ok(())
    }

    /// The first step that did not run whose output `step` reads
    /// (`steps.ID.` or `steps['ID']` in its input, `if` or `each`).
    fn not_run_dependency(&self, step: &Step) -> Option<String> {
        let mut strings = Vec::new();
        collect_strings(&step.input, "", &mut strings);
        for v in [&step.condition, &step.each].into_iter().flatten() {
            collect_strings(v, "", &mut strings);
        }
        self.not_run
            .iter()
            .find(|id| {
                let forms = [
                    format!("steps.{id}."),
                    format!("steps['{id}']"),
                    format!("steps[\"{id}\"]"),
                ];
                strings
                    .iter()
                    .any(|(_, s)| forms.iter().any(|f| s.contains(f.as_str())))
            })
            .cloned()
    }

    /// Secret answers replaced by `***` in what is reported.
    fn mask(&self, v: Value) -> Value {
        let secrets: Vec<&str> = self
            .secrets
            .values()
            .filter_map(Value::as_str)
            .filter(|s| !s.is_empty())
            .collect();
        fn walk(v: Value, secrets: &[&str]) -> Value {
            match v {
                Value::String(mut s) => {
                    for x in secrets {
                        s = s.replace(x, "***");
                    }
                    Value::String(s)
                }
                Value::Array(a) => Value::Array(a.into_iter().map(|x| walk(x, secrets)).collect()),
                Value::Object(m) => {
                    Value::Object(m.into_iter().map(|(k, x)| (k, walk(x, secrets))).collect())
                }
                other => other,
            }
        }
        walk(v, &secrets)
    }

    fn action(
        &mut self,
        id: &str,
        at: &str,
        action: &str,
        input: &Map<String, Value>,
    ) -> Result<Outcome> {
        let origin = |key: &str| self.tpl.origin(&format!("{at}/input/{key}"));
        match action {
            "fetch:template" | "fetch:template:file" | "fetch:plain" | "fetch:plain:file"
            | "fetch:cookiecutter" => self.fetch(id, at, action, input),
            "fs:rename" => self.rename(id, origin("files"), input),
            "fs:delete" => self.delete(id, origin("files"), input),
            "debug:log" => {
                if let Some(m) = input.get("message") {
                    let text = crate::golden_path::answers::display_value(m);
                    let masked = self.mask(Value::String(text));
                    self.report.log.push(crate::golden_path::answers::display_value(&masked));
                }
                if input.get("listWorkspace").is_some_and(|v| v != &Value::Bool(false)) {
                    let listing: Vec<String> = self.ws.keys().cloned().collect();
                    self.report.log.push(format!("workspace: {}", listing.join(", ")));
                }
                Ok(Outcome::Ran(Map::new(), None))
            }
            "catalog:write" => self.catalog_write(id, origin("entity"), input),
            "catalog:register" => self.catalog_register(id, origin("catalogInfoUrl"), input),
            a if a.starts_with("publish:") => publish(id, a, input, self.tpl.origin(&format!("{at}/input/repoUrl"))),
            _ => Ok(Outcome::NotRun(
                "custom action: scaffold does not know it, so it did not run (run it in Backstage, or do its work by hand)".into(),
            )),
        }
    }

    fn put(&mut self, path: String, file: WsFile, replace: bool) {
        if replace || !self.ws.contains_key(&path) {
            self.ws.insert(path, file);
        }
    }

    fn fetch(
        &mut self,
        id: &str,
        at: &str,
        action: &str,
        input: &Map<String, Value>,
    ) -> Result<Outcome> {
        let url_origin = self.tpl.origin(&format!("{at}/input/url"));
        let Some(url) = str_input(input, "url") else {
            return Err(step_error(
                url_origin,
                id,
                format!("{action} needs `url`: the skeleton, relative to the template"),
            ));
        };
        let (fs, resolved, fetched) = if is_remote(url) {
            match self.remote_source(url, id, &url_origin)? {
                Ok((fs, path, commit)) => (fs, Some(path), Some(commit)),
                Err(why) => return Ok(Outcome::NotRun(why)),
            }
        } else {
            let fs = self.tpl.fs().clone();
            let resolved = fs.resolve(self.tpl.definition_path(), url);
            (fs, resolved, None)
        };
        let single = action.ends_with(":file");
        let target = str_input(input, "targetPath").unwrap_or(if single { "" } else { "./" });
        if single && target.is_empty() {
            return Err(step_error(
                self.tpl.origin(&format!("{at}/input")),
                id,
                format!("{action} needs `targetPath`: the file to write"),
            ));
        }
        let (resolved, entries) = self.skeleton(&fs, resolved, url, single, url_origin, id)?;
        let templating = action.starts_with("fetch:template") || action == "fetch:cookiecutter";
        let options = FetchOptions::read(input, action);
        let values = input.get("values").cloned().unwrap_or_else(|| json!({}));
        let mut ctx_value = json!({ "values": values });
        if options.flavour == Flavour::Cookiecutter {
            ctx_value["cookiecutter"] = ctx_value["values"].clone();
        }
        let ctx = tera::Context::from_serialize(&ctx_value)
            .map_err(|e| Error::Usage(format!("values cannot be used in templates: {e}")))?;
        let base = resolved;
        for (rel, entry) in entries {
            if rel == "cookiecutter.json" && action == "fetch:cookiecutter" {
                continue;
            }
            let display = if rel.is_empty() {
                fs.display(&base)
            } else {
                format!("{}/{rel}", fs.display(&base))
            };
            let origin = Origin {
                file: display.clone(),
                line: 1,
                column: 1,
            };
            let out = Target {
                single,
                target,
                templating,
                options: &options,
            };
            let Some((path, templated)) = self.target_of(&out, &rel, &entry, &ctx, &origin)? else {
                continue;
            };
            let text = std::str::from_utf8(&entry.content).ok();
            let content = match (templated && entry.mode != FileMode::Symlink, text) {
                (true, Some(t)) => self
                    .ev
                    .render(t, &ctx, options.flavour, &origin)?
                    .into_bytes()
                    .into(),
                _ => entry.content.clone(),
            };
            let file = WsFile {
                entry: Entry {
                    mode: entry.mode,
                    content,
                },
                step: id.to_string(),
                source: if rel.is_empty() {
                    url.to_string()
                } else {
                    format!("{url}/{rel}")
                },
                templated: templated && text.is_some(),
            };
            self.put(normalize(&path, id, &display)?, file, options.replace);
        }
        let note = fetched.map(|commit| format!("fetched {url} at commit {commit}"));
        Ok(Outcome::Ran(Map::new(), note))
    }

    /// The tree a remote `url:` names, read through the engine's git cache: the
    /// source's files, the path inside them, and the commit; `Err(why)` when it is
    /// not available (no git access, or offline and not cached), so the step is
    /// listed as not run. A URL that is not a git source, a repository that cannot
    /// be fetched and an unknown ref are errors at the step's `url`.
    fn remote_source(
        &mut self,
        url: &str,
        id: &str,
        origin: &Origin,
    ) -> Result<std::result::Result<(TemplateFs, String, String), String>> {
        let fail = |message: String| step_error(origin.clone(), id, message);
        let source = remote_skeleton(url).map_err(|reason| {
            fail(format!(
                "remote `url: {url}` is not a git source scaffold can read: {reason}"
            ))
        })?;
        let path = source.subpath.clone().unwrap_or_default();
        let key = (source.url.clone(), source.reference.clone());
        if let Some((fs, commit)) = self.remote_trees.get(&key) {
            return Ok(Ok((fs.clone(), path, commit.clone())));
        }
        let Some(remote) = self.tpl.remote() else {
            return Ok(Err(format!(
                "remote source `{url}` was not fetched: this run has no git access"
            )));
        };
        let target = source
            .reference
            .clone()
            .map_or(GitTarget::Latest, GitTarget::Ref);
        let repo = match remote.open(&source.url, &target) {
            Ok(repo) => repo,
            Err(Error::Git(GitError::NotCached { .. })) => {
                return Ok(Err(format!(
                    "remote source `{url}` is unavailable offline: {} is not in the git cache",
                    source.url
                )));
            }
            Err(e) => return Err(fail(format!("remote source `{url}` cannot be read: {e}"))),
        };
        let (tree, commit) = repo
            .resolve(source.reference.as_deref())
            .and_then(|r| repo.read_tree(&r.commit, None).map(|t| (t, r.commit)))
            .map_err(|e| fail(format!("remote source `{url}` cannot be read: {e}")))?;
        let fs = TemplateFs::Memory {
            tree: Arc::new(tree.entries),
            label: format!("{}@{}:", source.url, commit.get(..12).unwrap_or(&commit)),
        };
        self.remote_trees.insert(key, (fs.clone(), commit.clone()));
        Ok(Ok((fs, path, commit)))
    }

    /// The skeleton a fetch step reads: its path and entries (one unnamed entry for a
    /// single file), or the error at the step's `url`.
    fn skeleton(
        &self,
        fs: &TemplateFs,
        resolved: Option<String>,
        url: &str,
        single: bool,
        origin: Origin,
        id: &str,
    ) -> Result<(String, Vec<(String, Entry)>)> {
        let entries = match (&resolved, single) {
            (Some(p), false) if fs.is_dir(p) => fs.list(p)?,
            (Some(p), true) if !fs.is_dir(p) => match fs.read(p) {
                Ok(c) => vec![(
                    String::new(),
                    Entry {
                        mode: FileMode::File,
                        content: c.into(),
                    },
                )],
                Err(_) => Vec::new(),
            },
            _ => Vec::new(),
        };
        match resolved {
            Some(p) if !(entries.is_empty() && single) && (single || fs.is_dir(&p)) => {
                Ok((p, entries))
            }
            _ => Err(step_error(
                origin,
                id,
                format!(
                    "the skeleton `{url}` does not exist (a {} {})",
                    if single { "file" } else { "directory" },
                    if is_remote(url) {
                        format!("in {}", fs.display(""))
                    } else {
                        format!("relative to {}", self.tpl.file())
                    }
                ),
            )),
        }
    }

    /// Where a skeleton entry goes (its name rendered) and whether its content is
    /// rendered; `None` when a name component rendered empty.
    fn target_of(
        &self,
        t: &Target<'_>,
        rel: &str,
        entry: &Entry,
        ctx: &tera::Context,
        origin: &Origin,
    ) -> Result<Option<(String, bool)>> {
        if t.single {
            return Ok(Some((t.target.to_string(), t.templating)));
        }
        let mut rel_out = rel.to_string();
        let mut templated = t.templating && !t.options.copy_verbatim(rel);
        if let Some(ext) = &t.options.extension {
            templated = templated && rel.ends_with(ext.as_str());
            if let Some(stripped) = rel_out.strip_suffix(ext.as_str()) {
                rel_out = stripped.to_string();
            }
        }
        if t.templating {
            rel_out = self.ev.render(&rel_out, ctx, t.options.flavour, origin)?;
        }
        if rel_out.split('/').any(str::is_empty)
            && !rel_out.is_empty()
            && entry.mode != FileMode::Dir
        {
            return Ok(None);
        }
        Ok(Some((join(t.target, &rel_out), templated)))
    }

    fn rename(&mut self, id: &str, origin: Origin, input: &Map<String, Value>) -> Result<Outcome> {
        let files = input
            .get("files")
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default();
        for f in files {
            let (Some(from), Some(to)) = (
                f.get("from").and_then(Value::as_str),
                f.get("to").and_then(Value::as_str),
            ) else {
                return Err(step_error(
                    origin,
                    id,
                    "each entry of `files` needs `from` and `to`".into(),
                ));
            };
            let overwrite = f.get("overwrite").and_then(Value::as_bool).unwrap_or(false);
            let from = normalize(from, id, &origin.file)?;
            let to = normalize(to, id, &origin.file)?;
            let moved: Vec<String> = self
                .ws
                .keys()
                .filter(|p| **p == from || p.starts_with(&format!("{from}/")))
                .cloned()
                .collect();
            if moved.is_empty() {
                return Err(step_error(
                    origin,
                    id,
                    format!("fs:rename: `{from}` is not in the workspace"),
                ));
            }
            for p in moved {
                let dest = format!("{to}{}", &p[from.len()..]);
                if self.ws.contains_key(&dest) && !overwrite {
                    return Err(step_error(
                        origin,
                        id,
                        format!("fs:rename: `{dest}` exists; set `overwrite: true` to replace it"),
                    ));
                }
                if let Some(file) = self.ws.remove(&p) {
                    self.ws.insert(dest, file);
                }
            }
        }
        Ok(Outcome::Ran(Map::new(), None))
    }

    fn delete(&mut self, id: &str, origin: Origin, input: &Map<String, Value>) -> Result<Outcome> {
        let mut b = globset::GlobSetBuilder::new();
        for g in input
            .get("files")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            let Some(g) = g.as_str() else { continue };
            let glob = globset::GlobBuilder::new(g.trim_start_matches("./"))
                .literal_separator(true)
                .build()
                .map_err(|e| {
                    step_error(
                        origin.clone(),
                        id,
                        format!("fs:delete: bad pattern `{g}`: {e}"),
                    )
                })?;
            b.add(glob);
        }
        let set = b
            .build()
            .map_err(|e| step_error(origin.clone(), id, e.to_string()))?;
        self.ws.retain(|p, _| {
            !(set.is_match(p) || p.match_indices('/').any(|(i, _)| set.is_match(&p[..i])))
        });
        Ok(Outcome::Ran(Map::new(), None))
    }

    fn catalog_write(
        &mut self,
        id: &str,
        origin: Origin,
        input: &Map<String, Value>,
    ) -> Result<Outcome> {
        let path = str_input(input, "filePath").unwrap_or("catalog-info.yaml");
        let Some(entity) = input.get("entity").filter(|e| e.is_object()) else {
            return Err(step_error(
                origin,
                id,
                "catalog:write needs `entity`: the catalog entity as an object".into(),
            ));
        };
        let text = serde_yaml::to_string(entity)
            .map_err(|e| step_error(origin.clone(), id, e.to_string()))?;
        let file = WsFile {
            entry: Entry {
                mode: FileMode::File,
                content: text.into_bytes().into(),
            },
            step: id.to_string(),
            source: "entity".into(),
            templated: true,
        };
        let path = normalize(path, id, &origin.file)?;
        self.ws.insert(path, file);
        Ok(Outcome::Ran(Map::new(), None))
    }

    fn catalog_register(
        &mut self,
        id: &str,
        origin: Origin,
        input: &Map<String, Value>,
    ) -> Result<Outcome> {
        let info_path = str_input(input, "catalogInfoPath").unwrap_or("/catalog-info.yaml");
        let url = match (
            str_input(input, "catalogInfoUrl"),
            str_input(input, "repoContentsUrl"),
        ) {
            (Some(u), _) => u.to_string(),
            (None, Some(base)) => format!(
                "{}/{}",
                base.trim_end_matches('/'),
                info_path.trim_start_matches('/')
            ),
            (None, None) => {
                return Err(step_error(origin, id, "catalog:register needs `catalogInfoUrl`, or `repoContentsUrl` (with `catalogInfoPath`)".into()));
            }
        };
        let local = if input.contains_key("catalogInfoUrl") {
            url.rsplit_once("/blob/")
                .and_then(|(_, rest)| rest.split_once('/'))
                .map_or("catalog-info.yaml".to_string(), |(_, p)| p.to_string())
        } else {
            info_path.trim_start_matches('/').to_string()
        };
        let Some(file) = self.ws.get(&local) else {
            if input.get("optional").and_then(Value::as_bool) == Some(true) {
                return Ok(Outcome::Ran(
                    Map::new(),
                    Some(format!(
                        "`{local}` is not in the project; optional, so nothing registered"
                    )),
                ));
            }
            return Err(step_error(
                origin,
                id,
                format!(
                    "catalog:register: the project has no `{local}` to register (write one with fetch:template or catalog:write)"
                ),
            ));
        };
        let text = String::from_utf8_lossy(&file.entry.content).into_owned();
        let entity_ref = crate::backstage::catalog::validate(&text).map_err(|e| {
            step_error(
                origin.clone(),
                id,
                format!("catalog:register: `{local}` {e}"),
            )
        })?;
        let mut out = Map::new();
        out.insert("entityRef".into(), json!(entity_ref));
        out.insert("catalogInfoUrl".into(), json!(url));
        Ok(Outcome::Ran(
            out,
            Some(format!(
                "validated `{local}`; not registered (no catalog here)"
            )),
        ))
    }

    /// The workspace as a render, with the template version on the catalog entity.
    pub(crate) fn finish(mut self, version: &str) -> Result<(Rendered, RunReport)> {
        if let Some(f) = self.ws.get_mut("catalog-info.yaml") {
            if let Ok(text) = std::str::from_utf8(&f.entry.content) {
                if let Some(updated) = crate::backstage::catalog::annotate(text, version) {
                    f.entry.content = updated.into_bytes().into();
                }
            }
        }
        let mut rendered = Rendered::default();
        for (path, f) in self.ws {
            if let Some(component) = crate::tree::reserved_component(&path) {
                return Err(Error::ReservedPath {
                    path: path.clone(),
                    source_path: format!("{} ({})", f.source, f.step),
                    component: component.to_string(),
                    parameters: Vec::new(),
                });
            }
            let hash = crate::tree::hash_bytes(&f.entry.content);
            rendered.files.insert(
                path,
                RenderedFile {
                    mode: f.entry.mode,
                    content: f.entry.content,
                    hash,
                    layer: format!("step {}", f.step),
                    source: f.source,
                    templated: f.templated,
                },
            );
        }
        Ok((rendered, self.report))
    }
}

/// Where a fetch action writes.
struct Target<'o> {
    single: bool,
    target: &'o str,
    templating: bool,
    options: &'o FetchOptions,
}

/// The options of a fetch action.
struct FetchOptions {
    verbatim: Option<globset::GlobSet>,
    extension: Option<String>,
    replace: bool,
    flavour: Flavour,
}

impl FetchOptions {
    fn read(input: &Map<String, Value>, action: &str) -> FetchOptions {
        let mut b = globset::GlobSetBuilder::new();
        let mut any = false;
        for key in ["copyWithoutTemplating", "copyWithoutRender"] {
            for g in input
                .get(key)
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
            {
                if let Some(Ok(glob)) = g
                    .as_str()
                    .map(|g| globset::Glob::new(g.trim_start_matches("./")))
                {
                    b.add(glob);
                    any = true;
                }
            }
        }
        let extension = match input.get("templateFileExtension") {
            Some(Value::Bool(true)) => Some(".njk".to_string()),
            Some(Value::String(s)) if !s.is_empty() => Some(if s.starts_with('.') {
                s.clone()
            } else {
                format!(".{s}")
            }),
            _ => None,
        };
        let cookie = action == "fetch:cookiecutter"
            || input.get("cookiecutterCompat").and_then(Value::as_bool) == Some(true);
        FetchOptions {
            verbatim: if any { b.build().ok() } else { None },
            extension,
            replace: input
                .get("replace")
                .and_then(Value::as_bool)
                .unwrap_or(false),
            flavour: if cookie {
                Flavour::Cookiecutter
            } else {
                Flavour::Backstage
            },
        }
    }

    /// Whether a skeleton path (or a directory above it) is copied without templating.
    fn copy_verbatim(&self, rel: &str) -> bool {
        self.verbatim.as_ref().is_some_and(|set| {
            set.is_match(rel) || rel.match_indices('/').any(|(i, _)| set.is_match(&rel[..i]))
        })
    }
}

fn join(target: &str, rel: &str) -> String {
    let t = target.trim_start_matches("./").trim_end_matches('/');
    if t.is_empty() || t == "." {
        rel.to_string()
    } else if rel.is_empty() {
        t.to_string()
    } else {
        format!("{t}/{rel}")
    }
}

fn normalize(path: &str, step: &str, source: &str) -> Result<String> {
    crate::tree::normalize_relative(path.trim_start_matches("./")).map_err(|_| Error::UnsafePath {
        path: path.to_string(),
        source_path: format!("{source} (step {step})"),
        parameters: Vec::new(),
    })
}

/// What `publish:*` means offline: the repository `new` makes in DEST, and the
/// remote it would create.
fn publish(id: &str, action: &str, input: &Map<String, Value>, origin: Origin) -> Result<Outcome> {
    let Some(repo_url) = str_input(input, "repoUrl") else {
        return Err(step_error(
            origin,
            id,
            format!("{action} needs `repoUrl` (host?owner=OWNER&repo=REPO)"),
        ));
    };
    let parts = crate::backstage::filters::parse_repo_url(repo_url)
        .map_err(|e| step_error(origin.clone(), id, format!("{action}: {e}")))?;
    let get = |k: &str| {
        parts
            .get(k)
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string()
    };
    let (host, repo) = (get("host"), get("repo"));
    let owner = [get("owner"), get("organization"), get("workspace")]
        .into_iter()
        .find(|s| !s.is_empty())
        .unwrap_or_default();
    let branch = str_input(input, "defaultBranch").unwrap_or("master");
    let base = format!("https://{host}/{owner}/{repo}");
    let contents = if action.starts_with("publish:gitlab") {
        format!("{base}/-/blob/{branch}")
    } else if action.starts_with("publish:bitbucket") {
        format!("{base}/src/{branch}")
    } else {
        format!("{base}/blob/{branch}")
    };
    let mut out = Map::new();
    out.insert("remoteUrl".into(), json!(format!("{base}.git")));
    out.insert("repoContentsUrl".into(), json!(contents));
    Ok(Outcome::Ran(
        out,
        Some(format!(
            "DEST gets its git repository and first commit; the remote {base}.git was not created (no network)"
        )),
    ))
}

fn kind_of(v: Option<&Value>) -> &'static str {
    match v {
        None | Some(Value::Null) => "nothing",
        Some(Value::Bool(_)) => "a boolean",
        Some(Value::Number(_)) => "a number",
        Some(Value::String(_)) => "a string",
        Some(Value::Array(_)) => "an array",
        Some(Value::Object(_)) => "an object",
    }
}

fn step_error(origin: Origin, step: &str, message: String) -> Error {
    Error::BackstageStep {
        location: Location {
            file: origin.file,
            line: origin.line,
            column: origin.column,
        },
        step: step.to_string(),
        message,
    }
}

/// Problems with the steps that need no answers: duplicate ids, a missing action.
pub(crate) fn step_problems(
    doc: &TemplateDoc,
    file: &str,
    positions: &YamlPositions,
) -> Vec<DefinitionProblem> {
    let mut seen = std::collections::HashSet::new();
    let mut problems = Vec::new();
    for (i, s) in doc.spec.steps.iter().enumerate() {
        if let Some(id) = &s.id {
            if !seen.insert(id.clone()) {
                problems.push(DefinitionProblem {
                    location: positions.locate(file, &format!("/spec/steps/{i}/id")),
                    message: format!(
                        "step id `{id}` is used twice; `steps.{id}.output` must name one step"
                    ),
                });
            }
        }
        if s.action.trim().is_empty() {
            problems.push(DefinitionProblem {
                location: positions.locate(file, &format!("/spec/steps/{i}/action")),
                message: "a step needs an `action`".into(),
            });
        }
    }
    problems
}

/// For lint: every expression and local skeleton file that does not parse, and a
/// warning per step that will not run.
pub(crate) fn check(tpl: &Template) -> (Vec<TemplateError>, Vec<DefinitionProblem>) {
    let mut errors = Vec::new();
    let mut warnings = Vec::new();
    let Ok(ev) = Evaluator::new(crate::Limits::DEFAULT) else {
        return (errors, warnings);
    };
    let push = |errors: &mut Vec<TemplateError>, r: Result<()>| {
        if let Err(Error::Template(t)) = r {
            errors.push(*t);
        }
    };
    for (i, step) in tpl.doc.spec.steps.iter().enumerate() {
        let at = format!("/spec/steps/{i}");
        let mut strings = Vec::new();
        collect_strings(&step.input, &format!("{at}/input"), &mut strings);
        for key in ["if", "each"] {
            let v = if key == "if" {
                &step.condition
            } else {
                &step.each
            };
            if let Some(v) = v {
                collect_strings(v, &format!("{at}/{key}"), &mut strings);
            }
        }
        for (p, s) in strings {
            push(
                &mut errors,
                ev.check(&s, Flavour::Backstage, &tpl.origin(&p)),
            );
        }
        let id = step.id.clone().unwrap_or_else(|| format!("step-{}", i + 1));
        let url = step.input.get("url").and_then(Value::as_str);
        if !is_known(&step.action) {
            warnings.push(DefinitionProblem {
                location: tpl.positions.locate(&tpl.file, &format!("{at}/action")),
                message: format!("step `{id}`: custom action `{}` is not run by scaffold (it is listed as not run)", step.action),
            });
        } else if let Some(u) = url.filter(|u| is_remote(u)) {
            let message = match remote_skeleton(u) {
                Ok(_) => format!(
                    "step `{id}`: remote `url: {u}` is read from git when the template runs; lint does not fetch it"
                ),
                Err(reason) => {
                    format!("step `{id}`: remote `url: {u}` is not a git source: {reason}")
                }
            };
            warnings.push(DefinitionProblem {
                location: tpl.positions.locate(&tpl.file, &format!("{at}/input/url")),
                message,
            });
        } else if let (Some(u), true) = (
            url.filter(|u| !u.contains("${{")),
            step.action.starts_with("fetch:template"),
        ) {
            check_skeleton(tpl, &ev, u, step, &mut errors);
        }
    }
    (errors, warnings)
}

fn check_skeleton(
    tpl: &Template,
    ev: &Evaluator,
    url: &str,
    step: &Step,
    errors: &mut Vec<TemplateError>,
) {
    let fs = tpl.fs();
    let Some(dir) = fs.resolve(tpl.definition_path(), url) else {
        return;
    };
    let input = step.input.as_object().cloned().unwrap_or_default();
    let options = FetchOptions::read(&input, &step.action);
    let entries = if fs.is_dir(&dir) {
        fs.list(&dir).unwrap_or_default()
    } else {
        fs.read(&dir)
            .map(|c| {
                vec![(
                    String::new(),
                    Entry {
                        mode: FileMode::File,
                        content: c.into(),
                    },
                )]
            })
            .unwrap_or_default()
    };
    for (rel, entry) in entries {
        if options.copy_verbatim(&rel) || entry.mode == FileMode::Symlink {
            continue;
        }
        if options
            .extension
            .as_ref()
            .is_some_and(|e| !rel.ends_with(e.as_str()))
        {
            continue;
        }
        let Ok(text) = std::str::from_utf8(&entry.content) else {
            continue;
        };
        let display = if rel.is_empty() {
            fs.display(&dir)
        } else {
            format!("{}/{rel}", fs.display(&dir))
        };
        let origin = Origin {
            file: display,
            line: 1,
            column: 1,
        };
        for t in [rel.as_str(), text] {
            if let Err(Error::Template(e)) = ev.check(t, options.flavour, &origin) {
                errors.push(*e);
            }
        }
    }
}

fn collect_strings(v: &Value, at: &str, out: &mut Vec<(String, String)>) {
    match v {
        Value::String(s) if s.contains("${{") => out.push((at.to_string(), s.clone())),
        Value::Array(a) => a
            .iter()
            .enumerate()
            .for_each(|(i, x)| collect_strings(x, &format!("{at}/{i}"), out)),
        Value::Object(m) => m.iter().for_each(|(k, x)| {
            collect_strings(
                x,
                &format!(
                    "{at}/{}",
                    crate::golden_path::definition::pointer_segment(k)
                ),
                out,
            )
        }),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::remote_skeleton;

    #[test]
    fn browse_urls_of_the_forges_become_git_sources() {
        let cases = [
            (
                "https://github.com/acme/skeletons/tree/main/go/service",
                (
                    "https://github.com/acme/skeletons",
                    Some("go/service"),
                    Some("main"),
                ),
            ),
            (
                "https://github.com/acme/skeletons/blob/v1.2.0/LICENSE",
                (
                    "https://github.com/acme/skeletons",
                    Some("LICENSE"),
                    Some("v1.2.0"),
                ),
            ),
            (
                "https://gitlab.com/group/sub/skeletons/-/tree/main/base",
                (
                    "https://gitlab.com/group/sub/skeletons",
                    Some("base"),
                    Some("main"),
                ),
            ),
            (
                "https://bitbucket.org/acme/skeletons/src/main/base/",
                (
                    "https://bitbucket.org/acme/skeletons",
                    Some("base"),
                    Some("main"),
                ),
            ),
            (
                "https://github.com/acme/skeletons/tree/main",
                ("https://github.com/acme/skeletons", None, Some("main")),
            ),
            (
                "https://git.acme.internal/skeletons.git//base?ref=v2",
                (
                    "https://git.acme.internal/skeletons.git",
                    Some("base"),
                    Some("v2"),
                ),
            ),
            (
                "file:///srv/skeletons//base",
                ("file:///srv/skeletons", Some("base"), None),
            ),
        ];
        for (url, (repo, sub, reference)) in cases {
            let s = remote_skeleton(url).unwrap_or_else(|e| panic!("{url}: {e}"));
            assert_eq!(
                (s.url.as_str(), s.subpath.as_deref(), s.reference.as_deref()),
                (repo, sub, reference),
                "{url}"
            );
        }
        assert!(remote_skeleton("https://github.com/acme/skeletons/tree/main/../x").is_err());
    }
}

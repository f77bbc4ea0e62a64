//! Backstage v1beta3 Templates through the real binary: the seeds' templates and our
//! own feature template through `new` (dry run, JSON) and `lint`; a project created
//! from a template, the template changed, then `update` merging three-way and
//! `check` finding drift; and the errors (bad expression, unknown filter, missing
//! skeleton, invalid page), each with file:line:col and nothing written.

mod common;
mod env;

use std::fs;
use std::path::{Path, PathBuf};

use common::Sandbox;
use serde_json::Value;

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures/backstage")
}

/// Copy template fixture `name` into the sandbox library; its template.yaml.
fn template(sb: &Sandbox, name: &str) -> PathBuf {
    let dest = sb.lib().join(name);
    if !dest.exists() {
        common::copy_tree(&fixtures().join(name), &dest);
    }
    dest.join("template.yaml")
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

const FEATURE_ANSWERS: &[&str] = &[
    "--set",
    "owner=group:default/team-a",
    "--set",
    "token=s3cret-value",
    "--set",
    "database=postgres",
    "--set",
    "dbSize=3",
    "--set",
    "repoUrl=github.com?owner=acme&repo=payments",
];

fn new_features(sb: &Sandbox, dest: &str, extra: &[&str]) -> common::Run {
    let t = template(sb, "features");
    let mut args = vec!["new", s(&t), dest, "--no-input"];
    args.extend_from_slice(FEATURE_ANSWERS);
    args.extend_from_slice(extra);
    sb.run(&args)
}

#[test]
fn every_feature_runs_as_backstage_runs_it() {
    let sb = Sandbox::new();
    let run = new_features(&sb, "payments", &["--format", "json"]);
    run.success();
    let dir = sb.work().join("payments");
    let read = |p: &str| fs::read_to_string(dir.join(p)).unwrap_or_else(|e| panic!("{p}: {e}"));
    assert_eq!(
        read("README.md"),
        "# Payments\n\nOwned by team-a (group:default/team-a); repository acme/payments on github.com.\n\
         Literal braces stay: {{ not.an.expression }}.\nDatabase: postgres, size 3.\n\
         Modules: api, worker\n- API (1)\n- WORKER (2)\n",
        "fetch:template renders; a later fetch:plain:file without `replace` keeps it"
    );
    assert_eq!(read("payments.md"), "Service payments, 8 letters.\n");
    assert_eq!(read("static/logo.txt"), "${{ copied as it is }}\n");
    assert_eq!(read("NOTICE.md"), "notice for payments\n", "replace: true");
    assert_eq!(read("config/app.yaml"), "name: payments\n");
    assert_eq!(read("config/raw.yaml"), "kept: ${{ values.name }}\n");
    assert_eq!(read("cookie/payments.txt"), "Project payments (PAYMENTS)\n");
    assert_eq!(read("modules/api.txt"), "module api #0\n");
    assert_eq!(read("modules/worker.txt"), "module worker #1\n");
    assert_eq!(
        read("LICENSE"),
        "Licensed under Apache-2.0; ${{ not rendered }}\n"
    );
    assert_eq!(read("db/schema.sql"), "create table accounts (id int);\n");
    assert!(!dir.join("docs").exists(), "`if` false: not fetched");
    assert_eq!(read("plain/new-name.txt"), "old\n");
    assert!(!dir.join("plain/old-name.txt").exists());
    assert!(!dir.join("plain/scratch.tmp").exists(), "fs:delete");
    assert_eq!(read("plain/keep.txt"), "keep\n");
    let catalog = read("catalog-info.yaml");
    assert!(
        catalog.contains("    backstage.io/template-version: \"1.0.0\"\n    github.com/project-slug: acme/payments\n"),
        "{catalog}"
    );
    // The answers file records the template; the secret is not in it.
    let answers = read(".scaffold/features.yaml");
    assert!(answers.contains("template.yaml"), "{answers}");
    assert!(!answers.contains("s3cret-value"), "{answers}");
    assert!(
        dir.join(".git").is_dir(),
        "publish: the repository is made in DEST"
    );

    let report = run.json();
    let steps = report["backstage"]["steps"].as_array().unwrap();
    let by_id = |id: &str| -> Vec<&Value> { steps.iter().filter(|s| s["id"] == id).collect() };
    assert_eq!(by_id("module").len(), 2, "each: one row per item");
    assert_eq!(by_id("docs")[0]["status"], "skipped");
    assert_eq!(by_id("db")[0]["status"], "ran");
    let custom = by_id("database")[0];
    assert_eq!(custom["status"], "not-run");
    assert_eq!(custom["input"]["name"], "payments-db");
    assert_eq!(custom["input"]["password"], "***", "secrets masked");
    assert_eq!(
        custom["input"]["size"], 3,
        "a whole expression keeps its type"
    );
    assert_eq!(
        by_id("publish")[0]["output"]["repoContentsUrl"],
        "https://github.com/acme/payments/blob/main"
    );
    assert_eq!(
        by_id("register")[0]["output"]["entityRef"],
        "component:default/payments"
    );
    assert_eq!(
        report["backstage"]["log"][0],
        "Creating payments for group:default/team-a"
    );
    let links = &report["backstage"]["output"]["links"];
    assert_eq!(links[0]["url"], "https://github.com/acme/payments.git");
    assert_eq!(links[1]["entityRef"], "component:default/payments");
}

#[test]
fn a_dry_run_writes_nothing_and_shows_the_steps() {
    let sb = Sandbox::new();
    let run = new_features(&sb, "payments", &["--dry-run"]);
    run.success();
    assert!(!sb.work().join("payments").exists());
    assert!(run.stdout.contains("README.md"), "{}", run.transcript());
    assert!(
        run.stdout.contains("skipped: step `docs` (fetch:plain)"),
        "{}",
        run.transcript()
    );
    assert!(
        run.stderr
            .contains("not run: step `database` (platform:database:create): custom action"),
        "{}",
        run.transcript()
    );
    let run = new_features(&sb, "payments", &["--dry-run", "--format", "json"]);
    run.success();
    let j = run.json();
    assert!(
        j["backstage"]["steps"].as_array().unwrap().len() > 10,
        "{j}"
    );
    assert!(!sb.work().join("payments").exists());
}

#[test]
fn conditions_of_the_pages_validate_as_the_form_does() {
    let sb = Sandbox::new();
    let t = template(&sb, "features");
    let run = sb.run(&[
        "new",
        s(&t),
        "payments",
        "--no-input",
        "--set",
        "owner=group:default/team-a",
        "--set",
        "database=postgres",
        "--set",
        "repoUrl=github.com/acme/payments",
    ]);
    run.expect_code(2);
    assert!(run.stderr.contains("/repoUrl"), "{}", run.transcript());
    // postgres needs dbSize: the page's `dependencies` branch (oneOf) fails.
    assert!(run.stderr.contains("oneOf"), "{}", run.transcript());
    assert!(!sb.work().join("payments").exists());
}

#[test]
fn the_seeds_templates_run_through_new_and_lint() {
    let sb = Sandbox::new();
    let go = template(&sb, "seed-go-microservice");
    sb.run(&["lint", s(&go)]).success();
    sb.run(&[
        "new",
        s(&go),
        "orders",
        "--no-input",
        "--set",
        "description=Order service",
        "--set",
        "owner=group:default/orders-team",
        "--set",
        "repoUrl=github.com?owner=acme&repo=orders",
    ])
    .success();
    let dir = sb.work().join("orders");
    let gomod = fs::read_to_string(dir.join("go.mod")).unwrap();
    assert!(
        gomod.starts_with("module github.com/acme/orders\n"),
        "{gomod}"
    );
    let ci = fs::read_to_string(dir.join(".github/workflows/ci.yaml")).unwrap();
    assert!(ci.contains("TOKEN: ${{ secrets.GITHUB_TOKEN }}"), "{ci}");
    assert!(dir.join(".scaffold/go-microservice.yaml").is_file());

    let ts = template(&sb, "seed-typescript-service");
    sb.run(&["lint", s(&ts)]).success();
    let run = sb.run(&[
        "new",
        s(&ts),
        "ts-svc",
        "--no-input",
        "--set",
        "team=group:default/web",
        "--format",
        "json",
    ]);
    run.success();
    let pkg = fs::read_to_string(sb.work().join("ts-svc/package.json")).unwrap();
    assert!(pkg.contains("\"name\": \"ts-svc\""), "{pkg}");
    assert_eq!(
        run.json()["backstage"]["steps"][2]["output"]["entityRef"],
        "component:default/ts-svc"
    );

    // Remote skeleton (offline) and custom actions: listed as not run, never
    // dropped; `new` still succeeds; lint warns.
    let ns = template(&sb, "seed-new-service");
    let lint = sb.run(&["lint", s(&ns)]);
    lint.success();
    for needle in [
        "warning: ",
        "custom action `platform:database:create`",
        "remote `url: https://github.com/example/service-template`",
    ] {
        assert!(
            lint.stdout.contains(needle),
            "{needle}\n{}",
            lint.transcript()
        );
    }
    // Its remote skeleton (a repository that does not exist) is not fetched offline.
    let run = sb.run(&[
        "--offline",
        "new",
        s(&ns),
        "billing",
        "--no-input",
        "--set",
        "serviceName=billing",
        "--set",
        "description=d",
        "--set",
        "team=finance",
        "--format",
        "json",
    ]);
    run.success();
    let j = run.json();
    let steps = j["backstage"]["steps"].as_array().unwrap();
    assert_eq!(steps.len(), 5);
    assert!(steps.iter().all(|s| s["status"] == "not-run"), "{j}");
    assert_eq!(steps[2]["input"]["owner"], "finance");
    assert!(
        steps[4]["note"]
            .as_str()
            .unwrap()
            .contains("fetch-template"),
        "{j}"
    );
}

/// Write `text` into the template fixture copy at `rel`.
fn put(dir: &Path, rel: &str, text: &str) {
    let p = dir.join(rel);
    fs::create_dir_all(p.parent().unwrap()).unwrap();
    fs::write(p, text).unwrap();
}

#[test]
fn a_project_from_a_template_updates_three_way_and_check_sees_drift() {
    let sb = Sandbox::new();
    let t = template(&sb, "features");
    let tdir = t.parent().unwrap().to_path_buf();
    new_features(&sb, "payments", &[]).success();
    let dir = sb.work().join("payments");
    sb.scaffold(&dir, &["check"]).success();

    // The user edits the generated page (its first line) and commits.
    // The user edits the README's title and commits.
    let readme = dir.join("README.md");
    let ours = fs::read_to_string(&readme)
        .unwrap()
        .replace("# Payments\n", "# Payments (ours)\n");
    fs::write(&readme, &ours).unwrap();
    sb.commit_all(&dir, "local title");

    // The template changes: a new version, an edited file, a new file and a new
    // parameter with a default.
    let yaml = fs::read_to_string(&t).unwrap();
    let yaml = yaml
        .replace("template-version: \"1.0.0\"", "template-version: \"1.1.0\"")
        .replace(
            "        docs:\n",
            "        tier:\n          type: string\n          default: gold\n        docs:\n",
        )
        .replace(
            "          title: ${{ parameters.name | replace('-', ' ') | title }}\n",
            "          title: ${{ parameters.name | replace('-', ' ') | title }}\n          tier: ${{ parameters.tier }}\n",
        );
    fs::write(&t, yaml).unwrap();
    put(
        &tdir,
        "skeleton/${{ values.name }}.md",
        "Service ${{ values.name | lower }}, ${{ values.name | length }} letters.\nTier: ${{ values.tier }}.\n",
    );
    put(
        &tdir,
        "skeleton/SUPPORT.md",
        "Support tier ${{ values.tier }}\n",
    );

    let skel_readme = fs::read_to_string(tdir.join("skeleton/README.md")).unwrap();
    put(
        &tdir,
        "skeleton/README.md",
        &format!("{skel_readme}Tier: ${{{{ values.tier }}}}.\n"),
    );
    let run = sb.scaffold(&dir, &["update", "--format", "json"]);
    assert_eq!(run.code, 0, "{}\n{}", run.stdout, run.stderr);
    assert_eq!(
        fs::read_to_string(&readme).unwrap(),
        format!("{ours}Tier: gold.\n"),
        "both sides' changes merged"
    );
    assert_eq!(
        fs::read_to_string(dir.join("payments.md")).unwrap(),
        "Service payments, 8 letters.\nTier: gold.\n",
        "an edited template file, untouched locally, is taken"
    );
    assert_eq!(
        fs::read_to_string(dir.join("SUPPORT.md")).unwrap(),
        "Support tier gold\n"
    );
    let catalog = fs::read_to_string(dir.join("catalog-info.yaml")).unwrap();
    assert!(
        catalog.contains("backstage.io/template-version: \"1.1.0\""),
        "{catalog}"
    );
    let answers = fs::read_to_string(dir.join(".scaffold/features.yaml")).unwrap();
    assert!(
        answers.contains("1.1.0") && answers.contains("tier: gold"),
        "{answers}"
    );

    sb.commit_all(&dir, "update");
    sb.scaffold(&dir, &["check", "--fail-on", "enforced,missing"])
        .success();
    fs::write(dir.join("SUPPORT.md"), "changed by hand\n").unwrap();
    let run = sb.scaffold(&dir, &["check", "--fail-on", "modified", "-v"]);
    assert_eq!(run.code, 1, "{}\n{}", run.stdout, run.stderr);
    assert!(run.stdout.contains("SUPPORT.md"), "{}", run.stdout);

    // check reads the template-version annotation of catalog-info.yaml, and says so
    // when it disagrees with the answers file.
    let run = sb.scaffold(&dir, &["check", "--format", "json"]);
    let report = &run.json()["projects"][0]["report"];
    assert_eq!(report["template_version_annotation"], "1.1.0", "{report}");
    let notes = report["notes"].as_array().unwrap();
    assert!(
        !notes
            .iter()
            .any(|n| n.as_str().unwrap().contains("template-version")),
        "{report}"
    );
    let catalog_path = dir.join("catalog-info.yaml");
    let edited = fs::read_to_string(&catalog_path)
        .unwrap()
        .replace("template-version: \"1.1.0\"", "template-version: \"0.9.0\"");
    fs::write(&catalog_path, edited).unwrap();
    let run = sb.scaffold(&dir, &["check", "--format", "json"]);
    let report = &run.json()["projects"][0]["report"];
    assert_eq!(report["template_version_annotation"], "0.9.0");
    assert!(
        report["notes"].as_array().unwrap().iter().any(|n| {
            let n = n.as_str().unwrap();
            n.contains("\"0.9.0\"") && n.contains("records version 1.1.0")
        }),
        "{report}"
    );
    let run = sb.scaffold(&dir, &["check"]);
    assert!(
        run.stdout
            .contains("backstage.io/template-version \"0.9.0\""),
        "the note is printed: {}",
        run.transcript()
    );
}

/// A copy of the features template with `from` replaced by `to` in template.yaml.
fn broken(sb: &Sandbox, from: &str, to: &str) -> PathBuf {
    let t = template(sb, "features");
    let yaml = fs::read_to_string(&t).unwrap();
    assert!(yaml.contains(from), "{from}");
    let b = t.parent().unwrap().join("broken.yaml");
    fs::write(&b, yaml.replacen(from, to, 1)).unwrap();
    b
}

fn fails_at(sb: &Sandbox, t: &Path, location: &str, needle: &str) {
    let mut args = vec!["new", s(t), "payments", "--no-input"];
    args.extend_from_slice(FEATURE_ANSWERS);
    let run = sb.run(&args);
    assert_ne!(run.code, 0, "{}", run.transcript());
    assert!(
        run.stderr.contains(location),
        "{location}\n{}",
        run.transcript()
    );
    assert!(
        run.stderr.contains(needle),
        "{needle}\n{}",
        run.transcript()
    );
    assert!(!sb.work().join("payments").exists(), "nothing written");
}

#[test]
fn errors_name_file_line_and_column_and_write_nothing() {
    let sb = Sandbox::new();
    // A bad expression in a step input (line 151 of the template).
    let t = broken(
        &sb,
        "message: Creating ${{ parameters.name }}",
        "message: Creating ${{ parameters.name | }}",
    );
    fails_at(&sb, &t, "broken.yaml:151:", "");
    let lint = sb.run(&["lint", s(&t)]);
    lint.expect_code(1);
    assert!(
        lint.stdout.contains("broken.yaml:151:"),
        "{}",
        lint.transcript()
    );

    // An unknown filter.
    let t = broken(
        &sb,
        "${{ parameters.name }}-db",
        "${{ parameters.name | nosuch }}-db",
    );
    fails_at(&sb, &t, "broken.yaml:155:", "nosuch");

    // A missing skeleton.
    let t = broken(&sb, "url: ./plain\n", "url: ./nope\n");
    fails_at(
        &sb,
        &t,
        "broken.yaml:",
        "the skeleton `./nope` does not exist",
    );

    // An invalid parameters page.
    let t = broken(
        &sb,
        "    - title: Repository\n",
        "    - 42\n    - title: Repository\n",
    );
    fails_at(
        &sb,
        &t,
        "broken.yaml:53:",
        "a parameters page must be an object",
    );

    // An error in a skeleton file names the file and its line.
    let t = template(&sb, "features");
    put(
        t.parent().unwrap(),
        "skeleton/bad.txt",
        "ok\n${{ values.name | nosuch }}\n",
    );
    fails_at(&sb, &t, "skeleton/bad.txt:2:", "nosuch");
    fs::remove_file(t.parent().unwrap().join("skeleton/bad.txt")).unwrap();
}

#[test]
fn a_template_in_a_git_source_runs_and_show_lists_its_pages() {
    let sb = Sandbox::new();
    let repo = sb.join("templates/repo");
    common::copy_tree(&fixtures().join("features"), &repo.join("features"));
    sb.git(&repo, &["init", "-q"]);
    sb.commit_all(&repo, "features template");
    sb.git(&repo, &["tag", "v2.0.0"]);
    let source = format!(
        "file://{}//features/template.yaml?ref=v2.0.0",
        repo.display()
    );
    let mut args = vec!["new", source.as_str(), "payments", "--no-input"];
    args.extend_from_slice(FEATURE_ANSWERS);
    let run = sb.run(&args);
    run.success();
    let dir = sb.work().join("payments");
    let catalog = fs::read_to_string(dir.join("catalog-info.yaml")).unwrap();
    assert!(
        catalog.contains("backstage.io/template-version: \"v2.0.0\""),
        "the git tag is the version: {catalog}"
    );
    assert_eq!(
        fs::read_to_string(dir.join("config/app.yaml")).unwrap(),
        "name: payments\n",
        "relative skeletons are read from the same source"
    );

    let show = sb.run(&["show", source.as_str(), "--format", "json"]);
    show.success();
    let j = show.json();
    let params = j["parameters"].as_array().unwrap();
    let names: Vec<&str> = params.iter().filter_map(|p| p["name"].as_str()).collect();
    assert_eq!(
        names,
        [
            "name", "owner", "token", "database", "modules", "docs", "dbSize", "repoUrl"
        ]
    );
    assert_eq!(params[2]["secret"], true, "ui:widget: password");
    assert!(params[0]["pattern"].is_string(), "EntityNamePicker");
}

/// A Template whose skeletons live elsewhere: a `fetch:template` and a
/// `fetch:plain:file` from another git repository (`file://`, scaffold's
/// `URL//PATH?ref=` form), a local `fetch:cookiecutter` skeleton and a
/// `catalog:write` entity, then `catalog:register` over what `catalog:write` wrote.
fn remote_template(sb: &Sandbox, shared: &str) -> PathBuf {
    let dir = sb.lib().join("remote");
    put(
        &dir,
        "cookie/{{ cookiecutter.project_slug }}.md",
        "# {{ cookiecutter.project_slug | upper }}\n",
    );
    put(
        &dir,
        "cookie/cookiecutter.json",
        "{\"project_slug\": \"x\"}\n",
    );
    let yaml = format!(
        r#"apiVersion: scaffolder.backstage.io/v1beta3
kind: Template
metadata:
  name: remote
  title: Remote skeletons
spec:
  owner: group:default/platform
  type: service
  parameters:
    - title: Service
      required: [name]
      properties:
        name:
          type: string
          title: Name
  steps:
    - id: shared
      action: fetch:template
      input:
        url: {shared}//skeleton?ref=v1.0.0
        values:
          name: ${{{{ parameters.name }}}}
    - id: license
      action: fetch:plain:file
      input:
        url: {shared}//LICENSE?ref=v1.0.0
        targetPath: LICENSE
    - id: legacy
      action: fetch:cookiecutter
      input:
        url: ./cookie
        targetPath: legacy
        values:
          project_slug: ${{{{ parameters.name }}}}
    - id: entity
      action: catalog:write
      input:
        entity:
          apiVersion: backstage.io/v1alpha1
          kind: Component
          metadata:
            name: ${{{{ parameters.name }}}}
          spec:
            type: service
            lifecycle: experimental
            owner: group:default/platform
    - id: register
      action: catalog:register
      input:
        catalogInfoUrl: https://github.com/acme/${{{{ parameters.name }}}}/blob/main/catalog-info.yaml
"#
    );
    put(&dir, "template.yaml", &yaml);
    dir.join("template.yaml")
}

#[test]
fn remote_skeletons_are_read_as_git_sources_and_cookiecutter_and_catalog_write_run() {
    let sb = Sandbox::new();
    let repo = sb.join("shared");
    put(&repo, "skeleton/README.md", "# ${{ values.name }}\n");
    put(&repo, "skeleton/src/${{ values.name }}.txt", "shared\n");
    put(&repo, "LICENSE", "MIT v1\n");
    sb.git(&repo, &["init", "-q"]);
    sb.commit_all(&repo, "shared skeleton");
    sb.git(&repo, &["tag", "v1.0.0"]);
    // Moves on after the tag: the step reads the tag, not the branch.
    fs::write(repo.join("LICENSE"), "MIT v2\n").unwrap();
    sb.commit_all(&repo, "license v2");
    let shared = format!("file://{}", repo.display());
    let t = remote_template(&sb, &shared);

    let run = sb.run(&[
        "new",
        s(&t),
        "svc",
        "--no-input",
        "--set",
        "name=billing",
        "--format",
        "json",
    ]);
    run.success();
    let dir = sb.work().join("svc");
    let read = |p: &str| fs::read_to_string(dir.join(p)).unwrap_or_else(|e| panic!("{p}: {e}"));
    assert_eq!(read("README.md"), "# billing\n", "fetch:template from git");
    assert_eq!(read("src/billing.txt"), "shared\n", "names rendered too");
    assert_eq!(
        read("LICENSE"),
        "MIT v1\n",
        "the tag's content, not the branch's"
    );
    assert_eq!(
        read("legacy/billing.md"),
        "# BILLING\n",
        "fetch:cookiecutter"
    );
    assert!(
        !dir.join("legacy/cookiecutter.json").exists(),
        "the cookiecutter.json of the skeleton is not output"
    );
    let entity: serde_yaml::Value = serde_yaml::from_str(&read("catalog-info.yaml")).unwrap();
    assert_eq!(
        entity["metadata"]["name"].as_str(),
        Some("billing"),
        "catalog:write"
    );
    assert_eq!(
        entity["spec"]["owner"].as_str(),
        Some("group:default/platform")
    );
    let report = run.json();
    let steps = report["backstage"]["steps"].as_array().unwrap();
    let step = |id: &str| steps.iter().find(|s| s["id"] == id).unwrap().clone();
    assert_eq!(step("shared")["status"], "ran");
    let commit = sb.git(&repo, &["rev-parse", "v1.0.0"]);
    assert!(
        step("shared")["note"]
            .as_str()
            .is_some_and(|n| n.contains(commit.trim())),
        "the note names the commit read: {}",
        step("shared")
    );
    assert_eq!(
        step("register")["output"]["entityRef"],
        "component:default/billing"
    );

    // Offline, the cached repository is still read; one never fetched is listed as
    // not run and `new` still succeeds.
    let offline = sb.run(&[
        "--offline",
        "new",
        s(&t),
        "svc-offline",
        "--no-input",
        "--set",
        "name=billing",
    ]);
    offline.success();
    assert_eq!(
        fs::read_to_string(sb.work().join("svc-offline/LICENSE")).unwrap(),
        "MIT v1\n"
    );
    let other = sb.join("other");
    put(&other, "skeleton/x.txt", "x\n");
    put(&other, "LICENSE", "x\n");
    sb.git(&other, &["init", "-q"]);
    sb.commit_all(&other, "other");
    sb.git(&other, &["tag", "v1.0.0"]);
    let t2 = remote_template(&sb, &format!("file://{}", other.display()));
    let offline = sb.run(&[
        "--offline",
        "new",
        s(&t2),
        "svc-uncached",
        "--no-input",
        "--set",
        "name=billing",
        "--format",
        "json",
    ]);
    offline.success();
    let report = offline.json();
    let steps = report["backstage"]["steps"].as_array().unwrap();
    let shared_step = steps.iter().find(|s| s["id"] == "shared").unwrap();
    assert_eq!(shared_step["status"], "not-run", "{shared_step}");
    assert!(
        shared_step["note"]
            .as_str()
            .unwrap()
            .contains("unavailable offline"),
        "{shared_step}"
    );
    assert!(!sb.work().join("svc-uncached/README.md").exists());

    // An unknown ref is an error at the step's `url` line, and nothing is written.
    let yaml = fs::read_to_string(&t)
        .unwrap()
        .replace("skeleton?ref=v1.0.0", "skeleton?ref=v9.9.9");
    let bad = t.parent().unwrap().join("bad-ref.yaml");
    fs::write(&bad, yaml).unwrap();
    let run = sb.run(&[
        "new",
        s(&bad),
        "svc-bad",
        "--no-input",
        "--set",
        "name=billing",
    ]);
    assert_ne!(run.code, 0, "{}", run.transcript());
    assert!(
        run.stderr.contains("bad-ref.yaml:20:"),
        "{}",
        run.transcript()
    );
    assert!(run.stderr.contains("v9.9.9"), "{}", run.transcript());
    assert!(!sb.work().join("svc-bad").exists(), "nothing written");

    // lint says the remote skeleton is read from git, without fetching it.
    let lint = sb.run(&["lint", s(&t)]);
    assert!(
        lint.stdout
            .contains("is read from git when the template runs"),
        "{}",
        lint.transcript()
    );
}

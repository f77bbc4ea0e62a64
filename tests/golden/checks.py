"""YAML-aware checks for tests/golden/verify.py; runs inside the tools virtualenv (PyYAML).

    python checks.py parse DIR            every *.yaml/*.yml/*.json under DIR parses
    python checks.py split-k8s FILE DIR   core.yaml (built-in kinds) + crd-<kind>.yaml
    python checks.py catalog FILE         Backstage entities (descriptor format rules)
    python checks.py catalog-json FILE OUT  the entities as JSON, $text/$json/$yaml substituted
    python checks.py grafana FILE         Grafana dashboard structure
    python checks.py jsonc FILE OUT       JSON with comments (devcontainer.json) as plain JSON
    python checks.py argocd DIR           deploy/argocd: one Application per overlay, consistent
    python checks.py autoscaling FILE     a composed overlay's HPAs and KEDA ScaledObjects fit
                                          their Deployments
    python checks.py codeowners FILE ORG OWNER PLATFORM ENFORCED...
                                          who owns each path, by GitHub's rules

Prints the problems found and exits 1 when there are any.
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

import yaml

# API groups whose schemas kubernetes-validate ships (everything else is a custom resource).
CORE_GROUPS = {
    "", "apps", "batch", "autoscaling", "policy", "networking.k8s.io", "rbac.authorization.k8s.io",
    "storage.k8s.io", "scheduling.k8s.io", "coordination.k8s.io", "discovery.k8s.io",
    "admissionregistration.k8s.io", "apiextensions.k8s.io", "certificates.k8s.io",
    "node.k8s.io", "events.k8s.io", "flowcontrol.apiserver.k8s.io", "resource.k8s.io",
}


def load_all(path: Path) -> list:
    return [d for d in yaml.safe_load_all(path.read_text()) if d is not None]


def is_jsonc(path: Path) -> bool:
    """JSON files whose format allows comments (the dev container spec's JSONC)."""
    return path.suffix == ".jsonc" or path.name in ("devcontainer.json", ".devcontainer.json")


def strip_jsonc(text: str) -> str:
    """JSON with // and /* */ comments and trailing commas (JSONC) as plain JSON."""
    out = []
    i, n = 0, len(text)
    in_string = False
    while i < n:
        c = text[i]
        if in_string:
            out.append(c)
            if c == "\\" and i + 1 < n:
                out.append(text[i + 1])
                i += 1
            elif c == '"':
                in_string = False
        elif c == '"':
            in_string = True
            out.append(c)
        elif text.startswith("//", i):
            while i < n and text[i] != "\n":
                i += 1
            continue
        elif text.startswith("/*", i):
            end = text.find("*/", i + 2)
            if end < 0:
                raise ValueError("unterminated /* comment")
            out.append("\n" * text.count("\n", i, end))  # keep line numbers
            i = end + 2
            continue
        else:
            if c in "]}":
                # A trailing comma before a closing bracket (JSONC allows it).
                j = len(out) - 1
                while j >= 0 and out[j].isspace():
                    j -= 1
                if j >= 0 and out[j] == ",":
                    out[j] = " "
            out.append(c)
        i += 1
    return "".join(out)


def load_jsonc(path: Path):
    return json.loads(strip_jsonc(path.read_text()))


def cmd_parse(root: Path) -> list[str]:
    problems = []
    count = 0
    for f in sorted(root.rglob("*")):
        if not f.is_file() or ".git" in f.parts:
            continue
        try:
            if f.suffix in (".yaml", ".yml"):
                load_all(f)
            elif is_jsonc(f):
                load_jsonc(f)
            elif f.suffix == ".json":
                json.loads(f.read_text())
            else:
                continue
            count += 1
        except Exception as e:  # noqa: BLE001 - report any parser error
            problems.append(f"{f.relative_to(root)}: {e}")
    if count == 0:
        problems.append("no YAML or JSON file found")
    return problems


def cmd_split_k8s(src: Path, out: Path) -> list[str]:
    out.mkdir(parents=True, exist_ok=True)
    core, crds = [], {}
    for doc in load_all(src):
        if not isinstance(doc, dict) or "apiVersion" not in doc or "kind" not in doc:
            return [f"{src}: a document is not a Kubernetes object: {str(doc)[:200]}"]
        group = doc["apiVersion"].rpartition("/")[0]
        if group in CORE_GROUPS:
            core.append(doc)
        else:
            crds.setdefault(doc["kind"].lower(), []).append(doc)
    if core:
        (out / "core.yaml").write_text(yaml.safe_dump_all(core, sort_keys=False))
    for kind, docs in crds.items():
        # check-jsonschema validates one instance per file.
        for i, d in enumerate(docs):
            (out / f"crd-{kind}.{i}.yaml").write_text(yaml.safe_dump(d, sort_keys=False))
    return []


# Backstage descriptor format: https://backstage.io/docs/features/software-catalog/descriptor-format
NAME = re.compile(r"^[A-Za-z0-9]+([-_.][A-Za-z0-9]+)*$")
TAG = re.compile(r"^[a-z0-9:+#]+(-[a-z0-9:+#]+)*$")
DNS_PREFIX = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")
REF = re.compile(r"^(?:(?P<kind>[A-Za-z]+):)?(?:(?P<ns>[A-Za-z0-9._-]+)/)?(?P<name>[A-Za-z0-9._-]+)$")
# Required spec fields per kind (the catalog-model JSON schemas).
REQUIRED_SPEC = {
    "Component": ["type", "lifecycle", "owner"],
    "API": ["type", "lifecycle", "owner", "definition"],
    "Resource": ["type", "owner"],
    "System": ["owner"],
    "Domain": ["owner"],
    "Group": ["type", "children"],
    "User": [],
    "Location": [],
    "Template": ["type", "steps"],
}
# Relations: spec field -> the kind an unqualified reference means.
RELATIONS = {"owner": "group", "system": "system", "domain": "domain", "dependsOn": None,
             "dependencyOf": None, "providesApis": "api", "consumesApis": "api", "subcomponentOf": "component"}


def key_ok(key: str) -> bool:
    prefix, _, name = key.rpartition("/")
    if prefix and (len(prefix) > 253 or not DNS_PREFIX.match(prefix)):
        return False
    return 0 < len(name) <= 63 and bool(NAME.match(name))


def cmd_catalog(path: Path) -> list[str]:
    problems = []
    docs = load_all(path)
    if not docs:
        return [f"{path}: no entity"]
    entities = {}
    for i, e in enumerate(docs):
        where = f"document {i + 1}"
        if not isinstance(e, dict):
            problems.append(f"{where}: not a mapping")
            continue
        kind = e.get("kind")
        meta = e.get("metadata") or {}
        spec = e.get("spec") or {}
        name = meta.get("name")
        where = f"document {i + 1} ({kind}:{name})"
        if e.get("apiVersion") not in ("backstage.io/v1alpha1", "backstage.io/v1beta1",
                                       "scaffolder.backstage.io/v1beta3"):
            problems.append(f"{where}: apiVersion {e.get('apiVersion')!r} is not a Backstage entity version")
        if kind not in REQUIRED_SPEC:
            problems.append(f"{where}: unknown kind {kind!r}")
        if not isinstance(name, str) or not (1 <= len(name) <= 63) or not NAME.match(name):
            problems.append(f"{where}: metadata.name must be 1-63 characters of [A-Za-z0-9] "
                            "separated by single - _ or .")
        for field in REQUIRED_SPEC.get(kind, []):
            if spec.get(field) in (None, "", []):
                problems.append(f"{where}: spec.{field} is required for a {kind}")
        for field in ("type", "lifecycle", "owner", "system"):
            if field in spec and not (isinstance(spec[field], str) and spec[field]):
                problems.append(f"{where}: spec.{field} must be a non-empty string")
        for tag in meta.get("tags") or []:
            if not (isinstance(tag, str) and len(tag) <= 63 and TAG.match(tag)):
                problems.append(f"{where}: tag {tag!r} must be lowercase words joined by -")
        for section in ("annotations", "labels"):
            values = meta.get(section) or {}
            if not isinstance(values, dict):
                problems.append(f"{where}: metadata.{section} must be a mapping")
                continue
            for k, v in values.items():
                if not key_ok(str(k)):
                    problems.append(f"{where}: metadata.{section} key {k!r} is not a valid key")
                if not isinstance(v, str):
                    problems.append(f"{where}: metadata.{section}.{k} must be a string, not {type(v).__name__}")
        for link in meta.get("links") or []:
            if not (isinstance(link, dict) and isinstance(link.get("url"), str) and "://" in link["url"]):
                problems.append(f"{where}: link {link!r} needs a url")
        if kind == "API":
            d = spec.get("definition")
            if not (isinstance(d, str) or (isinstance(d, dict) and set(d) & {"$text", "$json", "$yaml"})):
                problems.append(f"{where}: spec.definition must be a string or a $text/$json/$yaml substitution")
            elif isinstance(d, dict):
                target = next(iter(d.values()))
                if isinstance(target, str) and target.startswith("./") and not (path.parent / target).exists():
                    problems.append(f"{where}: spec.definition refers to {target}, which does not exist")
        if isinstance(name, str):
            entities[(str(kind).lower(), name)] = where
    # Every relation is a valid entity reference; references to entities of this file resolve.
    for i, e in enumerate(docs):
        spec = (e or {}).get("spec") or {}
        where = f"document {i + 1} ({e.get('kind')}:{(e.get('metadata') or {}).get('name')})"
        for field, default_kind in RELATIONS.items():
            refs = spec.get(field)
            if refs is None:
                continue
            for ref in refs if isinstance(refs, list) else [refs]:
                m = REF.match(str(ref))
                if not m:
                    problems.append(f"{where}: spec.{field} {ref!r} is not an entity reference")
                    continue
                kind = (m.group("kind") or default_kind or "").lower()
                if not kind:
                    problems.append(f"{where}: spec.{field} {ref!r} needs a kind (e.g. resource:{ref})")
                elif kind in ("resource", "api", "component") and (kind, m.group("name")) not in entities:
                    # Local relations must point at an entity of this file.
                    problems.append(f"{where}: spec.{field} {ref!r} names no entity in {path.name}")
    return problems


def resolve_placeholders(value, base: Path, problems: list[str]):
    """Substitute $text/$json/$yaml as the catalog's PlaceholderProcessor does (local files only)."""
    if isinstance(value, dict):
        if len(value) == 1 and next(iter(value)) in ("$text", "$json", "$yaml"):
            key, target = next(iter(value.items()))
            f = base / str(target)
            if "://" in str(target):
                return f"<{target}>"  # remote placeholders are fetched by the catalog
            if not f.is_file():
                problems.append(f"{key}: {target} does not exist next to the catalog file")
                return ""
            text = f.read_text()
            return text if key == "$text" else json.loads(text) if key == "$json" else yaml.safe_load(text)
        return {k: resolve_placeholders(v, base, problems) for k, v in value.items()}
    if isinstance(value, list):
        return [resolve_placeholders(v, base, problems) for v in value]
    return value


def cmd_catalog_json(path: Path, out: Path) -> list[str]:
    """The entities of a catalog file as a JSON array, placeholders substituted."""
    problems: list[str] = []
    entities = resolve_placeholders(load_all(path), path.parent, problems)
    out.write_text(json.dumps(entities))
    return problems


def cmd_grafana(path: Path) -> list[str]:
    d = json.loads(path.read_text())
    problems = []
    for field in ("title", "panels", "schemaVersion"):
        if field not in d:
            problems.append(f"dashboard has no {field}")
    ids = set()
    variables = {v.get("name") for v in (d.get("templating") or {}).get("list", [])}
    variables |= {"__rate_interval", "__interval", "__range"}
    for p in d.get("panels", []):
        title = p.get("title", "?")
        if p.get("id") in ids:
            problems.append(f"panel {title!r}: duplicate id {p.get('id')}")
        ids.add(p.get("id"))
        grid = p.get("gridPos") or {}
        if not all(isinstance(grid.get(k), int) for k in ("h", "w", "x", "y")) or grid.get("x", 0) + grid.get("w", 0) > 24:
            problems.append(f"panel {title!r}: gridPos needs integer h, w, x, y within 24 columns")
        if p.get("type") == "row":
            continue
        targets = p.get("targets") or []
        if not targets:
            problems.append(f"panel {title!r}: no query")
        for t in targets:
            expr = t.get("expr", "")
            if not expr:
                problems.append(f"panel {title!r}: target {t.get('refId')} has no expr")
            for var in re.findall(r"\$\{?([A-Za-z_][A-Za-z0-9_]*)", expr):
                if var not in variables:
                    problems.append(f"panel {title!r}: unknown variable ${var}")
            if expr.count("(") != expr.count(")") or expr.count("{") != expr.count("}"):
                problems.append(f"panel {title!r}: unbalanced brackets in {expr!r}")
    return problems


def cmd_jsonc(path: Path, out: Path) -> list[str]:
    try:
        out.write_text(json.dumps(load_jsonc(path), indent=2))
    except (ValueError, json.JSONDecodeError) as e:
        return [f"{path}: not JSON with comments: {e}"]
    return []


def cmd_argocd(project: Path) -> list[str]:
    """deploy/argocd: every overlay has exactly one Application, which points at it
    with the namespace the overlay deploys to, from one repository and revision."""
    problems = []
    overlays = sorted(p.parent.name for p in (project / "deploy" / "overlays").glob("*/kustomization.yaml"))
    base_ns = (yaml.safe_load((project / "deploy" / "base" / "kustomization.yaml").read_text()) or {}).get("namespace")
    apps = []
    for f in sorted((project / "deploy" / "argocd").glob("*.yaml")):
        if f.name == "kustomization.yaml":
            continue
        for doc in load_all(f):
            if doc.get("kind") == "Application":
                apps.append((f.name, doc))
    listed = (yaml.safe_load((project / "deploy" / "argocd" / "kustomization.yaml").read_text()) or {}).get("resources", [])
    for name, _ in apps:
        if name not in listed:
            problems.append(f"deploy/argocd/{name} is not listed in deploy/argocd/kustomization.yaml")
    by_path = {}
    for name, app in apps:
        spec = app.get("spec") or {}
        src, dst = spec.get("source") or {}, spec.get("destination") or {}
        path = src.get("path", "")
        by_path.setdefault(path, []).append(name)
        if not (project / path / "kustomization.yaml").is_file():
            problems.append(f"{name}: source.path {path!r} is not a kustomization of this project")
        if dst.get("namespace") != base_ns:
            problems.append(f"{name}: destination.namespace {dst.get('namespace')!r} is not the namespace "
                            f"the manifests deploy to ({base_ns!r})")
        env = path.rsplit("/", 1)[-1]
        if (app.get("metadata") or {}).get("labels", {}).get("environment") != env:
            problems.append(f"{name}: label environment should be {env!r}, the overlay it syncs")
        overlay = project / path / "kustomization.yaml"
        if overlay.is_file():
            labels = [p.get("pairs", {}) for p in (yaml.safe_load(overlay.read_text()) or {}).get("labels", [])]
            if not any(l.get("environment") == env for l in labels):
                problems.append(f"{path}/kustomization.yaml does not label its objects environment: {env}")
    for env in overlays:
        names = by_path.get(f"deploy/overlays/{env}", [])
        if len(names) != 1:
            problems.append(f"deploy/overlays/{env} has {len(names)} Argo CD Applications, not one: {names}")
    sources = {((a.get("spec") or {}).get("source") or {}).get("repoURL") for _, a in apps}
    revisions = {((a.get("spec") or {}).get("source") or {}).get("targetRevision") for _, a in apps}
    if len(sources) > 1 or len(revisions) > 1:
        problems.append(f"the Applications read different repositories or revisions: {sources} {revisions}")
    if not apps:
        problems.append("deploy/argocd holds no Application")
    return problems


def cmd_autoscaling(src: Path) -> list[str]:
    """The autoscalers of one composed overlay: each HorizontalPodAutoscaler and KEDA
    ScaledObject targets a Deployment of the render, which has no replica count of its
    own and one autoscaler only (KEDA's HPA included); bounds are ordered; a
    ScaledObject's *FromEnv parameters name variables of its env source container, a
    cpu trigger has CPU requests to compare with, and its redis triggers watch exactly
    the RQ queues (rq:queue:NAME) the container's QUEUES lists."""
    problems = []
    docs = [d for d in load_all(src) if isinstance(d, dict)]
    deployments = {d["metadata"]["name"]: d for d in docs if d.get("kind") == "Deployment"}
    hpas = [d for d in docs if d.get("kind") == "HorizontalPodAutoscaler"]
    scaled = [d for d in docs if d.get("kind") == "ScaledObject" and d.get("apiVersion", "").startswith("keda.sh/")]
    owners: dict[str, list[str]] = {}
    for hpa in hpas:
        name, spec = hpa["metadata"]["name"], hpa.get("spec") or {}
        target = (spec.get("scaleTargetRef") or {}).get("name")
        owners.setdefault(target, []).append(f"HorizontalPodAutoscaler {name}")
        if target not in deployments:
            problems.append(f"HorizontalPodAutoscaler {name} targets {target!r}, no Deployment of the render")
        if spec.get("minReplicas", 1) > spec.get("maxReplicas", 0):
            problems.append(f"HorizontalPodAutoscaler {name}: minReplicas {spec.get('minReplicas')} > maxReplicas {spec.get('maxReplicas')}")
    for so in scaled:
        name, spec = so["metadata"]["name"], so.get("spec") or {}
        ref = spec.get("scaleTargetRef") or {}
        target = ref.get("name")
        hpa_name = ((spec.get("advanced") or {}).get("horizontalPodAutoscalerConfig") or {}).get("name") or f"keda-hpa-{name}"
        owners.setdefault(target, []).append(f"ScaledObject {name} (its HorizontalPodAutoscaler {hpa_name})")
        if any(h["metadata"]["name"] == hpa_name for h in hpas):
            problems.append(f"ScaledObject {name}: KEDA would own the HorizontalPodAutoscaler {hpa_name}, which the render also defines")
        lo, hi = spec.get("minReplicaCount", 0), spec.get("maxReplicaCount", 100)
        if lo > hi:
            problems.append(f"ScaledObject {name}: minReplicaCount {lo} > maxReplicaCount {hi}")
        if ref.get("kind", "Deployment") != "Deployment" or target not in deployments:
            problems.append(f"ScaledObject {name} targets {ref.get('kind', 'Deployment')} {target!r}, no Deployment of the render")
            continue
        containers = deployments[target]["spec"]["template"]["spec"].get("containers") or []
        source = ref.get("envSourceContainerName") or (containers[0]["name"] if containers else "")
        container = next((c for c in containers if c.get("name") == source), None)
        if container is None:
            problems.append(f"ScaledObject {name}: envSourceContainerName {source!r} is no container of Deployment {target}")
            continue
        env = {e["name"]: e for e in container.get("env") or []}
        watched = set()
        for trigger in spec.get("triggers") or []:
            meta = trigger.get("metadata") or {}
            for key, value in meta.items():
                if key.endswith("FromEnv") and value not in env:
                    problems.append(f"ScaledObject {name}: trigger {trigger.get('name', trigger.get('type'))} reads {key} "
                                    f"{value!r}, which container {source} does not set")
            if trigger.get("type") == "redis" and str(meta.get("listName", "")).startswith("rq:queue:"):
                watched.add(meta["listName"][len("rq:queue:"):])
            if trigger.get("type") == "cpu" and not ((container.get("resources") or {}).get("requests") or {}).get("cpu"):
                problems.append(f"ScaledObject {name}: a cpu trigger needs CPU requests on container {source}")
        queues = (env.get("QUEUES") or {}).get("value")
        if queues is not None and watched:
            listed = {q.strip() for q in queues.split(",")}
            if listed != watched:
                problems.append(f"ScaledObject {name} watches the queues {sorted(watched)}, the worker consumes {sorted(listed)}")
    for target, names in owners.items():
        if len(names) > 1:
            problems.append(f"Deployment {target} has {len(names)} autoscalers, which would fight over its replicas: {names}")
        if target in deployments and "replicas" in deployments[target].get("spec", {}):
            problems.append(f"Deployment {target} sets spec.replicas although {names[0]} owns the count (every sync resets it)")
    return problems


def codeowners_rules(text: str) -> list[tuple[str, list[str]]]:
    rules = []
    for line in text.splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            pattern, *owners = line.split()
            rules.append((pattern, owners))
    return rules


def codeowners_match(pattern: str, path: str) -> bool:
    """GitHub CODEOWNERS (gitignore-style) matching, for the patterns golden paths use."""
    anchored = pattern.startswith("/") or "/" in pattern.rstrip("/")
    pat = pattern.lstrip("/")
    directory = pat.endswith("/")
    pat = pat.rstrip("/")
    rx = ""
    i = 0
    while i < len(pat):
        if pat.startswith("**", i):
            rx += ".*"
            i += 2
        elif pat[i] == "*":
            rx += "[^/]*"
            i += 1
        else:
            rx += re.escape(pat[i])
            i += 1
    rx = ("^" if anchored else "^(.*/)?") + rx + ("/.*$" if directory else "(/.*)?$")
    return re.match(rx, path) is not None


def cmd_codeowners(path: Path, org: str, owner: str, platform: str, enforced: list[str]) -> list[str]:
    """Every enforced path is owned by the platform team alone (so its review is the one
    that counts); every other file of the project by the owning team."""
    rules = codeowners_rules(path.read_text())
    problems = []
    project = path.parent
    files = [str(f.relative_to(project)) for f in sorted(project.rglob("*"))
             if f.is_file() and ".scaffold" not in f.relative_to(project).parts]
    for rel in sorted(set(files) | set(enforced)):
        owners = None
        for pattern, who in rules:
            if codeowners_match(pattern, rel):
                owners = who  # the last matching pattern wins
        want = [f"@{org}/{platform}"] if rel in enforced else [f"@{org}/{owner}"]
        if owners != want:
            problems.append(f"{rel}: owned by {owners} under CODEOWNERS, expected {want}"
                            + (" (platform-owned: enforced)" if rel in enforced else ""))
    return problems


def main() -> int:
    cmd, *args = sys.argv[1:]
    if cmd == "parse":
        problems = cmd_parse(Path(args[0]))
    elif cmd == "split-k8s":
        problems = cmd_split_k8s(Path(args[0]), Path(args[1]))
    elif cmd == "catalog":
        problems = cmd_catalog(Path(args[0]))
    elif cmd == "catalog-json":
        problems = cmd_catalog_json(Path(args[0]), Path(args[1]))
    elif cmd == "grafana":
        problems = cmd_grafana(Path(args[0]))
    elif cmd == "jsonc":
        problems = cmd_jsonc(Path(args[0]), Path(args[1]))
    elif cmd == "argocd":
        problems = cmd_argocd(Path(args[0]))
    elif cmd == "autoscaling":
        problems = cmd_autoscaling(Path(args[0]))
    elif cmd == "codeowners":
        problems = cmd_codeowners(Path(args[0]), args[1], args[2], args[3], args[4:])
    else:
        problems = [f"unknown command {cmd}"]
    for p in problems:
        print(p)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())

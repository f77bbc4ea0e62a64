"""Checks run once per golden path: answers-reach (a changed answer reaches every
file that shows it) and upgrade-merge (each released version's examples, edited as a
team would, merge cleanly into the head's render)."""

from __future__ import annotations

import json
import re
import tempfile
from pathlib import Path

from .core import GoldenPath, golden_path_check, run
from .manifests import parameter_values


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


@golden_path_check("answers-reach", order=10)
def check_answers_reach(gp: GoldenPath) -> None:
    """A changed answer must reach every file that shows it: no such file may be seed."""
    res, scaffold, ref, label, info = gp.res, gp.scaffold, gp.ref, gp.label, gp.info
    examples = info.get("examples") or []
    if not examples:
        return
    answers = examples[0]
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


GO_MICROSERVICE_EDITS = [
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


WORKER_EDITS = [
    ("README.md", lambda s: _regex_sub(r"^(# .*\n\n.*\n)", r"\1Sends the transactional emails; on call: #team-oncall.\n")(s),
     "Sends the transactional emails; on call: #team-oncall."),
    ("README.md", lambda s: s + "\n## Team notes\n\nTemplates live in the `email-templates` repository.\n",
     "Templates live in the `email-templates` repository."),
    ("deploy/base/deployment.yaml", _insert_after('            - name: SHUTDOWN_TIMEOUT\n              value: "25"\n',
                                                 '            - name: SMTP_HOST\n              value: smtp.internal\n'),
     "SMTP_HOST"),
    ("deploy/overlays/prod/deployment-patch.yaml", _regex_sub(r"^              memory: 1Gi$", "              memory: 1536Mi"),
     "memory: 1536Mi"),
]


# Team edits per golden path (the upgrade-merge check of its released versions).
# The team edits every project has: its README and its TechDocs page.
COMMON_EDITS = [
    ("README.md", lambda s: _regex_sub(r"^(# .*\n\n.*\n)", r"\1Owned by the platform's pilot team; on call: #team-oncall.\n")(s),
     "Owned by the platform's pilot team; on call: #team-oncall."),
    ("README.md", lambda s: s + "\n## Team notes\n\nRelease notes go to the #releases channel.\n",
     "Release notes go to the #releases channel."),
    ("docs/index.md", lambda s: s + "\n## Team notes\n\nDashboards: see the catalog entry's links.\n",
     "Dashboards: see the catalog entry's links."),
]


TEAM_EDITS = {
    "go-microservice": GO_MICROSERVICE_EDITS,
    "worker": WORKER_EDITS,
    **{name: COMMON_EDITS for name in ("python-api", "cli-tool", "node-api", "web-app", "rust-service", "java-service")},
}


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


@golden_path_check("upgrade-merge", order=20)
def check_upgrades(gp: GoldenPath) -> None:
    with tempfile.TemporaryDirectory(prefix=f"verify-{gp.name}-upgrades-") as tmp:
        upgrades(gp, Path(tmp))


def upgrades(gp: GoldenPath, scratch_root: Path) -> None:
    res, scaffold, name, definition, info = gp.res, gp.scaffold, gp.name, gp.definition, gp.info
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
                edits = TEAM_EDITS.get(name)
                if edits is None:
                    res.record("FAIL", label, "upgrade-merge",
                               f"{name} has released versions but no team edits to merge: add them "
                               "to TEAM_EDITS in tests/golden/harness/upgrades.py")
                    continue
                try:
                    for rel, edit, marker in edits:
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
                    res.record("PASS", label, f"upgrade-merge ({len(edits)} team edits kept, "
                               f"{changed} files updated, 0 conflicts)")


def scaffold_json(scaffold: str, args: list[str]) -> tuple[dict | None, str]:
    code, out = run([scaffold, *args])
    if code != 0:
        return None, f"scaffold {' '.join(args)} exited {code}:\n{out}"
    try:
        return json.loads(out), ""
    except json.JSONDecodeError as e:
        return None, f"scaffold {' '.join(args)} printed no JSON ({e}):\n{out}"



"""Add-ons (golden paths with `spec.appliesTo`): verified through their hosts.

For every golden path an add-on applies to, and every example of that host: the host
is rendered, the add-on applied with `scaffold new ADD-ON --into`, and every example
check runs on the result (the host must still build and pass its tests, now with the
add-on's code), with a real server on loopback: TEST_DATABASE_URL (a fresh database each)
for add-postgres (tests/golden/harness/servers.py), REDIS_URL for add-redis. Then the
two refusals: applying the add-on a second time, and to a project of a golden path it
does not support (cli-tool), must each fail (exit 2) and write nothing.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import tempfile
from pathlib import Path

from . import servers
from .core import EXAMPLE_CHECKS, Example, Results, Tools, run

# The server each add-on's host tests need, and the variables that carry its URL.
SERVERS = {
    "add-postgres": (servers.postgres, ("TEST_DATABASE_URL",)),
    "add-redis": (servers.redis, ("REDIS_URL", "TEST_REDIS_URL")),
}


def _database_url(add_on: str, host: str, label: str, url: str) -> str:
    """The URL one example's tests get: for add-postgres a fresh database of its own,
    spelled as the host's driver wants it (SQLAlchemy's postgresql+psycopg:// for
    Python, postgres:// for Go's pgx)."""
    if add_on != "add-postgres":
        return url
    name = "ex_" + hashlib.sha256(label.encode()).hexdigest()[:12]
    url = servers.postgres_database(name)
    if host.startswith("python"):
        url = "postgresql+psycopg://" + url.split("://", 1)[1].replace("?sslmode=disable", "")
    return url


def _tree_hash(root: Path) -> str:
    h = hashlib.sha256()
    for p in sorted(root.rglob("*")):
        h.update(str(p.relative_to(root)).encode())
        if p.is_file() and not p.is_symlink():
            h.update(p.read_bytes())
    return h.hexdigest()


def _show(scaffold: str, ref: str) -> dict | None:
    code, out = run([scaffold, "show", ref, "--format", "json"])
    return json.loads(out) if code == 0 else None


def verify_add_on(res: Results, scaffold: str, ref: str, name: str, info: dict, tools: Tools,
                  definitions: Path, builtin: bool, keep: Path | None) -> None:
    version = info.get("version", "?")
    env = dict(tools.env)
    server = SERVERS.get(name)
    if server:
        start, variables = server
        try:
            url = start()
        except servers.ServerError as e:
            res.record("FAIL", f"{name}@{version}", f"server[{start.__name__}]", str(e))
            return
        res.record("PASS", f"{name}@{version}", f"server[{start.__name__}] {url}")
    else:
        url, variables = "", ()
    for host in info.get("applies_to") or []:
        host_ref = host if builtin else str(definitions / f"{host}.yaml")
        host_info = _show(scaffold, host_ref)
        if host_info is None:
            res.record("FAIL", f"{name}@{version}", f"host[{host}]", f"scaffold show {host_ref} failed")
            continue
        for i, answers in enumerate(host_info.get("examples") or []):
            label = f"{name}@{version}+{host}[{i}:{answers.get('name', '?')}]"
            with tempfile.TemporaryDirectory(prefix=f"verify-{name}-{host}-{i}-") as tmp:
                tmp = Path(tmp)
                values = tmp / "values.json"
                values.write_text(json.dumps(answers))
                project = (keep / f"{name}-{host}-{i}") if keep else tmp / "out"
                if keep:
                    shutil.rmtree(project, ignore_errors=True)
                code, out = run([scaffold, "new", host_ref, str(project), "--values", str(values),
                                 "--no-input", "--no-git"])
                if code != 0:
                    res.record("FAIL", label, "render-host", out)
                    continue
                code, out = run([scaffold, "new", ref, "--into", str(project), "--no-input"])
                res.record("PASS" if code == 0 else "FAIL", label, "apply-into", out)
                if code != 0:
                    continue
                code, out = run([scaffold, "check", "--offline", "--fail-on", "modified,missing", str(project)])
                res.record("PASS" if code == 0 else "FAIL", label, "check-after-apply", out)
                before = _tree_hash(project)
                code, out = run([scaffold, "new", ref, "--into", str(project), "--no-input"])
                ok = code == 2 and "already applied" in out and _tree_hash(project) == before
                res.record("PASS" if ok else "FAIL", label, "refuses-twice", f"exit {code}:\n{out}")
                scratch = tmp / "scratch"
                scratch.mkdir()
                example_env = dict(env)
                if url:
                    try:
                        example_url = _database_url(name, host, label, url)
                    except servers.ServerError as e:
                        res.record("FAIL", label, "database", str(e))
                        continue
                    for v in variables:
                        example_env[v] = example_url
                example = Example(res=res, label=label, name=host, project=project, scratch=scratch,
                                  tools=tools, info=host_info, answers=answers, env=example_env)
                for _, check, fn in EXAMPLE_CHECKS:
                    try:
                        fn(example)
                    except Exception as e:  # noqa: BLE001 - a broken check is a failure
                        res.record("FAIL", label, check, f"the check raised {type(e).__name__}: {e}")
    # A project of a golden path the add-on does not apply to.
    other_ref = "cli-tool" if builtin else str(definitions / "cli-tool.yaml")
    if "cli-tool" not in (info.get("applies_to") or []) and (builtin or (definitions / "cli-tool.yaml").exists()):
        with tempfile.TemporaryDirectory(prefix=f"verify-{name}-cli-tool-") as tmp:
            project = Path(tmp) / "tool"
            code, out = run([scaffold, "new", other_ref, str(project), "--set", "name=some-tool",
                             "--set", "owner=team-tools", "--no-input", "--no-git"])
            if code != 0:
                res.record("FAIL", f"{name}@{version}", "refuses-cli-tool", f"cli-tool did not render:\n{out}")
                return
            before = _tree_hash(project)
            code, out = run([scaffold, "new", ref, "--into", str(project), "--no-input"])
            ok = code == 2 and "cannot be applied" in out and _tree_hash(project) == before
            res.record("PASS" if ok else "FAIL", f"{name}@{version}", "refuses-cli-tool", f"exit {code}:\n{out}")

"""Add-ons (golden paths with `spec.appliesTo`): verified through their hosts.

For every golden path an add-on applies to, and every example of that host: the host
is rendered, the add-on applied with `scaffold new ADD-ON --into`, and every example
check runs on the result (the host must still build and pass its tests, now with the
add-on's code), with a real server on loopback: TEST_DATABASE_URL (a fresh database each)
for add-postgres (tests/golden/harness/servers.py), TEST_REDIS_URL for add-redis. Then the
refusals: applying the add-on a second time, and to a project of a golden path it does
not support (cli-tool, worker), must each fail (exit 2) and write nothing.

Add-ons meant to be applied together (COMBINATIONS: add-postgres and add-redis) are
applied to the first example of every host they share, in both orders: each application
must merge without a conflict, both orders must give the same tree, and every check of
the host runs on it with both servers.
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
    # Only TEST_REDIS_URL: the host's own tests build their settings from the
    # environment, and a REDIS_URL there would add a cache to every one of them.
    "add-redis": (servers.redis, ("TEST_REDIS_URL",)),
}

# Add-ons applied together to one project, verified with the last one of each group.
COMBINATIONS = {
    "add-redis": ("add-postgres",),
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


def _tree_hash(root: Path, skip: str = "") -> str:
    h = hashlib.sha256()
    for p in sorted(root.rglob("*")):
        if skip and p.relative_to(root).parts[0] == skip:
            continue
        h.update(str(p.relative_to(root)).encode())
        if p.is_file() and not p.is_symlink():
            h.update(p.read_bytes())
    return h.hexdigest()


def _show(scaffold: str, ref: str) -> dict | None:
    code, out = run([scaffold, "show", ref, "--format", "json"])
    return json.loads(out) if code == 0 else None


def _run_example_checks(res: Results, label: str, host: str, project: Path, scratch: Path, tools: Tools,
                        host_info: dict, answers: dict, env: dict) -> None:
    example = Example(res=res, label=label, name=host, project=project, scratch=scratch,
                      tools=tools, info=host_info, answers=answers, env=env)
    for _, check, fn in EXAMPLE_CHECKS:
        try:
            fn(example)
        except Exception as e:  # noqa: BLE001 - a broken check is a failure
            res.record("FAIL", label, check, f"the check raised {type(e).__name__}: {e}")


def _server_env(res: Results, label: str, add_ons: list[str], host: str, env: dict) -> dict | None:
    """env plus the URL variables of every add-on's server (None after a failure)."""
    env = dict(env)
    for add_on in add_ons:
        server = SERVERS.get(add_on)
        if not server:
            continue
        start, variables = server
        try:
            url = _database_url(add_on, host, label, start())
        except servers.ServerError as e:
            res.record("FAIL", label, f"server[{start.__name__}]", str(e))
            return None
        for v in variables:
            env[v] = url
    return env


# Hosts where two add-ons cannot be applied together yet, and why (docs/golden-paths.md,
# add-redis, "Not yet on go-microservice 1.2.0 hosts").
COMBINATION_LIMITS = {
    "go-microservice": "known limitation, not a tool: both add-ons write go.sum, which the "
                       "engine cannot merge as a union of lines yet (the second --into refuses "
                       "or leaves conflict markers in go.sum; workaround --force, then go mod tidy)",
}


def verify_combinations(res: Results, scaffold: str, ref: str, name: str, info: dict, tools: Tools,
                        definitions: Path, builtin: bool, keep: Path | None) -> None:
    """`name` together with each add-on of COMBINATIONS[name], in both orders."""
    version = info.get("version", "?")
    for other in COMBINATIONS.get(name, ()):
        other_ref = other if builtin else str(definitions / f"{other}.yaml")
        other_info = _show(scaffold, other_ref)
        if other_info is None:
            res.record("FAIL", f"{name}@{version}", f"with[{other}]", f"scaffold show {other_ref} failed")
            continue
        hosts = [h for h in info.get("applies_to") or [] if h in (other_info.get("applies_to") or [])]
        for host in hosts:
            if host in COMBINATION_LIMITS:
                res.record("SKIP", f"{other}+{name}@{version}+{host}", "apply-into[both orders]",
                           COMBINATION_LIMITS[host])
                continue
            host_ref = host if builtin else str(definitions / f"{host}.yaml")
            host_info = _show(scaffold, host_ref)
            if host_info is None or not host_info.get("examples"):
                res.record("FAIL", f"{name}@{version}", f"host[{host}]", f"scaffold show {host_ref} failed")
                continue
            answers = host_info["examples"][0]
            label = f"{other}+{name}@{version}+{host}[0:{answers.get('name', '?')}]"
            with tempfile.TemporaryDirectory(prefix=f"verify-{other}-{name}-{host}-") as tmp:
                tmp = Path(tmp)
                values = tmp / "values.json"
                values.write_text(json.dumps(answers))
                trees = []
                for order in ((other, other_ref), (name, ref)), ((name, ref), (other, other_ref)):
                    project = tmp / "-then-".join(n for n, _ in order)
                    if keep:
                        project = keep / f"{project.name}-{host}"
                        shutil.rmtree(project, ignore_errors=True)
                    code, out = run([scaffold, "new", host_ref, str(project), "--values", str(values),
                                     "--no-input", "--no-git"])
                    if code != 0:
                        res.record("FAIL", label, "render-host", out)
                        break
                    outs, ok = [], True
                    for add_on, add_on_ref in order:
                        code, out = run([scaffold, "new", add_on_ref, "--into", str(project), "--no-input"])
                        outs.append(f"$ scaffold new {add_on} --into (exit {code})\n{out}")
                        ok = ok and code == 0
                    markers = [str(p.relative_to(project)) for p in sorted(project.rglob("*"))
                               if p.is_file() and b"\n<<<<<<< " in b"\n" + p.read_bytes()]
                    if markers:
                        ok = False
                        outs.append(f"conflict markers in {markers}")
                    res.record("PASS" if ok else "FAIL", label,
                               f"apply-into[{' then '.join(n for n, _ in order)}]", "\n".join(outs))
                    if not ok:
                        break
                    # `check` judges a path by the add-on that generated it; a path two
                    # add-ons changed matches neither version, so only missing files fail.
                    code, out = run([scaffold, "check", "--offline", "--fail-on", "missing", str(project)])
                    res.record("PASS" if code == 0 else "FAIL", label,
                               f"check-after-apply[{' then '.join(n for n, _ in order)}]", out)
                    trees.append(project)
                if len(trees) != 2:
                    continue
                first, second = trees
                same = _tree_hash(first, skip=".scaffold") == _tree_hash(second, skip=".scaffold")
                code, out = run(["diff", "-r", "-x", ".scaffold", str(first), str(second)])
                res.record("PASS" if same else "FAIL", label, "same-in-both-orders", out)
                env = _server_env(res, label, [other, name], host, tools.env)
                if env is None:
                    continue
                scratch = tmp / "scratch"
                scratch.mkdir()
                _run_example_checks(res, label, host, first, scratch, tools, host_info, answers, env)


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
                _run_example_checks(res, label, host, project, scratch, tools, host_info, answers, example_env)
    # Projects of golden paths the add-on does not apply to.
    for other in ("cli-tool", "worker"):
        other_ref = other if builtin else str(definitions / f"{other}.yaml")
        if other in (info.get("applies_to") or []) or not (builtin or (definitions / f"{other}.yaml").exists()):
            continue
        with tempfile.TemporaryDirectory(prefix=f"verify-{name}-{other}-") as tmp:
            project = Path(tmp) / "project"
            code, out = run([scaffold, "new", other_ref, str(project), "--set", "name=some-project",
                             "--set", "owner=team-tools", "--no-input", "--no-git"])
            if code != 0:
                res.record("FAIL", f"{name}@{version}", f"refuses-{other}", f"{other} did not render:\n{out}")
                continue
            before = _tree_hash(project)
            code, out = run([scaffold, "new", ref, "--into", str(project), "--no-input"])
            ok = code == 2 and "cannot be applied" in out and _tree_hash(project) == before
            res.record("PASS" if ok else "FAIL", f"{name}@{version}", f"refuses-{other}", f"exit {code}:\n{out}")
    if name in COMBINATIONS:
        verify_combinations(res, scaffold, ref, name, info, tools, definitions, builtin, keep)

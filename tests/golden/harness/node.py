"""Node.js projects (a package.json outside node_modules, not a Next.js app: those are
harness/web.py's): the lock matches package.json;
the README's run command (`npm ci && npm run dev`: the exact install from
package-lock.json, then the dev server, which must answer /healthz) and its test
command; `tsc --noEmit`, `eslint .` and `npm run build` with the project's own locked
tools; then the built server (package.json's `main`, as the image runs it) on a free
loopback port: /healthz, /readyz and /metrics, JSON log lines, and SIGTERM: /readyz
answers 503 while draining, then exit status 0.

npm's cache lives under the harness cache ($SCAFFOLD_CI_CACHE/npm-cache) and is used
with prefer-offline, so only the first run downloads. A project that depends on a
server's client library gets that server (SERVERS, from harness.servers) for its tests
and its runs: `pg` -> a fresh PostgreSQL database in TEST_DATABASE_URL and DATABASE_URL.
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import time
from pathlib import Path

from . import servers
from .core import Example, example_check, readme_commands, run
from .process import STOP_TIMEOUT, check_readme_run, free_port, get, start, stop_group, tail, wait_healthy

# Dependency -> (the variables the project reads, the server that provides them).
SERVERS = {
    "pg": (("TEST_DATABASE_URL", "DATABASE_URL"), servers.postgres_database),
}
START_TIMEOUT = 300  # seconds for the README's run command (npm ci included) to serve


def lock_problems(root: Path) -> list[str]:
    """package-lock.json is lockfile version 3 and records package.json's dependencies."""
    lock_file = root / "package-lock.json"
    if not lock_file.is_file():
        return ["package-lock.json is missing: `npm ci` cannot reproduce the install"]
    try:
        pkg = json.loads((root / "package.json").read_text())
        lock = json.loads(lock_file.read_text())
    except json.JSONDecodeError as e:
        return [f"package.json or package-lock.json does not parse: {e}"]
    problems = []
    if lock.get("lockfileVersion") != 3:
        problems.append(f"lockfileVersion is {lock.get('lockfileVersion')!r}, not 3")
    top = (lock.get("packages") or {}).get("") or {}
    for key in ("name", "version"):
        if top.get(key) != pkg.get(key) or lock.get(key) != pkg.get(key):
            problems.append(f"the lock's {key} is not package.json's {pkg.get(key)!r}")
    for field in ("dependencies", "devDependencies", "optionalDependencies"):
        want, have = pkg.get(field) or {}, top.get(field) or {}
        if want != have:
            problems.append(f"{field}: package.json has {want}, the lock {have}")
    for name in {**(pkg.get("dependencies") or {}), **(pkg.get("devDependencies") or {})}:
        entry = (lock.get("packages") or {}).get(f"node_modules/{name}")
        if not entry or not entry.get("version") or not entry.get("integrity"):
            problems.append(f"{name} has no locked version with an integrity hash")
    return problems


@example_check("node", order=220)
def check_node(ex: Example) -> None:
    roots = sorted(p.parent for p in ex.project.rglob("package.json")
                   if "node_modules" not in p.parts and ".next" not in p.parts)
    for root in roots:
        if "next" in (_dependencies(root / "package.json")):
            continue  # a Next.js app: harness/web.py checks it
        where = "" if root == ex.project else f"[{root.relative_to(ex.project)}]"
        check_node_project(ex, root, where)


def _dependencies(package_json: Path) -> dict:
    """package.json's `dependencies` (empty when it does not parse: node-lock says why)."""
    try:
        return json.loads(package_json.read_text()).get("dependencies") or {}
    except (OSError, json.JSONDecodeError):
        return {}


def check_node_project(ex: Example, root: Path, where: str) -> None:
    problems = lock_problems(root)
    ex.result(not problems, f"node-lock{where}", "\n".join(problems))
    pkg = json.loads((root / "package.json").read_text())
    env = dict(ex.env)
    env.update({
        "npm_config_cache": str(ex.tools.cache / "npm-cache"),
        "npm_config_prefer_offline": "true",
        "npm_config_audit": "false",
        "npm_config_fund": "false",
        "npm_config_update_notifier": "false",
        "NO_COLOR": "1",
        "FORCE_COLOR": "0",
    })
    env.pop("NODE_OPTIONS", None)

    # The servers the project's client libraries call for, one fresh database each.
    deps = pkg.get("dependencies") or {}
    for package, (variables, server) in SERVERS.items():
        if package in deps:
            database = re.sub(r"[^a-z0-9_]", "_", f"node_{pkg.get('name', 'app')}".lower())
            try:
                url = server(database)
            except servers.ServerError as e:
                ex.record("FAIL", f"node-server{where}", f"{package} is a dependency, but no server: {e}")
                return
            for variable in variables:
                env[variable] = url

    commands = readme_commands(root)
    if len(commands) != 2:
        ex.record("FAIL", f"node-readme{where}",
                  f"README.md's first code block should hold the run and the test command, found {commands}")
        return
    run_cmd, test_cmd = commands

    # 1. The README's run command: npm ci (exactly the lock), then the dev server.
    check_readme_run(ex, root, run_cmd, dict(env, PORT=str(free_port()), DRAIN_DELAY="0"), where,
                     START_TIMEOUT)
    if not (root / "node_modules").is_dir():
        return

    # 2. The README's test command.
    code, out = run(["sh", "-c", test_cmd], cwd=root, env=env)
    counts = {k: int(v) for k, v in re.findall(r"^(?:ℹ|#) (pass|fail|skipped|todo|cancelled) (\d+)$", out, re.M)}
    summary = f"{counts.get('pass', 0)} passed, {counts.get('skipped', 0)} skipped"
    ok = code == 0 and counts.get("pass", 0) > 0 and counts.get("skipped", 0) == 0
    detail = out
    if code == 0 and not ok:
        detail = f"the tests must pass and none may be skipped (the servers they need are provided):\n{out}"
    ex.result(ok, f"readme-test{where} (`{test_cmd}`: {summary})", detail)

    # 3. The project's own locked tools, as its CI runs them.
    for check, cmd in (("tsc", ["npx", "--no-install", "tsc", "--noEmit"]),
                       ("eslint", ["npx", "--no-install", "eslint", "--max-warnings=0", "."]),
                       ("npm-build", ["npm", "run", "build"])):
        code, out = run(cmd, cwd=root, env=env)
        ex.result(code == 0, f"{check}{where}", out)
        if check == "npm-build" and code != 0:
            return

    # 4. The built server, as the image runs it (node MAIN), then SIGTERM.
    main = pkg.get("main") or "dist/index.js"
    if not (root / main).is_file():
        ex.record("FAIL", f"node-serve{where}", f"package.json's main {main} was not built by `npm run build`")
        return
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    log = ex.scratch / "node-serve.log"
    serve_env = dict(env, PORT=str(port), DRAIN_DELAY="1", SHUTDOWN_TIMEOUT="5", LOG_LEVEL="info",
                     NODE_ENV="production")
    proc = start(["node", main], root, serve_env, log)
    notes: list[str] = []
    try:
        status, _ = wait_healthy(proc, base, 30)
        notes.append(f"/healthz {status}")
        ok = status == 200
        for path, want in (("/readyz", '"status":"ok"'), ("/metrics", "http_requests_total{")):
            status, body = get(base + path)
            notes.append(f"{path} {status}")
            if status != 200 or want not in body:
                ok = False
                notes.append(f"{path} answered {status} without {want!r}:\n{body[:1500]}")
        if proc.poll() is None:
            os.kill(proc.pid, signal.SIGTERM)
            time.sleep(0.3)
            status, _ = get(base + "/readyz")
            notes.append(f"/readyz while draining {status}")
            ok = ok and status == 503
            try:
                exit_code = proc.wait(timeout=STOP_TIMEOUT)
            except subprocess.TimeoutExpired:
                exit_code = None
            notes.append(f"exit {exit_code}")
            ok = ok and exit_code == 0
    finally:
        if proc.poll() is None:
            stop_group(proc, signal.SIGKILL)
    lines = [line for line in tail(log, 100_000).splitlines() if line.strip()]
    not_json = []
    for line in lines:
        try:
            json.loads(line)
        except json.JSONDecodeError:
            not_json.append(line)
    if not_json or not lines:
        ok = False
        notes.append("log lines that are not JSON:\n" + "\n".join(not_json[:10]) if not_json else "no log lines")
    ex.result(ok, f"node-serve{where} (node {main}: {', '.join(n for n in notes if chr(10) not in n)})",
              "\n".join(notes) + "\n" + tail(log))

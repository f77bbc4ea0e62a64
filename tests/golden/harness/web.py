"""Next.js web apps (a package.json depending on `next`): installed and run as the
README says, then checked with the project's own locked tools, as its CI does.

Per example: the README's run command (`npm ci && npm run dev`: the locked install,
from npm's cache under the harness cache, then the dev server on a free loopback port,
probed on /healthz, or /readyz with a database), `package-lock.json` matching
`package.json`, the README's test command (`npm test`: Vitest), `npm run typecheck`,
`npm run lint`, `npm run build` (`next build`, standalone output) and `npm run e2e:run`
(the build served by `next start`, its pages checked in headless Chromium through
playwright-core: Debian's chromium, installed by the setup hook below when absent).
An app with `pg` in its lock gets a fresh PostgreSQL database of its own
(harness.servers) as TEST_DATABASE_URL and DATABASE_URL."""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path

from . import servers
from .core import Example, Results, Tools, example_check, readme_commands, run, setup_hook

CHROMIUM_PACKAGE = "chromium"  # Debian's package; .ci/run installs it too
CHROMIUM_PATH = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
DEV_SERVER_TIMEOUT = 420  # seconds for `npm ci` plus the dev server's first compile


@setup_hook("chromium")
def install_chromium(tools: Tools, res: Results):
    """The browser of the web apps' end-to-end test: Debian's chromium, installed with
    apt-get (as root) when CHROMIUM_PATH does not exist. Says so when it installs."""
    tools.env.setdefault("CHROMIUM_PATH", CHROMIUM_PATH)
    if os.path.exists(tools.env["CHROMIUM_PATH"]):
        return None
    try:
        servers._apt_install(CHROMIUM_PACKAGE)
    except servers.ServerUnavailable as e:
        res.record("FAIL", "setup", f"chromium (apt-get install {CHROMIUM_PACKAGE})", str(e))
        return None
    code, out = run([tools.env["CHROMIUM_PATH"], "--version"], env=tools.env, timeout=60)
    res.record("PASS" if code == 0 else "FAIL", "setup",
               f"chromium installed with apt-get install {CHROMIUM_PACKAGE}: {out.strip()}", out)
    return None


def npm_env(ex: Example) -> dict:
    """The example's environment for npm and Next: npm's download cache in the harness
    cache (offline first), no telemetry, no browser download, no colours."""
    cache = ex.tools.cache / "npm-cache"
    cache.mkdir(parents=True, exist_ok=True)
    return dict(ex.env,
                npm_config_cache=str(cache),
                npm_config_prefer_offline="true",
                npm_config_audit="false",
                npm_config_fund="false",
                npm_config_update_notifier="false",
                NEXT_TELEMETRY_DISABLED="1",
                PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD="1",
                CHROMIUM_PATH=ex.env.get("CHROMIUM_PATH", CHROMIUM_PATH),
                CI="1",
                FORCE_COLOR="0",
                NO_COLOR="1")


def lock_problems(root: Path) -> list[str]:
    """package-lock.json exists, is lockfile v3, and its root entry asks for exactly the
    dependencies of package.json, each of them resolved in the lock."""
    lock_file = root / "package-lock.json"
    if not lock_file.is_file():
        return ["package-lock.json is missing: `npm ci` cannot reproduce the install"]
    package = json.loads((root / "package.json").read_text())
    lock = json.loads(lock_file.read_text())
    problems = []
    if lock.get("lockfileVersion") != 3:
        problems.append(f"lockfileVersion is {lock.get('lockfileVersion')!r}, not 3")
    if lock.get("name") != package.get("name"):
        problems.append(f"the lock names {lock.get('name')!r}, package.json {package.get('name')!r}")
    packages = lock.get("packages") or {}
    root_entry = packages.get("") or {}
    for field in ("dependencies", "devDependencies"):
        want, have = package.get(field) or {}, root_entry.get(field) or {}
        if want != have:
            problems.append(f"{field} of package.json {want} differ from the lock's {have}")
        for dep in want:
            if f"node_modules/{dep}" not in packages:
                problems.append(f"{dep} is not resolved in package-lock.json")
    for dep in (package.get("dependencies") or {}) | (package.get("devDependencies") or {}):
        spec = (package.get("dependencies") or {}).get(dep) or package["devDependencies"][dep]
        if not spec[:1].isdigit():
            problems.append(f"{dep}: {spec!r} is a range; pin the exact version")
    return problems


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def run_until_up(command: str, root: Path, env: dict, url: str, log: Path) -> tuple[bool, str]:
    """Start a long-running command (its own process group), wait until `url` answers
    200, then stop the whole group. Returns (answered, output)."""
    with open(log, "w+") as out:
        proc = subprocess.Popen(["sh", "-c", command], cwd=root, env=env, stdout=out,
                                stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True)
        ok, status = False, "no answer"
        deadline = time.monotonic() + DEV_SERVER_TIMEOUT
        try:
            while time.monotonic() < deadline and proc.poll() is None:
                try:
                    with urllib.request.urlopen(url, timeout=30) as response:
                        status = f"{response.status} {response.read(500).decode(errors='replace')}"
                        ok = response.status == 200
                        break
                except urllib.error.HTTPError as e:
                    status = f"{e.code} {e.read(500).decode(errors='replace')}"
                except OSError:
                    pass
                time.sleep(1)
        finally:
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGTERM)
                try:
                    proc.wait(timeout=20)
                except subprocess.TimeoutExpired:
                    os.killpg(proc.pid, signal.SIGKILL)
                    proc.wait()
            else:
                status += f"; the command exited {proc.returncode}"
        out.seek(0)
        text = out.read()
    log.unlink()
    return ok, f"GET {url}: {status}\n$ {command}\n{text}"


def vitest_summary(code: int, out: str) -> tuple[int, str]:
    """Vitest's `Tests  N passed (N)` line; a run that passed without one fails."""
    plain = re.sub(r"\x1b\[[0-9;]*m", "", out)
    m = re.search(r"^\s*Tests\s+(\d+ passed[^\n]*)", plain, re.M)
    if code == 0 and not m:
        return 1, "no passed test reported"
    return code, m.group(1).strip() if m else ""


def npm_script(root: Path, env: dict, script: str, timeout: int = 900) -> tuple[int, str]:
    return run(["npm", "run", "--silent", script], cwd=root, env=env, timeout=timeout)


@example_check("web", order=220)
def check_web(ex: Example) -> None:
    roots = []
    for pkg in sorted(ex.project.rglob("package.json")):
        if "node_modules" in pkg.parts or ".next" in pkg.parts:
            continue
        try:
            deps = json.loads(pkg.read_text()).get("dependencies") or {}
        except json.JSONDecodeError as e:
            ex.record("FAIL", "package.json", f"{pkg}: {e}")
            continue
        if "next" in deps:
            roots.append(pkg.parent)
    for root in roots:
        where = "" if root == ex.project else f"[{root.relative_to(ex.project)}]"
        check_web_project(ex, root, where)


def check_web_project(ex: Example, root: Path, where: str) -> None:
    if not shutil.which("npm"):
        ex.record("FAIL", f"npm{where}", "npm is not on PATH (Node.js 20 is a requirement of the harness)")
        return
    problems = lock_problems(root)
    ex.result(not problems, f"npm-lock{where}", "\n".join(problems))
    if problems:
        return
    env = npm_env(ex)
    lock = json.loads((root / "package-lock.json").read_text())
    if "node_modules/pg" in (lock.get("packages") or {}):
        try:
            url = servers.postgres_database(f"web_{ex.project.name}".replace("-", "_")[:60])
        except servers.ServerUnavailable as e:
            ex.record("FAIL", f"postgres{where}", f"pg is locked, but no PostgreSQL: {e}")
            return
        url = url.replace("?sslmode=disable", "")
        env.update(TEST_DATABASE_URL=url, DATABASE_URL=url)

    commands = readme_commands(ex.project)
    if len(commands) != 2:
        ex.record("FAIL", f"web-readme{where}", f"expected the run and the test command, found {commands!r}")
        return
    run_command, test_command = commands

    # The README's run command: the locked install, then the dev server (on a free
    # port: the scripts take PORT), probed until it answers.
    port = free_port()
    probe = "/readyz" if "DATABASE_URL" in env else "/healthz"
    started = time.monotonic()
    ok, out = run_until_up(run_command, root, dict(env, PORT=str(port)), f"http://127.0.0.1:{port}{probe}",
                           ex.scratch / "web-run.log")
    installed = (root / "node_modules" / ".package-lock.json").is_file()
    ex.result(ok and installed, f"web-run{where} (README: {run_command}; {probe} answered in "
              f"{time.monotonic() - started:.0f} s)" if ok else f"web-run{where}", out)
    if not installed:
        return

    code, out = run(["sh", "-c", test_command], cwd=root, env=env, timeout=900)
    code, summary = vitest_summary(code, out)
    ex.result(code == 0, f"web-test{where} (README: {test_command}: {summary})" if code == 0 else f"web-test{where}", out)
    for check, script in (("web-typecheck", "typecheck"), ("web-lint", "lint"), ("web-build", "build")):
        code, out = npm_script(root, env, script)
        ex.result(code == 0, f"{check}{where}", out)
        if check == "web-build" and code == 0:
            standalone = root / ".next" / "standalone" / "server.js"
            ex.result(standalone.is_file(), f"web-standalone{where}",
                      "next build wrote no .next/standalone/server.js (output: 'standalone')")
    if not (root / ".next" / "BUILD_ID").is_file():
        ex.record("FAIL", f"web-e2e{where}", "no production build to serve")
        return
    code, out = npm_script(root, env, "e2e:run")
    code, summary = vitest_summary(code, out)
    ex.result(code == 0, f"web-e2e{where} (next start + Chromium: {summary})", out)

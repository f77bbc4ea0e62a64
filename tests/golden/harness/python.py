"""Python projects (a pyproject.toml): installed as the README says, into a virtualenv
from the project's hash-locked requirements (one venv per lock content, kept with pip's
download cache and mypy's cache under the harness cache), then checked with the
project's own locked tools: ruff, mypy, the README's test command (the second command
of its first code block, e.g. `make test`, run with VENV pointing at that venv so the
Makefile's `$(VENV)/bin/pytest` is the harness's), its console scripts, and its wheel and
sdist. A project whose lock has a server's client library gets that server for its
tests (SERVERS: started once per run by harness.servers, each project given an empty
database of its own, its URL in an environment variable)."""

from __future__ import annotations

import hashlib
import re
import sys
import tomllib
from pathlib import Path

from . import servers
from .core import Example, example_check, readme_commands, run
from .process import check_readme_run, free_port

RUN_TIMEOUT = 180  # seconds for the README's run command (make install included) to serve

LOCKS = ("requirements-dev.lock", "requirements.lock")

# Locked package -> (the variable the project's tests read, the server that provides it).
SERVERS = {
    "redis": ("TEST_REDIS_URL", servers.redis),
}


def normalize(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def requirement_name(spec: str) -> str:
    return normalize(re.split(r"[\s\[<>=!~;(@]", spec.strip(), maxsplit=1)[0])


def locked_names(lock: Path) -> dict[str, str]:
    """name -> version of every `name==version` line of a pip requirements lock."""
    found = {}
    for line in lock.read_text().splitlines():
        m = re.match(r"^([A-Za-z0-9][A-Za-z0-9._-]*)(?:\[[^\]]*\])?==([^\s;\\]+)", line)
        if m:
            found[normalize(m.group(1))] = m.group(2)
    return found


def lock_problems(pyproject: dict, root: Path) -> list[str]:
    """Every dependency of pyproject.toml (and of its dev extra, for the dev lock) is
    pinned in the locks, with a hash on every pin."""
    problems = []
    project = pyproject.get("project") or {}
    wanted = {"requirements.lock": list(project.get("dependencies") or [])}
    extras = project.get("optional-dependencies") or {}
    wanted["requirements-dev.lock"] = wanted["requirements.lock"] + list(extras.get("dev") or [])
    for lock, deps in wanted.items():
        f = root / lock
        if not f.is_file():
            problems.append(f"{lock} is missing")
            continue
        pins = locked_names(f)
        for dep in deps:
            if requirement_name(dep) not in pins:
                problems.append(f"{lock}: {dep!r} of pyproject.toml is not pinned")
        text = f.read_text()
        entries = re.split(r"\n(?=[A-Za-z0-9])", text)
        for entry in entries:
            m = re.match(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==", entry)
            if m and "--hash=sha256:" not in entry:
                problems.append(f"{lock}: {m.group(1)} has no --hash")
    return problems


def docker_running() -> bool:
    """A Docker daemon answers (`docker info`), so `docker compose` can start servers."""
    try:
        code, _ = run(["docker", "info"], timeout=20)
    except Exception:  # noqa: BLE001 - no docker binary, or it hung: no daemon to use
        return False
    return code == 0


@example_check("python", order=210)
def check_python(ex: Example) -> None:
    roots = sorted(p.parent for p in ex.project.rglob("pyproject.toml"))
    for root in roots:
        where = "" if root == ex.project else f"[{root.relative_to(ex.project)}]"
        check_python_project(ex, root, where)


def project_venv(ex: Example, lock: Path) -> Path:
    """The venv for this lock: one per lock content (and Python), kept in the harness
    cache, so examples with the same lock share the installed packages and mypy's
    cache. The project itself is reinstalled (editable) into it for every example."""
    key = hashlib.sha256(lock.read_bytes() + sys.version.encode()).hexdigest()[:16]
    return ex.tools.cache / "python-venvs" / key


def check_python_project(ex: Example, root: Path, where: str) -> None:
    try:
        pyproject = tomllib.loads((root / "pyproject.toml").read_text())
    except tomllib.TOMLDecodeError as e:
        ex.record("FAIL", f"pyproject{where}", f"pyproject.toml does not parse: {e}")
        return
    problems = lock_problems(pyproject, root)
    ex.result(not problems, f"python-lock{where}", "\n".join(problems))
    lock = next((root / name for name in LOCKS if (root / name).is_file()), None)
    if lock is None:
        return

    # The venv of this lock (created once), the locked requirements with their hashes
    # checked, then the project itself without dependencies (its build backend is in
    # the dev lock), after removing the project an earlier example installed there.
    # A venv counts as made only once its marker is written, after `python -m venv`
    # (ensurepip included) succeeded: a run killed half-way through, or a venv whose pip
    # is gone, is made again from scratch (`--clear`) instead of failing every later run.
    venv = project_venv(ex, lock)
    bin_dir = venv / "bin"
    py = str(bin_dir / "python")
    ready = venv / ".scaffold-venv-ready"
    if ready.is_file() and run([py, "-m", "pip", "--version"])[0] != 0:
        ready.unlink()
    if not ready.is_file():
        code, out = run([sys.executable, "-m", "venv", "--clear", str(venv)])
        if code != 0:
            ex.record("FAIL", f"pip-install{where}", f"python -m venv failed:\n{out}")
            return
        ready.write_text(sys.version + "\n")
    env = dict(ex.env, VIRTUAL_ENV=str(venv), PATH=f"{bin_dir}:{ex.env.get('PATH', '')}")
    env.pop("PYTHONHOME", None)
    previous = venv / ".project"
    if previous.is_file() and previous.read_text().strip():
        run([py, "-m", "pip", "uninstall", "-q", "-y", previous.read_text().strip()], env=env)
        previous.unlink()
    pip = [py, "-m", "pip", "install", "-q", "--no-input"]
    steps = [pip + ["--require-hashes", "-r", lock.name],
             pip + ["--no-deps", "--no-build-isolation", "-e", "."],
             [py, "-m", "pip", "check"]]
    for cmd in steps:
        code, out = run(cmd, cwd=root, env=env, timeout=1200)
        if code != 0:
            ex.record("FAIL", f"pip-install{where}", f"{' '.join(cmd[2:])} failed:\n{out}")
            return
    project_name = (pyproject.get("project") or {}).get("name", "")
    previous.write_text(project_name + "\n")
    ex.record("PASS", f"pip-install{where} ({len(locked_names(lock))} packages from {lock.name})")

    # The servers the tests need, by the client libraries the lock pins.
    unavailable = []
    for package, (variable, server) in SERVERS.items():
        if package in locked_names(lock):
            try:
                env[variable] = server()
            except servers.ServerUnavailable as e:
                unavailable.append(f"{variable} ({package} is locked): {e}")

    # The tests run as the README says (its first code block: run, then test), in this
    # venv: VENV for the Makefile, pytest's cache off so the project stays as rendered.
    commands = readme_commands(root)
    test_command = commands[1] if len(commands) >= 2 else ""
    test_env = dict(env, VENV=str(venv), PYTEST_ADDOPTS="-p no:cacheprovider")
    for check, cmd in (("ruff-check", [py, "-m", "ruff", "check", "--no-cache", "."]),
                       ("ruff-format", [py, "-m", "ruff", "format", "--check", "--no-cache", "."]),
                       ("mypy", [py, "-m", "mypy", "--cache-dir", str(venv / ".mypy_cache")]),
                       ("pytest", ["sh", "-c", test_command])):
        if check == "pytest" and unavailable:
            ex.record("SKIP", f"pytest{where}", "no server for " + "; ".join(unavailable))
            continue
        if check == "pytest" and not test_command:
            ex.record("FAIL", f"pytest{where}", "README.md's first code block has no test command "
                      f"(its second command): {commands}")
            continue
        code, out = run(cmd, cwd=root, env=test_env if check == "pytest" else env)
        if check == "pytest":
            out = f"$ {test_command} (VENV={venv})\n{out}"
        summary = ""
        if check == "pytest":
            m = re.search(r"^=*\s*(\d+ passed.*?)\s*=*$", out, re.M)
            summary = f" ({m.group(1)})" if m else ""
            if code == 0 and not m:
                code, out = 1, "pytest passed without reporting a passed test:\n" + out
        if check == "pytest" and code == 0:
            summary = f" ({test_command}: {m.group(1)})"
        ex.result(code == 0, f"{check}{where}{summary if code == 0 else ''}", out)

    # The README's run command, in the same venv: it serves /healthz on PORT, or (a
    # command-line tool) runs to completion. Where it starts a server with docker compose
    # (`make redis`), the machine has no Docker daemon to run it.
    run_command = commands[0] if len(commands) >= 2 else ""
    if not run_command:
        ex.record("FAIL", f"readme-run{where}", f"README.md's first code block has no run command: {commands}")
    elif re.search(r"\bmake\b.*\bredis\b", run_command) and not docker_running():
        ex.record("SKIP", f"readme-run{where}", f"`{run_command}` starts Redis with docker compose "
                  "(`make redis`), and no Docker daemon answers here (`docker info`); the tests ran against a real "
                  "redis-server instead")
    else:
        check_readme_run(ex, root, run_command, dict(test_env, PORT=str(free_port()), DRAIN_DELAY="0"),
                         where, RUN_TIMEOUT, may_finish=True)

    scripts = (pyproject.get("project") or {}).get("scripts") or {}
    for script in sorted(scripts):
        outs = []
        ok = True
        for args in (["--help"], ["--version"]):
            code, out = run([str(bin_dir / script), *args], cwd=venv, env=env, timeout=60)
            outs.append(f"$ {script} {' '.join(args)} (exit {code})\n{out}")
            ok = ok and code == 0 and out.strip() != ""
        version = (pyproject.get("project") or {}).get("version", "")
        if ok and version and version not in outs[1]:
            ok = False
            outs.append(f"--version does not print the project's version {version}")
        ex.result(ok, f"console-script[{script}]{where}", "\n".join(outs))

    if "build" in locked_names(lock):
        dist = ex.scratch / "dist"
        code, out = run([py, "-m", "build", "--no-isolation", "--outdir", str(dist), "."], cwd=root, env=env)
        built = sorted(p.name for p in dist.glob("*")) if dist.is_dir() else []
        ok = code == 0 and any(n.endswith(".whl") for n in built) and any(n.endswith(".tar.gz") for n in built)
        ex.result(ok, f"python-build{where}" + (f" ({', '.join(built)})" if ok else ""),
                  out + f"\nbuilt: {built}")

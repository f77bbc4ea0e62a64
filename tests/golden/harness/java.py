"""Java projects (a pom.xml): built and tested as the README says, then run as the image
runs them.

For each Maven project: the README's test command (`mvn -B verify`: Checkstyle, the
enforcer, the compiler with -Werror, the JUnit 5 tests, the layered jar) with `-ntp` and
`-Dmaven.repo.local=$SCAFFOLD_CI_CACHE/m2` appended, so every plugin and dependency comes
from Maven Central once into the harness cache; its Surefire summary must show tests run
and none skipped. Then the built Spring Boot jar:

  java-layers   `java -Djarmode=tools -jar JAR list-layers` names the four layers the
                Dockerfile copies, and `extract --layers --launcher` lays them out as
                the image does (every layer's content in one directory)
  java-run      the Dockerfile's ENTRYPOINT started in that directory on a free loopback
                port (PORT): /actuator/health/readiness and /actuator/health/liveness
                answer 200 with status UP, /actuator/prometheus has the platform's
                http_requests_total after a request, and so do the platform's paths
                (/healthz, /readyz, /metrics); every stdout line is a JSON log
                record; then SIGTERM, and the JVM must exit by itself within 60 s with
                status 143 or 0, having logged Spring's graceful shutdown. 143 is the
                normal status: the JVM runs its shutdown hooks (Spring's graceful
                shutdown, the context close) on SIGTERM and then exits with 128 + 15,
                as for any signal it handles; 0 is what an application that calls
                SpringApplication.exit / System.exit(0) from its own hook returns. A
                negative status (killed by the signal: no hook ran) or a timeout fails.
  readme-run    the README's run command (`mvn spring-boot:run`, with the same Maven
                options) becomes ready on a free port; then its process group is
                stopped (SIGTERM, SIGKILL after 30 s)

Maven and a JDK come from PATH; when `mvn` is missing and the harness runs as root they
are installed from Debian's packages (maven, default-jdk-headless)."""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import time
from pathlib import Path

from . import process, servers
from .core import Example, example_check, readme_commands, run
from .process import free_port, start

LAYERS = ["dependencies", "spring-boot-loader", "snapshot-dependencies", "application"]
START_TIMEOUT = 120  # seconds for the JVM and Spring to become ready on a loaded machine
STOP_TIMEOUT = 60


def maven_ready() -> str | None:
    """None when mvn and java are on PATH (installing them when possible), else why not."""
    if shutil.which("mvn") and shutil.which("java"):
        return None
    try:
        servers._apt_install("maven")
        if not shutil.which("java"):
            servers._apt_install("default-jdk-headless")
    except servers.ServerError as e:
        return str(e)
    return None if shutil.which("mvn") and shutil.which("java") else "mvn or java is still not on PATH"


def maven_options(ex: Example) -> str:
    return f"-B -ntp -Dmaven.repo.local={ex.tools.cache / 'm2'}"


@example_check("java", order=220)
def check_java(ex: Example) -> None:
    roots = sorted(p.parent for p in ex.project.rglob("pom.xml") if "target" not in p.relative_to(ex.project).parts)
    roots = [r for r in roots if not any(r != o and o in r.parents for o in roots)]  # the top of multi-module builds
    if not roots:
        return
    why = maven_ready()
    if why:
        ex.record("FAIL", "maven", f"Maven and a JDK are needed for {len(roots)} Maven project(s): {why}")
        return
    for root in roots:
        where = "" if root == ex.project else f"[{root.relative_to(ex.project)}]"
        check_maven_project(ex, root, where)


def check_maven_project(ex: Example, root: Path, where: str) -> None:
    commands = readme_commands(root)
    if len(commands) < 2 or not all(c.startswith("mvn ") for c in commands[:2]):
        ex.record("FAIL", f"mvn-verify{where}",
                  f"README.md's first code block must give the run and the test command, both mvn; found {commands!r}")
        return
    run_cmd, test_cmd = commands[0], commands[1]
    began = time.monotonic()
    code, out = run(["sh", "-c", f"{test_cmd} {maven_options(ex)}"], cwd=root, env=ex.env, timeout=1800)
    counts = re.findall(r"Tests run: (\d+), Failures: (\d+), Errors: (\d+), Skipped: (\d+)\s*$", out, re.M)
    if code != 0:
        ex.record("FAIL", f"mvn-verify{where} ({test_cmd})", out)
        return
    if not counts or int(counts[-1][0]) == 0 or int(counts[-1][3]) != 0:
        ex.record("FAIL", f"mvn-verify{where} ({test_cmd})",
                  f"the Surefire summary must show tests run and none skipped; found {counts[-1:]!r}\n{out}")
        return
    ex.record("PASS", f"mvn-verify{where} ({test_cmd}: {counts[-1][0]} tests, {time.monotonic() - began:.0f}s)")

    jars = [j for j in sorted((root / "target").glob("*.jar")) if not j.name.endswith(("-plain.jar", "-sources.jar"))]
    if len(jars) != 1:
        ex.record("FAIL", f"java-layers{where}", f"expected one jar in target/, found {[j.name for j in jars]}")
        return
    app = layered_layout(ex, jars[0], where)
    if app is not None:
        check_lifecycle(ex, root, app, where)
    check_readme_run(ex, root, run_cmd, where)


def layered_layout(ex: Example, jar: Path, where: str) -> Path | None:
    """The jar's layers extracted and merged as the Dockerfile's COPY lines do."""
    code, out = run(["java", "-Djarmode=tools", "-jar", str(jar), "list-layers"], env=ex.env, timeout=120)
    layers = out.split()
    if code != 0 or layers != LAYERS:
        ex.record("FAIL", f"java-layers{where}", f"list-layers: expected {LAYERS}, got:\n{out}")
        return None
    extracted = ex.scratch / "layers"
    code, out = run(["java", "-Djarmode=tools", "-jar", str(jar), "extract", "--layers", "--launcher",
                     "--destination", str(extracted)], env=ex.env, timeout=120)
    if code != 0:
        ex.record("FAIL", f"java-layers{where}", out)
        return None
    app = ex.scratch / "app"
    for layer in LAYERS:
        if (extracted / layer).is_dir():
            shutil.copytree(extracted / layer, app, dirs_exist_ok=True)
    ex.record("PASS", f"java-layers{where} ({', '.join(LAYERS)})")
    return app


def entrypoint(root: Path) -> list[str] | None:
    dockerfile = root / "Dockerfile"
    if not dockerfile.is_file():
        return None
    found = re.findall(r"^ENTRYPOINT\s+(\[.*\])\s*$", dockerfile.read_text(), re.M)
    return json.loads(found[-1]) if found else None


def get(port: int, path: str) -> tuple[int, str]:
    """(status, body) of GET http://127.0.0.1:PORT/PATH; status 0 when nothing answers."""
    return process.get(f"http://127.0.0.1:{port}{path}", timeout=5)


def wait_ready(proc: subprocess.Popen, port: int, timeout: float) -> tuple[bool, str]:
    deadline = time.monotonic() + timeout
    last = ""
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            return False, f"the process exited with status {proc.returncode} before it was ready"
        status, body = get(port, "/actuator/health/readiness")
        if status == 200:
            return True, body
        last = f"{status} {body}"
        time.sleep(0.5)
    return False, f"not ready within {timeout:.0f}s (last answer: {last})"


def stop_group(proc: subprocess.Popen) -> None:
    """End the process group this harness started (no-op when it is gone)."""
    for sig, grace in ((signal.SIGTERM, 30), (signal.SIGKILL, 10)):
        try:
            os.killpg(proc.pid, sig)
        except ProcessLookupError:
            return
        try:
            proc.wait(timeout=grace)
            return
        except subprocess.TimeoutExpired:
            continue


def check_lifecycle(ex: Example, root: Path, app: Path, where: str) -> None:
    check = f"java-run{where}"
    cmd = entrypoint(root)
    if not cmd:
        ex.record("FAIL", check, "the Dockerfile has no ENTRYPOINT in exec form to run")
        return
    port = free_port()
    env = dict(ex.env, PORT=str(port))
    log = ex.scratch / "java-run.log"
    began = time.monotonic()
    proc = start(cmd, app, env, log)
    try:
        ready, detail = wait_ready(proc, port, START_TIMEOUT)
        startup = time.monotonic() - began
        if not ready:
            ex.record("FAIL", check, f"{' '.join(cmd)}: {detail}\n{log.read_text(errors='replace')}")
            return
        problems = []
        for path in ("/actuator/health/readiness", "/actuator/health/liveness"):
            status, body = get(port, path)
            try:
                up = json.loads(body).get("status") == "UP"
            except ValueError:
                up = False
            if status != 200 or not up:
                problems.append(f"GET {path}: {status} {body}")
        get(port, "/")
        for path in ("/actuator/prometheus", "/metrics"):
            status, body = get(port, path)
            if status != 200 or "http_requests_total{" not in body or "jvm_memory_used_bytes" not in body:
                problems.append(f"GET {path}: {status}, without http_requests_total or JVM metrics:\n{body[:2000]}")
        for path in ("/healthz", "/readyz"):
            status, body = get(port, path)
            if status != 200:
                problems.append(f"GET {path} (the platform's probe path): {status} {body}")
        proc.send_signal(signal.SIGTERM)
        started = time.monotonic()
        try:
            code = proc.wait(timeout=STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            problems.append(f"still running {STOP_TIMEOUT}s after SIGTERM")
            code = None
        took = time.monotonic() - started
        text = log.read_text(errors="replace")
        if code is not None and code not in (143, 0):
            problems.append(f"exit status {code} after SIGTERM (expected 143: the JVM's exit after its shutdown "
                            "hooks ran, or 0)")
        records = []
        for line in text.splitlines():
            if line.strip():
                try:
                    records.append(json.loads(line))
                except ValueError:
                    problems.append(f"a log line is not JSON: {line[:300]}")
                    break
        messages = [str(r.get("message", "")) for r in records if isinstance(r, dict)]
        if not any("graceful shutdown" in m.lower() for m in messages):
            problems.append("no graceful shutdown was logged after SIGTERM")
        if problems:
            ex.record("FAIL", check, "\n".join(problems) + f"\n--- log:\n{text[-4000:]}")
        else:
            ex.record("PASS", f"{check} (ready in {startup:.1f}s, probes UP, metrics, {len(records)} JSON log "
                              f"lines, SIGTERM: exit {code} after {took:.1f}s)")
    finally:
        stop_group(proc)


def check_readme_run(ex: Example, root: Path, run_cmd: str, where: str) -> None:
    check = f"readme-run{where} ({run_cmd})"
    port = free_port()
    env = dict(ex.env, PORT=str(port))
    log = ex.scratch / "readme-run.log"
    began = time.monotonic()
    proc = start(["sh", "-c", f"exec {run_cmd} {maven_options(ex)}"], root, env, log)
    try:
        ready, detail = wait_ready(proc, port, START_TIMEOUT + 60)
        ex.result(ready, f"{check}: ready in {time.monotonic() - began:.0f}s" if ready else check,
                  f"{detail}\n{log.read_text(errors='replace')[-4000:]}")
    finally:
        stop_group(proc)

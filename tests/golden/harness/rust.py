"""Rust packages (a Cargo.toml): rustfmt, the README's test command with the lock used
as is (`cargo test --locked`), the lock left unchanged by a Cargo that may rewrite it,
clippy with warnings denied, then the README's run command (`cargo run --locked`) on a
free loopback port: /healthz, /readyz and /metrics answer, `healthcheck` works,
SIGTERM drains (/readyz 503) and exits 0, every log line is JSON, and an invalid
environment is refused at startup.

Every example builds into ONE target directory, $SCAFFOLD_CI_CACHE/cargo-target, so the
locked dependencies are compiled once and reused by every example and run (the crates
themselves come from crates.io into Cargo's own cache, ~/.cargo/registry). Debug
builds only: a release build (thin LTO) would compile every dependency again."""

from __future__ import annotations

import json
import shlex
import shutil
import signal
import subprocess
import time
from pathlib import Path

from . import process
from .core import Example, example_check, readme_commands, run
from .process import free_port

STARTUP_TIMEOUT = 120  # seconds for `cargo run` to answer /healthz (a no-op build, then start)


def locked(command: str) -> str:
    """`cargo SUBCOMMAND ...` with `--locked` after the subcommand (unless present), so
    that the README's `cargo test` runs on Cargo.lock as it is."""
    words = shlex.split(command)
    if len(words) >= 2 and words[0] == "cargo" and "--locked" not in words:
        words.insert(2, "--locked")
    return shlex.join(words)


def get(port: int, path: str) -> tuple[int, str]:
    """(status, body) of GET http://127.0.0.1:PORT/PATH; status 0 when nothing answers."""
    return process.get(f"http://127.0.0.1:{port}{path}", timeout=5)


def cargo_env(ex: Example) -> dict:
    env = dict(ex.env)
    env.update({
        "CARGO_TARGET_DIR": str(ex.tools.cache / "cargo-target"),
        "CARGO_TERM_COLOR": "never",
        "CARGO_INCREMENTAL": "0",  # as CI: nothing to reuse between fresh renders
    })
    return env


@example_check("rust", order=205)
def check_rust(ex: Example) -> None:
    roots = sorted(p.parent for p in ex.project.rglob("Cargo.toml") if "target" not in p.parts)
    if not roots:
        return
    if not shutil.which("cargo", path=ex.env.get("PATH")):
        ex.record("FAIL", "cargo", "cargo is not on PATH: install Rust (rustup, or Debian's cargo, "
                  "with rustfmt and clippy)")
        return
    env = cargo_env(ex)
    commands = readme_commands(ex.project)
    for root in roots:
        where = "" if root == ex.project else f"[{root.relative_to(ex.project)}]"
        check_package(ex, root, where, env, commands if root == ex.project else [])


def check_package(ex: Example, root: Path, where: str, env: dict, commands: list[str]) -> None:
    code, out = run(["cargo", "fmt", "--check"], cwd=root, env=env)
    ex.result(code == 0, f"cargo-fmt{where}", out)

    lock = root / "Cargo.lock"
    if not lock.is_file():
        ex.record("FAIL", f"cargo-lock{where}", "Cargo.lock is missing: the dependencies must be locked")
        return
    before = lock.read_bytes()

    test = locked(commands[1]) if len(commands) == 2 else "cargo test --locked"
    code, out = run(["sh", "-c", test], cwd=root, env=env, timeout=1800)
    ex.result(code == 0, f"cargo-test{where} ({test})",
              out + ("\n(is crates.io reachable? does Cargo.lock match Cargo.toml?)" if code else ""))
    if code != 0:
        return

    # A developer's plain `cargo run`/`cargo test` may rewrite the lock; it must not
    # have to (the template puts the package's own entry where Cargo sorts it). Not
    # --offline: resolving for every target needs crates that a build for this one
    # did not download (e.g. redox_syscall), which a cold cache does not hold.
    code, out = run(["cargo", "metadata", "--format-version", "1"], cwd=root, env=env)
    after = lock.read_bytes()
    if after != before:
        lock.write_bytes(before)
    ex.result(code == 0 and after == before, f"cargo-lock{where} (unchanged by cargo)",
              out[-2000:] if code else "cargo rewrote Cargo.lock: the rendered lock is not what "
              "Cargo writes for this package (see docs/golden-paths.md, rust-service)")

    code, out = run(["cargo", "clippy", "--locked", "--all-targets", "--", "-D", "warnings"],
                    cwd=root, env=env, timeout=1800)
    ex.result(code == 0, f"cargo-clippy{where}", out)

    if len(commands) == 2:
        check_service(ex, root, where, env, locked(commands[0]))


def check_service(ex: Example, root: Path, where: str, env: dict, command: str) -> None:
    """The README's run command serves the probes and the metrics, then stops cleanly."""
    name = ex.answers.get("name", "")
    binary = Path(env["CARGO_TARGET_DIR"]) / "debug" / name
    label = f"service{where} ({command})"

    port = free_port()
    senv = dict(env, PORT=str(port), HOST="127.0.0.1", LOG_LEVEL="info", DRAIN_DELAY="2",
                SHUTDOWN_TIMEOUT="5")
    log = ex.scratch / "service.log"
    with open(log, "wb") as out:
        proc = subprocess.Popen(shlex.split(command), cwd=root, env=senv, stdout=out,
                                stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
    problems: list[str] = []
    try:
        deadline = time.monotonic() + STARTUP_TIMEOUT
        status = 0
        while time.monotonic() < deadline and proc.poll() is None:
            status, _ = get(port, "/healthz")
            if status:
                break
            time.sleep(0.3)
        if status != 200:
            problems.append(f"/healthz answered {status or 'nothing'} within {STARTUP_TIMEOUT}s")
        else:
            for path, want, text in (("/readyz", 200, '"ready"'), ("/v1/hello/harness", 200, "hello"),
                                     ("/no-such-route", 404, ""),
                                     ("/metrics", 200, 'http_requests_total{code="200",method="GET",route="/healthz"}')):
                got, body = get(port, path)
                if got != want or text not in body:
                    problems.append(f"GET {path}: {got}, want {want} with {text!r}:\n{body[:1500]}")
            code, hout = run([str(binary), "healthcheck"], env=senv, timeout=30)
            if code != 0:
                problems.append(f"`{name} healthcheck` exited {code}: {hout}")
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            time.sleep(0.5)
            got, _ = get(port, "/readyz")
            if got != 503:
                problems.append(f"GET /readyz while draining: {got or 'nothing'}, want 503")
        try:
            code = proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            code = proc.wait()
            problems.append("still running 30s after SIGTERM")
        if code != 0:
            problems.append(f"exit status {code} after SIGTERM, want 0")
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    lines = [line for line in log.read_text(errors="replace").splitlines() if line.strip()]
    logs = []
    for line in lines:
        if line.startswith("{"):
            try:
                logs.append(json.loads(line))
            except json.JSONDecodeError:
                problems.append(f"log line is not JSON: {line}")
        elif not line.lstrip().startswith(("Finished", "Running", "Compiling", "Blocking")):
            problems.append(f"log line is not JSON: {line}")  # cargo's own status lines aside
    messages = [str((entry.get("fields") or {}).get("message", "")) for entry in logs]
    for want in ("listening", "shutting down: readiness off, draining", "stopped"):
        if want not in messages:
            problems.append(f"no JSON log line with the message {want!r}")
    ex.result(not problems, label, "\n".join(problems) + "\n--- output:\n" + "\n".join(lines[-40:]))

    # An invalid environment is refused before anything listens (the binary `cargo run`
    # built above).
    if not binary.is_file():
        ex.record("FAIL", f"service-config{where}", f"{binary} was not built by `{command}`")
        return
    bad = dict(env, PORT="eighty", DRAIN_DELAY="soon")
    code, out = run([str(binary)], cwd=root, env=bad, timeout=30)
    ex.result(code == 2 and 'PORT="eighty"' in out and 'DRAIN_DELAY="soon"' in out,
              f"service-config{where} (invalid PORT and DRAIN_DELAY refused, exit 2)",
              f"exit {code}:\n{out}")

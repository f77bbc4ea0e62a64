"""Processes the harness starts and stops: a free loopback port, GET with a status, a
command in its own process group (so `make run` or `npm run dev` stops with every child),
waiting for /healthz, and the README's run command as one check."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path

STOP_TIMEOUT = 15    # seconds from SIGTERM to exit


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def get(url: str, timeout: float = 3) -> tuple[int, str]:
    """(status, body) of GET url; status 0 when nothing answered."""
    try:
        with urllib.request.urlopen(url, timeout=timeout) as r:
            return r.status, r.read().decode("utf-8", "replace")
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode("utf-8", "replace")
    except (urllib.error.URLError, OSError):
        return 0, ""


def start(cmd: list[str], cwd: Path, env: dict, log: Path) -> subprocess.Popen:
    """Start cmd in its own process group (so that the whole tree can be stopped)."""
    out = log.open("wb")
    return subprocess.Popen(cmd, cwd=cwd, env=env, stdout=out, stderr=subprocess.STDOUT,
                            stdin=subprocess.DEVNULL, start_new_session=True)


def wait_healthy(proc: subprocess.Popen, base: str, timeout: float) -> tuple[int, str]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            return 0, f"exited with status {proc.returncode} before /healthz answered"
        status, body = get(base + "/healthz", timeout=2)
        if status:
            return status, body
        time.sleep(0.5)
    return 0, f"/healthz did not answer within {timeout:.0f} s"


def group_alive(pgid: int) -> bool:
    """Whether a process of group pgid still runs (zombies left for init to reap do not
    count): read from /proc."""
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue  # gone meanwhile
        # After the command's closing parenthesis: state, ppid, pgrp.
        if len(fields) > 2 and fields[2] == str(pgid) and fields[0] not in ("Z", "X"):
            return True
    return False


def stop_group(proc: subprocess.Popen, sig: int = signal.SIGTERM) -> int | None:
    """Signal proc's process group and wait until every process of it is gone (not only
    the leader: `sh -c 'make run'` ends before the server it started); the leader's exit
    status, or None when the group had to be killed."""
    try:
        os.killpg(proc.pid, sig)
    except ProcessLookupError:
        pass
    deadline = time.monotonic() + STOP_TIMEOUT
    status: int | None = None
    try:
        status = proc.wait(timeout=STOP_TIMEOUT)
        while group_alive(proc.pid) and time.monotonic() < deadline:
            time.sleep(0.05)
        if not group_alive(proc.pid):
            return status
    except subprocess.TimeoutExpired:
        pass
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    proc.wait()
    while group_alive(proc.pid) and time.monotonic() < deadline + 5:
        time.sleep(0.05)
    return None


def tail(log: Path, limit: int = 4000) -> str:
    text = log.read_text(errors="replace") if log.exists() else ""
    return text[-limit:]


def check_readme_run(ex, root: Path, run_cmd: str, env: dict, where: str, timeout: float,
                     may_finish: bool = False) -> bool:
    """Run the README's run command in root until GET /healthz on env's PORT answers 200,
    then stop its process group; one `readme-run` line. With may_finish, a command that
    ends with status 0 first (a command-line tool's run) passes too. True when it passed."""
    # The servers the tests got are the ones the run uses, as the README's later steps
    # (`export DATABASE_URL=...`) would set them.
    env = dict(env)
    for test_variable, variable in (("TEST_DATABASE_URL", "DATABASE_URL"), ("TEST_REDIS_URL", "REDIS_URL")):
        if env.get(test_variable) and not env.get(variable):
            env[variable] = env[test_variable]
    log = ex.scratch / "readme-run.log"
    proc = start(["sh", "-c", run_cmd], root, env, log)
    try:
        status, body = wait_healthy(proc, f"http://127.0.0.1:{env['PORT']}", timeout)
    finally:
        stop_group(proc)
    if may_finish and status == 0 and proc.returncode == 0:
        ex.result(True, f"readme-run{where} (`{run_cmd}`: ran to completion, exit 0)")
        return True
    ok = status == 200
    ex.result(ok, f"readme-run{where} (`{run_cmd}`: /healthz {status or 'no answer'})",
              f"$ {run_cmd}\n{body}\n{tail(log)}")
    return ok

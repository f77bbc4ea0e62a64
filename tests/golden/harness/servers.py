"""Servers the checks need, started on loopback at most once per harness run and
stopped when it exits:

    redis() -> str    a redis:// URL of a redis-server on 127.0.0.1

Each server runs from Debian's package (installed with apt-get when its binary is
missing, which needs root), on a free port, with its data in a temporary directory and
no persistence. A server that cannot be had raises ServerUnavailable, saying why.
"""

from __future__ import annotations

import atexit
import os
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

START_TIMEOUT = 30.0  # seconds for a server to answer after it was started


class ServerUnavailable(RuntimeError):
    """The server could not be installed or started; the message says why."""


_started: dict[str, str] = {}  # server name -> its URL, once started


def installed(binary: str, package: str) -> str:
    """The path of binary, installing Debian's package when it is missing."""
    found = shutil.which(binary) or next(
        (str(p) for p in (Path("/usr/bin") / binary, Path("/usr/sbin") / binary) if p.exists()), None)
    if found:
        return found
    if not shutil.which("apt-get"):
        raise ServerUnavailable(f"{binary} is not installed and there is no apt-get to install {package}")
    if os.geteuid() != 0:
        raise ServerUnavailable(f"{binary} is not installed; installing {package} needs root: "
                                f"sudo apt-get install {package}")
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    install = ["apt-get", "install", "-y", "-qq", "--no-install-recommends", package]
    out = ""
    for cmd in (install, ["apt-get", "update", "-qq"], install):
        p = subprocess.run(cmd, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                           stderr=subprocess.STDOUT, text=True, timeout=900, check=False)
        out = p.stdout
        if p.returncode == 0 and cmd is install and shutil.which(binary):
            return str(shutil.which(binary))
    raise ServerUnavailable(f"apt-get install {package} failed:\n{out[-3000:]}")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start(name: str, argv: list[str], workdir: Path, ready: Callable[[], bool], url: str) -> str:
    """Start argv in workdir, wait until ready() holds, and stop it (and remove workdir)
    at exit. Returns url."""
    log = workdir / f"{name}.log"
    with log.open("wb") as out:
        proc = subprocess.Popen(argv, cwd=workdir, stdin=subprocess.DEVNULL, stdout=out,
                                stderr=subprocess.STDOUT, start_new_session=True)

    def stop() -> None:
        if proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=10)
        shutil.rmtree(workdir, ignore_errors=True)

    atexit.register(stop)
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            text = log.read_text(errors="replace")[-3000:]
            stop()
            raise ServerUnavailable(f"{name} exited with {proc.returncode} at startup:\n{text}")
        if ready():
            return url
        time.sleep(0.1)
    text = log.read_text(errors="replace")[-3000:]
    stop()
    raise ServerUnavailable(f"{name} did not answer within {START_TIMEOUT:.0f}s:\n{text}")


def _redis_answers(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1) as s:
            s.sendall(b"PING\r\n")
            return s.recv(16).startswith(b"+PONG")
    except OSError:
        return False


def redis() -> str:
    """A redis:// URL (database 0) of this run's redis-server."""
    if "redis" not in _started:
        binary = installed("redis-server", "redis-server")
        port = free_port()
        workdir = Path(tempfile.mkdtemp(prefix="harness-redis-"))
        argv = [binary, "--bind", "127.0.0.1", "--port", str(port), "--dir", str(workdir),
                "--save", "", "--appendonly", "no", "--daemonize", "no", "--protected-mode", "yes"]
        _started["redis"] = start("redis-server", argv, workdir, lambda: _redis_answers(port),
                                  f"redis://127.0.0.1:{port}/0")
    return _started["redis"]

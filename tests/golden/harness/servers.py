"""Real servers on loopback for the checks that need them: PostgreSQL and Redis.

Each function starts its server once per harness run (later calls return the same
URL), on 127.0.0.1 and a free port, with its data in a temporary directory; the server
is stopped and the directory removed when the harness exits. A missing server is
installed from Debian's packages (apt-get). Run as root, the server runs as an
unprivileged user (`postgres` or `redis` when the packages created them, else a
`scaffold-ci` system user), since PostgreSQL refuses to run as root.
"""

from __future__ import annotations

import atexit
import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path

_STARTED: dict[str, str] = {}


class ServerError(RuntimeError):
    """A server could not be installed or started; the message says why."""


# The name the python checks catch.
ServerUnavailable = ServerError


def _run(cmd: list[str], timeout: int = 300) -> str:
    p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                       text=True, timeout=timeout)
    if p.returncode != 0:
        raise ServerError(f"{' '.join(cmd)} exited {p.returncode}:\n{p.stdout}")
    return p.stdout


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _apt_install(package: str) -> None:
    if not shutil.which("apt-get"):
        raise ServerError(f"{package} is not installed and apt-get is not available to install it")
    if os.geteuid() != 0:
        raise ServerError(f"{package} is not installed; install it (apt-get install {package}) or run as root")
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    for cmd in (["apt-get", "update", "-q"], ["apt-get", "install", "-y", "-q", "--no-install-recommends", package]):
        p = subprocess.run(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, timeout=900)
        if p.returncode != 0:
            raise ServerError(f"{' '.join(cmd)} exited {p.returncode}:\n{p.stdout[-3000:]}")


def _find(binary: str, extra: list[str]) -> str | None:
    found = shutil.which(binary)
    if found:
        return found
    for pattern in extra:
        hits = sorted(glob.glob(pattern))
        if hits:
            return hits[-1]
    return None


def _user(preferred: str) -> str | None:
    """The user to run a server as: None when not root, else `preferred` or scaffold-ci."""
    if os.geteuid() != 0:
        return None
    for name in (preferred, "scaffold-ci"):
        try:
            pwd.getpwnam(name)
            return name
        except KeyError:
            continue
    _run(["useradd", "--system", "--no-create-home", "--shell", "/usr/sbin/nologin", "scaffold-ci"])
    return "scaffold-ci"


def _as(user: str | None, cmd: list[str]) -> list[str]:
    return ["runuser", "-u", user, "--", *cmd] if user else cmd


def _data_dir(prefix: str, user: str | None) -> Path:
    d = Path(tempfile.mkdtemp(prefix=prefix))
    if user:
        pw = pwd.getpwnam(user)
        os.chown(d, pw.pw_uid, pw.pw_gid)
    return d


def postgres() -> str:
    """The URL of a PostgreSQL server on loopback (superuser `scaffold`, database
    `postgres`, no password: trust on 127.0.0.1 only)."""
    if "postgres" in _STARTED:
        return _STARTED["postgres"]
    bins = ["/usr/lib/postgresql/*/bin/initdb"]
    initdb = _find("initdb", bins)
    if not initdb:
        _apt_install("postgresql")
        initdb = _find("initdb", bins)
        if not initdb:
            raise ServerError("postgresql was installed but initdb is not found")
    pg_ctl = str(Path(initdb).with_name("pg_ctl"))
    if not Path(pg_ctl).exists():
        pg_ctl = _find("pg_ctl", ["/usr/lib/postgresql/*/bin/pg_ctl"]) or "pg_ctl"
    user = _user("postgres")
    root = _data_dir("scaffold-postgres-", user)
    data, port = root / "data", _free_port()
    _run(_as(user, [initdb, "-D", str(data), "-U", "scaffold", "--auth=trust", "-E", "UTF8",
                    "--no-instructions"]))
    log = root / "postgres.log"
    options = f"-c listen_addresses=127.0.0.1 -p {port} -k {root} -c fsync=off"
    try:
        _run(_as(user, [pg_ctl, "-D", str(data), "-l", str(log), "-o", options, "-w", "-t", "60", "start"]))
    except ServerError as e:
        text = log.read_text() if log.exists() else ""
        shutil.rmtree(root, ignore_errors=True)
        raise ServerError(f"{e}\n{text[-3000:]}") from None

    def stop() -> None:
        subprocess.run(_as(user, [pg_ctl, "-D", str(data), "-m", "fast", "-w", "stop"]),
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        shutil.rmtree(root, ignore_errors=True)

    atexit.register(stop)
    url = f"postgres://scaffold@127.0.0.1:{port}/postgres?sslmode=disable"
    _STARTED["postgres"] = url
    return url


def postgres_database(name: str) -> str:
    """A fresh, empty database `name` on the server of postgres() (dropped first when
    it exists), as a postgres:// URL."""
    base = postgres()
    psql = shutil.which("psql") or _find("psql", ["/usr/lib/postgresql/*/bin/psql"])
    if not psql:
        raise ServerError("psql is not found (it comes with the postgresql package)")
    for sql in (f'DROP DATABASE IF EXISTS "{name}"', f'CREATE DATABASE "{name}"'):
        _run([psql, base, "-v", "ON_ERROR_STOP=1", "-q", "-c", sql], timeout=60)
    return base.replace("/postgres?", f"/{name}?")


# Databases of the harness's redis-server: each project's tests get one of their own
# (database 0 is not handed out), so nothing an earlier project left running (a worker
# still draining) can take the next project's jobs.
REDIS_DATABASES = 64
_redis_next = [0]


def redis() -> str:
    """The URL of an empty database of the harness's redis-server on loopback (no
    password): another database at each call, flushed first."""
    base = _redis_server()
    _redis_next[0] = _redis_next[0] % (REDIS_DATABASES - 1) + 1
    db = _redis_next[0]
    port = int(base.rsplit(":", 1)[1].split("/", 1)[0])
    answer = _redis_ask(port, [f"SELECT {db}", "FLUSHDB"], timeout=5)
    if answer != b"+OK\r\n+OK\r\n":
        raise ServerError(f"redis-server on 127.0.0.1:{port} did not flush database {db}: {answer!r}")
    return f"{base.rsplit('/', 1)[0]}/{db}"


def _redis_ask(port: int, commands: list[str], timeout: float) -> bytes:
    """The replies of the redis-server on port to inline commands (one line each)."""
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as s:
        s.sendall("".join(f"{c}\r\n" for c in commands).encode())
        answer = b""
        while answer.count(b"\r\n") < len(commands):
            chunk = s.recv(64)
            if not chunk:
                break
            answer += chunk
    return answer


def _redis_server() -> str:
    """The URL of the harness's redis-server (database 0), started at the first call."""
    if "redis" in _STARTED:
        return _STARTED["redis"]
    server = _find("redis-server", [])
    if not server:
        _apt_install("redis-server")
        server = _find("redis-server", ["/usr/bin/redis-server"])
        if not server:
            raise ServerError("redis-server was installed but is not found")
    user = _user("redis")
    root = _data_dir("scaffold-redis-", user)
    port = _free_port()
    proc = subprocess.Popen(_as(user, [server, "--bind", "127.0.0.1", "--port", str(port), "--dir", str(root),
                                       "--save", "", "--appendonly", "no", "--protected-mode", "yes",
                                       "--databases", str(REDIS_DATABASES)]),
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 30
    while True:
        try:
            if _redis_ask(port, ["PING"], timeout=1).startswith(b"+PONG"):
                break
        except OSError:
            pass
        if proc.poll() is not None or time.monotonic() > deadline:
            proc.kill()
            shutil.rmtree(root, ignore_errors=True)
            raise ServerError(f"redis-server did not answer PING on 127.0.0.1:{port}")
        time.sleep(0.1)

    def stop() -> None:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
        shutil.rmtree(root, ignore_errors=True)

    atexit.register(stop)
    url = f"redis://127.0.0.1:{port}/0"
    _STARTED["redis"] = url
    return url

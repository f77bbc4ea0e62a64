"""Go modules, checked as the generated CI and README do: gofmt; the README's test
command (its first code block's second command, e.g. `make test`, which also
generates the gRPC code); `go mod tidy -diff` (go.mod and the rendered go.sum must
already be tidy); go vet; `go build -mod=readonly` (every required module's checksum
is in the rendered go.sum). A project with a database (internal/database) gets a
fresh PostgreSQL database on loopback as TEST_DATABASE_URL (harness/servers.py), and
its database tests must run rather than skip."""

from __future__ import annotations

import hashlib
import os
import re

from . import servers
from .core import Example, example_check, readme_commands, run
from .process import check_readme_run, free_port

RUN_TIMEOUT = 240  # seconds for the README's run command (a `go run` build) to serve


def go_requires(gomod: str) -> list[str]:
    """The module paths a go.mod requires."""
    requires = re.findall(r"^require\s+([^\s(]+)\s", gomod, re.M)
    for block in re.findall(r"^require\s*\((.*?)^\)", gomod, re.S | re.M):
        for line in block.splitlines():
            line = line.split("//", 1)[0].strip()
            if line:
                requires.append(line.split()[0])
    return requires


def _env(ex: Example) -> dict | None:
    """The example's environment for Go: modules read-only (go.sum is the lock), cgo on
    for the README's `go test -race`, and TEST_DATABASE_URL for a project with a
    database (kept when an add-on check already set it). None when the database
    could not be had (recorded as a failure)."""
    env = dict(ex.env)
    env["GOFLAGS"] = "-mod=readonly"
    env["CGO_ENABLED"] = "1"
    if (ex.project / "internal" / "database").is_dir() and not env.get("TEST_DATABASE_URL"):
        name = "go_" + hashlib.sha256(ex.label.encode()).hexdigest()[:12]
        try:
            env["TEST_DATABASE_URL"] = servers.postgres_database(name)
        except servers.ServerError as e:
            ex.record("FAIL", "postgres", str(e))
            return None
    return env


@example_check("go", order=200)
def check_go(ex: Example) -> None:
    mods = sorted(p.parent for p in ex.project.rglob("go.mod"))
    if not mods:
        return
    env = _env(ex)
    if env is None:
        return
    tools = ex.tools
    go = tools.tool("go")
    commands = readme_commands(ex.project)
    for root in mods:
        where = "" if root == ex.project else f"[{root.relative_to(ex.project)}]"
        code, out = run([tools.gofmt, "-l", "."], cwd=root, env=env)
        ex.result(code == 0 and not out.strip(), f"gofmt{where}", out or f"gofmt exited {code}")

        if root == ex.project:
            # The README's test command, as a developer runs it (it generates gen/ first
            # when the project serves gRPC).
            if len(commands) != 2:
                ex.record("FAIL", "readme-test", f"the README's first code block has {len(commands)} "
                          f"commands, not the run and the test command: {commands}")
            else:
                code, out = run(["sh", "-c", commands[1]], cwd=root, env=env)
                ex.result(code == 0 and "\nok " in "\n" + out, f"readme-test[{commands[1]}]", out)
                # The README's run command serves: /healthz answers on PORT (the gRPC
                # port and the database as the README's later steps would set them).
                port = grpc_port = free_port()
                while grpc_port == port:
                    grpc_port = free_port()
                run_env = dict(env, PORT=str(port), GRPC_PORT=str(grpc_port), DRAIN_DELAY="0")
                check_readme_run(ex, root, commands[0], run_env, "", RUN_TIMEOUT)
                if (root / "internal" / "database").is_dir():
                    # The database tests ran against the server rather than skipping.
                    code, out = run([go, "test", "-count=1", "-v", "-run", "TestMigrate", "./internal/database/"],
                                    cwd=root, env=env)
                    ok = code == 0 and "--- PASS: TestMigrate" in out and "--- SKIP" not in out
                    ex.result(ok, "go-test-postgres (TestMigrate against PostgreSQL)", out)

        requires = go_requires((root / "go.mod").read_text())
        tidy_env = dict(env, GOFLAGS="")
        code, out = run([go, "mod", "tidy", "-diff"], cwd=root, env=tidy_env)
        # A cold module cache makes go report its downloads; only a diff is a failure.
        diff = "\n".join(l for l in out.splitlines() if not l.startswith("go: downloading "))
        ex.result(code == 0 and not diff.strip(), f"go-mod-tidy{where} ({len(requires)} required modules, "
                  "go.mod and go.sum unchanged)", out or f"go mod tidy -diff exited {code}")
        for check, cmd in (("go-vet", ["go", "vet", "./..."]),
                           ("go-build", ["go", "build", "-mod=readonly", "-o", os.devnull, "./..."])):
            code, out = run([tools.tool(cmd[0])] + cmd[1:], cwd=root, env=env)
            ex.result(code == 0, f"{check}{where}", out)

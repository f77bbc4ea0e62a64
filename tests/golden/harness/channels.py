"""The distribution channels of scaffold itself, checked once per run (a setup hook):

    image       hadolint on the repository's Dockerfile
    action      action.yml against the GitHub Actions metadata schema (SchemaStore's,
                vendored by check-jsonschema); shellcheck on its composite run scripts
    workflows   .github/workflows/*.yml against the workflow schema (and the
                every-job-has-a-timeout rule), then actionlint built from its Go module
                (github.com/rhysd/actionlint, through the Go module proxy into the
                harness cache; shellcheck from the venv lints the run: scripts)
    pre-commit  `pre-commit validate-manifest .pre-commit-hooks.yaml` (pre-commit's own
                manifest schema)
    agree       the pinned values agree: the docker hook's image tag is the workspace
                version; action.yml's default image is every golden path's
                `scaffold_image` default

Run alone (no scaffold binary needed): python3 tests/golden/harness/channels.py
"""

from __future__ import annotations

import json
import os
import re
import sys
from pathlib import Path

if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from harness.core import REPO, Results, Tools, run, setup_hook  # noqa: E402

ACTIONLINT_MODULE = "github.com/rhysd/actionlint/cmd/actionlint"
ACTIONLINT_VERSION = "v1.7.12"
LABEL = "scaffold"

# The composite action's run scripts, each as its own file, for shellcheck (run
# inside the tools venv, which has PyYAML).
EXTRACT_RUN = """
import sys, yaml
action = yaml.safe_load(open(sys.argv[1]))
for i, step in enumerate(action["runs"].get("steps", [])):
    if "run" in step:
        path = f"{sys.argv[2]}/step-{i}.{step.get('shell', 'bash')}"
        open(path, "w").write(step["run"])
        print(path)
"""


def actionlint(tools: Tools) -> tuple[str | None, str]:
    """The actionlint binary (built once into the harness's GOPATH), or None and why."""
    exe = Path(tools.env["GOPATH"]) / "bin" / "actionlint"
    if exe.exists():
        code, out = run([str(exe), "-version"], env=tools.env)
        if code == 0 and out.startswith(ACTIONLINT_VERSION.lstrip("v")):
            return str(exe), ""
    code, out = run([tools.tool("go"), "install", f"{ACTIONLINT_MODULE}@{ACTIONLINT_VERSION}"],
                    env=dict(tools.env, GOFLAGS=""), timeout=900)
    if code != 0 or not exe.exists():
        return None, f"go install {ACTIONLINT_MODULE}@{ACTIONLINT_VERSION} failed:\n{out}"
    return str(exe), ""


def check_action(tools: Tools, res: Results, action: Path) -> None:
    code, out = run([tools.tool("check-jsonschema"), "--builtin-schema", "vendor.github-actions",
                     str(action)], env=tools.env)
    res.record("PASS" if code == 0 else "FAIL", LABEL, "action[schema]", out)
    scratch = tools.cache / "channels"
    scratch.mkdir(parents=True, exist_ok=True)
    code, out = run([str(tools.python), "-c", EXTRACT_RUN, str(action), str(scratch)], env=tools.env)
    scripts = out.split() if code == 0 else []
    if code != 0 or not scripts:
        res.record("FAIL", LABEL, "action[shellcheck]", out or "action.yml has no run scripts")
        return
    code, out = run([tools.tool("shellcheck"), "--shell=bash", *scripts], env=tools.env)
    res.record("PASS" if code == 0 else "FAIL", LABEL, "action[shellcheck]", out)


def check_workflows(tools: Tools, res: Results, workflows: list[Path]) -> None:
    if not workflows:
        res.record("FAIL", LABEL, "workflows", f"no workflows in {REPO / '.github/workflows'}")
        return
    for schema in ("vendor.github-workflows", "custom.github-workflows-require-timeout"):
        code, out = run([tools.tool("check-jsonschema"), "--builtin-schema", schema,
                         *map(str, workflows)], env=tools.env)
        res.record("PASS" if code == 0 else "FAIL", LABEL, f"workflows[{schema}]", out)
    exe, why = actionlint(tools)
    if exe is None:
        res.record("FAIL", LABEL, "workflows[actionlint]", why)
        return
    code, out = run([exe, "-no-color", *map(str, workflows)], cwd=REPO, env=tools.env)
    res.record("PASS" if code == 0 else "FAIL", LABEL, "workflows[actionlint]", out)


def workspace_version() -> str:
    text = (REPO / "Cargo.toml").read_text()
    section = text.split("[workspace.package]", 1)[1]
    return re.search(r'^version = "([^"]+)"', section, re.M).group(1)


def scaffold_image_defaults() -> dict[str, str]:
    """Every golden path's `scaffold_image` default (by a line scan: stdlib only)."""
    found = {}
    for d in sorted((REPO / "golden-paths").glob("*.yaml")):
        m = re.search(r"^      scaffold_image:\n(?:        .*\n)*?        default: (\S+)", d.read_text(), re.M)
        if m:
            found[d.stem] = m.group(1).strip("'\"")
    return found


def check_agreement(res: Results) -> None:
    version = workspace_version()
    hooks = (REPO / ".pre-commit-hooks.yaml").read_text()
    m = re.search(r"entry: (\S+):(\S+) check", hooks)
    ok = bool(m) and m.group(2) == version
    res.record("PASS" if ok else "FAIL", LABEL, "agree[pre-commit image tag]",
               f"scaffold-check-docker runs {m.group(0) if m else 'no image'}; the workspace version is {version}")
    action = (REPO / "action.yml").read_text()
    m2 = re.search(r"^  image:\n(?:    .*\n)*?    default: (\S+)", action, re.M)
    image = m2.group(1) if m2 else None
    defaults = scaffold_image_defaults()
    differ = {k: v for k, v in defaults.items() if v != image}
    ok = image is not None and bool(defaults) and not differ and (not m or m.group(1) == image)
    res.record("PASS" if ok else "FAIL", LABEL, "agree[scaffold image]",
               f"action.yml's default image is {image}; the pre-commit hook's {m.group(1) if m else None}; "
               f"golden paths with another scaffold_image default: {json.dumps(differ)}"
               + ("" if defaults else "; no golden path has a scaffold_image parameter"))


@setup_hook("channels")
def check_channels(tools: Tools, res: Results) -> None:
    dockerfile = REPO / "Dockerfile"
    code, out = run([tools.tool("hadolint"), "--no-color", "Dockerfile"], cwd=REPO, env=tools.env)
    res.record("PASS" if code == 0 and dockerfile.is_file() else "FAIL", LABEL, "image[hadolint]", out)
    check_action(tools, res, REPO / "action.yml")
    check_workflows(tools, res, sorted((REPO / ".github" / "workflows").glob("*.y*ml"))
                    + [REPO / "docs" / "examples" / "fleet.yml"])
    code, out = run([tools.tool("pre-commit"), "validate-manifest", ".pre-commit-hooks.yaml"],
                    cwd=REPO, env=dict(tools.env, PRE_COMMIT_HOME=str(tools.cache / "pre-commit")))
    res.record("PASS" if code == 0 else "FAIL", LABEL, "pre-commit[validate-manifest]", out)
    check_agreement(res)


def main() -> int:
    cache = Path(os.environ.get("SCAFFOLD_CI_CACHE", Path.home() / ".cache" / "scaffold-ci"))
    tools = Tools(cache)
    res = Results()
    problem = tools.install()
    if problem:
        res.record("FAIL", "setup", "tools", problem)
    else:
        check_channels(tools, res)
    print(res.summary())
    return 1 if res.failed else 0


if __name__ == "__main__":
    sys.exit(main())

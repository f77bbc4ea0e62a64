#!/usr/bin/env python3
"""Deterministic generator of a synthetic golden path for scaffold's benchmarks.

Python 3.9+ standard library only; the git CLI for `--git`.

    gen_golden_path.py gen N [--seed S] --out DIR [--git] [--meta FILE]
    gen_golden_path.py edit PROJECT --meta FILE [--seed S] [--percent P]

`gen` writes a golden path of N skeleton files to DIR: `DIR/golden-path.yaml` and
`DIR/skeleton/...`. The files are:

- 70% `.tera` text files of 20-60 lines with 3-10 expressions each: always an
  `{% if %}`, a `{% for %}` whose body uses a filter, and `{{ }}` expressions drawn
  from builtin filters (upper, title, length, join, default, replace) and scaffold's
  own (snake_case, kebab_case, pascal_case);
- 20% verbatim text (some carry GitHub Actions `${{ }}` and Helm `{{ .Values }}`
  syntax, which must be copied untouched; a tenth are executable shell scripts);
- 10% binary files of 1 byte to 64 KiB.

Files sit 20 to a directory; directories are spread over top-level directories of
which three have templated names (`{{ module_dir }}`, `svc_{{ name }}`,
`{{ name | snake_case }}_lib`), and every fifth leaf directory has a templated name
too; every tenth `.tera` file has a templated file name. Answers needed: `name` and
`owner` (everything else has a default), e.g. `--set name=bench-svc --set owner=team-bench`.

With `--git`, DIR becomes a git repository with two tagged commits: v1.0.0 (the tree
above) and v2.0.0, which edits 1% of the `.tera` files (one plain line changed and
given an expression, in the middle of the file), adds 2 `.tera` files, deletes 1 and
renames 1. What v2 changed is written to the `--meta` JSON file (default:
`DIR.meta.json`, outside the repository), which `edit` reads.

`edit` makes local edits in a project generated from v1: P% (default 1%) of the
project's generated files, text files only. Exactly one of them conflicts with v2
(the line v2 changed is changed locally too); the others append a line at the end of
the file, and half of them, where possible, are files v2 also edited (clean merges).
Files v2 deletes or renames are left alone. It prints a JSON summary.

Everything is a function of (N, seed): two runs give byte-identical trees.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import shutil
import subprocess
import sys
from pathlib import Path

FILES_PER_DIR = 20
TOP_DIRS = [
    "{{ module_dir }}",
    "svc_{{ name }}",
    "{{ name | snake_case }}_lib",
    "config",
    "docs",
    "assets",
    "scripts",
]
TERA_EXTS = ["go", "yaml", "md", "py", "toml", "txt"]
TEXT_EXTS = ["txt", "yaml", "cfg", "md"]
WORDS = (
    "alpha beta gamma delta service handler request response config metrics "
    "tracing logging health ready deploy build test cache queue worker client "
    "server router store index value result error retry timeout budget owner"
).split()
# `{{ }}` expressions for plain lines; the `for` body adds a filter of its own.
EXPRESSIONS = [
    "{{ name }}",
    "{{ name | upper }}",
    "{{ owner | title }}",
    "{{ name | snake_case }}",
    "{{ name | pascal_case }}",
    "{{ name | kebab_case }}",
    "{{ port }}",
    "{{ features | length }}",
    '{{ features | join(sep=", ") }}',
    '{{ description | default(value="n/a") }}',
    '{{ name | replace(from="-", to="_") }}',
]
# Filler lines carry `fNNNNN.LL` (file id, line number); file names carry `fNNNNN.`.
FILLER = re.compile(r"\bf\d{5}\.\d{2} ")
FILE_ID = re.compile(r"f(\d{5})\.")
COMMENT = {"go": "//", "yaml": "#", "md": "", "py": "#", "toml": "#", "txt": "", "cfg": ";"}

DEFINITION = """\
apiVersion: scaffold/v1
kind: GoldenPath
metadata:
  name: synthetic
  title: Synthetic benchmark golden path
  description: {n} generated skeleton files (seed {seed}) for scaffold's benchmarks
  version: {version}
  owner: group:platform-team
  tags: [benchmark]
spec:
  parameters:
    type: object
    required: [name, owner]
    properties:
      name: {{type: string, pattern: '^[a-z][a-z0-9-]{{1,40}}[a-z0-9]$', description: Service name}}
      owner: {{type: string, description: Owning team}}
      description: {{type: string, default: Synthetic benchmark service}}
      module_dir: {{type: string, default: internal}}
      port: {{type: integer, minimum: 1024, maximum: 65535, default: 8080}}
      with_db: {{type: boolean, default: true}}
      features:
        type: array
        items: {{type: string}}
        default: [metrics, tracing, logging, health]
  skeletons:
    - path: skeleton
  examples:
    - {{name: bench-svc, owner: team-bench}}
"""


def plain_line(rng: random.Random, ext: str, fid: int, j: int) -> str:
    """A line of filler text, unique in the whole tree thanks to (fid, j)."""
    words = " ".join(rng.choice(WORDS) for _ in range(rng.randint(3, 9)))
    c = COMMENT.get(ext, "#")
    return f"{c} f{fid:05d}.{j:02d} {words}".lstrip()


def tera_file(rng: random.Random, ext: str, fid: int) -> str:
    n_lines = rng.randint(20, 60)
    n_expr = rng.randint(3, 10)
    # The if block (5 lines) and the for block (3 lines) count 1 + 2 expressions
    # (`if`; `for` and its body's filtered `{{ f | upper }}`).
    n_plain_exprs = n_expr - 3
    body_lines = n_lines - 8
    lines = [plain_line(rng, ext, fid, j) for j in range(body_lines)]
    for j in rng.sample(range(body_lines), n_plain_exprs):
        lines[j] = f"{lines[j]} = {rng.choice(EXPRESSIONS)}"
    if_at = rng.randint(2, body_lines // 2)
    lines[if_at:if_at] = [
        "{% if with_db %}",
        f"database: enabled for f{fid:05d}",
        "{% else %}",
        "database: disabled",
        "{% endif %}",
    ]
    for_at = rng.randint(if_at + 6, len(lines) - 1)
    lines[for_at:for_at] = [
        "{% for f in features %}",
        f"feature f{fid:05d}: {{{{ f | upper }}}}",
        "{% endfor %}",
    ]
    return "\n".join(lines) + "\n"


def text_file(rng: random.Random, ext: str, fid: int) -> str:
    lines = [plain_line(rng, ext, fid, j) for j in range(rng.randint(20, 60))]
    if fid % 3 == 0:
        # Syntax of other template languages: copied byte for byte, never rendered.
        lines.insert(1, "image: ${{ github.repository }}:${{ github.sha }}")
        lines.insert(2, "replicas: {{ .Values.replicas }}")
    return "\n".join(lines) + "\n"


def binary_file(rng: random.Random) -> bytes:
    size = rng.randint(1, 64 * 1024)
    return (b"\x89BIN\x00" + rng.randbytes(size))[:size]


def skeleton_files(n: int, seed: int) -> dict[str, tuple[bytes, bool]]:
    """Skeleton-relative path -> (content, executable), for version 1."""
    rng = random.Random(f"scaffold-bench:{seed}:{n}")
    n_tera = round(n * 0.7)
    n_text = round(n * 0.2)
    kinds = ["tera"] * n_tera + ["text"] * n_text + ["bin"] * (n - n_tera - n_text)
    rng.shuffle(kinds)
    files: dict[str, tuple[bytes, bool]] = {}
    for fid, kind in enumerate(kinds):
        d = fid // FILES_PER_DIR
        top = TOP_DIRS[d % len(TOP_DIRS)]
        leaf = f"{{{{ name | kebab_case }}}}-m{d:04d}" if d % 5 == 4 else f"pkg{d:04d}"
        folder = f"{top}/{leaf}"
        executable = False
        if kind == "tera":
            ext = TERA_EXTS[fid % len(TERA_EXTS)]
            stem = f"{{{{ name }}}}_f{fid:05d}" if fid % 10 == 0 else f"f{fid:05d}"
            path = f"{folder}/{stem}.{ext}.tera"
            content = tera_file(rng, ext, fid).encode()
        elif kind == "text":
            if fid % 10 == 0:
                path = f"{folder}/f{fid:05d}.sh"
                content = ("#!/bin/sh\n" + text_file(rng, "sh", fid)).encode()
                executable = True
            else:
                ext = TEXT_EXTS[fid % len(TEXT_EXTS)]
                path = f"{folder}/f{fid:05d}.{ext}"
                content = text_file(rng, ext, fid).encode()
        else:
            path = f"{folder}/f{fid:05d}.bin"
            content = binary_file(rng)
        files[path] = (content, executable)
    return files


def write_tree(out: Path, n: int, seed: int, version: str, files) -> None:
    (out / "golden-path.yaml").write_text(DEFINITION.format(n=n, seed=seed, version=version))
    for rel, (content, executable) in files.items():
        p = out / "skeleton" / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_bytes(content)
        os.chmod(p, 0o755 if executable else 0o644)


def git(repo: Path, *args: str) -> None:
    subprocess.run(
        ["git", "-c", "user.name=bench", "-c", "user.email=bench@localhost",
         "-c", "commit.gpgsign=false", "-c", "tag.gpgsign=false", "-c", "core.autocrlf=false",
         "-c", "gc.auto=0",  # no background gc while the benchmark reads the repository
         *args],
        cwd=repo, check=True, stdout=subprocess.DEVNULL,
    )


def make_v2(files: dict[str, tuple[bytes, bool]], n: int, seed: int):
    """Return the v2 file set and what changed."""
    rng = random.Random(f"scaffold-bench-v2:{seed}:{n}")
    tera = sorted(p for p in files if p.endswith(".tera"))
    n_edit = max(1, round(len(files) * 0.01))
    picked = rng.sample(tera, n_edit + 2)
    edited_paths, deleted, renamed_from = picked[:n_edit], picked[n_edit], picked[n_edit + 1]
    v2 = dict(files)
    edited = []
    for p in edited_paths:
        content, executable = v2[p]
        lines = content.decode().split("\n")
        # A filler line without an expression (so it renders as is), near the middle.
        candidates = [i for i, l in enumerate(lines) if FILLER.search(l) and "{" not in l]
        i = min(candidates, key=lambda i: abs(i - len(lines) // 2))
        old = lines[i]
        lines[i] = f"{old} (changed in v2 for {{{{ name | kebab_case }}}})"
        v2[p] = ("\n".join(lines).encode(), executable)
        edited.append({"skeleton": p, "old_line": old})
    del v2[deleted]
    folder, base = renamed_from.rsplit("/", 1)
    renamed_to = f"{folder}/renamed_{base}"
    v2[renamed_to] = v2.pop(renamed_from)
    added = []
    for k, folder in enumerate([tera[0].rsplit("/", 1)[0], "{{ module_dir }}/v2_new"]):
        p = f"{folder}/added_v2_{k}.go.tera"
        v2[p] = (tera_file(rng, "go", 90000 + k).encode(), False)
        added.append(p)
    meta = {
        "edited": edited,
        "added": added,
        "deleted": deleted,
        "renamed": {"from": renamed_from, "to": renamed_to},
    }
    return v2, meta


def cmd_gen(args) -> None:
    out = Path(args.out)
    if out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True)
    files = skeleton_files(args.n, args.seed)
    write_tree(out, args.n, args.seed, "1.0.0", files)
    meta = {"n": args.n, "seed": args.seed, "files": len(files)}
    if args.git:
        git(out, "init", "-q", "-b", "main")
        git(out, "add", "-A")
        git(out, "commit", "-q", "-m", "v1.0.0")
        git(out, "tag", "v1.0.0")
        v2, changes = make_v2(files, args.n, args.seed)
        shutil.rmtree(out / "skeleton")
        write_tree(out, args.n, args.seed, "2.0.0", v2)
        git(out, "add", "-A")
        git(out, "commit", "-q", "-m", "v2.0.0")
        git(out, "tag", "v2.0.0")
        meta["v2"] = changes
    meta_path = Path(args.meta) if args.meta else out.with_name(out.name + ".meta.json")
    meta_path.write_text(json.dumps(meta, indent=2) + "\n")


def project_text_files(project: Path) -> tuple[list[Path], int]:
    """Generated text files of the project (sorted), and the number of generated files."""
    text, total = [], 0
    for root, dirs, names in os.walk(project):
        dirs[:] = [d for d in dirs if d not in (".git", ".scaffold")]
        for name in names:
            p = Path(root) / name
            if p.is_symlink() or not p.is_file():
                continue
            total += 1
            data = p.read_bytes()
            if b"\x00" not in data:
                try:
                    data.decode()
                    text.append(p)
                except UnicodeDecodeError:
                    pass
    text.sort()
    return text, total


def file_id(path: str) -> int | None:
    m = FILE_ID.search(path.rsplit("/", 1)[-1])
    return int(m.group(1)) if m else None


def cmd_edit(args) -> None:
    project = Path(args.project)
    meta = json.loads(Path(args.meta).read_text())
    v2 = meta.get("v2")
    if v2 is None:
        sys.exit("edit: the meta file has no v2 section; generate with --git")
    rng = random.Random(f"scaffold-bench-edit:{args.seed}:{meta['n']}")
    text, total = project_text_files(project)
    n_edit = max(1, round(total * args.percent / 100))
    by_id = {file_id(str(p)): p for p in text}

    # The one conflict: change the line v2 changed.
    first = v2["edited"][0]
    conflict = by_id.get(file_id(first["skeleton"]))
    data = conflict.read_text() if conflict else ""
    if first["old_line"] not in data.split("\n"):
        sys.exit(f"edit: cannot find the line v2 changed ({first['old_line']!r}) in {project}")
    conflict.write_text(data.replace(first["old_line"], f"{first['old_line']} (changed locally)", 1))

    # The rest append a line: half in files v2 edited too (clean merges), half elsewhere.
    others_v2 = sorted(p for e in v2["edited"][1:] if (p := by_id.get(file_id(e["skeleton"]))))
    left_alone = {by_id.get(file_id(v2["deleted"])), by_id.get(file_id(v2["renamed"]["from"]))}
    want_v2 = min(len(others_v2), (n_edit - 1) // 2)
    chosen = rng.sample(others_v2, want_v2)
    taken = set(others_v2) | left_alone | {conflict}
    pool = [p for p in text if p not in taken]
    chosen += rng.sample(pool, min(len(pool), n_edit - 1 - want_v2))
    for k, p in enumerate(sorted(chosen)):
        with p.open("a") as f:
            f.write(f"local edit {k} made by the benchmark\n")
    print(json.dumps({
        "generated_files": total,
        "edited": 1 + len(chosen),
        "conflict": str(conflict.relative_to(project)),
        "edited_in_v2_too": want_v2,
    }))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    g = sub.add_parser("gen", help="write a synthetic golden path")
    g.add_argument("n", type=int, help="number of skeleton files")
    g.add_argument("--seed", type=int, default=42)
    g.add_argument("--out", required=True, help="output directory (replaced)")
    g.add_argument("--git", action="store_true", help="a git repository tagged v1.0.0 and v2.0.0")
    g.add_argument("--meta", help="where to write the JSON summary (default: OUT.meta.json)")
    e = sub.add_parser("edit", help="make local edits in a project generated from v1")
    e.add_argument("project")
    e.add_argument("--meta", required=True, help="the meta file written by `gen --git`")
    e.add_argument("--seed", type=int, default=42)
    e.add_argument("--percent", type=float, default=1.0)
    args = ap.parse_args()
    if args.cmd == "gen":
        if args.n < 10:
            sys.exit("gen: N must be at least 10")
        cmd_gen(args)
    else:
        cmd_edit(args)


if __name__ == "__main__":
    main()

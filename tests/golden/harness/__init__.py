"""The golden-path verification harness behind tests/golden/verify.py.

    core.py        Results (one line per check), run(), Tools (the cached tool
                   virtualenv, npm packages, the environment), Example (what a check
                   gets), and the registry: @example_check / @golden_path_check /
                   @setup_hook
    manifests.py   checks shared by every golden path: YAML/JSON, Kubernetes, hadolint,
                   workflow/Dependabot/Compose schemas, mkdocs, catalog, Grafana,
                   protoc, Argo CD, dev container, CODEOWNERS
    go.py          Go modules: gofmt, the README's test command, go mod tidy -diff (the
                   Go module proxy), vet, build -mod=readonly
    python.py      Python projects: pip install into a fresh venv from the locks, ruff,
                   mypy, pytest, the console scripts, the wheel and sdist
    upgrades.py    per golden path: answers-reach and upgrade-merge
    addons.py      add-ons: each applied with --into to every example of every host it
                   supports, the host's checks run again (against real servers), and
                   the refusals (twice, another golden path)
    servers.py     PostgreSQL and Redis on loopback for the checks that need them
    process.py     processes: a free port, GET, a command in its own process group,
                   /healthz polling, and the README's run command as one check
    node.py        Node.js projects: the lock, the README's run (npm ci, dev server) and
                   test commands, tsc, eslint, npm run build, the built server's probes
                   and its SIGTERM shutdown
    rust.py        Rust packages: cargo fmt, the README's `cargo test` with --locked, the
                   lock unchanged by cargo, clippy -D warnings, then `cargo run` on a
                   loopback port (probes, metrics, healthcheck, SIGTERM drain, JSON logs)
    java.py        Maven projects: the README's test command (mvn -B verify) on a cached
                   local repository, the layered jar extracted as the image does, the
                   service started there (probes, metrics, JSON logs, SIGTERM), and the
                   README's run command
    web.py         Next.js web apps: the README's run (npm ci, dev server) and test
                   commands, the lock, typecheck, lint, next build, the end-to-end
                   test in Chromium (installed by its setup hook), real PostgreSQL

A new language or service adds a module here that registers its checks with the
decorators of core.py, and is listed in MODULES below; verify.py needs no change.
"""

MODULES = ["channels", "manifests", "go", "python", "upgrades", "addons", "node", "rust", "java", "web"]

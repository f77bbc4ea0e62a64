#!/usr/bin/env bash
# `scaffold check --offline` as a whole process, against hashing the same files with
# `b3sum` (scaffold hashes with BLAKE3), in the same hyperfine run; `git status` on the
# same tree for comparison (issue 4). Target: at most 1.5x the b3sum median.
#
#   benches/bench_check.sh                 # N = 1000, 10000
#   SIZES="1000" RUNS=10 ROUNDS=3 benches/bench_check.sh
#
# The project is the one bench_update.sh uses (see `project` in lib.sh): generated
# from v1.0.0 of a git golden path, with 1% of its files edited locally and committed,
# so `check` finds drift and that v2.0.0 is available (from the cache: --offline).
# `check` is read-only, so every run uses the same tree. The floor hashes a file list
# made beforehand (every file but .git/), in one `b3sum` call per `xargs` batch.
# Without b3sum, sha256sum is the floor, and the output says so.
source "$(dirname "$0")/lib.sh"
build
machine
hasher=b3sum
if ! command -v b3sum >/dev/null; then
    hasher=sha256sum
    echo "warning: b3sum is not installed (apt-get install -y b3sum, or cargo install b3sum); the floor is sha256sum, which is slower than BLAKE3, so the ratio flatters scaffold"
fi
echo "floor: $($hasher --version | head -n1)"
export SUMMARY=$RESULTS/check-summary.tsv
: >"$SUMMARY"

for n in $SIZES; do
    echo "== N=$n"
    project "$n"
    list=$WORK/project/n$n/files.list
    find "$P0" -path "$P0/.git" -prune -o -type f -print0 >"$list"
    echo "   $(tr -cd '\0' <"$list" | wc -c) files to hash"
    # Warm git's index stat data once (cp -a / fresh clones re-hash everything once).
    "${GIT[@]}" -C "$P0" status --porcelain >/dev/null
    if unavailable "$SCAFFOLD" check --offline "$P0"; then
        echo "   scaffold check is not available yet: timing the floor and git status only"
        cmds=()
    else
        set +e
        "$SCAFFOLD" check --offline "$P0" >"$WORK/project/n$n/check.log" 2>&1
        rc=$?
        set -e
        echo "   probe: scaffold check exited $rc; last lines of its report:"
        tail -n 3 "$WORK/project/n$n/check.log" | sed 's/^/     /'
        cmds=(-n "scaffold check --offline" "$SCAFFOLD check --offline $P0")
    fi
    hf "check-n$n" -i \
        -n "$hasher (floor)" "xargs -0 -a $list $hasher" \
        "${cmds[@]}" \
        -n "git status" "git -C $P0 status --porcelain"
    ratios 0 "$n" "$RESULTS/check-n$n.json"
done

summary "scaffold check --offline vs $hasher (target: <= 1.50x; git status for comparison)"
echo "JSON and markdown: $RESULTS/check-n*.{json,md}"

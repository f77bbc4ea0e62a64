#!/usr/bin/env bash
# `scaffold update` as a whole process, against `diff -r` between the project and a
# fresh render, in the same hyperfine run (issue 3).
# Targets: v1 -> v2 within 10x the floor, linear in N; a no-op update (`--to v1.0.0`)
# under 2x the floor.
#
#   benches/bench_update.sh                # N = 1000, 10000
#   SIZES="1000" RUNS=10 ROUNDS=3 benches/bench_update.sh
#
# Set-up per N (reused by later runs; see `project` in lib.sh): a git golden path with
# tags v1.0.0 and v2.0.0 (v2 edits 1% of the .tera files, adds 2, deletes 1, renames
# 1); `scaffold new file://REPO?ref=v1.0.0 P0` (scaffold's own git init and commit);
# 1% of the files edited locally, one in conflict with v2, committed; and R, a fresh
# render of v2.0.0. Every timed run works on a fresh copy of P0 (`--prepare 'rm -rf P
# && cp -a P0 P'`, not timed; the floor gets the same preparation). `update` exits 1
# while a conflict remains, hence `-i`.
source "$(dirname "$0")/lib.sh"
build
machine
export SUMMARY=$RESULTS/update-summary.tsv
: >"$SUMMARY"

for n in $SIZES; do
    echo "== N=$n"
    project "$n"
    p=$WORK/project/n$n/P
    prepare="sh -c 'rm -rf $p && cp -a $P0 $p'"
    floor="diff -r -x .git $p $R"
    sh -c "rm -rf $p && cp -a $P0 $p"
    if unavailable "$SCAFFOLD" update "$p" --to v2.0.0 --no-input; then
        echo "   scaffold update is not available yet: timing the floor only"
        hf "update-n$n" -i --prepare "$prepare" -n "diff -r (floor)" "$floor"
        ratios 0 "$n" "$RESULTS/update-n$n.json"
        continue
    fi
    # A dry check that the set-up gives what we expect before timing: one conflict.
    sh -c "rm -rf $p && cp -a $P0 $p"
    set +e
    "$SCAFFOLD" update "$p" --to v2.0.0 --no-input >"$WORK/project/n$n/update.log" 2>&1
    rc=$?
    set -e
    echo "   probe: scaffold update exited $rc; last lines of its report:"
    tail -n 3 "$WORK/project/n$n/update.log" | sed 's/^/     /'
    hf "update-n$n" -i --prepare "$prepare" \
        -n "diff -r (floor)" "$floor" \
        -n "scaffold update --to v2.0.0" "$SCAFFOLD -q update $p --to v2.0.0 --no-input" \
        -n "scaffold update --to v1.0.0 (no-op)" "$SCAFFOLD -q update $p --to v1.0.0 --no-input"
    ratios 0 "$n" "$RESULTS/update-n$n.json"
done
rm -rf "$WORK"/project/n*/P

summary "scaffold update vs diff -r (targets: v1->v2 <= 10x, no-op < 2x; per-file time flat)"
echo "JSON and markdown: $RESULTS/update-n*.{json,md}"

#!/usr/bin/env bash
# `scaffold fleet report --offline` over N repositories in a warm git cache, against
# the floor `git rev-parse <default branch>^{tree}` over the same mirrors (issue 15):
# the report must read every tree, parse every answers file and check every path, the
# floor only resolves each tree. Target: N = 1,000 within 10 s on 2 cores, growing
# linearly.
#
#   benches/bench_fleet.sh                     # N = 100, 1000, 5000
#   SIZES="100" benches/bench_fleet.sh
#   SCAFFOLD_BIN=target/debug/scaffold SIZES=20 benches/bench_fleet.sh   # a dry run of the script
#
# The repositories: go-microservice at 1.0.0, 1.1.0 and 1.2.0 in turn (one render per
# version, copied), every tenth with CODEOWNERS (enforced) drifted, each committed in
# its own repository and cloned bare into $WORK/fleet/remotes. One untimed report
# mirrors them all into the cache; the timed runs read the cache only (--offline).
source "$(dirname "$0")/lib.sh"
SIZES=${SIZES:-"100 1000 5000"}
if [[ -n ${SCAFFOLD_BIN:-} ]]; then
    SCAFFOLD=$(realpath "$SCAFFOLD_BIN")
    need git farm-bench
    mkdir -p "$WORK" "$RESULTS"
else
    build
    need farm-bench
fi
machine
SUMMARY=$RESULTS/fleet-summary.tsv
: >"$SUMMARY"

base=$WORK/fleet/renders
rm -rf "$base"
mkdir -p "$base"
for v in 1.0.0 1.1.0 1.2.0; do
    "$SCAFFOLD" new "go-microservice@$v" "$base/$v" "${ANSWERS[@]}" --no-input --no-git >/dev/null
done

for n in $SIZES; do
    echo "== N=$n"
    dir=$WORK/fleet/n$n
    rm -rf "$dir"
    mkdir -p "$dir/work" "$dir/remotes"
    export SCAFFOLD_CACHE_DIR=$dir/cache
    : >"$dir/repos.txt"
    versions=(1.0.0 1.1.0 1.2.0)
    for ((i = 0; i < n; i++)); do
        w=$dir/work/r$i
        cp -r "$base/${versions[i % 3]}" "$w"
        if ((i % 10 == 0)); then echo "* @someone-else" >"$w/CODEOWNERS"; fi
        "${GIT[@]}" -C "$w" init -q -b main
        "${GIT[@]}" -C "$w" add -A
        "${GIT[@]}" -C "$w" commit -q -m generated
        "${GIT[@]}" clone -q --bare "$w" "$dir/remotes/r$i.git"
        rm -rf "$w"
        echo "file://$dir/remotes/r$i.git" >>"$dir/repos.txt"
    done
    # Warm the cache (untimed); exit 1 is expected (the drifted repositories fail).
    "$SCAFFOLD" fleet report --repos "$dir/repos.txt" --format json >"$dir/report.json" || test $? -eq 1
    floor="sh -c 'for m in $dir/cache/git/*/; do git -C \"\$m\" rev-parse \"refs/remotes/origin/main^{tree}\"; done >/dev/null'"
    out=$RESULTS/fleet-n$n.txt
    farm-bench -n "$RUNS" --warmup "$WARMUP" --timeout 600 --vs "$floor" -- \
        sh -c "'$SCAFFOLD' fleet report --offline --repos '$dir/repos.txt' --format json >/dev/null; test \$? -le 1" | tee "$out"
    printf '%s\t%s\n' "$n" "$out" >>"$SUMMARY"
done

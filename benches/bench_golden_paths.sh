#!/usr/bin/env bash
# `scaffold new` of every built-in golden path with its first example, as a whole
# process (issues 12 and 13: each completes in under 1 s), with `cp -r` of the same
# output as the floor in the same hyperfine run. Add-ons are applied with `--into` a
# render of their first host's first example (the host render is not timed).
#
#   benches/bench_golden_paths.sh              # every built-in golden path
#   ONLY="go-microservice python-api" RUNS=20 benches/bench_golden_paths.sh
#
# Each run writes into an empty destination (`--prepare`, not timed); `--no-git`,
# since `git init` and the first commit are git's time, not scaffold's (bench_new.sh
# reports them). Output: one row per golden path in $RESULTS/golden-paths-summary.tsv:
# name, files, scaffold median (s), cp -r median (s), ratio.
source "$(dirname "$0")/lib.sh"
RUNS=${RUNS:-10}
build
machine
export SUMMARY=$RESULTS/golden-paths-summary.tsv
printf 'golden_path\tfiles\tnew_median_s\tcp_median_s\tratio\n' >"$SUMMARY"

dir=$WORK/golden-paths
rm -rf "$dir"
mkdir -p "$dir"
names=${ONLY:-$("$SCAFFOLD" list --format json | python3 -c 'import json,sys; print(" ".join(c["name"] for c in json.load(sys.stdin)))')}
for name in $names; do
    "$SCAFFOLD" show "$name" --format json >"$dir/$name.json"
    # The first example as a values file; an add-on's host rendered once, untimed.
    python3 - "$dir/$name.json" "$dir/$name.values.json" <<'PY'
import json, sys
info = json.load(open(sys.argv[1]))
json.dump(info["examples"][0], open(sys.argv[2], "w"))
PY
    host=$(python3 -c 'import json,sys; e=json.load(open(sys.argv[1]))["examples"][0]; print(e.get("host", ""))' "$dir/$name.json")
    if [[ -n $host ]]; then
        "$SCAFFOLD" show "$host" --format json | python3 -c 'import json,sys; json.dump(json.load(sys.stdin)["examples"][0], open(sys.argv[1], "w"))' "$dir/$host.host-values.json"
        "$SCAFFOLD" -q new "$host" "$dir/$name.host" --no-git --no-input --values "$dir/$host.host-values.json"
        prepare="rm -rf $dir/$name.out && cp -r $dir/$name.host $dir/$name.out"
        cmd="$SCAFFOLD -q new $name --into $dir/$name.out --no-git --no-input --values $dir/$name.values.json"
    else
        prepare="rm -rf $dir/$name.out"
        cmd="$SCAFFOLD -q new $name $dir/$name.out --no-git --no-input --values $dir/$name.values.json"
    fi
    eval "$prepare" && eval "$cmd"
    cp -r "$dir/$name.out" "$dir/$name.rendered"
    files=$(find "$dir/$name.rendered" -type f | wc -l)
    echo "== $name: $files files"
    hyperfine --warmup "$WARMUP" --runs "$RUNS" --export-json "$RESULTS/golden-path-$name.json" \
        --prepare "rm -rf $dir/$name.copy" -n "cp -r" "cp -r $dir/$name.rendered $dir/$name.copy" \
        --prepare "$prepare" -n "scaffold new $name" "$cmd"
    python3 - "$RESULTS/golden-path-$name.json" "$name" "$files" >>"$SUMMARY" <<'PY'
import json, sys
r = {x["command"]: x for x in json.load(open(sys.argv[1]))["results"]}
cp = r["cp -r"]["median"]
new = r[f"scaffold new {sys.argv[2]}"]["median"]
print(f"{sys.argv[2]}\t{sys.argv[3]}\t{new:.4f}\t{cp:.4f}\t{new / cp:.1f}")
PY
done
column -t "$SUMMARY"

#!/usr/bin/env bash
# What recording the baseline (`.scaffold/<name>.baseline`) adds to `scaffold new`, and
# how large it is (issue 8, Performance).
#
#   benches/bench_baseline.sh                 # N = 1000, 10000: time, then sizes
#   SIZES="1000" RUNS=10 ROUNDS=3 benches/bench_baseline.sh
#   TIME=0 benches/bench_baseline.sh          # sizes only
#
# Time: `scaffold new --no-git`, and `scaffold new` with its git init and first commit,
# of the synthetic golden path by the release build of this tree, against the same tree with the one line of `new.rs` that encodes the
# baseline replaced by an empty file (built once under $WORK/no-baseline, seeded with
# this tree's compiled dependencies), in the same hyperfine run; `cp -r` of the output
# is the floor. Target: at most 1.10x. The in-process counterpart is the criterion
# bench `cargo bench -p scaffold-core --bench baseline` (encode vs load + render).
#
# Sizes: the baseline of go-microservice (its first example, and the second one with
# database=postgres) and of the N-file synthetic template, next to the rendered tree
# (`du -sb`, the sum of file sizes `du -sb --apparent-size`) and `tar -c | zstd -3` of it.
SIZES=${SIZES:-"1000 10000"}
TIME=${TIME:-1}
source "$(dirname "$0")/lib.sh"
need zstd tar
build
machine
export SUMMARY=$RESULTS/baseline-summary.tsv
: >"$SUMMARY"

# The same sources without the baseline: `new` writes an empty baseline file instead.
nobl=$WORK/no-baseline
if [[ $TIME == 1 ]]; then
    echo "== building the no-baseline variant in $nobl"
    rm -rf "$nobl/src"
    mkdir -p "$nobl/src" "$nobl/target"
    git -C "$ROOT" diff --quiet HEAD -- crates ||
        echo "warning: crates/ has uncommitted changes; the variant is built from HEAD" >&2
    git -C "$ROOT" archive HEAD | tar -x -C "$nobl/src"
    sed -i 's/|| crate::project::baseline::encode(gp, answers, rendered),/|| Vec::<u8>::new(),/' \
        "$nobl/src/crates/scaffold-core/src/new.rs"
    grep -q '|| Vec::<u8>::new(),' "$nobl/src/crates/scaffold-core/src/new.rs" || {
        echo "error: new.rs no longer has the line this script replaces; update the sed above" >&2
        exit 2
    }
    [[ -d $nobl/target/release ]] || cp -a "$CARGO_TARGET_DIR/release" "$nobl/target/"
    (cd "$nobl/src" && CARGO_TARGET_DIR=$nobl/target cargo build --release -q -p scaffold-cli)
    NOBL=$nobl/target/release/scaffold
fi

for n in $SIZES; do
    dir=$WORK/new/n$n
    gp=$dir/gp
    echo "== N=$n"
    if [[ ! -f $dir/.complete-$SEED ]]; then
        rm -rf "$dir"
        mkdir -p "$dir"
        gen gen "$n" --seed "$SEED" --out "$gp"
        touch "$dir/.complete-$SEED"
    fi
    rm -rf "$dir/rendered"
    "$SCAFFOLD" -q new "$gp/golden-path.yaml" "$dir/rendered" --no-input --no-git "${ANSWERS[@]}"
    if [[ $TIME == 1 ]]; then
        dest=$dir/dest
        hf "baseline-n$n" --prepare "rm -rf $dest" \
            -n "cp -r" "cp -r $dir/rendered $dest" \
            -n "scaffold new --no-git (no baseline)" "$NOBL -q new $gp/golden-path.yaml $dest --no-input --no-git ${ANSWERS[*]}" \
            -n "scaffold new --no-git" "$SCAFFOLD -q new $gp/golden-path.yaml $dest --no-input --no-git ${ANSWERS[*]}" \
            -n "scaffold new (no baseline)" "$NOBL -q new $gp/golden-path.yaml $dest --no-input ${ANSWERS[*]}" \
            -n "scaffold new" "$SCAFFOLD -q new $gp/golden-path.yaml $dest --no-input ${ANSWERS[*]}"
        ratios 0 "$n" "$RESULTS/baseline-n$n.json"
        python3 - "$RESULTS/baseline-n$n.json" <<'EOF'
import json, sys
r = json.load(open(sys.argv[1]))["results"]
print(f"   baseline adds {(r[2]['median'] / r[1]['median'] - 1) * 100:+.1f}% to new --no-git (target <= +10%)")
print(f"   baseline adds {(r[4]['median'] / r[3]['median'] - 1) * 100:+.1f}% to new, git init and first commit included (target <= +10%)")
EOF
        rm -rf "$dest"
    fi
done

# sizes LABEL DIR: the baseline of the project in DIR next to its tree.
sizes() {
    local label=$1 dir=$2 bl tree apparent tarzst files
    bl=$(find "$dir/.scaffold" -name '*.baseline' -printf '%s\n')
    files=$(find "$dir" -path "$dir/.scaffold" -prune -o -type f -print | wc -l)
    tree=$(du -sb --exclude=.scaffold "$dir" | cut -f1)
    apparent=$(find "$dir" -path "$dir/.scaffold" -prune -o -type f -printf '%s\n' | awk '{s += $1} END {print s}')
    tarzst=$(tar -C "$dir" --exclude=./.scaffold -cf - . | zstd -3 -q -c | wc -c)
    printf '%-40s %7s %12s %12s %12s %12s\n' "$label" "$files" "$apparent" "$tree" "$tarzst" "$bl"
}
echo
echo "== baseline sizes (bytes)"
printf '%-40s %7s %12s %12s %12s %12s\n' project files "file bytes" "du -sb" "tar|zstd -3" baseline
p=$WORK/sizes
rm -rf "$p"
mkdir -p "$p"
"$SCAFFOLD" -q new go-microservice "$p/payments-api" --no-input --no-git --set name=payments-api --set owner=team-payments
sizes "go-microservice (payments-api)" "$p/payments-api"
"$SCAFFOLD" -q new go-microservice "$p/orders-api" --no-input --no-git --set name=orders-api --set owner=team-orders \
    --set system=commerce --set database=postgres --set port=8081
sizes "go-microservice (orders-api, postgres)" "$p/orders-api"
for n in $SIZES; do
    sizes "synthetic N=$n" "$WORK/new/n$n/rendered"
done
rm -rf "$p"

#!/usr/bin/env bash
# `scaffold new` of the synthetic golden path as a whole process, against `cp -r` of
# the already-rendered output, in the same hyperfine run (issue 2).
# Target: at most 1.5x the `cp -r` median for N = 1,000 and 10,000, linear in N.
#
#   benches/bench_new.sh                   # N = 100, 1000, 10000
#   SIZES="1000" RUNS=10 ROUNDS=3 benches/bench_new.sh
#   WITH_GIT=0 benches/bench_new.sh       # skip the two git init commands
#   SCAFFOLD_BENCH_WORK=/dev/shm/scaffold-bench benches/bench_new.sh   # on tmpfs
#
# Each timed run writes into an empty destination (`--prepare 'rm -rf DEST'`, not
# timed). Commands: `cp -r` (the floor), `scaffold new --no-git` (the target),
# `scaffold new` with its default git init and first commit (reported, no target), and
# for that one a reference: `cp -r` followed by the git CLI's init, add and commit.
SIZES=${SIZES:-"100 1000 10000"}
WITH_GIT=${WITH_GIT:-1}
source "$(dirname "$0")/lib.sh"
build
machine
export SUMMARY=$RESULTS/new-summary.tsv
: >"$SUMMARY"

for n in $SIZES; do
    dir=$WORK/new/n$n
    gp=$dir/gp
    echo "== N=$n"
    if [[ ! -f $dir/.complete-$SEED ]]; then
        rm -rf "$dir"
        mkdir -p "$dir"
        echo "   generating the golden path (seed $SEED)"
        gen gen "$n" --seed "$SEED" --out "$gp"
        touch "$dir/.complete-$SEED"
    fi
    # The already-rendered output that `cp -r` copies (answers file included).
    rm -rf "$dir/rendered"
    "$SCAFFOLD" -q new "$gp/golden-path.yaml" "$dir/rendered" --no-input --no-git "${ANSWERS[@]}"
    files=$(find "$dir/rendered" -type f | wc -l)
    echo "   $files files, $(du -sh "$dir/rendered" | cut -f1) rendered"
    dest=$dir/dest
    gitcli="cp -r $dir/rendered $dest && cd $dest && git init -q && git add -A && ${GIT[*]} commit -qm generated"
    cmds=(
        -n "cp -r" "cp -r $dir/rendered $dest"
        -n "scaffold new --no-git" "$SCAFFOLD -q new $gp/golden-path.yaml $dest --no-input --no-git ${ANSWERS[*]}"
    )
    if [[ $WITH_GIT == 1 ]]; then
        cmds+=(
            -n "scaffold new (git init)" "$SCAFFOLD -q new $gp/golden-path.yaml $dest --no-input ${ANSWERS[*]}"
            -n "cp -r + git init/add/commit" "sh -c '$gitcli'"
        )
    fi
    hf "new-n$n" --prepare "rm -rf $dest" "${cmds[@]}"
    ratios 0 "$n" "$RESULTS/new-n$n.json"
    rm -rf "$dest"
done

summary "scaffold new vs cp -r (target: scaffold new --no-git <= 1.50x for N >= 1000; per-file time flat)"
echo "JSON and markdown: $RESULTS/new-n*.{json,md}"

#!/usr/bin/env bash
# The regression check: FerrisDB at commit A against FerrisDB at commit B,
# A/B interleaved in a shuffled order, each in its own process, printing each
# workload's ratio B/A with its 95% bootstrap confidence interval:
#   benches/ab.sh main .            # main against the working tree
#   benches/ab.sh HEAD~1 HEAD --pairs 7 --groups random
# Extra flags go to `ferrisdb-compare ab` (--pairs, --groups, --profile).
# "." is the working tree; anything else is a commit, built in a git worktree
# under target/ab/. Both commits must have ferrisdb-compare (issue 16 on).
set -euo pipefail
cd "$(dirname "$0")/.."
A="${1:?usage: benches/ab.sh COMMIT_A COMMIT_B [flags]}"
B="${2:?usage: benches/ab.sh COMMIT_A COMMIT_B [flags]}"
shift 2
ROOT="$PWD"
WORK="$ROOT/target/ab"
mkdir -p "$WORK/bin"
export RUSTFLAGS="${RUSTFLAGS:--C target-cpu=native}"
build() {
    local rev="$1" label="$2" src
    # One target directory per side: cargo keys a workspace crate's build by
    # its name and version, not its path, and takes it as fresh when the
    # sources it finds are older than the build, so with a shared directory
    # the working tree (".") could be given the other commit's crates.
    export CARGO_TARGET_DIR="$WORK/build-$label"
    if [ "$rev" = "." ]; then
        src="$ROOT"
    else
        src="$WORK/src-$label"
        git worktree remove --force "$src" 2>/dev/null || rm -rf "$src"
        git worktree add --detach "$src" "$rev" >&2
    fi
    if [ ! -f "$src/benches/src/bin/ferrisdb-compare.rs" ]; then
        echo "ab.sh: $rev has no ferrisdb-compare: the check needs commits from issue 16 on" >&2
        exit 1
    fi
    (cd "$src" && cargo build --release -q -p ferrisdb-benches --bin ferrisdb-compare) >&2
    cp "$CARGO_TARGET_DIR/release/ferrisdb-compare" "$WORK/bin/$label"
    # The build stays in target/ab/build-LABEL; the checkout is not needed
    # again.
    if [ "$src" != "$ROOT" ]; then git worktree remove --force "$src" >&2; fi
    echo "$WORK/bin/$label"
}
BIN_A="$(build "$A" a)"
BIN_B="$(build "$B" b)"
describe() {
    if [ "$1" = . ]; then echo "the working tree (on $(git rev-parse --short HEAD))"
    else echo "$1 ($(git rev-parse --short "$1"))"; fi
}
echo "A = $(describe "$A"), B = $(describe "$B")"
"$BIN_B" ab --a "$BIN_A" --b "$BIN_B" --out "$WORK/results" "$@"

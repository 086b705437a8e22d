#!/usr/bin/env bash
# Mutation testing of the core lines the newest commit changed: `cargo mutants --in-diff` with
# the configuration in .cargo/mutants.toml (files, tests, reviewed equivalent mutants).
# Fails on any mutant missed; one that makes the tests hang counts as caught. Bounded to
# about 10 minutes: a diff with more mutants than fit is tested on a deterministic share of
# them, and says so.
#
#   bash ci/mutants-diff.sh [BASE]     # BASE defaults to HEAD~1
#
# The full run, for releases (1,874 mutants, about 2 hours on 2 cores): `cargo mutants -j 2`.
set -euo pipefail
cd "$(dirname "$0")/.."

base=${1:-HEAD~1}
if ! git rev-parse -q --verify "$base^{commit}" >/dev/null; then
  # A shallow clone: fetch the parent.
  git fetch -q --deepen=1 origin 2>/dev/null || true
fi
if ! git rev-parse -q --verify "$base^{commit}" >/dev/null; then
  echo "mutants: no commit $base to compare with; nothing to test"
  exit 0
fi

out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
git diff "$base" HEAD -- src >"$out/diff"
if [ ! -s "$out/diff" ]; then
  echo "mutants: this commit changes nothing under src/"
  exit 0
fi
# An empty list is a success (exit 0, "no mutants"); any other failure must fail the step,
# not pass as "0 mutants".
if ! cargo mutants --list --in-diff "$out/diff" >"$out/list" 2>"$out/list.err"; then
  echo "mutants: FAILED: cargo mutants --list:"
  cat "$out/list.err"
  exit 1
fi
n=$(wc -l <"$out/list")
echo "mutants: $n in the lines changed since $base"
if [ "$n" -eq 0 ]; then
  exit 0
fi

# About 5 s a mutant on 2 cores (incremental build and the tests): 100 fit in 10 minutes
# with the baseline build. More than that: one shard of ceil(n/100), always the first.
per_run=100
shard=()
if [ "$n" -gt "$per_run" ]; then
  k=$(((n + per_run - 1) / per_run))
  shard=(--shard "0/$k" --sharding round-robin)
  echo "mutants: more than $per_run; testing shard 0/$k (every ${k}th mutant)"
fi
rc=0
timeout 660 cargo mutants -j 2 --no-shuffle --in-diff "$out/diff" "${shard[@]}" -o "$out" || rc=$?
case $rc in
  0) echo "mutants: every mutant caught (or unviable)" ;;
  3)
    # A mutant that makes the tests hang (a loop that no longer ends) is detected: the
    # timeout stopped it, as a test would fail. Listed, not failed.
    echo "mutants: every mutant caught; these made the tests hang (caught by the timeout):"
    cat "$out/mutants.out/timeout.txt"
    ;;
  124) echo "mutants: FAILED: over the 10-minute bound"; exit 1 ;;
  *)
    echo "mutants: FAILED (cargo-mutants exit $rc): missed or timed out:"
    cat "$out/mutants.out/missed.txt" "$out/mutants.out/timeout.txt" 2>/dev/null || true
    exit 1
    ;;
esac

#!/usr/bin/env bash
# Instructions per call of one case: (I(20000) - I(10000)) / 10000 under callgrind, so that
# start-up and set-up cancel out. Usage: benches/instructions/ir.sh <binary> <case>
set -euo pipefail
bin=$1; case=$2
count() {
  valgrind --tool=callgrind --callgrind-out-file=/dev/null "$bin" "$case" "$1" 2>&1 \
    | sed -n 's/.*Collected : \([0-9]*\).*/\1/p'
}
a=$(count 10000); b=$(count 20000)
echo "scale=1; ($b - $a) / 10000" | bc

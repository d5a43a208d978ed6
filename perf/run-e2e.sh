#!/usr/bin/env bash
# The end-to-end comparison behind perf/results/e2e, in one run on one machine state:
#   1. the kernel baseline (perf/kernel-baseline.sh: netns + veth + iperf3, 60000-byte UDP, no ESP);
#   2. netfrag's scenario matrix with one read per fragment (ring of 2 KiB slots like a NIC ring: the seed's shape);
#   3. the same matrix with UDP_GRO (one read per GSO message of the sender, ring of 64 KiB slots);
#   4. with J25 set: 2 and 3 again on Java 25;
#   5. the kernel baseline again, so drift of the machine shows.
# The sender uses UDP GSO in every netfrag run (scenarios' default).
#
# Usage (as root, from anywhere, after `mvn -B -ntp -q install -DskipTests`):
#   perf/run-e2e.sh                       # 3 repetitions x 2 s per cell, about 25 minutes
#   REPS=1 SECONDS_PER_RUN=1 perf/run-e2e.sh   # quick look
#   J25=/path/to/java25/bin/java perf/run-e2e.sh
# Writes perf/results/e2e/{SCENARIOS.md,scenarios.csv,kernel*.{csv,md,json},*.png} (per-fragment reads),
# perf/results/e2e/gro/ (GRO), perf/results/e2e/j25/ and j25/gro/ (Java 25), perf/results/e2e/kernel-after/.
set -euo pipefail

HERE="$(cd "$(dirname "$0")" && pwd)"
ROOT="$(dirname "$HERE")"
JAR="${JAR:-$ROOT/examples/target/netfrag.jar}"   # JAR=copy.jar measures a frozen build
OUT="${OUT:-$HERE/results/e2e}"
REPS="${REPS:-3}"
SECONDS_PER_RUN="${SECONDS_PER_RUN:-2}"
J17="${J17:-java}"
J25="${J25:-}"
# Netty 4.2 turns sun.misc.Unsafe off on Java 25+; these give its direct-memory fast paths back (see RESULTS.md)
J25_FLAGS="-Dio.netty.noUnsafe=false --sun-misc-unsafe-memory-access=allow"

[[ -f "$JAR" ]] || { echo "run-e2e: build first: mvn -B -ntp -q install -DskipTests" >&2; exit 1; }
mkdir -p "$OUT/gro"

matrix() { # java-command... -- out-dir extra-args...
    local out=$1; shift
    "$@" --reps "$REPS" --seconds "$SECONDS_PER_RUN" -m 60000 --out "$out"
}

"$HERE/kernel-baseline.sh" -t 10 -o "$OUT"
cp "$OUT"/kernel.csv "$OUT"/kernel.md "$OUT/gro/"
matrix "$OUT" "$J17" -jar "$JAR" scenarios
matrix "$OUT/gro" "$J17" -jar "$JAR" scenarios --gro
if [[ -n "$J25" ]]; then
    mkdir -p "$OUT/j25/gro"
    cp "$OUT"/kernel.csv "$OUT"/kernel.md "$OUT/j25/"
    cp "$OUT"/kernel.csv "$OUT"/kernel.md "$OUT/j25/gro/"
    # shellcheck disable=SC2086
    matrix "$OUT/j25" "$J25" $J25_FLAGS -jar "$JAR" scenarios
    # shellcheck disable=SC2086
    matrix "$OUT/j25/gro" "$J25" $J25_FLAGS -jar "$JAR" scenarios --gro
fi
"$HERE/kernel-baseline.sh" -t 10 -o "$OUT/kernel-after"
echo "run-e2e: done; see $OUT/SCENARIOS.md, $OUT/gro/SCENARIOS.md${J25:+, $OUT/j25/}"

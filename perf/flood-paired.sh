#!/bin/sh
# Issue 7's flood criterion measured against drift: on this kind of machine the speed wanders by 10-15 % over minutes,
# so a no-attack cell and an attack cell measured minutes apart (as in one JMH run over all parameters) can disagree
# by more than the effect. Here each attack cell runs right after its own no-attack cell (same family and policy),
# and the pair is repeated REPS times in alternation; the ratio is taken per pair.
#   sh perf/flood-paired.sh            # REPS=5, k=0.25, both families, ADAPTIVE and COPY: ~6 min
#   K=0.5 REPS=3 sh perf/flood-paired.sh
#   PARAMS='-p burst=1' OUT=perf/results/flood-paired-fresh sh perf/flood-paired.sh   # fresh IDs
#   FAMILIES=4 sh perf/flood-paired.sh                                                 # IPv4 only
# Writes perf/results/flood-paired/<family>-<policy>-<k>-<rep>.json and prints the ratios.
set -eu
JAR=${JAR:-perf/target/benchmarks.jar}
J17=${J17:-java}
REPS=${REPS:-5}
K=${K:-0.25}
OUT=${OUT:-perf/results/flood-paired}
PARAMS=${PARAMS:-}
FAMILIES=${FAMILIES:-6 4}
mkdir -p "$OUT"
echo "== flood-paired k=$K reps=$REPS params '$PARAMS': $(uptime)" >> perf/results/load.log
rep=1
while [ "$rep" -le "$REPS" ]; do
    for family in $FAMILIES; do
        for policy in ADAPTIVE COPY; do
            for k in 0 "$K"; do
                "$J17" -jar "$JAR" 'FloodBenchmark.goodput' -p family=$family -p policy=$policy -p k=$k \
                    -p extra=SMACK $PARAMS -f 1 -wi 3 -i 5 -w 1s -r 1s \
                    -rf json -rff "$OUT/$family-$policy-$k-$rep.json" > /dev/null 2>&1
            done
        done
    done
    rep=$((rep + 1))
done
echo "   flood-paired done: $(uptime)" >> perf/results/load.log
python3 - "$OUT" "$K" "$REPS" $FAMILIES <<'PY'
import json, sys, statistics
out, k, reps, families = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4:]
def score(f):
    return json.load(open(f))[0]['primaryMetric']['score']
print("| family | policy | k | legit goodput with attack / without, per pair | median | min |")
print("|---|---|--:|---|--:|--:|")
for family in families:
    for policy in ("ADAPTIVE", "COPY"):
        r = [score(f"{out}/{family}-{policy}-0-{i}.json") / score(f"{out}/{family}-{policy}-{k}-{i}.json")
             for i in range(1, reps + 1)]
        print(f"| IPv{family} | {policy} | {k} | {', '.join('%.0f %%' % (100 * x) for x in r)} | "
              f"{100 * statistics.median(r):.0f} % | {100 * min(r):.0f} % |")
PY

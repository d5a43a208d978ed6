#!/bin/sh
# Compares two builds of the benchmarks against this machine's drift: the two benchmarks.jar files run the same JMH
# selection one after the other, round after round (A B, then B A, ...), and the table gives per benchmark and
# parameter set the median score of each build, the median of the per-round ratios and, with -prof gc, the bytes
# allocated per operation (exact, so one figure).
#
# Run (from the repository root; JMH options in JMH, default 3 warm-up and 5 measured 1 s iterations, one fork):
#   NAME=redesign-core A=/path/before/benchmarks.jar B=perf/target/benchmarks.jar LABEL_A=before LABEL_B=after \
#     ROUNDS=3 SELECT='ReassemblyBenchmark.(reassemble|memcpy) -p fragmentSize=1232 -p order=inorder,shuffled' \
#     sh perf/compare-jmh.sh
# The JSON of every run goes to perf/target/compare/NAME/; the merged rows to perf/results/compare/NAME.csv (columns:
# variant, round, benchmark, params, score, error, unit, alloc_bytes_per_op).
# Table from the stored results:
#   NAME=redesign-core LABEL_A=before LABEL_B=after sh perf/compare-jmh.sh --table
set -eu
NAME=${NAME:?set NAME}
LABEL_A=${LABEL_A:-a}
LABEL_B=${LABEL_B:-b}
CSV=perf/results/compare/$NAME.csv

table() {
    python3 - "$CSV" "$LABEL_A" "$LABEL_B" <<'EOF'
import csv, statistics as st, sys
path, a, b = sys.argv[1:]
cells, units, alloc = {}, {}, {}
for r in csv.DictReader(open(path)):
    key = (r['benchmark'], r['params'])
    cells.setdefault(key, {}).setdefault(r['variant'], {})[r['round']] = float(r['score'])
    units[key] = r['unit']
    if r['alloc_bytes_per_op']:
        alloc.setdefault(key, {})[r['variant']] = float(r['alloc_bytes_per_op'])
print(f"| benchmark | parameters | unit | rounds | {a}, median | {b}, median | {b} / {a}, median of rounds | min–max "
      f"| B/op {a} | B/op {b} |")
print("|---|---|---|--:|--:|--:|--:|---|--:|--:|")
for key in sorted(cells):
    va, vb = cells[key].get(a, {}), cells[key].get(b, {})
    rounds = sorted(set(va) & set(vb), key=int)
    if not rounds:
        continue
    ratios = [vb[r] / va[r] for r in rounds if va[r] > 0]
    al = alloc.get(key, {})
    fa = f"{al[a]:.0f}" if a in al else ""
    fb = f"{al[b]:.0f}" if b in al else ""
    print(f"| {key[0]} | {key[1]} | {units[key]} | {len(rounds)} | {st.median(va.values()):.1f} | "
          f"{st.median(vb.values()):.1f} | {st.median(ratios):.2f} | {min(ratios):.2f}–{max(ratios):.2f} | {fa} | {fb} |")
EOF
}

if [ "${1:-}" = "--table" ]; then
    table
    exit 0
fi

A=${A:?set A to the first benchmarks.jar}
B=${B:?set B to the second benchmarks.jar}
SELECT=${SELECT:?set SELECT to a JMH benchmark regex and its -p options}
ROUNDS=${ROUNDS:-3}
JMH=${JMH:--wi 3 -i 5 -w 1 -r 1 -f 1 -prof gc}
JAVA=${JAVA:-java}
OUT=perf/target/compare/$NAME
mkdir -p "$OUT" perf/results/compare
round=1
while [ "$round" -le "$ROUNDS" ]; do
    # alternate which build goes first, so that a drift within a round does not favour one of them
    if [ $((round % 2)) -eq 1 ]; then order="A B"; else order="B A"; fi
    for v in $order; do
        if [ "$v" = A ]; then jar=$A; label=$LABEL_A; else jar=$B; label=$LABEL_B; fi
        # shellcheck disable=SC2086 # SELECT and JMH are lists of options
        "$JAVA" -jar "$jar" $SELECT $JMH -rf json -rff "$OUT/$label-$round.json" > "$OUT/$label-$round.log" 2>&1
        echo "round $round $label done: $(uptime)"
    done
    round=$((round + 1))
done
python3 - "$OUT" "$CSV" "$LABEL_A" "$LABEL_B" "$ROUNDS" <<'EOF'
import csv, json, sys
out, path, a, b, rounds = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4], int(sys.argv[5])
rows = []
for label in (a, b):
    for r in range(1, rounds + 1):
        for run in json.load(open(f"{out}/{label}-{r}.json")):
            params = " ".join(f"{k}={v}" for k, v in sorted(run.get("params", {}).items()))
            m = run["primaryMetric"]
            gc = run.get("secondaryMetrics", {}).get("gc.alloc.rate.norm")
            rows.append([label, r, run["benchmark"].rsplit(".", 2)[-2] + "." + run["benchmark"].rsplit(".", 1)[-1],
                         params, f"{m['score']:.3f}", f"{m['scoreError']:.3f}", m["scoreUnit"],
                         f"{gc['score']:.1f}" if gc else ""])
with open(path, "w", newline="") as f:
    w = csv.writer(f)
    w.writerow(["variant", "round", "benchmark", "params", "score", "error", "unit", "alloc_bytes_per_op"])
    w.writerows(rows)
EOF
table

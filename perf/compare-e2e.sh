#!/bin/sh
# Compares two builds of netfrag end to end, against this machine's drift: the two jars run the same scenario matrix
# one after the other, pair after pair, and the table gives per cell the median of the paired goodput ratios.
#
# Run (from the repository root; each pair takes about 80 s with the default matrix):
#   NAME=chain-vs-composite A=/path/a/benchmarks.jar B=/path/b/benchmarks.jar LABEL_A=chain LABEL_B=composite PAIRS=11 \
#     sh perf/compare-e2e.sh
# The matrix is the scenarios command's (override with MATRIX="--policies ... --losses ..."). The runs go to
# perf/target/compare/NAME/ and are merged into perf/results/compare/NAME.csv (columns: variant, pair, then the
# scenarios CSV's).
# Table from the stored results:
#   NAME=chain-vs-composite LABEL_A=chain LABEL_B=composite sh perf/compare-e2e.sh --table
set -eu
NAME=${NAME:?set NAME}
LABEL_A=${LABEL_A:-a}
LABEL_B=${LABEL_B:-b}
CSV=perf/results/compare/$NAME.csv

table() {
    python3 - "$CSV" "$LABEL_A" "$LABEL_B" <<'EOF'
import csv, statistics as st, sys
path, a, b = sys.argv[1:]
cells = {}
for r in csv.DictReader(open(path)):
    key = (r['policy'], 'ESP' if r['esp'] == 'on' else 'no ESP', r['loss'])
    cells.setdefault(key, {}).setdefault(r['variant'], {})[r['pair']] = float(r['goodput_gbps'])
print(f"| policy | ESP | loss | pairs | {a} Gbit/s, median | {b} Gbit/s, median | {a} / {b}, median of pairs | min–max |")
print("|---|---|---:|---:|---:|---:|---:|---|")
for key in sorted(cells):
    va, vb = cells[key].get(a, {}), cells[key].get(b, {})
    pairs = sorted(set(va) & set(vb), key=int)
    ratios = [va[p] / vb[p] for p in pairs if vb[p] > 0]
    print(f"| {key[0]} | {key[1]} | {key[2]} | {len(pairs)} | {st.median(va.values()):.3f} | "
          f"{st.median(vb.values()):.3f} | {st.median(ratios):.2f} | {min(ratios):.2f}–{max(ratios):.2f} |")
EOF
}

if [ "${1:-}" = "--table" ]; then
    table
    exit 0
fi

A=${A:?set A to the first jar}
B=${B:?set B to the second jar}
PAIRS=${PAIRS:-11}
MATRIX=${MATRIX:---policies ADAPTIVE,COMPOSITE --losses 0,0.001 --families 6 --esp off,on}
OUT=perf/target/compare/$NAME
mkdir -p "$OUT" perf/results/compare
pair=1
while [ "$pair" -le "$PAIRS" ]; do
    for v in A B; do
        if [ "$v" = A ]; then jar=$A; label=$LABEL_A; else jar=$B; label=$LABEL_B; fi
        # builds older than the matrix's move to perf/ carry it as the examples jar's `scenarios` command
        if python3 -c 'import sys, zipfile; sys.exit("io/netfrag/perf/ScenarioCommand.class"
                not in zipfile.ZipFile(sys.argv[1]).namelist())' "$jar"; then
            run="java -cp $jar io.netfrag.perf.ScenarioCommand"
        else
            run="java -jar $jar scenarios"
        fi
        # shellcheck disable=SC2086 # MATRIX is a list of options, run a command line
        $run $MATRIX --reps 1 --seconds 2 --warmup 1 --seed $((40 + pair)) \
            --out "$OUT/$label-$pair" > "$OUT/$label-$pair.log" 2>&1
        echo "pair $pair $label done: $(uptime)"
    done
    pair=$((pair + 1))
done
python3 - "$OUT" "$CSV" "$LABEL_A" "$LABEL_B" "$PAIRS" <<'EOF'
import csv, sys
out, path, a, b, pairs = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4], int(sys.argv[5])
rows, header = [], None
for label in (a, b):
    for p in range(1, pairs + 1):
        with open(f"{out}/{label}-{p}/scenarios.csv") as f:
            r = list(csv.reader(f))
            header = r[0]
            rows += [[label, str(p)] + row for row in r[1:]]
with open(path, "w", newline="") as f:
    w = csv.writer(f)
    w.writerow(["variant", "pair"] + header)
    w.writerows(rows)
EOF
table

#!/bin/sh
# Legitimate goodput under a flood, measured against this machine's drift (RESULTS.md table 5b). The speed of a
# shared VM wanders by 10-15 % over minutes, so a no-attack cell and an attack cell measured minutes apart can disagree
# by more than the effect. Here each attack cell runs right after its own no-attack cell (same family and policy), the
# pair is repeated REPS times in alternation, and the ratio (ns per legitimate datagram without / with the extra
# packets) is taken per pair.
#
# From the repository root, after `mvn -B -ntp -q -pl perf -am package -DskipTests`:
#   NAME=bursts    REPS=11 sh perf/flood-paired.sh                              # FragmentSmack, 32 fragments per ID
#   NAME=fresh-ids REPS=11 PARAMS='-p burst=1' sh perf/flood-paired.sh          # a fresh ID per attack fragment
#   NAME=rule-off  REPS=3  FAMILIES=6 PARAMS='-p burst=1 -p floor=0' sh perf/flood-paired.sh
#   NAME=256-byte  REPS=3  FAMILIES=6 PARAMS='-p burst=1 -p attackBytes=256' sh perf/flood-paired.sh
#   sh perf/flood-paired.sh --table              # table 5b from the stored sets above; or --table FILE...
# A pair takes about 18 s: REPS=11 with both families and both policies (44 pairs) about 13 min.
# Writes perf/results/flood/paired-$NAME-j17.json (every cell's JMH result, in run order; it replaces the stored
# file) and prints the table. Console output and `uptime` before and after go to perf/target/jmh-logs/.
# Settings: K (extra packets per legitimate packet, default 0.25), FAMILIES (default "6 4"), EXTRA (SMACK, or BENIGN
# for ordinary small UDP datagrams, COLLIDE, SPOOF; default SMACK), PARAMS (more JMH -p options), JAR (a frozen copy
# of benchmarks.jar), J17 (java).
set -eu

table() { # file...
    python3 - "$@" <<'PY'
import json, os, re, statistics, sys
print("| extra packets | family | policy | k | pairs | legit goodput with / without them, per pair "
      "| median | mean | min |")
print("|---|---|---|--:|--:|---|--:|--:|--:|")
for path in sys.argv[1:]:
    name = re.sub(r"^paired-|-j\d+$", "", os.path.basename(path)[:-len(".json")])
    cells, order = {}, []
    for r in json.load(open(path)):
        p = r["params"]
        key = (p["family"], p["policy"])
        if key not in cells:
            cells[key] = {"base": [], "flood": [], "k": None}
            order.append(key)
        if float(p["k"]) == 0:
            cells[key]["base"].append(r["primaryMetric"]["score"])
        else:
            cells[key]["flood"].append(r["primaryMetric"]["score"])
            cells[key]["k"] = p["k"]
    for family, policy in order:
        c = cells[(family, policy)]
        ratios = [100 * b / f for b, f in zip(c["base"], c["flood"])]
        print(f"| {name} | IPv{family} | {policy} | {c['k']} | {len(ratios)} | "
              f"{', '.join('%.0f' % x for x in ratios)} % | {statistics.median(ratios):.0f} % | "
              f"{statistics.mean(ratios):.0f} % | {min(ratios):.0f} % |")
PY
}

if [ "${1:-}" = "--table" ]; then
    shift
    if [ $# -eq 0 ]; then
        for name in bursts fresh-ids rule-off 256-byte; do
            f=perf/results/flood/paired-$name-j17.json
            if [ -f "$f" ]; then set -- "$@" "$f"; fi
        done
    fi
    table "$@"
    exit 0
fi

JAR=${JAR:-perf/target/benchmarks.jar}
J17=${J17:-java}
NAME=${NAME:?set NAME, e.g. NAME=bursts}
REPS=${REPS:-5}
K=${K:-0.25}
EXTRA=${EXTRA:-SMACK}
PARAMS=${PARAMS:-}
FAMILIES=${FAMILIES:-6 4}
OUT=perf/results/flood/paired-$NAME-j17.json
LOGS=perf/target/jmh-logs/flood/paired-$NAME
rm -rf "$LOGS"
mkdir -p "$LOGS" "$(dirname "$OUT")"
echo "== paired $NAME: k=$K reps=$REPS extra=$EXTRA params '$PARAMS': $(uptime)" | tee "$LOGS/load.log" >&2
cells=
rep=1
while [ "$rep" -le "$REPS" ]; do
    for family in $FAMILIES; do
        for policy in ADAPTIVE COPY; do
            for k in 0 "$K"; do
                cell="$LOGS/$family-$policy-$k-$rep"
                # shellcheck disable=SC2086
                "$J17" -jar "$JAR" 'FloodBenchmark.goodput' -p family="$family" -p policy="$policy" -p k="$k" \
                    -p extra="$EXTRA" $PARAMS -f 1 -wi 3 -i 5 -w 1s -r 1s -rf json -rff "$cell.json" > "$cell.log" 2>&1
                cells="$cells $cell.json"
            done
        done
    done
    rep=$((rep + 1))
done
echo "   paired $NAME done: $(uptime)" | tee -a "$LOGS/load.log" >&2
# shellcheck disable=SC2086
python3 - "$OUT" $cells <<'PY'
import json, sys
out, parts = sys.argv[1], sys.argv[2:]
bodies = []
for part in parts:
    text = open(part).read().strip()
    bodies.append(text[1:-1].strip())
merged = "[\n    " + ",\n    ".join(b for b in bodies if b) + "\n]\n"
json.loads(merged)
open(out, "w").write(merged)
PY
table "$OUT"

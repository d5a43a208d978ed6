#!/usr/bin/env bash
# The end-to-end comparison of RESULTS.md section 6, in one run on one machine state; writes the stored set in
# perf/results/e2e/ (replacing it):
#   1. the kernel baseline (perf/kernel-baseline.sh: netns + veth + iperf3, 60000-byte UDP, no ESP) -> e2e/kernel.*;
#   2. netfrag's scenario matrix with one read per fragment (ring of 2 KiB slots like a NIC ring: the seed's shape)
#      -> e2e/SCENARIOS.md, scenarios.csv, scenarios.properties, *.png;
#   3. the same matrix with UDP_GRO (one read per GSO message of the sender, ring of 64 KiB slots) -> e2e/gro/;
#   4. with J25 set, a reduced matrix (IPv6, losses 0 and 1 %) of 2 and 3 on Java 25 -> e2e/j25/, e2e/j25/gro/;
#   5. the kernel baseline again, so drift of the machine during the run shows -> e2e/kernel-end/.
# The sender uses UDP GSO in every netfrag run (scenarios' default). Each matrix directory gets a copy of the kernel
# baseline (kernel.csv, kernel.md), which `scenarios` sets beside netfrag's ESP-off cells in its SCENARIOS.md.
#
# Usage (as root, from anywhere, after `mvn -B -ntp -q install -DskipTests`):
#   J25=/path/to/java25/bin/java perf/run-e2e.sh   # 3 repetitions x 2 s per cell, about 25 minutes
#   perf/run-e2e.sh                                # without the Java 25 matrices
#   REPS=1 SECONDS_PER_RUN=1 OUT=/tmp/e2e perf/run-e2e.sh   # a quick look, outside the stored set
#   perf/run-e2e.sh --table [DIR]                  # RESULTS.md's section 6 tables from DIR (default: the stored set)
set -euo pipefail

HERE="$(cd "$(dirname "$0")" && pwd)"
ROOT="$(dirname "$HERE")"
JAR="${JAR:-$ROOT/perf/target/benchmarks.jar}"   # JAR=copy.jar measures a frozen build
OUT="${OUT:-$HERE/results/e2e}"
REPS="${REPS:-3}"
SECONDS_PER_RUN="${SECONDS_PER_RUN:-2}"
J17="${J17:-java}"
J25="${J25:-}"
# Netty 4.2 turns sun.misc.Unsafe off on Java 25+; these give its direct-memory fast paths back (see RESULTS.md)
J25_FLAGS="-Dio.netty.noUnsafe=false --sun-misc-unsafe-memory-access=allow"

if [[ "${1:-}" == "--table" ]]; then
    # medians as SCENARIOS.md gives them, Gbit/s to two decimals; x NONE as in its seed table, whole above 100
    python3 - "${2:-$OUT}" <<'PY'
import csv, os, re, sys
from decimal import Decimal, ROUND_HALF_UP
d = sys.argv[1]
def two(x):
    return str(Decimal(x).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))
def cells(sub):
    out = {}
    for line in open(os.path.join(d, sub, "SCENARIOS.md")):
        m = re.match(r"\| (IPv[46]) \| (on|off) \| ([0-9.]+) % \| (\w+) \| \d+ \| ([0-9.]+)", line)
        if m:
            out[m.groups()[:4]] = m.group(5)
    return out
def seed(sub):
    text = open(os.path.join(d, sub, "SCENARIOS.md")).read().split("## The seed scenario")[1].split("\n## ")[0]
    rows = [[c.strip() for c in l.strip().strip("|").split("|")] for l in text.splitlines()
            if re.match(r"\| (NONE|COMPOSITE|COPY|ADAPTIVE) \|", l)]
    return {r[0]: r for r in rows}
def times(x):
    v = float(x.rstrip("×"))
    return f"{int(v)}×" if v >= 100 else (f"{v:.1f}".removesuffix(".0") + "×")
def kernel(sub):
    with open(os.path.join(d, sub, "kernel.csv")) as f:
        return {r["family"]: r["receiver_gbps"] for r in csv.DictReader(f)}
start, end = kernel("."), kernel("kernel-end")
per, gro = cells("."), cells("gro")
print("| Gbit/s of UDP payload delivered and verified | IPv6, no ESP | IPv6, ESP | IPv4, no ESP | IPv4, ESP |")
print("|---|---:|---:|---:|---:|")
print(f"| Linux kernel, veth + netns, iperf3 (start / end of the run) | {two(start['IPv6'])} / {two(end['IPv6'])} | – | "
      f"{two(start['IPv4'])} / {two(end['IPv4'])} | – |")
for name, c in (("UDP_GRO", gro), ("one read per fragment", per)):
    for policy in ("COPY", "ADAPTIVE"):
        print(f"| netfrag `{policy}`, {name} | " + " | ".join(
            two(c[(fam, esp, "0", policy)]) for fam in ("IPv6", "IPv4") for esp in ("off", "on")) + " |")
print()
s, g = seed("."), cells("gro")
print("| policy | one read per fragment, Gbit/s | × NONE | delivered / completable | ring dry | UDP_GRO, Gbit/s |")
print("|---|---:|---:|---:|---:|---:|")
for policy in ("NONE", "COMPOSITE", "COPY", "ADAPTIVE"):
    r = s[policy]
    print(f"| {policy} | {r[2].split()[0]} | {times(r[3])} | {r[4].split()[0]} % | {r[5].split()[0]} | "
          f"{two(g[('IPv6', 'on', '1', policy)])} |")
if os.path.isdir(os.path.join(d, "j25")):
    print()
    print("| IPv6 | no ESP, no loss | ESP, no loss | seed: goodput | seed: % of no-loss × completable | seed: × NONE |")
    print("|---|---:|---:|---:|---:|---:|")
    for name, sub in (("UDP_GRO", "j25/gro"), ("one read per fragment", "j25")):
        c, s25 = cells(sub), seed(sub)
        for policy in ("COPY", "ADAPTIVE"):
            plain, esp, loss = (c[("IPv6", e, l, policy)] for e, l in (("off", "0"), ("on", "0"), ("on", "1")))
            share = 100 * float(loss) / (float(esp) * 0.657)  # 0.99^42: 42 fragments of 60000 B at MTU 1500
            print(f"| `{policy}`, {name} | {two(plain)} | {two(esp)} | {two(loss)} | {share:.0f} % | "
                  f"{times(s25[policy][3])} |")
PY
    exit 0
fi

[[ -f "$JAR" ]] || { echo "run-e2e: build first: mvn -B -ntp -q install -DskipTests" >&2; exit 1; }
mkdir -p "$OUT/gro"

matrix() { # out-dir java-command-and-scenarios-args...
    local out=$1; shift
    "$@" --reps "$REPS" --seconds "$SECONDS_PER_RUN" -m 60000 --out "$out"
}

"$HERE/kernel-baseline.sh" -t 10 -o "$OUT"
cp "$OUT"/kernel.csv "$OUT"/kernel.md "$OUT/gro/"
matrix "$OUT" "$J17" -cp "$JAR" io.netfrag.perf.ScenarioCommand
matrix "$OUT/gro" "$J17" -cp "$JAR" io.netfrag.perf.ScenarioCommand --gro
if [[ -n "$J25" ]]; then
    mkdir -p "$OUT/j25/gro"
    cp "$OUT"/kernel.csv "$OUT"/kernel.md "$OUT/j25/"
    cp "$OUT"/kernel.csv "$OUT"/kernel.md "$OUT/j25/gro/"
    J25_MATRIX=(--families 6 --losses 0,0.01 --note "Java 25 with $J25_FLAGS; reduced matrix: IPv6, losses 0 and 1 %")
    # shellcheck disable=SC2086
    matrix "$OUT/j25" "$J25" $J25_FLAGS -cp "$JAR" io.netfrag.perf.ScenarioCommand "${J25_MATRIX[@]}"
    # shellcheck disable=SC2086
    matrix "$OUT/j25/gro" "$J25" $J25_FLAGS -cp "$JAR" io.netfrag.perf.ScenarioCommand --gro "${J25_MATRIX[@]}"
fi
"$HERE/kernel-baseline.sh" -t 10 -o "$OUT/kernel-end"
echo "run-e2e: done; see $OUT/SCENARIOS.md, $OUT/gro/SCENARIOS.md${J25:+, $OUT/j25/}"

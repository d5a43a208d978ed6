#!/usr/bin/env bash
# Every transport in `scenarios` (sender and receiver in one JVM) beside the kernel, in one run: RESULTS.md uses its
# seed table (section 10b) and its event-loop table (10d); the per-fragment ratios to the kernel come from
# perf/per-fragment.sh, whose sender is not the limit. Rounds alternate
#   - the kernel baseline (perf/kernel-baseline.sh: netns + veth + iperf3, 60000-byte UDP, IPv6 and IPv4, no ESP);
#   - netfrag's `scenarios` (sender and receiver in one JVM on loopback, 60000-byte datagrams at MTU 1500, unpaced UDP
#     GSO sender, COPY, a ring of 256 slots) with each receive configuration: epoll and io_uring with one datagram per
#     read (2 KiB slots, a NIC ring's shape), each with batched reads (recvmmsg / several recvmsg: 16 datagrams of up to
#     2 KiB per 32 KiB slot), and epoll with UDP_GRO (64 KiB slots) for reference; IPv6 and IPv4, ESP off and on,
#     no loss, plus the seed (IPv6, ESP, 1 % loss);
#   - one against two event loops (epoll, one read per fragment, steered by the inner packet; IPv6, ESP off and on).
# Writes OUT/runs.csv (every netfrag run, tagged with configuration and round), OUT/kernel.csv (every kernel run) and
# prints the tables; `--table [DIR]` prints them again from a stored run.
#
# Usage (as root, after `mvn -B -ntp -q install -DskipTests`):
#   perf/compare-transports.sh              # 3 rounds, about 6 minutes; OUT defaults to perf/results/transports
#   ROUNDS=1 OUT=/tmp/t perf/compare-transports.sh
#   perf/compare-transports.sh --table [DIR]
set -euo pipefail

HERE="$(cd "$(dirname "$0")" && pwd)"
ROOT="$(dirname "$HERE")"
JAR="${JAR:-$ROOT/perf/target/benchmarks.jar}"
OUT="${OUT:-$HERE/results/transports}"
ROUNDS="${ROUNDS:-3}"

table() {
    python3 - "$1" <<'EOF'
import csv, statistics, sys, os
d = sys.argv[1]
runs = list(csv.DictReader(open(os.path.join(d, "runs.csv"))))
kernel = list(csv.DictReader(open(os.path.join(d, "kernel.csv"))))
def med(xs):
    return statistics.median(xs) if xs else float("nan")
# kernel.csv holds the rounds in order, one IPv4 and one IPv6 row per round
kround = {}
for i, k in enumerate(kernel):
    kround[(k["family"], str(i // 2 + 1))] = float(k["receiver_gbps"])
configs = []
for r in runs:
    if r["config"] not in configs:
        configs.append(r["config"])
def cells(config, fam, esp, loss):
    return [r for r in runs if r["config"] == config and r["family"] == fam and r["esp"] == esp
            and float(r["loss"]) == loss]
def goodput(config, fam, esp, loss):
    return med([float(r["goodput_gbps"]) for r in cells(config, fam, esp, loss)])
def offered(config, fam, esp, loss):
    return med([float(r["offered_gbps"]) for r in cells(config, fam, esp, loss)])
def ratio(config, fam):
    xs = [float(r["goodput_gbps"]) / kround[(fam, r["round"])] for r in cells(config, fam, "off", 0.0)]
    return "%.0f %% (%.0f–%.0f)" % (100 * med(xs), 100 * min(xs), 100 * max(xs))
for fam in ("IPv6", "IPv4"):
    ks = [v for (f, _), v in kround.items() if f == fam]
    print("Kernel %s (veth + netns, iperf3, no ESP): median %.2f Gbit/s over %d rounds (%.2f–%.2f)"
          % (fam, med(ks), len(ks), min(ks), max(ks)))
print()
print("| receive configuration | IPv6 no ESP, Gbit/s | netfrag / kernel, same round | IPv4 no ESP, Gbit/s | netfrag / kernel, same round |")
print("|---|---:|---:|---:|---:|")
for c in configs:
    if not c.startswith("loops"):
        print("| `%s` | %.2f | %s | %.2f | %s |" % (c, goodput(c, "IPv6", "off", 0.0), ratio(c, "IPv6"),
                                                 goodput(c, "IPv4", "off", 0.0), ratio(c, "IPv4")))
print()
print("| receive configuration | IPv6 ESP: delivered / offered, Gbit/s | IPv4 ESP: delivered / offered | seed (IPv6, ESP, 1 % loss): delivered / offered |")
print("|---|---:|---:|---:|")
for c in configs:
    if not c.startswith("loops"):
        print("| `%s` | %.2f / %.2f | %.2f / %.2f | %.2f / %.2f |" % (c,
              goodput(c, "IPv6", "on", 0.0), offered(c, "IPv6", "on", 0.0),
              goodput(c, "IPv4", "on", 0.0), offered(c, "IPv4", "on", 0.0),
              goodput(c, "IPv6", "on", 0.01), offered(c, "IPv6", "on", 0.01)))
print()
print("| event loops (epoll, one read per fragment, IPv6) | no ESP: delivered / offered, Gbit/s | ESP: delivered / offered |")
print("|---|---:|---:|")
for c in configs:
    if c.startswith("loops"):
        print("| %s | %.2f / %.2f | %.2f / %.2f |" % (c.split("-")[1], goodput(c, "IPv6", "off", 0.0),
              offered(c, "IPv6", "off", 0.0), goodput(c, "IPv6", "on", 0.0), offered(c, "IPv6", "on", 0.0)))
EOF
}

if [[ "${1:-}" == "--table" ]]; then
    table "${2:-$OUT}"
    exit 0
fi
if [[ $EUID -ne 0 ]]; then
    echo "compare-transports: must run as root (the kernel baseline needs network namespaces)" >&2
    exit 1
fi
[[ -f "$JAR" ]] || { echo "compare-transports: $JAR missing: run mvn -B -ntp -q install -DskipTests" >&2; exit 1; }
mkdir -p "$OUT"
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
rm -f "$OUT/runs.csv" "$OUT/kernel.csv"

scenario() { # config round [scenario options...]
    local config=$1 round=$2
    shift 2
    java -cp "$JAR" io.netfrag.perf.ScenarioCommand --policies COPY --reps 1 --seconds 2 --warmup 0.5 \
        --out "$WORK/$config-$round" "$@" > "$WORK/$config-$round.log" 2>&1 \
        || { echo "compare-transports: $config failed:"; tail -5 "$WORK/$config-$round.log"; exit 1; } >&2
    if [[ ! -f "$OUT/runs.csv" ]]; then
        echo "config,round,$(head -1 "$WORK/$config-$round/scenarios.csv")" > "$OUT/runs.csv"
    fi
    tail -n +2 "$WORK/$config-$round/scenarios.csv" | sed "s/^/$config,$round,/" >> "$OUT/runs.csv"
}

BATCH=(--batch 2048 --slot-size 32768)
for round in $(seq 1 "$ROUNDS"); do
    echo "round $round of $ROUNDS: kernel" >&2
    bash "$HERE/kernel-baseline.sh" -t 3 -o "$WORK/kernel-$round" > "$WORK/kernel-$round.log" 2>&1
    if [[ ! -f "$OUT/kernel.csv" ]]; then
        head -1 "$WORK/kernel-$round/kernel.csv" > "$OUT/kernel.csv"
    fi
    tail -n +2 "$WORK/kernel-$round/kernel.csv" >> "$OUT/kernel.csv"
    for config in epoll epoll-batch io_uring io_uring-batch epoll-gro; do
        echo "round $round of $ROUNDS: $config" >&2
        opts=(--transport "${config%%-*}")
        case "$config" in
            *-batch) opts+=("${BATCH[@]}") ;;
            *-gro) opts+=(--gro) ;;
        esac
        scenario "$config" "$round" "${opts[@]}" --losses 0 --esp off,on --families 6,4
        scenario "$config" "$round" "${opts[@]}" --losses 0.01 --esp on --families 6
    done
    for loops in 1 2; do
        echo "round $round of $ROUNDS: $loops event loop(s)" >&2
        scenario "loops-$loops" "$round" --transport epoll --channels "$loops" --losses 0 --esp off,on --families 6
    done
done
uptime > "$OUT/load.txt"
table "$OUT"

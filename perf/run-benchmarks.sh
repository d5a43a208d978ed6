#!/bin/sh
# The JMH runs behind perf/RESULTS.md. A section runs one table's set, writes its JMH JSON into
# perf/results/<benchmark>/ (replacing the stored files of that set) and prints the table RESULTS.md shows;
# with --table it prints that table from the stored JSON and runs nothing.
#
# From the repository root, after `mvn -B -ntp -q -pl perf -am package -DskipTests`:
#   sh perf/run-benchmarks.sh SECTION...            # run, store, print
#   sh perf/run-benchmarks.sh --table SECTION...    # print from perf/results only
#
# section        RESULTS.md  stored set (perf/results/...)                                        time
# core-copy      1a          reassembly/copy-j17.json                                             ~3 min
# core-holding   1b          reassembly/holding-j17.json                                          ~2 min
# core-count     1b          reassembly/fragment-count-j17.json                                   ~1 min
# core25         1c          reassembly/sweep-none-composite-j25.json, sweep-copy-adaptive-j25.json,
#                            netty-unsafe-1232-j25.json                                           ~5 min
# ipv4, ipv4-25  2           ipv4/j17.json, ipv4/j25.json                                         ~1 min each
# esp, esp25     3           esp/j17.json + esp/raw-jca-direct-j17.json, esp/j25.json             ~5 min, ~3 min
# esp-suites     3b          esp/suites-j17.json                                                  ~4 min
# pipeline, pipeline25 4     pipeline/j17.json, pipeline/j25.json                                 ~1 min each
# flood-insert   5a          flood/insert-j17.json                                                ~2 min
# flood-cost     5c          flood/cost-per-packet-j17.json                                       ~1 min
# keyflood       5d          keyflood/lookup-j17.json                                             ~2 min
# all            every section above, about 30 min
# Table 5b comes from perf/flood-paired.sh, section 6 from perf/run-e2e.sh. A table shows the rows and columns of
# the stored results that its target needs, regrouped (the filters and `pivot` below); Report prints all of them.
#
# J17 / J25 name the java binaries (J25, a Java 25 `java`, is needed by core25, ipv4-25, esp25, pipeline25 and all;
# those runs other than core25's Netty-default ones turn Netty's Unsafe paths back on, as RESULTS.md advises Java 25
# users). JAR=/path/to/a/copy/of/benchmarks.jar measures a frozen build while the work tree changes. Console output,
# with `uptime` before and after each run (the machine may be shared), goes to perf/target/jmh-logs/.
set -eu
JAR=${JAR:-perf/target/benchmarks.jar}
OUT=perf/results
LOGS=perf/target/jmh-logs
J17=${J17:-java}
J25=${J25:-}
SHORT="-f 1 -wi 2 -i 3 -w 1s -r 1s"
LONG="-f 1 -wi 3 -i 5 -w 1s -r 1s"
# A command-line -jvmArgsAppend replaces the benchmark classes' own, so it repeats them before the two Unsafe flags.
J25_UNSAFE="-Dio.netty.leakDetection.level=disabled -Djmh.executor=CUSTOM"
J25_UNSAFE="$J25_UNSAFE -Djmh.executor.class=io.netfrag.perf.FastThreadLocalExecutor -Xms1g -Xmx1g"
J25_UNSAFE="$J25_UNSAFE -Dio.netty.noUnsafe=false --sun-misc-unsafe-memory-access=allow"
TABLE_ONLY=
if [ "${1:-}" = "--table" ]; then
    TABLE_ONLY=1
    shift
fi

run() { # result (path under perf/results, without .json) java jmh-args...
    [ -n "$TABLE_ONLY" ] && return 0
    result=$1; shift
    run_to "$OUT/$result.json" "$LOGS/$result.log" "$@"
}

run_to() { # json log java jmh-args...
    json=$1; log=$2; jvm=$3; shift 3
    mkdir -p "$(dirname "$json")" "$(dirname "$log")"
    echo "== $json: $(uptime)" | tee "$log" >&2
    "$jvm" -jar "$JAR" "$@" -rf json -rff "$json" >> "$log" 2>&1
    echo "   $json done: $(uptime)" | tee -a "$log" >&2
}

need25() {
    if [ -z "$TABLE_ONLY" ] && [ -z "$J25" ]; then
        echo "set J25 to a Java 25 java binary for section $1" >&2
        exit 2
    fi
}

# JMH results merged into one file, in the order given (for sets measured cell by cell).
merge() { # out.json in.json...
    python3 - "$@" <<'PY'
import json, sys
out, parts = sys.argv[1], sys.argv[2:]
bodies = [open(part).read().strip()[1:-1].strip() for part in parts]
merged = "[\n    " + ",\n    ".join(b for b in bodies if b) + "\n]\n"
json.loads(merged)
open(out, "w").write(merged)
PY
}

# Report's tables (io.netfrag.perf.Report), without its JVM line and its fitted per-fragment split.
report() { # file...
    files=
    for f in "$@"; do files="$files $OUT/$f"; done
    # shellcheck disable=SC2086
    "$J17" -cp "$JAR" io.netfrag.perf.Report $files | sed '/^Fitted over/,$d' | grep '^|'
}

# A Markdown table on stdin turned so that one column's values become column groups:
# pivot "key,columns" "column" "{} B" "value,columns" gives a row per key with each value column once per column value.
pivot() { # keys column label-format values
    python3 -c '
import sys
keys, col, fmt, values = sys.argv[1].split(","), sys.argv[2], sys.argv[3], sys.argv[4].split(",")
lines = [l for l in sys.stdin.read().splitlines() if l.startswith("|")]
cells = lambda l: [c.strip() for c in l.strip().strip("|").split("|")]
head = cells(lines[0])
rows, order, cols = {}, [], []
for l in lines[2:]:
    r = dict(zip(head, cells(l)))
    k = tuple(r[x] for x in keys)
    if k not in rows:
        rows[k] = {}
        order.append(k)
    if r[col] not in cols:
        cols.append(r[col])
    rows[k][r[col]] = r
print("| " + " | ".join(keys + [v + ", " + fmt.format(c) for v in values for c in cols]) + " |")
print("|" + "---|" * len(keys) + "--:|" * (len(values) * len(cols)))
for k in order:
    print("| " + " | ".join(list(k) + [rows[k][c][v] if c in rows[k] else "–" for v in values for c in cols]) + " |")
' "$@"
}

# Tables Report does not make: FloodBenchmark cells that differ in burst, floor or attackBytes, and KeyFloodBenchmark.
pytable() { # kind file
    python3 - "$1" "$OUT/$2" <<'PY'
import json, sys
kind, path = sys.argv[1], sys.argv[2]
runs = json.load(open(path))
def score(r):
    return r["primaryMetric"]["score"]
if kind == "flood-cost":
    base = next(r for r in runs if float(r["params"]["k"]) == 0)
    fragments = 53 if base["params"]["family"] == "6" else 44
    print("| extra packets (k = 4 per legitimate packet unless 0) | ns per legitimate datagram | ns per extra packet |")
    print("|---|--:|--:|")
    for r in runs:
        p = r["params"]
        k = float(p["k"])
        if k == 0:
            what = "none (k = 0)"
        elif p["extra"] == "BENIGN":
            what = "control: ordinary 8- or 16-byte UDP datagrams, delivered"
        elif p.get("floor") == "0":
            what = "a fresh identification per fragment, the tiny-fragment rule off (`floor=0`)"
        elif p.get("attackBytes", "8") != "8":
            what = (f"a fresh identification per fragment, {p['attackBytes']}-byte fragments "
                    "(the rule lets them through)")
        elif p.get("burst") == "1":
            what = "FragmentSmack, a fresh identification per fragment"
        else:
            what = f"FragmentSmack, bursts of {p.get('burst', '32')} per identification"
        error = r["primaryMetric"]["scoreError"]
        per = ("– (%.0f per legitimate fragment)" % (score(r) / fragments) if k == 0
               else "%.0f" % ((score(r) - score(base)) / (fragments * k)))
        print(f"| {what} | {score(r):,.0f} ± {error:,.0f} | {per} |")
elif kind == "keyflood":
    print("| keys | fragments | ms per invocation | µs per fragment |")
    print("|---|--:|--:|--:|")
    order = {"DISTINCT": 0, "COLLIDING": 1, "SPOOFED": 2}
    for r in sorted(runs, key=lambda r: (order[r["params"]["keys"]], int(r["params"]["n"]))):
        n = int(r["params"]["n"])
        print(f"| {r['params']['keys']} | {n:,} | {score(r):,.1f} | {1000 * score(r) / n:.1f} |")
PY
}

for section in "${@:-all}"; do
    case $section in
        core-copy)
            run reassembly/copy-j17 "$J17" 'ReassemblyBenchmark.(memcpy|reassemble)' -f 1 -wi 5 -i 10 -w 1s -r 1s \
                -p policy=COPY -p order=inorder,shuffled -p fragmentSize=1232,1448,8952 -prof gc
            report reassembly/copy-j17.json \
                | pivot policy,order "fragment size" "{} B" "ns/datagram,% of memcpy,B/datagram" ;;
        core-holding)
            run reassembly/holding-j17 "$J17" 'ReassemblyBenchmark.(memcpy|reassemble)' $LONG \
                -p policy=COMPOSITE,NONE -p order=inorder,shuffled -prof gc
            report reassembly/holding-j17.json | grep -v '^| memcpy ' \
                | pivot policy,order fragments "{} fragments" "ns/fragment,B/datagram" ;;
        core-count) # 8-byte fragments, 8191 per datagram; single 2 s iterations, no -prof gc
            run reassembly/fragment-count-j17 "$J17" 'ReassemblyBenchmark.reassemble' -f 1 -wi 1 -i 2 -w 2s -r 2s \
                -p fragmentSize=8 -p policy=NONE,COPY -p order=inorder,reversed,shuffled
            report reassembly/fragment-count-j17.json | pivot policy order "{}" "ns/fragment" ;;
        core25) need25 core25
            # Netty 4.2 turns sun.misc.Unsafe off on Java 25 by default; the last run turns it back on
            run reassembly/sweep-none-composite-j25 "$J25" 'ReassemblyBenchmark.(memcpy|harness|reassemble)' $SHORT \
                -p policy=NONE,COMPOSITE -prof gc
            run reassembly/sweep-copy-adaptive-j25 "$J25" 'ReassemblyBenchmark.reassemble' $SHORT \
                -p policy=COPY,ADAPTIVE -prof gc
            run reassembly/netty-unsafe-1232-j25 "$J25" 'ReassemblyBenchmark.(memcpy|harness|reassemble)' $SHORT \
                -p fragmentSize=1232 -p policy=COPY,COMPOSITE -prof gc -jvmArgsAppend "$J25_UNSAFE"
            # one table: Netty's default at 1448 B beside Unsafe on at 1232 B (the only size run so)
            {
                report reassembly/sweep-none-composite-j25.json reassembly/sweep-copy-adaptive-j25.json \
                    | grep -E '^\|( policy |---| (memcpy|COPY) \| (inorder|shuffled) \| 1448 \|)' \
                    | awk 'NR == 1 { sub(/^\| /, "| Netty | ") } NR == 2 { sub(/^\|/, "|---|") }
                           NR > 2 { sub(/^\| /, "| default, 1448 B | ") } { print }'
                report reassembly/netty-unsafe-1232-j25.json | grep -E '^\| (memcpy|COPY) \| (inorder|shuffled) \|' \
                    | sed 's/^| /| Unsafe on, 1232 B | /'
            } | pivot policy,order Netty "{}" "ns/datagram,% of memcpy,B/datagram" ;;
        ipv4)
            run ipv4/j17 "$J17" 'Ipv4ReassemblyBenchmark' $LONG -prof gc
            report ipv4/j17.json | grep -v 'netfrag COPY, pooled' \
                | pivot implementation order "{}" "ns/datagram,netfrag speed-up" ;;
        ipv4-25) need25 ipv4-25
            run ipv4/j25 "$J25" 'Ipv4ReassemblyBenchmark' $SHORT -prof gc -jvmArgsAppend "$J25_UNSAFE"
            report ipv4/j25.json | grep -v 'netfrag COPY, pooled' \
                | pivot implementation order "{}" "ns/datagram,netfrag speed-up" ;;
        esp|esp25)
            if [ "$section" = esp ]; then
                run esp/j17 "$J17" 'EspBenchmark' $LONG -prof gc
                # the raw JCA rows once more; Report keeps the later rawJca result
                run esp/raw-jca-direct-j17 "$J17" 'EspBenchmark.rawJca' $LONG -prof gc
                files="esp/j17.json esp/raw-jca-direct-j17.json"
            else
                need25 esp25
                run esp/j25 "$J25" 'EspBenchmark' $SHORT -prof gc -jvmArgsAppend "$J25_UNSAFE"
                files=esp/j25.json
            fi
            # the JCA rows, and Bouncy Castle's raw cipher and default decoder
            # shellcheck disable=SC2086
            report $files | grep -E -e '^\|( ESP packet |--:|[^|]*\| (rawJca|decoder) \| jca |[^|]*\| rawBc )' \
                -e '^\|[^|]*\| decoder \| bc \| ADAPTIVE \| direct ' \
                | pivot variant,engine,policy,input "ESP packet" "{} B" "ns/packet,% of raw" ;;
        esp-suites)
            run esp/suites-j17 "$J17" 'EspSuiteBenchmark' $LONG
            python3 - perf/results/esp/suites-j17.json <<'EOF'
import json, sys
rows = {}
for r in json.load(open(sys.argv[1])):
    b, p = r["benchmark"].rsplit(".", 1)[1], r["params"]
    rows[(p["suite"], int(p["udpPayload"]), b)] = r["primaryMetric"]["score"]
print("| suite | UDP payload, B | transform, ns/packet | MB/s | raw JCA AES-CBC + HmacSHA256, ns | transform at % of raw |")
print("|---|--:|--:|--:|--:|--:|")
for suite in ("cbc-sha256", "ctr-sha256", "ccm", "gcm"):
    for size in (1318, 65000):
        t = rows[(suite, size, "transform")]
        raw = rows[(suite, size, "rawCbcHmacSha256")] if suite == "cbc-sha256" else None
        tail = f"{raw:.0f} | {raw / t * 100:.0f} %" if raw else " | "
        print(f"| {suite} | {size} | {t:.0f} | {size / t * 1000:.0f} | {tail} |")
EOF
            ;;
        pipeline)
            run pipeline/j17 "$J17" 'PipelineBenchmark' $LONG -prof gc
            report pipeline/j17.json | pivot step,policy ESP "ESP {}" "ns/datagram,Gbps (UDP payload)" \
                | sed -e 's/, ESP yes/, with ESP/g' -e 's/, ESP no/, without ESP/g' ;;
        pipeline25) need25 pipeline25
            run pipeline/j25 "$J25" 'PipelineBenchmark' $SHORT -prof gc -jvmArgsAppend "$J25_UNSAFE"
            report pipeline/j25.json | pivot step,policy ESP "ESP {}" "ns/datagram,Gbps (UDP payload)" \
                | sed -e 's/, ESP yes/, with ESP/g' -e 's/, ESP no/, without ESP/g' ;;
        flood-insert)
            run flood/insert-j17 "$J17" 'FloodBenchmark.insert' $LONG -prof gc
            report flood/insert-j17.json | pivot policy "fragments held in the queue" "{} held" "ns per insert" ;;
        flood-cost) # IPv6, ADAPTIVE: the no-attack cell, then four extra packets per legitimate packet of each kind
            if [ -z "$TABLE_ONLY" ]; then
                cells=
                i=0
                for params in "-p k=0 -p extra=SMACK" "-p k=4 -p extra=SMACK" "-p k=4 -p extra=SMACK -p burst=1" \
                        "-p k=4 -p extra=SMACK -p burst=1 -p floor=0" \
                        "-p k=4 -p extra=SMACK -p burst=1 -p attackBytes=256" "-p k=4 -p extra=BENIGN"; do
                    i=$((i + 1))
                    cell=$LOGS/flood/cost-per-packet/$i
                    # shellcheck disable=SC2086
                    run_to "$cell.json" "$cell.log" "$J17" 'FloodBenchmark.goodput' -p family=6 -p policy=ADAPTIVE \
                        $params $LONG
                    cells="$cells $cell.json"
                done
                mkdir -p "$OUT/flood"
                # shellcheck disable=SC2086
                merge "$OUT/flood/cost-per-packet-j17.json" $cells
            fi
            pytable flood-cost flood/cost-per-packet-j17.json ;;
        keyflood) # every key choice at 5,000, 20,000 and 60,000 fragments (single-shot invocations)
            run keyflood/lookup-j17 "$J17" 'KeyFloodBenchmark'
            pytable keyflood keyflood/lookup-j17.json \
                | pivot keys fragments "{} fragments" "ms per invocation,µs per fragment" ;;
        all)
            sh "$0" ${TABLE_ONLY:+--table} core-copy core-holding core-count core25 ipv4 ipv4-25 esp esp25 esp-suites pipeline \
                pipeline25 flood-insert flood-cost keyflood ;;
        *) echo "unknown section: $section" >&2; exit 2 ;;
    esac
done

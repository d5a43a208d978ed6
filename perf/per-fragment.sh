#!/usr/bin/env bash
# Per-fragment receive beside the kernel (RESULTS.md section 10a): every receiver here gets one datagram per fragment
# from a sender written in C that is not the limit, and the kernel reassembles the same traffic shape, alternated in
# rounds on one machine in one run:
#   - kernel: iperf3, 60000-byte UDP over a veth (MTU 1500) between two namespaces (kernel-baseline.sh's shape), the
#     first second omitted; IPv6 and IPv4. The ratios are to this row. Beside it, the kernel fed the same pre-built
#     fragments netfrag gets, bare from a raw socket (frag-send's `raw` mode, read by read-floor): lower here, since
#     the sending core then also runs each fragment through the raw socket's output path, so iperf3's row is the
#     stricter baseline;
#   - floor: perf/floor/gso-send.c sends 1448-byte (IPv6) or 1472-byte (IPv4) UDP datagrams over the same veth, 60000
#     bytes per send (UDP GSO), and perf/floor/read-floor.c reads them and does nothing else — with recv (no
#     address), recvmsg (with the address, as Netty's datagram read) and recvmmsg (64 per call): what any user-space
#     reader of one datagram per read can reach here;
#   - netfrag: `server` (COPY unless POLICY says otherwise, 256-slot ring) fed by perf/floor/frag-send.c
#     (60000-byte datagrams fragmented at MTU 1500, one fragment per outer UDP datagram, a datagram's fragments per
#     GSO send; over the receiving namespace's loopback, as the IP-in-UDP packets exceed the veth's MTU), in each
#     receive configuration: epoll and io_uring with one datagram per read (2 KiB slots), each with batched reads
#     (--batch 2048: recvmmsg on epoll, 16 recvmsg on io_uring), and epoll with UDP_GRO; and epoll with ESP
#     (frag-send's `esp`: each datagram sealed with rfc4106(gcm(aes)) before fragmenting, as Linux's output path
#     does), with the JDK's AES-GCM and with Amazon Corretto Crypto Provider's (`+accp`: --cipher-provider accp),
#     against the same configuration without. Its goodput is the steady state: whole datagrams delivered
#     between the server's interim reports WARM and WARM + SECS seconds after its first delivery (the JIT compiles
#     during the first seconds; a receiver runs for hours); the whole run's average is kept beside it;
#   - the cipher: what the JDK's AES-GCM and ACCP's take to open one such datagram's ESP packet on this machine, each
#     round (JMH, EspBenchmark.rawJca and rawAccp with a 60000-byte payload): the ESP table shows, per round, the ratio ESP could reach
#     if decryption cost nothing but the cipher, and what ESP costs per datagram beyond it (the cipher's speed is the
#     machine's, and the machines behind this kind differ from day to day: RESULTS.md section 10a).
# Writes OUT/per-fragment.csv, OUT/cipher.csv and OUT/machine.txt (CPU, its AES flags, Java) and prints the tables;
# `--table [DIR]` prints them again from a stored run.
#
# Usage (as root, from the repository root, after `mvn -B -ntp -q install -DskipTests`; needs gcc, iperf3 and
# libssl-dev, and installs the last when it is missing):
#   perf/per-fragment.sh                 # 3 rounds, about 18 minutes; OUT defaults to perf/results/per-fragment
#   ROUNDS=1 SECS=3 WARM=4 CONFIGS="epoll epoll+esp" POLICY=ADAPTIVE OUT=/tmp/f perf/per-fragment.sh
set -euo pipefail

HERE="$(cd "$(dirname "$0")" && pwd)"
ROOT="$(dirname "$HERE")"
JAR="${JAR:-$ROOT/examples/target/netfrag.jar}"
BENCH="${BENCH:-$ROOT/perf/target/benchmarks.jar}"
OUT="${OUT:-$HERE/results/per-fragment}"
ROUNDS="${ROUNDS:-3}"
SECS="${SECS:-4}"
WARM="${WARM:-6}"
# each ESP configuration right after the one without ESP it is divided by, so the machine's drift between the two
# cells of a ratio is seconds, not a minute
CONFIGS="${CONFIGS:-epoll epoll+esp epoll+esp+accp epoll-batch epoll-batch+esp epoll-batch+esp+accp io_uring io_uring-batch epoll-gro}"
POLICY="${POLICY:-COPY}"
# the SAs frag-send seals with (its header says how)
KEY=0x0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b
SA6="src fc00:1::1 dst fc00:2::1 proto esp spi 0x1000 aead 'rfc4106(gcm(aes))' $KEY 128 mode transport replay-window 0"
SA4="src 10.1.0.1 dst 10.2.0.1 proto esp spi 0x1000 aead 'rfc4106(gcm(aes))' $KEY 128 mode transport replay-window 0"

table() {
    [[ -f "$1/machine.txt" ]] && { sed 's/^/    /' "$1/machine.txt"; echo; }
    python3 - "$1/per-fragment.csv" "$1/cipher.csv" <<'PY'
import csv, os, statistics, sys
rows = list(csv.DictReader(open(sys.argv[1])))
crows = list(csv.DictReader(open(sys.argv[2]))) if os.path.exists(sys.argv[2]) else []
cipher = {r["round"]: float(r["ns"]) / 1000 for r in crows}
accp = {r["round"]: float(r["accp_ns"]) / 1000 for r in crows if r.get("accp_ns")}
kernel = {(r["family"], r["round"]): float(r["gbps"]) for r in rows if r["receiver"] == "kernel reassembly"}
by = {(r["receiver"], r["family"], r["round"]): r for r in rows}
names = []
for r in rows:
    if r["receiver"] not in names:
        names.append(r["receiver"])
med = statistics.median
def spread(xs):
    return "%.0f %% (%.0f–%.0f)" % (100 * med(xs), 100 * min(xs), 100 * max(xs))
print("| receiver (no ESP) | IPv6 Gbit/s | IPv6 / kernel, same round | IPv4 Gbit/s | IPv4 / kernel, same round | whole run incl. warm-up / kernel (IPv6, IPv4) |")
print("|---|---:|---:|---:|---:|---:|")
for name in names:
    if "+esp" in name:
        continue
    cells, whole = [], []
    for fam in ("IPv6", "IPv4"):
        rs = [r for r in rows if r["receiver"] == name and r["family"] == fam]
        cells.append("%.2f" % med(float(r["gbps"]) for r in rs))
        cells.append(spread([float(r["gbps"]) / kernel[(fam, r["round"])] for r in rs]))
        w = [float(r["whole_run_gbps"]) / kernel[(fam, r["round"])] for r in rs if r["whole_run_gbps"]]
        whole.append("%.0f %%" % (100 * med(w)) if w else "–")
    print("| %s | %s | %s |" % (name, " | ".join(cells), ", ".join(whole)))
esp = [n for n in names if "+esp" in n]
us = lambda gbps: 60000 * 8 / (gbps * 1e3)      # microseconds per 60000-byte datagram at that goodput
if esp:
    print()
    print("| receiver with ESP | IPv6 Gbit/s | IPv6 / the same without ESP, same round | IPv4 Gbit/s | IPv4 / the same without ESP, same round |")
    print("|---|---:|---:|---:|---:|")
    for name in esp:
        plain = name.split("+esp")[0]
        cells = []
        for fam in ("IPv6", "IPv4"):
            rs = [r for r in rows if r["receiver"] == name and r["family"] == fam]
            cells.append("%.2f" % med(float(r["gbps"]) for r in rs))
            cells.append(spread([float(r["gbps"]) / float(by[(plain, fam, r["round"])]["gbps"]) for r in rs]))
        print("| %s | %s |" % (name, " | ".join(cells)))
if esp and cipher:
    print()
    print("The cipher, same round: the JDK's AES-GCM opens one datagram's ESP packet in %s µs (median; rounds %s)."
          % ("%.1f" % med(cipher.values()), ", ".join("%.1f" % cipher[k] for k in sorted(cipher))))
    if accp:
        print("Amazon Corretto Crypto Provider's (`+accp`: `server --cipher-provider accp`) in %s µs (rounds %s)."
              % ("%.1f" % med(accp.values()), ", ".join("%.1f" % accp[k] for k in sorted(accp))))
    print()
    print("| receiver with ESP | family | no ESP, µs per datagram | ESP, µs per datagram | ESP / no ESP if ESP cost only the cipher | ESP's cost beyond the cipher, µs per datagram |")
    print("|---|---|--:|--:|--:|--:|")
    for name in esp:
        plain = name.split("+esp")[0]
        times = accp if name.endswith("+accp") else cipher
        for fam in ("IPv6", "IPv4"):
            rs = [r for r in rows if r["receiver"] == name and r["family"] == fam and r["round"] in times]
            if not rs:
                continue
            t0 = [us(float(by[(plain, fam, r["round"])]["gbps"])) for r in rs]
            t1 = [us(float(r["gbps"])) for r in rs]
            c = [times[r["round"]] for r in rs]
            ceiling = [a / (a + k) for a, k in zip(t0, c)]
            beyond = [b - a - k for a, b, k in zip(t0, t1, c)]
            print("| %s | %s | %.0f | %.0f | %s | %.0f (%.0f to %.0f) |" % (name, fam, med(t0), med(t1), spread(ceiling),
                  med(beyond), min(beyond), max(beyond)))
PY
}

if [[ "${1:-}" == "--table" ]]; then
    table "${2:-$OUT}"
    exit 0
fi
if [[ $EUID -ne 0 ]]; then
    echo "per-fragment: must run as root (network namespaces, veth)" >&2
    exit 1
fi
for tool in ip gcc iperf3 java python3; do
    command -v "$tool" >/dev/null || { echo "per-fragment: $tool is required" >&2; exit 1; }
done
for j in "$JAR" "$BENCH"; do
    [[ -f "$j" ]] || { echo "per-fragment: $j is missing: run mvn -B -ntp -q install -DskipTests first" >&2; exit 1; }
done

BIN="$ROOT/perf/target/floor"
mkdir -p "$BIN" "$OUT"
if [[ ! -f /usr/include/openssl/evp.h ]]; then
    echo "per-fragment: installing libssl-dev (frag-send seals ESP with libcrypto)" >&2
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q libssl-dev >/dev/null
fi
for p in gso-send read-floor; do
    gcc -O2 -o "$BIN/$p" "$HERE/floor/$p.c"
done
gcc -O2 -o "$BIN/frag-send" "$HERE/floor/frag-send.c" -lcrypto

NS_A="nfpf-snd-$$"
NS_B="nfpf-rcv-$$"
IPERF_PID=
cleanup() {
    [[ -n "$IPERF_PID" ]] && { kill "$IPERF_PID" 2>/dev/null || true; wait "$IPERF_PID" 2>/dev/null || true; }
    ip netns del "$NS_A" 2>/dev/null || true
    ip netns del "$NS_B" 2>/dev/null || true
}
trap cleanup EXIT
trap 'exit 130' INT TERM
ip netns add "$NS_A"
ip netns add "$NS_B"
ip link add "nfpf$$a" netns "$NS_A" type veth peer name "nfpf$$b" netns "$NS_B"
for ns in "$NS_A" "$NS_B"; do ip -n "$ns" link set lo up; done
ip -n "$NS_A" link set "nfpf$$a" mtu 1500 up
ip -n "$NS_B" link set "nfpf$$b" mtu 1500 up
ip -n "$NS_A" addr add 10.252.0.1/24 dev "nfpf$$a"
ip -n "$NS_B" addr add 10.252.0.2/24 dev "nfpf$$b"
ip -n "$NS_A" addr add fd00:252::1/64 dev "nfpf$$a" nodad
ip -n "$NS_B" addr add fd00:252::2/64 dev "nfpf$$b" nodad
ip netns exec "$NS_B" iperf3 -s -p 5203 >/dev/null 2>&1 &
IPERF_PID=$!
sleep 1

CSV="$OUT/per-fragment.csv"
echo "round,family,receiver,gbps,whole_run_gbps" >"$CSV"
echo "round,ns,accp_ns" >"$OUT/cipher.csv"
# the machine behind the figures: its CPU decides the cipher's speed
{ grep -m1 'model name' /proc/cpuinfo; grep -m1 '^cpu family' /proc/cpuinfo; grep -m1 -E '^model\s' /proc/cpuinfo
  echo "flags: $(grep -m1 '^flags' /proc/cpuinfo | tr ' ' '\n' | grep -E '^(aes|vaes|vpclmulqdq|avx2|avx512f|avx512vl)$' | tr '\n' ' ')"
  java -version 2>&1 | head -1; } >"$OUT/machine.txt"
echo "per-fragment: $ROUNDS rounds; kernel and floor $SECS s per cell, netfrag ($POLICY) $WARM s warm-up + $SECS s;" \
    "load average $(cut -d' ' -f1-3 /proc/loadavg); $(nproc) CPUs" >&2
for round in $(seq "$ROUNDS"); do
    # AES-GCM on this machine this round, the JDK's and Amazon Corretto Crypto Provider's: opening the ESP packet of
    # one 60000-byte UDP payload
    java -jar "$BENCH" 'EspBenchmark.raw(Jca|Accp)$' -p udpPayload=60000 -f 1 -wi 3 -i 3 -w 1 -r 1 -rf csv \
        -rff "$BIN/cipher.jmh.csv" >/dev/null 2>&1 || { echo "per-fragment: the cipher benchmark failed" >&2; exit 1; }
    echo "$round,$(python3 -c 'import csv,sys
score = {r["Benchmark"].rsplit(".", 1)[1]: r["Score"] for r in csv.DictReader(open(sys.argv[1]))}
print(score["rawJca"] + "," + score["rawAccp"])' "$BIN/cipher.jmh.csv")" >>"$OUT/cipher.csv"
    for fam in 6 4; do
        if [[ $fam == 6 ]]; then dst=fd00:252::2; seg=1448; lo=::1; name=IPv6; else dst=10.252.0.2; seg=1472; lo=127.0.0.1; name=IPv4; fi
        k=$(ip netns exec "$NS_A" iperf3 -c "$dst" -p 5203 -u -l 60000 -b 0 -O 1 -t "$((SECS + 1))" -J 2>/dev/null \
            | python3 -c 'import json,sys; e=json.load(sys.stdin)["end"]; print("%.3f" % (e["sum_received"]["bits_per_second"]/1e9))')
        echo "$round,$name,kernel reassembly,$k," >>"$CSV"
        ip netns exec "$NS_B" "$BIN/read-floor" "$fam" 7300 recv "$SECS" 4194304 big >"$BIN/reader.out" &
        reader=$!
        sleep 0.3
        if [[ $fam == 6 ]]; then pair="fd00:252::1 fd00:252::2"; else pair="10.252.0.1 10.252.0.2"; fi
        # shellcheck disable=SC2086
        ip netns exec "$NS_A" "$BIN/frag-send" raw $pair 7300 "$((SECS + 1))" >/dev/null
        wait "$reader"
        read -r g _ <"$BIN/reader.out"
        echo "$round,$name,kernel reassembly fed bare fragments (raw socket),$g," >>"$CSV"
        for mode in recv recvmsg recvmmsg; do
            ip netns exec "$NS_B" "$BIN/read-floor" "$fam" 7100 "$mode" "$SECS" 1048576 >"$BIN/reader.out" &
            reader=$!
            sleep 0.3
            ip netns exec "$NS_A" "$BIN/gso-send" "$dst" 7100 "$seg" "$((SECS + 1))" >/dev/null
            wait "$reader"
            read -r g _ <"$BIN/reader.out"
            echo "$round,$name,floor: C $mode,$g," >>"$CSV"
        done
        for config in $CONFIGS; do
            case "$config" in
                epoll) args=(--transport epoll) ;;
                epoll-batch) args=(--transport epoll --batch 2048) ;;
                io_uring) args=(--transport io_uring) ;;
                io_uring-batch) args=(--transport io_uring --batch 2048) ;;
                epoll-gro) args=(--transport epoll --gro) ;;
                epoll+esp) args=(--transport epoll --sa "$SA6" --sa "$SA4") ;;
                epoll-batch+esp) args=(--transport epoll --batch 2048 --sa "$SA6" --sa "$SA4") ;;
                epoll+esp+accp) args=(--transport epoll --cipher-provider accp --sa "$SA6" --sa "$SA4") ;;
                epoll-batch+esp+accp) args=(--transport epoll --batch 2048 --cipher-provider accp --sa "$SA6" --sa "$SA4") ;;
                *) echo "per-fragment: unknown configuration $config" >&2; exit 2 ;;
            esac
            ip netns exec "$NS_B" java -jar "$JAR" server -H "$lo" -p 7200 --policy "$POLICY" --ring 256 "${args[@]}" -D 1 \
                -l $((WARM + SECS + 4)) >"$BIN/server.out" 2>&1 &
            server=$!
            sleep 1.5
            seal=()
            [[ $config == *+esp* ]] && seal=(esp)
            ip netns exec "$NS_B" "$BIN/frag-send" "$lo" 7200 "$fam" "$((WARM + SECS + 1))" "${seal[@]}" >/dev/null
            wait "$server" || true
            line=$(python3 - "$BIN/server.out" "$WARM" "$SECS" <<'PY'
import re, sys
path, warm, secs = sys.argv[1], float(sys.argv[2]), float(sys.argv[3])
points, whole = [], None
for l in open(path):
    m = re.match(r"\s+([\d.]+)s\s+(\d+) datagrams", l)
    if m:
        points.append((float(m.group(1)), int(m.group(2))))
first = next((i for i, (_, d) in enumerate(points) if d > 0), None)
if first is None:
    sys.exit("no datagram delivered")
t0 = points[first - 1][0] if first > 0 else 0.0        # the report before the first delivery
window = [(t, d) for t, d in points if t0 + warm <= t <= t0 + warm + secs + 0.5]
(ta, da), (tb, db) = window[0], window[-1]
last = max(i for i, (_, d) in enumerate(points) if d == points[-1][1])   # deliveries stop with the sender
active = [(t, d) for t, d in points[first - 1 if first else 0:last + 1]]
print("%.3f,%.3f" % ((db - da) * 60000 * 8 / (tb - ta) / 1e9,
                     active[-1][1] * 60000 * 8 / (active[-1][0] - active[0][0]) / 1e9))
PY
) || { echo "per-fragment: no result from netfrag ($config, $name):" >&2; cat "$BIN/server.out" >&2; exit 1; }
            echo "$round,$name,netfrag $config,$line" >>"$CSV"
        done
        echo "per-fragment: round $round $name done" >&2
    done
done
table "$OUT"

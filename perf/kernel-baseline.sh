#!/usr/bin/env bash
# Kernel baseline for the end-to-end scenarios (perf/results/e2e): the Linux receive path itself reassembling big
# fragmented UDP datagrams. Two network namespaces joined by a veth pair (MTU 1500), iperf3 UDP with 60000-byte
# datagrams (41 IPv4 / 42 IPv6 fragments each) from one namespace to the other, IPv4 and IPv6; reports the
# receiver-side goodput and loss per family.
#
# The kernel rows are without ESP (this VM's kernel is built without CONFIG_INET_ESP/INET6_ESP), plain UDP — compare
# them with netfrag's ESP-off cells.
#
# Usage (as root):  perf/kernel-baseline.sh [-t SECONDS] [-l BYTES] [-b RATE] [-w BYTES] [-f "4 6"] [-o DIR]
#   -t  seconds per family (default 10)
#   -l  UDP datagram size (default 60000)
#   -b  iperf3 target bitrate (default 0 = as fast as the sender can; e.g. 5G for a fixed offered load)
#   -w  iperf3 socket buffer size (-w; default: the system's, see the report)
#   -f  families (default "4 6")
#   -o  output directory (default perf/results/e2e next to this script's perf/)
# Writes DIR/kernel.csv, DIR/kernel.md (a Markdown fragment) and DIR/kernel-ipv4.json, DIR/kernel-ipv6.json (iperf3's
# raw output); prints one line per family. Installs iperf3 with apt-get when it is missing. Touches nothing but the
# two namespaces it creates (and removes on exit).
set -euo pipefail

SECONDS_PER_FAMILY=10
LEN=60000
RATE=0
WINDOW=
FAMILIES="4 6"
HERE="$(cd "$(dirname "$0")" && pwd)"
OUT="$HERE/results/e2e"
while getopts "t:l:b:w:f:o:h" opt; do
    case "$opt" in
        t) SECONDS_PER_FAMILY="$OPTARG" ;;
        l) LEN="$OPTARG" ;;
        b) RATE="$OPTARG" ;;
        w) WINDOW="$OPTARG" ;;
        f) FAMILIES="$OPTARG" ;;
        o) OUT="$OPTARG" ;;
        h) sed -n '2,21p' "$0"; exit 0 ;;
        *) echo "usage: $0 [-t SECONDS] [-l BYTES] [-b RATE] [-w BYTES] [-f \"4 6\"] [-o DIR]" >&2; exit 2 ;;
    esac
done

if [[ $EUID -ne 0 ]]; then
    echo "kernel-baseline: must run as root (network namespaces, veth)" >&2
    exit 1
fi
for tool in ip python3; do
    command -v "$tool" >/dev/null || { echo "kernel-baseline: $tool is required" >&2; exit 1; }
done
if ! command -v iperf3 >/dev/null; then
    echo "kernel-baseline: installing iperf3" >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get install -y -q iperf3 >/dev/null 2>&1 || { apt-get update -q >/dev/null && apt-get install -y -q iperf3 >/dev/null; }
fi

NS_A="nfkb-snd-$$"
NS_B="nfkb-rcv-$$"
VETH_A="nfkb$$a"
VETH_B="nfkb$$b"
SERVER_PID=

cleanup() {
    if [[ -n "$SERVER_PID" ]]; then
        kill "$SERVER_PID" 2>/dev/null || true
        wait "$SERVER_PID" 2>/dev/null || true
    fi
    ip netns del "$NS_A" 2>/dev/null || true # deleting a namespace deletes its end of the veth, and so the pair
    ip netns del "$NS_B" 2>/dev/null || true
}
trap cleanup EXIT
trap 'exit 130' INT TERM

ip netns add "$NS_A"
ip netns add "$NS_B"
ip link add "$VETH_A" netns "$NS_A" type veth peer name "$VETH_B" netns "$NS_B"
for ns in "$NS_A" "$NS_B"; do
    ip -n "$ns" link set lo up
done
ip -n "$NS_A" link set "$VETH_A" mtu 1500 up
ip -n "$NS_B" link set "$VETH_B" mtu 1500 up
ip -n "$NS_A" addr add 10.250.0.1/24 dev "$VETH_A"
ip -n "$NS_B" addr add 10.250.0.2/24 dev "$VETH_B"
ip -n "$NS_A" addr add fd00:250::1/64 dev "$VETH_A" nodad
ip -n "$NS_B" addr add fd00:250::2/64 dev "$VETH_B" nodad

# iperf3 server in the receiving namespace, for the whole script
ip netns exec "$NS_B" iperf3 -s -p 5201 >/dev/null 2>&1 &
SERVER_PID=$!
for _ in $(seq 50); do
    ip netns exec "$NS_B" ss -Hltn 'sport = :5201' 2>/dev/null | grep -q . && break
    sleep 0.1
done

mkdir -p "$OUT"
CPUS=$(nproc)
LOAD=$(cut -d' ' -f1-3 /proc/loadavg)
KERNEL=$(uname -r)
RMEM="rmem_default $(sysctl -n net.core.rmem_default), rmem_max $(sysctl -n net.core.rmem_max)"
FRAG="ipfrag_high_thresh $(ip netns exec "$NS_B" sysctl -n net.ipv4.ipfrag_high_thresh), ip6frag_high_thresh $(ip netns exec "$NS_B" sysctl -n net.ipv6.ip6frag_high_thresh)"
IPERF=$(iperf3 --version | head -1)
# Why the kernel rows are plain UDP: say what this kernel lacks, when its config tells.
ESP_WHY="the script measures plain UDP"
KCONFIG=$(zcat /proc/config.gz 2>/dev/null || true)
if grep -q '^# CONFIG_INET_ESP is not set' <<<"$KCONFIG"; then
    ESP_WHY="this kernel is built without ESP: CONFIG_INET_ESP and CONFIG_INET6_ESP not set"
    if grep -q '^# CONFIG_CRYPTO_GCM is not set' <<<"$KCONFIG"; then
        ESP_WHY="$ESP_WHY, nor CONFIG_CRYPTO_GCM"
    fi
fi
CSV="$OUT/kernel.csv"
echo "family,seconds,datagram_bytes,target_rate,sender_gbps,receiver_gbps,lost_datagrams,total_datagrams,loss_pct,mtu,esp" >"$CSV"

for fam in $FAMILIES; do
    case "$fam" in
        4) dst=10.250.0.2; name=IPv4 ;;
        6) dst=fd00:250::2; name=IPv6 ;;
        *) echo "kernel-baseline: unknown family $fam" >&2; exit 2 ;;
    esac
    json="$OUT/kernel-ipv$fam.json"
    args=(-c "$dst" -p 5201 -u -l "$LEN" -b "$RATE" -t "$SECONDS_PER_FAMILY" -J)
    [[ -n "$WINDOW" ]] && args+=(-w "$WINDOW")
    echo "kernel-baseline: $name, $LEN-byte UDP datagrams, veth MTU 1500, ${SECONDS_PER_FAMILY} s, target rate $RATE ..." >&2
    ip netns exec "$NS_A" iperf3 "${args[@]}" >"$json"
    # iperf3 (3.12 here) UDP client JSON: end.sum_received is the receiver's view (bytes and bits/s it received, lost
    # and total datagrams as it counted them), end.sum_sent the sender's. Older iperf3 has only end.sum: the sender's
    # rate with the receiver's loss counts, so the received rate is derived from those.
    row=$(python3 - "$json" "$name" "$SECONDS_PER_FAMILY" "$LEN" "$RATE" <<'EOF'
import json, sys
path, name, secs, length, rate = sys.argv[1:]
d = json.load(open(path))
if "error" in d:
    sys.exit("iperf3: " + d["error"])
end = d["end"]
if "sum_received" in end:
    recv, sent = end["sum_received"], end["sum_sent"]
    recv_bps, sent_bps = recv["bits_per_second"], sent["bits_per_second"]
else:
    recv = sent = end["sum"]
    sent_bps = sent["bits_per_second"]
    recv_bps = (recv["packets"] - recv["lost_packets"]) * int(length) * 8 / recv["seconds"]
lost = recv.get("lost_packets", 0)
total = recv.get("packets", 0)
loss = 100.0 * lost / total if total else 0.0
print(f"{name},{secs},{length},{rate},{sent_bps/1e9:.3f},{recv_bps/1e9:.3f},{lost},{total},{loss:.2f},1500,no")
EOF
)
    echo "$row" >>"$CSV"
    IFS=, read -r _ _ _ _ sgbps rgbps lost total lpct _ _ <<<"$row"
    line="$name: receiver goodput $rgbps Gbit/s, loss $lpct % ($lost of $total datagrams), sender $sgbps Gbit/s — kernel reassembly, $LEN-byte UDP over veth MTU 1500, no ESP ($ESP_WHY)"
    echo "$line"
done

{
    echo "## Kernel baseline: Linux reassembly of big UDP datagrams over a veth (no ESP)"
    echo
    echo "\`perf/kernel-baseline.sh -t $SECONDS_PER_FAMILY -l $LEN -b $RATE${WINDOW:+ -w $WINDOW}\`: two network namespaces joined by a veth pair (MTU 1500),"
    echo "\`iperf3 -u -l $LEN -b $RATE\` from one to the other for $SECONDS_PER_FAMILY s per family; the kernel fragments each"
    echo "datagram ($(( (LEN + 8 + 1479) / 1480 )) IPv4 / $(( (LEN + 8 + 1447) / 1448 )) IPv6 fragments) and the receiving namespace reassembles it."
    echo "Figures are the receiver's (iperf3 server): goodput = UDP payload received × 8 / time; loss = datagrams lost"
    echo "(any fragment dropped anywhere: veth/backlog, reassembly, socket buffer) / sent."
    echo
    echo "**The kernel rows are without ESP** ($ESP_WHY), plain UDP: compare them with netfrag's"
    echo "ESP-off cells, not with the seed table (ESP, 1 % loss)."
    echo
    echo "| family | datagram bytes | sender Gbit/s | receiver goodput Gbit/s | lost / sent datagrams | loss |"
    echo "|---|---:|---:|---:|---:|---:|"
    tail -n +2 "$CSV" | while IFS=, read -r f _ l _ s r lo t lp _ _; do
        echo "| $f | $l | $s | **$r** | $lo / $t | $lp % |"
    done
    echo
    echo "Conditions: $CPUS CPUs, Linux $KERNEL, $IPERF; load average $LOAD at the start$( [[ -n "${KB_NOTE:-}" ]] && echo "; $KB_NOTE");"
    echo "$RMEM (iperf3 with ${WINDOW:+-w $WINDOW}${WINDOW:-the default socket buffers}); $FRAG (per namespace)."
    echo "Raw iperf3 output: $(for f in $FAMILIES; do printf '[`kernel-ipv%s.json`](kernel-ipv%s.json) ' "$f" "$f"; done)"
    echo
} >"$OUT/kernel.md"

echo "kernel-baseline: wrote $CSV and $OUT/kernel.md (load average at the start: $LOAD; kernel rows without ESP: $ESP_WHY)" >&2

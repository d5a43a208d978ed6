#!/bin/sh
# Where a fragment's time goes on the per-fragment path: a `server` (one read per fragment into a 256 x 2 KiB ring,
# COPY) under JFR while `stream` sends 60000-byte datagrams at MTU 1500 over loopback, unpaced, with and without ESP.
# JFR's execution samples of the receiving event loop are grouped by the stage of the receive path their top netfrag or
# Netty frame belongs to; its allocation samples by class.
#
# Run (from the repository root, after `mvn -B -ntp -q install -DskipTests`):
#   sh perf/profile-fragment-path.sh            # both runs, then the tables
#   sh perf/profile-fragment-path.sh --table    # the tables from perf/results/profile/*.jfr
# The recordings go to perf/target/profile/{plain,esp}.jfr; the events the tables need (execution, native-method and
# allocation samples: stack frames and class names, nothing about the machine) are kept, gzipped, in
# perf/results/profile/, with the server's and the sender's output.
set -eu
JAR=${JAR:-examples/target/netfrag.jar}
OUT=perf/results/profile
RECORDINGS=perf/target/profile
# the seed's SA (the demo's): the stream's inner packets go from fc00:1::1 to fc00:2::1
SA="src fc00:1::1 dst fc00:2::1 proto esp spi 0x1000 aead 'rfc4106(gcm(aes))' 0x0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b 96 mode transport replay-window 0"
mkdir -p "$OUT" "$RECORDINGS"

record() { # name port [sa]
    name=$1; port=$2; shift 2
    # JFR's own lines name the recording's path: left out of the stored log
    java -XX:StartFlightRecording=delay=4s,duration=10s,filename="$RECORDINGS/$name.jfr",settings=profile \
        -jar "$JAR" server -p "$port" --policy COPY --ring 256 -l 16 "$@" 2>&1 | grep -v -e '^\[' -e 'recording' \
        > "$OUT/$name-server.log" &
    server=$!
    sleep 2
    java -jar "$JAR" stream -H ::1 -p "$port" -l 14 -m 60000 --mtu 1500 "$@" > "$OUT/$name-stream.log" 2>&1 || true
    wait "$server" || true
    for event in ExecutionSample NativeMethodSample ObjectAllocationSample; do
        jfr print --events "jdk.$event" "$RECORDINGS/$name.jfr" | gzip -9 > "$OUT/$name-$event.txt.gz"
    done
}

if [ "${1:-}" != "--table" ]; then
    record plain 6641
    record esp 6642 --sa "$SA"
fi

for name in plain esp; do
    echo "## $name"
    python3 - "$OUT/$name-ExecutionSample.txt.gz" "$OUT/$name-ObjectAllocationSample.txt.gz" \
        "$OUT/$name-NativeMethodSample.txt.gz" <<'EOF'
import gzip, re, sys
from collections import Counter

# stages of the receive path, by the package or class of the deepest frame that names one (first match wins)
STAGES = [
    ("system call (recvmsg, epoll_wait)", ("io.netty.channel.epoll.Native", "io.netty.channel.unix",
                                           "io.netty.channel.epoll.LinuxSocket", "io.netty.channel.epoll.EpollIoHandler.epollWait")),
    ("ESP (decrypt, AES-GCM)", ("io.netfrag.esp", "io.netfrag.internal.esp", "com.sun.crypto", "javax.crypto",
                                "sun.security")),
    ("UDP delivery (checksum)", ("io.netfrag.udp", "io.netfrag.internal.wire.InternetChecksum")),
    ("reassembly (copy into the datagram)", ("io.netfrag.internal.reassembly", "io.netfrag.ipv6", "io.netfrag.ipv4")),
    ("decoding (IpPacketDecoder, header views)", ("io.netfrag.packet", "io.netfrag.internal.wire")),
    ("receive ring and allocator", ("io.netfrag.channel", "io.netty.buffer")),
    ("user handler (counting sink, verifying)", ("io.netfrag.examples",)),
    ("Netty pipeline and event loop", ("io.netty.channel", "io.netty.util")),
]

def stage(frames):
    for f in frames:  # top (innermost) first
        for name, prefixes in STAGES:
            if f.startswith(prefixes):
                return name
    return "other (JDK, GC, JIT)"

def text(path):
    with gzip.open(path, "rt") as f:
        return f.read()

samples = text(sys.argv[1]).split("jdk.ExecutionSample {")
counts = Counter()
top = Counter()
total = 0
for s in samples[1:]:
    m = re.search(r'sampledThread = "([^"]*)"', s)
    if not m or "epoll" not in m.group(1).lower() and "eventloop" not in m.group(1).lower().replace(" ", ""):
        continue
    frames = re.findall(r"^\s+([\w$.<>]+)\(", s, re.M)
    if not frames:
        continue
    total += 1
    counts[stage(frames)] += 1
    top[frames[0]] += 1
native = 0
for s in text(sys.argv[3]).split("jdk.NativeMethodSample {")[1:]:
    m = re.search(r'sampledThread = "([^"]*)"', s)
    if m and ("epoll" in m.group(1).lower() or "eventloop" in m.group(1).lower().replace(" ", "")):
        native += 1
# JFR's profile settings sample running Java code every 10 ms and threads in native code every 20 ms
print(f"{total} samples of the receiving event loop in Java code, {native} in native code (system calls): about "
      f"{100 * 2 * native / (2 * native + total):.0f} % of its time in the kernel\n")
print("| stage | share of samples |")
print("|---|--:|")
for name, n in counts.most_common():
    print(f"| {name} | {100 * n / total:.1f} % |")
print("\n| top frame | share |")
print("|---|--:|")
for name, n in top.most_common(12):
    print(f"| `{name}` | {100 * n / total:.1f} % |")

alloc = Counter()
for s in text(sys.argv[2]).split("jdk.ObjectAllocationSample {")[1:]:
    t = re.search(r'eventThread = "([^"]*)"', s)
    if not t or "epoll" not in t.group(1).lower() and "eventloop" not in t.group(1).lower().replace(" ", ""):
        continue
    c = re.search(r"objectClass = ([\w$.\[\]]+)", s)
    w = re.search(r"weight = ([\d.,]+) (bytes|kB|MB|GB)", s)
    if c and w:
        v = float(w.group(1).replace(",", ""))
        v *= {"bytes": 1, "kB": 1e3, "MB": 1e6, "GB": 1e9}[w.group(2)]
        alloc[c.group(1)] += v
all_bytes = sum(alloc.values())
print(f"\nallocation sampled on the event loop: {all_bytes / 1e6:.1f} MB in 10 s\n")
print("| class | share of allocated bytes |")
print("|---|--:|")
for name, v in alloc.most_common(8):
    print(f"| `{name}` | {100 * v / all_bytes:.1f} % |")
EOF
    grep -h "final:" "$OUT/$name-server.log" || true
done

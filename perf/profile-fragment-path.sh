#!/usr/bin/env bash
# Where a fragment's time goes on the per-fragment path, from the system call to the user's handler (RESULTS.md
# section 9): `server` (COPY, one read per fragment into a 256 x 2 KiB ring, epoll, one event loop) fed by
# perf/floor/frag-send.c (60000-byte datagrams at MTU 1500 over loopback, unpaced, a sender that is not the limit),
# without and with ESP (rfc4106(gcm(aes)), sealed before fragmenting).
#   - CPU: async-profiler (tools.profiler:async-profiler from Maven Central, its linux-x64 library) samples the
#     receiving event loop every millisecond with Java, JNI and kernel frames (perf_events; as root, or with
#     kernel.perf_event_paranoid <= 1, else the kernel's part is missing); only the steady state is kept, the two
#     5-second windows from 10 to 20 s after the JVM starts (the JIT compiles during the first seconds). Samples are
#     grouped by the stage of the receive path their innermost frame belongs to.
#   - Allocation: JFR's allocation samples of the event loop over the same time, by class.
# Usage (as root, from the repository root, after `mvn -B -ntp -q install -DskipTests`; needs gcc and libssl-dev):
#   perf/profile-fragment-path.sh            # both runs (about 1 minute), then the tables
#   perf/profile-fragment-path.sh --table    # the tables from perf/results/profile/
# Kept in perf/results/profile/: per run, the event loop's CPU samples aggregated by (stage, innermost frame)
# (NAME-cpu.tsv), JFR's allocation samples (NAME-ObjectAllocationSample.txt.gz) and the server's output.
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
ROOT="$(dirname "$HERE")"
JAR="${JAR:-$ROOT/examples/target/netfrag.jar}"
OUT="$HERE/results/profile"
WORK="$ROOT/perf/target/profile"
SA6="src fc00:1::1 dst fc00:2::1 proto esp spi 0x1000 aead 'rfc4106(gcm(aes))' 0x0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b 128 mode transport replay-window 0"

aggregate() { # collapsed-stacks... > tsv: the event loop's samples by stage and innermost frame
    python3 - "$@" <<'PY'
import sys
from collections import Counter
# stages of the receive path, by the innermost frame that names one (first match wins); kernel frames end in _[k]
STAGES = [
    ("kernel: copy of the fragment to user space", ("_copy_to_iter", "__skb_datagram_iter", "skb_copy_datagram",
        "_copy_to_user", "__check_object_size", "__virt_addr_valid", "check_heap_object", "rep_movs", "copy_user")),
    ("kernel: socket queue and buffer release", ("udpv6_recvmsg", "udp_recvmsg", "__skb_recv_udp",
        "__skb_try_recv_from_queue", "skb_consume_udp", "udp_rmem_release", "skb_attempt_defer_free", "kfree",
        "_raw_spin", "sock_rfree", "skb_release", "__consume_stateless_skb", "kmem_cache_free", "__slab_free")),
    ("kernel: system call entry, message header, source address", ("do_syscall_64", "entry_SYSCALL", "syscall",
        "____sys_recvmsg", "___sys_recvmsg", "__sys_recvmsg", "__sys_recvmmsg", "do_recvmmsg", "copy_msghdr_from_user",
        "import_iovec", "__import_iovec", "copy_iovec_from_user", "move_addr_to_user", "fdget", "fput", "sock_recvmsg",
        "inet6_recvmsg", "inet_recvmsg", "__put_user", "_copy_from_user", "security_", "native_write_msr", "__x64_sys",
        "ep_", "do_epoll_wait", "epoll", "__fget", "__rcu_read", "irqentry", "asm_")),
    ("JNI and Netty's native read (address objects)", ("__libc_recvmsg", "recvmmsg", "__libc_recv", "netty_epoll_native",
        "netty_unix", "jni_", "Java_io_netty", "io/netty/channel/epoll/Native", "io/netty/channel/unix",
        "io/netty/channel/epoll/LinuxSocket", "java/net/Inet", "ThreadStateTransition", "JavaThread", "HandleMark",
        "JNIHandle")),
    ("ESP (decrypt, AES-GCM)", ("io/netfrag/esp", "io/netfrag/internal/esp", "com/sun/crypto", "javax/crypto",
        "sun/security", "ghash_processBlocks", "counterMode_AESCrypt", "aescrypt")),
    ("UDP delivery (checksum)", ("io/netfrag/udp", "io/netfrag/internal/wire/InternetChecksum")),
    ("reassembly (copy into the datagram)", ("io/netfrag/internal/reassembly", "io/netfrag/ipv6", "io/netfrag/ipv4")),
    ("decoding (IpPacketDecoder, header views)", ("io/netfrag/packet", "io/netfrag/internal/wire")),
    ("receive ring and allocator", ("io/netfrag/channel", "io/netty/buffer")),
    ("user handler (counting sink)", ("io/netfrag/examples",)),
    ("Netty pipeline and event loop", ("io/netty/channel", "io/netty/util")),
]
def stage(frames):
    for f in reversed(frames):  # innermost first
        g = f[:-4] if f.endswith("_[k]") else f
        for name, prefixes in STAGES:
            if g.startswith(prefixes):
                return name
    return "other (JDK, JIT-compiled stubs, GC)"
rows = Counter()
for path in sys.argv[1:]:
    for line in open(path):
        stack, n = line.rstrip("\n").rsplit(" ", 1)
        frames = stack.split(";")
        if "EventLoop" not in frames[0]:
            continue
        rows[(stage(frames[1:]), frames[-1])] += int(n)
for (s, f), n in rows.most_common():
    print(f"{s}\t{f}\t{n}")
PY
}

record() { # name family [server options]
    local name=$1 fam=$2
    shift 2
    local lo=::1 seal=()
    [[ $fam == 4 ]] && lo=127.0.0.1
    [[ "$*" == *--sa* ]] && seal=(esp)
    rm -f "$WORK/$name"-*.collapsed
    java -agentpath:"$WORK/linux-x64/libasyncProfiler.so=start,event=cpu,interval=1ms,threads,collapsed,loop=5s,file=$WORK/$name-%n.collapsed" \
        -XX:StartFlightRecording=delay=10s,duration=10s,settings=profile,filename="$WORK/$name.jfr" \
        -jar "$JAR" server -H "$lo" -p 6641 --policy COPY --ring 256 -D 1 -l 24 "$@" 2>&1 \
        | grep -v -e '^\[' -e 'recording' -e 'Profiling' >"$OUT/$name-server.log" &
    local server=$!
    sleep 1.5
    "$WORK/frag-send" "$lo" 6641 "$fam" 21 "${seal[@]}" >/dev/null
    wait "$server" || true
    aggregate "$WORK/$name-2.collapsed" "$WORK/$name-3.collapsed" >"$OUT/$name-cpu.tsv"
    jfr print --events jdk.ObjectAllocationSample "$WORK/$name.jfr" | gzip -9 >"$OUT/$name-ObjectAllocationSample.txt.gz"
}

if [[ "${1:-}" != "--table" ]]; then
    mkdir -p "$OUT" "$WORK"
    if [[ ! -f "$WORK/linux-x64/libasyncProfiler.so" ]]; then
        mvn -B -ntp -q dependency:copy -Dartifact=tools.profiler:async-profiler:4.2 -DoutputDirectory="$WORK"
        (cd "$WORK" && unzip -o -q async-profiler-4.2.jar 'linux-x64/*')
    fi
    gcc -O2 -o "$WORK/frag-send" "$HERE/floor/frag-send.c" -lcrypto
    record plain 6
    record esp 6 --sa "$SA6"
fi

for name in plain esp; do
    echo "## $name"
    python3 - "$OUT/$name-cpu.tsv" "$OUT/$name-ObjectAllocationSample.txt.gz" "$OUT/$name-server.log" <<'PY'
import gzip, re, sys
from collections import Counter
stages, frames, total = Counter(), Counter(), 0
for line in open(sys.argv[1]):
    s, f, n = line.rstrip("\n").split("\t")
    stages[s] += int(n); frames[f] += int(n); total += int(n)
# goodput over the profiled windows (10 to 20 s), from the server's cumulative interim reports
points = [(float(m.group(1)), int(m.group(2))) for m in
          (re.match(r"\s+([\d.]+)s\s+(\d+) datagrams", l) for l in open(sys.argv[3])) if m]
window = [(t, d) for t, d in points if 10 <= t <= 20.5]
if len(window) >= 2:
    (ta, da), (tb, db) = window[0], window[-1]
    print(f"goodput while profiled: {(db - da) * 60000 * 8 / (tb - ta) / 1e9:.2f} Gbit/s; "
          f"{total} samples of the event loop (1 ms each) over {tb - ta:.0f} s\n")
kernel = sum(n for s, n in stages.items() if s.startswith("kernel"))
print(f"the kernel's part of the event loop's time: {100 * kernel / total:.0f} %\n")
print("| stage | share of the event loop's samples |")
print("|---|--:|")
for name, n in stages.most_common():
    print(f"| {name} | {100 * n / total:.1f} % |")
print("\n| innermost frame | share |")
print("|---|--:|")
for name, n in frames.most_common(12):
    print(f"| `{name}` | {100 * n / total:.1f} % |")
alloc = Counter()
with gzip.open(sys.argv[2], "rt") as fh:
    text = fh.read()
for s in text.split("jdk.ObjectAllocationSample {")[1:]:
    t = re.search(r'eventThread = "([^"]*)"', s)
    if not t or "eventloop" not in t.group(1).lower().replace(" ", ""):
        continue
    c = re.search(r"objectClass = ([\w$.\[\]]+)", s)
    w = re.search(r"weight = ([\d.,]+) (bytes|kB|MB|GB)", s)
    if c and w:
        alloc[c.group(1)] += float(w.group(1).replace(",", "")) * {"bytes": 1, "kB": 1e3, "MB": 1e6, "GB": 1e9}[w.group(2)]
all_bytes = sum(alloc.values())
print(f"\nallocation sampled on the event loop (JFR): {all_bytes / 1e6:.1f} MB in 10 s\n")
print("| class | share of allocated bytes |")
print("|---|--:|")
for name, v in alloc.most_common(8):
    print(f"| `{name}` | {100 * v / all_bytes:.1f} % |")
PY
done

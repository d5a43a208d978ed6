#!/bin/sh
# Runs the JMH runs behind perf/RESULTS.md, one section at a time or all, and writes JSON (and the console log) to
# perf/results/. Run from the repository root after:
#   mvn -B -ntp -q -pl perf -am package -DskipTests
# Usage: sh perf/run-benchmarks.sh [core17|confirm|scaling|core25|core25unsafe|ipv4|esp|espdirect|pipeline|checksum|
#                                   ipv4-25|esp25|pipeline25|chain|flood|keyflood|all]...
# Each section takes 1.5–4 minutes on 2 cores (flood: ~20); `uptime` is logged before and after each run (machine load).
# JAR=/path/to/a/copy/of/benchmarks.jar runs a frozen build while the work tree keeps changing.
# J25=/path/to/java25/bin/java is needed by core25, core25unsafe, ipv4-25, esp25, pipeline25 and all. The *-25 sections
# other than core25 run with Netty's Unsafe paths turned back on (J25_UNSAFE below), as RESULTS.md advises Java 25 users.
set -eu
JAR=${JAR:-perf/target/benchmarks.jar}
OUT=perf/results
J17=${J17:-java}
J25=${J25:-}   # path to a Java 25 'java' for the core25* sections (e.g. a Temurin 25 JDK's bin/java)
SHORT="-f 1 -wi 2 -i 3 -w 1s -r 1s"
LONG="-f 1 -wi 3 -i 5 -w 1s -r 1s"
mkdir -p "$OUT"

run() { # name java args...
    name=$1; jvm=$2; shift 2
    echo "== $name: $(uptime)" | tee -a "$OUT/load.log"
    "$jvm" -jar "$JAR" "$@" -rf json -rff "$OUT/$name.json" > "$OUT/$name.log" 2>&1
    echo "   $name done: $(uptime)" | tee -a "$OUT/load.log"
}

core() { # suffix java
    run "reassembly-$1-a" "$2" 'ReassemblyBenchmark.(memcpy|harness|reassemble)' $SHORT \
        -p policy=NONE,COMPOSITE -prof gc
    run "reassembly-$1-b" "$2" 'ReassemblyBenchmark.reassemble' $SHORT -p policy=COPY,ADAPTIVE -prof gc
}

J25_UNSAFE="-Dio.netty.leakDetection.level=disabled -Djmh.executor=CUSTOM -Djmh.executor.class=io.netfrag.perf.FastThreadLocalExecutor -Xms1g -Xmx1g -Dio.netty.noUnsafe=false --sun-misc-unsafe-memory-access=allow"

need25() {
    if [ -z "$J25" ]; then
        echo "set J25 to a Java 25 java binary for section $1" >&2
        exit 2
    fi
}

for section in "${@:-all}"; do
    case $section in
        core17) core j17 "$J17" ;;
        core25) need25 core25; core j25 "$J25" ;;
        core25unsafe) need25 core25unsafe # Netty 4.2 turns sun.misc.Unsafe off on Java 25+ by default; the second run turns it back on
            run reassembly-j25-default-1232 "$J25" 'ReassemblyBenchmark.(memcpy|harness|reassemble)' $SHORT \
                -p fragmentSize=1232 -p policy=COPY,COMPOSITE -prof gc
            run reassembly-j25-unsafe "$J25" 'ReassemblyBenchmark.(memcpy|harness|reassemble)' $SHORT \
                -p fragmentSize=1232 -p policy=COPY,COMPOSITE -prof gc -jvmArgsAppend \
                "-Dio.netty.leakDetection.level=disabled -Djmh.executor=CUSTOM -Djmh.executor.class=io.netfrag.perf.FastThreadLocalExecutor -Xms1g -Xmx1g -Dio.netty.noUnsafe=false --sun-misc-unsafe-memory-access=allow" ;;
        confirm)
            run reassembly-j17-confirm-copy "$J17" 'ReassemblyBenchmark.(memcpy|reassemble)' $LONG \
                -p policy=COPY -p order=inorder,shuffled -prof gc
            run reassembly-j17-confirm-none "$J17" 'ReassemblyBenchmark.reassemble' $LONG \
                -p policy=NONE,COMPOSITE -p order=reversed,shuffled -p fragmentSize=1232 -prof gc ;;
        scaling)
            run reassembly-j17-scaling "$J17" 'ReassemblyBenchmark.reassemble' $SHORT \
                -p fragmentSize=1232,256 -p policy=NONE,COMPOSITE -p order=inorder,reversed,shuffled
            run reassembly-j17-tiny "$J17" 'ReassemblyBenchmark.reassemble' -f 1 -wi 1 -i 2 -w 2s -r 2s \
                -p fragmentSize=8 -p policy=NONE,COPY -p order=inorder,reversed,shuffled ;;
        ipv4) run ipv4-j17 "$J17" 'Ipv4ReassemblyBenchmark' $LONG -prof gc ;;
        esp) run esp-j17 "$J17" 'EspBenchmark' $LONG -prof gc ;;
        espdirect) run esp-j17-direct "$J17" 'EspBenchmark.rawJca' $LONG -prof gc ;;
        pipeline)
            run pipeline-j17 "$J17" 'PipelineBenchmark' $LONG -prof gc
            run pipeline-j17-nocsum "$J17" 'PipelineBenchmark.pipeline' $LONG -p udpChecksum=false -prof gc ;;
        checksum) run checksum-j17 "$J17" 'ChecksumBenchmark' $LONG -prof gc ;;
        flood) # goodput in three forks (forks differ by a few per cent), ~12 min; insert ~2 min; IPv4 ~7 min
            run flood-j17 "$J17" 'FloodBenchmark.goodput' -f 3 -wi 3 -i 5 -w 1s -r 1s -prof gc
            run flood-insert-j17 "$J17" 'FloodBenchmark.insert' $LONG -prof gc
            run flood4-j17 "$J17" 'FloodBenchmark.goodput' -p family=4 -p k=0,0.25,0.5,1 -f 3 -wi 3 -i 5 -w 1s -r 1s \
                -prof gc ;;
        keyflood) # chosen keys: hash collisions and spoofed sources (~3 min); the same attacks interleaved (~5 min)
            run keyflood-j17 "$J17" 'KeyFloodBenchmark'
            run flood-keys6-j17 "$J17" 'FloodBenchmark.goodput' -p family=6 -p policy=ADAPTIVE -p k=0,0.25 \
                -p extra=SMACK,COLLIDE,SPOOF -f 1 -wi 3 -i 5 -w 1s -r 1s
            run flood-keys4-j17 "$J17" 'FloodBenchmark.goodput' -p family=4 -p policy=ADAPTIVE -p k=0,0.25 \
                -p extra=SMACK,COLLIDE,SPOOF -f 1 -wi 3 -i 5 -w 1s -r 1s ;;
        chain) # the holding policies since FragmentChainByteBuf replaced CompositeByteBuf
            run reassembly-j17-chain "$J17" 'ReassemblyBenchmark.(memcpy|reassemble)' $LONG \
                -p policy=COMPOSITE,NONE -p order=inorder,shuffled -prof gc ;;
        ipv4-25) need25 ipv4-25; run ipv4-j25 "$J25" 'Ipv4ReassemblyBenchmark' $SHORT -prof gc -jvmArgsAppend "$J25_UNSAFE" ;;
        esp25) need25 esp25; run esp-j25 "$J25" 'EspBenchmark' $SHORT -prof gc -jvmArgsAppend "$J25_UNSAFE" ;;
        pipeline25) need25 pipeline25
            run pipeline-j25 "$J25" 'PipelineBenchmark' $SHORT -prof gc -jvmArgsAppend "$J25_UNSAFE" ;;
        all)
            sh "$0" core17 confirm scaling core25 core25unsafe ipv4 esp espdirect pipeline checksum ipv4-25 esp25 \
                pipeline25 chain flood keyflood ;;
        *) echo "unknown section: $section" >&2; exit 2 ;;
    esac
done

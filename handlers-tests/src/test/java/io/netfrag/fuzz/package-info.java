/**
 * Coverage-guided fuzz tests (Jazzer {@code @FuzzTest}) for everything that reads bytes from the network
 * or from files: the IP packet decoder and wire views, the IPv6 header chain walker, both reassemblers, the ESP
 * decoder, UDP delivery, the pcap/pcapng reader and the {@code ip xfrm state} parser.
 *
 * <p><b>Regression mode</b> (every build): without {@code JAZZER_FUZZ} each {@code @FuzzTest} is a parameterized
 * test over the empty input and the files under
 * {@code src/test/resources/io/netfrag/fuzz/<TestClass>Inputs/<method>/} (recursively; files directly in
 * {@code <TestClass>Inputs/} are shared by all methods of the class). Seeds are written by {@link FuzzSeeds};
 * findings ({@code crash-*}) are committed next to them.
 *
 * <pre>
 * mvn -B -ntp -pl handlers-tests -am test -Dtest='io.netfrag.fuzz.**' -Dsurefire.failIfNoSpecifiedTests=false
 * </pre>
 *
 * <p><b>Fuzzing mode</b>: Jazzer fuzzes only one {@code @FuzzTest} per JVM, so the {@code fuzz-burst} profile of
 * {@code handlers/pom.xml} has one surefire execution per target, each with {@code JAZZER_FUZZ=1} and libFuzzer's
 * {@code -max_total_time} set from {@code fuzz.seconds} (default 15):
 *
 * <pre>
 * mvn -B -ntp -pl handlers-tests -am -Pfuzz-burst verify                      # CI burst, about 15 s per target
 * mvn -B -ntp -pl handlers-tests -am -Pfuzz-burst verify -Dfuzz.seconds=600   # long run, 10 minutes per target
 * </pre>
 *
 * A finding fails the build; Jazzer writes the input as {@code crash-<sha1>} into the target's inputs directory in
 * the source tree (above), where it becomes a regression input, and the generated corpus into
 * {@code target/fuzz-corpus/<target>}.
 *
 * <p>With {@code -Dnetfrag.fuzz.verbose=true} the targets print what each input did (datagrams reassembled,
 * packets delivered), to check that seeds reach the code behind the validity checks.
 */
package io.netfrag.fuzz;

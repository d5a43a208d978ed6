package io.netfrag.perf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import io.netfrag.examples.Main;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The soak, stall and steering-cost commands answer mistakes as netfrag's command line does: one line naming the option and
 * what is allowed, exit 2, nothing run.
 */
class PerfCommandsTest {

    static Stream<Arguments> badValues() {
        Supplier<Callable<Integer>> soak = SoakCommand::new;
        Supplier<Callable<Integer>> steering = SteeringCostCommand::new;
        Supplier<Callable<Integer>> stalls = StallCommand::new;
        return Stream.of(
                Arguments.of("soak", soak, List.of("--minutes", "0"), List.of("'--minutes'", "0.5 to 1440")),
                Arguments.of("soak", soak, List.of("--interval", "0"), List.of("'--interval'", "1 to 600")),
                Arguments.of("soak", soak, List.of("--rate", "0"), List.of("'--rate'", "Gbit/s")),
                Arguments.of("soak", soak, List.of("--policy", "FAST"), List.of("'--policy'", "FAST")),
                Arguments.of("stalls", stalls, List.of("--stalls", "0"), List.of("'--stalls'", "1 to 1000")),
                Arguments.of("stalls", stalls, List.of("--every", "1"), List.of("'--every'", "2 to 600")),
                Arguments.of("stalls", stalls, List.of("--rate", "500"), List.of("'--rate'", "Gbit/s")),
                Arguments.of("stalls", stalls, List.of("--warmup", "0"), List.of("'--warmup'", "1 to 600")),
                Arguments.of("steering-cost", steering, List.of("--channels", "1"), List.of("'--channels'", "2 to 64")),
                Arguments.of("steering-cost", steering, List.of("--packets", "5"), List.of("'--packets'", "1000")),
                Arguments.of("steering-cost", steering, List.of("--rounds", "0"), List.of("'--rounds'", "1 to 100")));
    }

    @ParameterizedTest(name = "{0} {2}")
    @MethodSource("badValues")
    void aMistakeIsOneLineNamingItWithExit2(String name, Supplier<Callable<Integer>> command, List<String> args,
            List<String> fragments) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = assertTimeoutPreemptively(Duration.ofSeconds(60), () -> {
            picocli.CommandLine cl = Main.commandLine(command.get());
            cl.setOut(new PrintWriter(out));
            cl.setErr(new PrintWriter(err));
            return cl.execute(args.toArray(new String[0]));
        });
        assertEquals(2, code, err.toString());
        List<String> lines = err.toString().lines().filter(l -> !l.isBlank()).toList();
        assertEquals(1, lines.size(), err.toString());
        assertTrue(lines.get(0).startsWith(name + ": "), lines.get(0));
        assertFalse(err.toString().contains("\tat "), err.toString());
        for (String f : fragments) {
            assertTrue(lines.get(0).contains(f), lines.get(0) + " lacks " + f);
        }
        assertEquals("", out.toString(), "nothing run, nothing printed");
    }
}

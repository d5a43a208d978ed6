package io.netfrag.perf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netfrag.examples.Main;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The scenario matrix's command line answers mistakes as netfrag's does (one line naming the option, exit 2, before
 * anything runs), and its report redraws the Markdown and the plots from a CSV of runs.
 */
class ScenarioCommandTest {
    private record Run(int code, String out, String err) {
    }

    private static Run run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = assertTimeoutPreemptively(Duration.ofSeconds(60), () -> {
            picocli.CommandLine cl = Main.commandLine(new ScenarioCommand());
            cl.setOut(new PrintWriter(out));
            cl.setErr(new PrintWriter(err));
            return cl.execute(args);
        }, () -> "hung: " + String.join(" ", args));
        return new Run(code, out.toString(), err.toString());
    }

    static Stream<Arguments> badValues() {
        return Stream.of(
                Arguments.of(List.of("--mtu", "100"), List.of("'--mtu'", "100")),
                Arguments.of(List.of("--losses", "1"), List.of("'--losses'", "1")),
                Arguments.of(List.of("--ring", "-1"), List.of("'--ring'", "-1")),
                Arguments.of(List.of("--no-such-flag"), List.of("Unknown option: '--no-such-flag'")));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("badValues")
    void aMistakeIsOneLineNamingItWithExit2(List<String> args, List<String> fragments) {
        Run r = run(args.toArray(new String[0]));
        assertEquals(2, r.code(), r.err());
        List<String> lines = r.err().lines().filter(l -> !l.isBlank()).toList();
        assertEquals(1, lines.size(), r.err());
        assertTrue(lines.get(0).startsWith("scenarios: "), lines.get(0));
        assertFalse(r.err().contains("\tat "), r.err());
        for (String f : fragments) {
            assertTrue(lines.get(0).contains(f), lines.get(0) + " lacks " + f);
        }
    }

    @Test
    void helpListsTheExitCodes() {
        Run r = run("--help");
        assertEquals(0, r.code());
        assertTrue(r.out().contains("Usage: scenarios") && r.out().contains("Exit codes:"), r.out());
    }

    @Test
    void reportOnlyRedrawsTheMarkdownAndPlotsFromTheCsv(@TempDir Path dir) throws Exception {
        Path committed = Path.of("results", "e2e");
        Files.copy(committed.resolve("scenarios.csv"), dir.resolve("scenarios.csv"));
        Files.copy(committed.resolve("scenarios.properties"), dir.resolve("scenarios.properties"));
        Run r = run("--report-only", "--out", dir.toString());
        assertEquals(0, r.code(), r.err());
        String md = Files.readString(dir.resolve("SCENARIOS.md"));
        for (String policy : List.of("NONE", "COMPOSITE", "COPY", "ADAPTIVE")) {
            assertTrue(md.contains(policy), policy + " missing from the Markdown");
        }
        for (String plot : List.of("goodput-ipv6-esp.png", "pinned-ipv4-noesp.png")) {
            byte[] png = Files.readAllBytes(dir.resolve(plot));
            assertTrue(png.length > 1000 && png[1] == 'P' && png[2] == 'N' && png[3] == 'G', plot);
        }
    }
}

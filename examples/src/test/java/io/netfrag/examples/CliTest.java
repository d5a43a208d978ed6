package io.netfrag.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import picocli.CommandLine;

class CliTest {

    private static int run(StringWriter out, StringWriter err, String... args) {
        CommandLine cmd = new CommandLine(new Main());
        cmd.setOut(new PrintWriter(out));
        cmd.setErr(new PrintWriter(err));
        return cmd.execute(args);
    }

    @ParameterizedTest
    @ValueSource(strings = {"replay", "server", "stream", "demo", "tun", "scenarios"})
    void helpForEverySubcommand(String sub) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        assertEquals(0, run(out, err, sub, "--help"));
        assertTrue(out.toString().contains("Usage: netfrag " + sub), out.toString());
    }

    @ParameterizedTest
    @ValueSource(strings = {"replay", "server", "stream", "demo", "tun", "scenarios"})
    void badFlagsAreAClearErrorWithExit2(String sub) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        String[] args = sub.equals("replay") ? new String[] {sub, "--no-such-flag", "capture.pcap"}
                : new String[] {sub, "--no-such-flag"};
        assertEquals(2, run(out, err, args));
        assertTrue(err.toString().contains("Unknown option: '--no-such-flag'"), err.toString());
    }

    @ParameterizedTest
    @ValueSource(strings = {"--policy=SOMETIMES", "--ring=many"})
    void badValuesAreAClearErrorWithExit2(String flag) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        assertEquals(2, run(out, err, "server", flag));
        assertTrue(err.toString().contains("Invalid value"), err.toString());
    }
}

package io.netfrag.examples;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * The netfrag examples, one executable jar: {@code java -jar examples/target/netfrag.jar <command> …}.
 */
@Command(name = "netfrag", mixinStandardHelpOptions = true, version = "netfrag 0.1.0",
        description = "User-space IPv6/IPv4 reassembly, ESP and UDP delivery on Netty.",
        subcommands = {ReplayCommand.class, ServerCommand.class, StreamCommand.class, DemoCommand.class,
            TunCommand.class, ScenarioCommand.class, CommandLine.HelpCommand.class})
public final class Main {

    Main() {
    }

    /** Entry point. */
    public static void main(String[] args) {
        System.exit(new CommandLine(new Main()).execute(args));
    }
}

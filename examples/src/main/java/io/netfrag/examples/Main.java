package io.netfrag.examples;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.IExecutionExceptionHandler;
import picocli.CommandLine.IParameterExceptionHandler;
import picocli.CommandLine.ParseResult;

/**
 * The netfrag examples, one executable jar: {@code java -jar examples/target/netfrag.jar <command> …}.
 *
 * <p>Every command answers a mistake in one line on stderr — {@code netfrag <command>: <what is wrong>} — and an exit
 * code its {@code --help} lists: {@value Cli#EXIT_USAGE} for the command line (an option, a value, a combination, an
 * SA, an input file), {@value Cli#EXIT_FAILURE} for a run that failed (a host, a port, a peer, an error while running).
 * {@code --verbose} adds the stack trace.
 */
@Command(name = "netfrag", mixinStandardHelpOptions = true, version = "netfrag 0.1.0",
        description = "User-space IPv6/IPv4 reassembly, ESP and UDP delivery on Netty.",
        subcommands = {ReplayCommand.class, ServerCommand.class, StreamCommand.class, DemoCommand.class,
            TunCommand.class, CommandLine.HelpCommand.class})
public final class Main {

    Main() {
    }

    /** Entry point. */
    public static void main(String[] args) {
        System.exit(commandLine().execute(args));
    }

    /** The command line with netfrag's error handling and exit codes; what {@link #main} runs. */
    static CommandLine commandLine() {
        return commandLine(new Main());
    }

    /**
     * A command line for {@code command} (a picocli command object) with netfrag's error handling and exit codes:
     * other tools built on these commands (the benchmarks' scenario matrix) answer mistakes the same way.
     */
    public static CommandLine commandLine(Object command) {
        CommandLine cl = new CommandLine(command);
        Map<String, String> exitCodes = new LinkedHashMap<>();
        exitCodes.put("0", "done");
        exitCodes.put(Integer.toString(Cli.EXIT_FAILURE), "the run failed: a host that does not resolve, a port in "
                + "use, a peer not listening, an error while running, corrupt data delivered");
        exitCodes.put(Integer.toString(Cli.EXIT_USAGE), "a mistake on the command line: an unknown option, a value "
                + "out of range, options that do not go together, an SA or a file that cannot be used");
        List<CommandLine> commands = new ArrayList<>(cl.getSubcommands().values());
        if (commands.isEmpty()) {
            commands.add(cl);
        }
        for (CommandLine sub : commands) {
            if (!sub.getCommandName().equals("help")) {
                sub.getCommandSpec().usageMessage().exitCodeListHeading("Exit codes:%n").exitCodeList(exitCodes);
            }
        }
        cl.setParameterExceptionHandler(PARAMETER_ERRORS);
        cl.setExecutionExceptionHandler(EXECUTION_ERRORS);
        return cl;
    }

    /** A mistake on the command line: one line, exit 2. */
    private static final IParameterExceptionHandler PARAMETER_ERRORS = (ex, args) -> {
        CommandLine cl = ex.getCommandLine();
        PrintWriter err = cl.getErr();
        err.println(prefix(cl) + oneLine(ex.getMessage()) + " (see '" + qualifiedName(cl) + " --help')");
        err.flush();
        return Cli.EXIT_USAGE;
    };

    /** A failure while running: one line, the stack trace only with --verbose. */
    private static final IExecutionExceptionHandler EXECUTION_ERRORS = (ex, cl, parseResult) -> {
        PrintWriter err = cl.getErr();
        boolean verbose = verbose(parseResult);
        int code;
        String message;
        if (ex instanceof Cli.Failure) {
            code = ((Cli.Failure) ex).exitCode();
            message = ex.getMessage();
        } else {
            code = Cli.EXIT_FAILURE;
            Throwable root = ex;
            while (root.getCause() != null && root.getMessage() == null) {
                root = root.getCause();
            }
            message = root.getClass().getSimpleName() + ": " + Cli.reason(root, null)
                    + (verbose ? "" : " (--verbose shows where)");
        }
        err.println(prefix(cl) + oneLine(message));
        if (verbose) {
            ex.printStackTrace(err);
        }
        err.flush();
        return code;
    };

    private static boolean verbose(ParseResult result) {
        for (ParseResult r = result; r != null; r = r.subcommand()) {
            if (r.hasMatchedOption("--verbose")) {
                return true;
            }
        }
        return false;
    }

    private static String prefix(CommandLine cl) {
        return qualifiedName(cl) + ": ";
    }

    private static String qualifiedName(CommandLine cl) {
        return cl.getParent() == null ? cl.getCommandName() : cl.getParent().getCommandName() + " "
                + cl.getCommandName();
    }

    private static String oneLine(String message) {
        return message == null ? "" : message.strip().replaceAll("\\s*\\R\\s*", "; ");
    }
}

package io.netfrag.examples;

import picocli.CommandLine.Option;

/** {@code -v}/{@code --verbose}: an error is reported with its stack trace (see {@link Main#commandLine()}). */
final class Verbosity {
    @Option(names = {"-v", "--verbose"}, description = "On an error, print its stack trace too.")
    boolean verbose;
}

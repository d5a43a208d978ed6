package io.netfrag.testing;

import java.nio.file.Files;
import java.nio.file.Path;

/** Where the third-party captures are: {@code fixtures/} at the repository root (see its README). */
public final class Fixtures {
    private Fixtures() {
    }

    /**
     * The directory holding {@code manifest.json} and {@code pcap/}: the system property {@code netfrag.fixtures}
     * (the build sets it), else {@code ../fixtures} from a module's directory.
     *
     * @throws IllegalStateException when the captures are not there: they are part of the repository
     */
    public static Path thirdParty() {
        Path dir = Path.of(System.getProperty("netfrag.fixtures", "../fixtures"));
        if (!Files.isRegularFile(dir.resolve("manifest.json")) || !Files.isDirectory(dir.resolve("pcap"))) {
            throw new IllegalStateException("the third-party captures are missing from " + dir.toAbsolutePath()
                    + " (fixtures/ of the repository, or -Dnetfrag.fixtures=<dir with manifest.json and pcap/>)");
        }
        return dir;
    }
}

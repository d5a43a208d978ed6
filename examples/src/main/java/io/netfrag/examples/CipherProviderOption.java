package io.netfrag.examples;

import com.amazon.corretto.crypto.provider.AmazonCorrettoCryptoProvider;
import java.security.GeneralSecurityException;
import javax.crypto.Cipher;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;

/**
 * {@code --cipher-provider}, for the commands that decrypt ESP as a receiver ({@code server}, {@code tun}): whose
 * AES-GCM netfrag's JCA engine takes. The engine asks the JCA for the JVM's preferred provider, so choosing one is
 * installing it ahead of the others, JVM-wide — which these commands may do, as each runs one receiver per JVM.
 */
final class CipherProviderOption {
    /** Where the JCA engine's ciphers come from. */
    enum CipherProvider {
        /** The JVM's preferred provider, as configured (the JDK's SunJCE by default). */
        JVM,
        /** Amazon Corretto Crypto Provider (AWS-LC), installed ahead of every other. */
        ACCP
    }

    @Option(names = "--cipher-provider", paramLabel = "NAME", defaultValue = "jvm", converter = Converter.class,
            description = "Whose AES-GCM decrypts ESP: jvm (the JVM's preferred JCA provider: the JDK's unless "
                    + "configured otherwise) or accp (Amazon Corretto Crypto Provider, bundled, native: Linux x86_64; "
                    + "installed as the JVM's preferred provider) (default ${DEFAULT-VALUE}).")
    CipherProvider provider;

    /** Reads the option: jvm or accp. */
    static final class Converter extends Cli.EnumConverter<CipherProvider> {
        Converter() {
            super(CipherProvider.class, "a cipher provider");
        }
    }

    /** Refuses a provider that cannot load here, in one line. */
    void validate(CommandSpec spec) {
        if (provider == CipherProvider.ACCP) {
            Throwable error = AmazonCorrettoCryptoProvider.INSTANCE.getLoadingError();
            if (error != null) {
                throw Cli.invalid(spec, "--cipher-provider", "accp", "jvm here: Amazon Corretto Crypto Provider "
                        + "cannot load on this machine (" + error.getMessage() + ")");
            }
        }
    }

    /** Makes the chosen provider the JVM's preferred one; call before any SA's engine takes its cipher. */
    void install() {
        if (provider == CipherProvider.ACCP) {
            AmazonCorrettoCryptoProvider.install();
        }
    }

    /** The provider that serves {@code AES/GCM/NoPadding} in this JVM now, for the banner. */
    static String aesGcmProvider() {
        try {
            return Cipher.getInstance("AES/GCM/NoPadding").getProvider().getName();
        } catch (GeneralSecurityException e) {
            return "no provider (" + e.getMessage() + ")";
        }
    }
}

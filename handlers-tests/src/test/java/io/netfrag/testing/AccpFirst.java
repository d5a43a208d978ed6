package io.netfrag.testing;

import com.amazon.corretto.crypto.provider.AmazonCorrettoCryptoProvider;
import java.security.Security;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Makes Amazon Corretto Crypto Provider the JVM's preferred JCA provider for a test class
 * ({@code @ExtendWith(AccpFirst.class)}), and takes it away after, so that the JCA engine's ciphers come from it.
 * Does nothing where it cannot load ({@link Feature#ACCP}: the tests that {@link Requires} it are then skipped, or
 * fail when the run demands it). Test classes run one at a time, so no other class sees the change.
 */
public final class AccpFirst implements BeforeAllCallback, AfterAllCallback {
    /** The provider's name, as {@code Cipher.getProvider().getName()} gives it. */
    public static final String NAME = AmazonCorrettoCryptoProvider.PROVIDER_NAME;

    @Override
    public void beforeAll(ExtensionContext context) {
        if (Feature.ACCP.unavailable() == null) {
            Security.insertProviderAt(AmazonCorrettoCryptoProvider.INSTANCE, 1);
        }
    }

    @Override
    public void afterAll(ExtensionContext context) {
        remove();
    }

    /** Removes the provider from the JVM's list (nothing when it is not there). */
    public static void remove() {
        Security.removeProvider(NAME);
    }
}

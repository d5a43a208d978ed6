package io.netfrag.esp;

import io.netfrag.testing.AccpFirst;
import io.netfrag.testing.Feature;
import io.netfrag.testing.Requires;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Every case of {@link EspDecoderTest} again with Amazon Corretto Crypto Provider as the JVM's preferred provider:
 * decryption in place in a reassembled datagram's copy buffer, whole packets, chains, tampering, replay and the
 * buffers' ownership hold with its AES-GCM as with the JDK's.
 */
@Requires(Feature.ACCP)
@ExtendWith(AccpFirst.class)
class AccpEspDecoderTest extends EspDecoderTest {
}

package io.netfrag.esp;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.netfrag.esp.SecurityAssociation.EngineKind;
import io.netfrag.internal.esp.JcaAeadEngine;
import io.netfrag.testing.AccpFirst;
import io.netfrag.testing.Feature;
import io.netfrag.testing.Requires;
import java.net.InetAddress;
import javax.crypto.Cipher;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Every known-answer, tampering and cross-check case of {@link AeadEngineKnownAnswerTest} again with Amazon Corretto
 * Crypto Provider as the JVM's preferred provider: the JCA engine then decrypts AES-GCM with it (checked below), so
 * the published vectors, the forgeries and the random cross-checks against Bouncy Castle (up to 64 KiB) hold for it
 * too.
 */
@Requires(Feature.ACCP)
@ExtendWith(AccpFirst.class)
class AccpAeadEngineKnownAnswerTest extends AeadEngineKnownAnswerTest {
    @Test
    void theJcaEngineTakesAesGcmFromThePreferredProvider() throws Exception {
        assertEquals(AccpFirst.NAME, Cipher.getInstance("AES/GCM/NoPadding").getProvider().getName());
        SecurityAssociation sa = SecurityAssociation.builder().destination(InetAddress.getByName("192.168.0.1"))
                .spi(0x100).reqid(1).replayWindow(32).aead(AeadAlgorithm.AES_GCM, new byte[16], new byte[4], 128)
                .engine(EngineKind.JCA).build();
        assertEquals(AccpFirst.NAME, ((JcaAeadEngine) sa.newEngine()).providerName());
        // a 64-bit ICV, which the JCA's GCM does not take, stays with Bouncy Castle whatever the JCA prefers
        SecurityAssociation shortIcv = sa.toBuilder().aead(AeadAlgorithm.AES_GCM, new byte[16], new byte[4], 64)
                .build();
        assertEquals("Bouncy Castle (lightweight API)", ((JcaAeadEngine) shortIcv.newEngine()).providerName());
    }
}

package io.netfrag.internal.esp;

/**
 * A combined-mode algorithm (RFC 4106, 4309, 4543, 7634) as an {@link EspTransform}: the additional data is SPI ‖
 * sequence number (SPI ‖ high bits ‖ low bits with ESN, RFC 4303 §2.2.1), the IV the 8 bytes after the header.
 */
public final class AeadTransform implements EspTransform {
    private static final int IV = 8;
    private final AeadEngine engine;
    private final boolean esn;
    private final byte[] aad = new byte[12];

    /**
     * @param engine the SA's engine
     * @param esn whether the SA uses extended sequence numbers
     */
    public AeadTransform(AeadEngine engine, boolean esn) {
        this.engine = engine;
        this.esn = esn;
    }

    @Override
    public int ivLength() {
        return IV;
    }

    @Override
    public int icvLength() {
        return engine.icvLength();
    }

    @Override
    public int alignment() {
        return 1; // counter-mode ciphers: any length decrypts
    }

    private int aad(byte[] packet, int esp, int sequenceHigh) {
        System.arraycopy(packet, esp, aad, 0, 4);
        if (esn) {
            aad[4] = (byte) (sequenceHigh >>> 24);
            aad[5] = (byte) (sequenceHigh >>> 16);
            aad[6] = (byte) (sequenceHigh >>> 8);
            aad[7] = (byte) sequenceHigh;
            System.arraycopy(packet, esp + 4, aad, 8, 4);
            return 12;
        }
        System.arraycopy(packet, esp + 4, aad, 4, 4);
        return 8;
    }

    @Override
    public boolean open(byte[] packet, int esp, int length, int sequenceHigh) {
        int aadLength = aad(packet, esp, sequenceHigh);
        return engine.open(packet, esp + 8, aad, aadLength, packet, esp + 8 + IV, length - 8 - IV);
    }

    @Override
    public int seal(byte[] packet, int esp, int plaintextLength, int sequenceHigh) {
        int aadLength = aad(packet, esp, sequenceHigh);
        return 8 + IV + engine.seal(packet, esp + 8, aad, aadLength, packet, esp + 8 + IV, plaintextLength);
    }
}

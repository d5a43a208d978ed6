package io.netfrag.pcap;

import java.io.IOException;

/**
 * A capture file or frame that cannot be read: bad magic, unsupported version or link type, a truncated header or
 * record, an inconsistent or absurd length. The message names what was expected and what was found, and where.
 */
public final class PcapFormatException extends IOException {
    private static final long serialVersionUID = 1L;

    /**
     * Creates an exception.
     *
     * @param message what is wrong, and where
     */
    public PcapFormatException(String message) {
        super(message);
    }

    /**
     * Creates an exception with a cause.
     *
     * @param message what is wrong, and where
     * @param cause the underlying failure
     */
    public PcapFormatException(String message, Throwable cause) {
        super(message, cause);
    }
}

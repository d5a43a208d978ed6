package io.netfrag.esp;

import static io.netty.util.internal.ObjectUtil.checkNotNull;

import io.netfrag.internal.esp.ReplayWindow;
import io.netfrag.internal.wire.IpProtocols;
import io.netty.util.NetUtil;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Parses Linux {@code ip xfrm state add} command lines into {@link SecurityAssociation}s, so that an SA set up for
 * the kernel is written the same way for netfrag — and the text {@code ip xfrm state} and {@code ip -s xfrm state}
 * print, detected automatically ({@link XfrmStateListing}: a line {@code src ADDR dst ADDR} followed by an indented
 * {@code proto …} line), so that a user can paste what a gateway lists and decrypt a capture taken there, its replay
 * window continuing where the gateway's was.
 *
 * <pre>
 * [ip [-4|-6] xfrm state {add|update}] ID ALGO [ mode MODE ] [ reqid N ] [ replay-window N ]
 *         [ replay-seq N ] [ replay-seq-hi N ] [ replay-oseq N ] [ replay-oseq-hi N ] [ flag FLAG... ]
 *         [ limit LIMIT ]... [ sel SELECTOR ] [ encap ENCAP ] [ if_id N ] [ dir in ] [ engine {jca|bc} ]
 * ID       := src ADDR dst ADDR proto esp spi SPI              (src optional; dst, proto and spi required)
 * ALGO     := aead NAME KEYHEX ICVBITS | enc NAME KEY ( auth NAME KEY | auth-trunc NAME KEY ICVBITS )
 *   aead:     rfc4106(gcm(aes))             key = 16/24/32-byte AES key + 4-byte salt, ICV 64, 96 or 128
 *             rfc4309(ccm(aes))             key = 16/24/32-byte AES key + 3-byte salt, ICV 64, 96 or 128
 *             rfc4543(gcm(aes))             (AES-GMAC) key as for GCM, ICV 128
 *             rfc7539esp(chacha20,poly1305) key = 32-byte key + 4-byte salt, ICV 128
 *   enc:      cbc(aes) (or aes)             key = 16/24/32 bytes
 *             rfc3686(ctr(aes))             key = 16/24/32-byte AES key + 4-byte nonce
 *             ecb(cipher_null) (or cipher_null)  key = "" (ESP-NULL, RFC 2410)
 *   auth:     hmac(sha1) (or sha1), hmac(sha256) (or sha256), hmac(sha384), hmac(sha512); with auth the ICV is
 *             Linux's default: 96, 96, 192, 256 bits; auth-trunc gives it, 96 up to the hash's length
 * MODE     := transport | tunnel
 * FLAG     := esn | noecn | decap-dscp | nopmtudisc | wildrecv | icmp | af-unspec | align4 | 0xHH
 * SELECTOR := [ src PREFIX ] [ dst PREFIX ] [ proto P ] [ sport N ] [ dport N ]   (dev NAME is refused)
 * ENCAP    := espinudp SPORT DPORT OADDR   (espinudp-nonike is refused: it is not RFC 3948)
 * LIMIT    := { time-soft | time-hard | time-use-soft | time-use-hard } SECONDS | { byte-soft | byte-hard } BYTES
 *             | { packet-soft | packet-hard } COUNT
 * </pre>
 *
 * <p><b>SA state.</b> {@code replay-seq} (and under ESN {@code replay-seq-hi}) is the highest sequence number the SA
 * has received: the anti-replay window starts there, so a capture taken in the middle of an SA's life verifies;
 * {@code replay-oseq}/{@code replay-oseq-hi} is the last sent, where {@link EspEncoder} continues. As iproute2, the
 * {@code -hi} halves are ignored without {@code flag esn}. {@code limit} sets the {@link SaLifetime}: a hard limit
 * expires the SA, a soft one fires an {@link SaExpiryEvent}.
 * <pre>
 * </pre>
 *
 * <p><b>Lexical rules.</b> A line is split into words like a POSIX shell does: blanks separate words; single quotes
 * keep everything literally; inside double quotes a backslash escapes {@code " \ $ `}; outside quotes a backslash
 * escapes the next character and a backslash before a newline joins the lines; an unquoted {@code #} at the start of a
 * word begins a comment. So {@code aead 'rfc4106(gcm(aes))' 0x0b… 96} works as written for the shell (parentheses are
 * ordinary characters here, quoted or not). Numbers follow iproute2's {@code get_u32(…, 0)} ({@code strtoul} base
 * 0): {@code 0x} hexadecimal, a leading {@code 0} octal, otherwise decimal, at most 32 bits. Addresses are IPv4 or
 * IPv6 literals (never resolved); a prefix is {@code ADDR/LEN}, and a bare address means the full length.
 *
 * <p><b>Defaults.</b> The mode defaults to transport, as iproute2 (mode 0 = {@code XFRM_MODE_TRANSPORT}). The
 * replay window defaults to <b>64</b> packets when the line has no {@code replay-window}: RFC 4303 §3.4.3 says "a
 * minimum window size of 32 packets MUST be supported … a window size of 64 is preferred and SHOULD be employed as
 * the default". iproute2 defaults to 0, which turns the anti-replay check off; a line that really wants no replay
 * check says {@code replay-window 0}. (So {@code flag esn} without {@code replay-window}, which iproute2 refuses,
 * gets a window of 64 here.) The engine defaults to {@link SecurityAssociation.EngineKind#JCA}; {@code engine bc}
 * (netfrag's extension, not iproute2's) selects Bouncy Castle. Without {@code sel} the selector is
 * {@link Selector#ANY}; without {@code src} the SA's source is {@code null} (any).
 *
 * <p><b>Accepted without effect.</b> These are parsed and validated, then ignored, because they have no meaning for
 * an inbound SA in netfrag or netfrag has nothing to apply them to:
 * <ul>
 *   <li>flags {@code noecn}, {@code decap-dscp} (tunnel-decapsulation ECN/DSCP handling of Linux's
 *       {@code xfrm_inner_extract_output} path), {@code nopmtudisc}, {@code align4} (outbound only),
 *       {@code wildrecv}, {@code icmp} (ICMP error policy matching), {@code af-unspec} (a selector of either family;
 *       netfrag's {@link Selector} matches by address length anyway);</li>
 *   <li>{@code if_id N} (the xfrm interface id: netfrag has no xfrm interfaces), {@code dir in} (every netfrag SA is
 *       inbound; {@code dir out} is an error);</li>
 *   <li>the {@code OADDR} of {@code encap} (the original address Linux uses to fix up transport checksums after
 *       NAT);</li>
 * </ul>
 *
 * <p><b>Rejected.</b> Every error is an {@link IllegalArgumentException} naming the offending word and what was
 * expected: unknown words; protocols other than ESP ({@code ah}, {@code comp}, {@code route2}…); modes other than
 * transport and tunnel ({@code beet}, {@code ro}…); deprecated or broken algorithms, named with the reason (DES,
 * 3DES, Blowfish, CAST-128: RFC 8221 §5; HMAC-MD5: §6), encryption without integrity ({@code enc} without
 * {@code auth}, {@code digest_null}), algorithms netfrag does not implement (Serpent, Twofish, Camellia, AES-XCBC,
 * AES-CMAC, RIPEMD-160, SM3/SM4, {@code comp}), {@code aead} together with {@code enc} or {@code auth}, ICVs shorter
 * than 96 bits; {@code mark}, {@code output-mark} and {@code ctx}; iproute2 options netfrag does not implement
 * ({@code seq}, {@code coa}, {@code offload}…); an SPI of 0 (RFC 4303 §2.1); a replay window above
 * {@link SecurityAssociation#MAX_REPLAY_WINDOW}; {@code flag esn} with {@code replay-window 0} (as iproute2: "esn
 * flag set without replay-window"); key and ICV lengths the algorithm does not define. An
 * {@code aead} key is hexadecimal, with or without {@code 0x} (iproute2 would take a word without {@code 0x} as ASCII
 * bytes, but no all-hex ASCII key has a valid length when read as hex, so a line the kernel accepts never means
 * something else here); {@code enc} and {@code auth} keys are read as iproute2's {@code xfrm_algo_parse} reads them:
 * after {@code 0x} hexadecimal, otherwise the word's own bytes (an HMAC key may have any length, so both readings
 * would be valid). Error messages never quote key material.
 *
 * <p>As in iproute2, {@code sel} consumes the selector words that follow it, so the SA's own {@code src} and
 * {@code dst} must come before {@code sel}. Unlike iproute2, the ID words may appear anywhere and any word given
 * twice is an error. The parser zeroes its own copies of the key bytes once the SA holds them; the key text itself
 * lives on in the caller's strings.
 */
public final class XfrmStateParser {

    /** Keywords a state line may contain, for error messages. */
    private static final String EXPECTED_KEYWORDS = "src, dst, proto, spi, reqid, mode, replay-window, replay-seq, "
            + "replay-seq-hi, replay-oseq, replay-oseq-hi, flag, limit, aead, enc, auth, auth-trunc, sel, encap, if_id, "
            + "dir, engine";

    // as iproute2 xfrm_state.c xfrm_state_flag_parse and linux/xfrm.h XFRM_STATE_*: name -> bit
    private static final Map<String, Integer> FLAGS = Map.of("noecn", 1, "decap-dscp", 2, "nopmtudisc", 4,
            "wildrecv", 8, "icmp", 16, "af-unspec", 32, "align4", 64, "esn", 128);
    private static final int FLAG_ESN = 128;
    private static final String FLAG_NAMES = "esn, noecn, decap-dscp, nopmtudisc, wildrecv, icmp, af-unspec, align4";

    /** Upper-layer protocol names accepted by {@code sel proto}, as /etc/protocols (iproute2 uses getprotobyname). */
    private static final Map<String, Integer> PROTOCOLS = Map.ofEntries(Map.entry("ip", 0), Map.entry("any", 0),
            Map.entry("icmp", IpProtocols.ICMP), Map.entry("igmp", 2), Map.entry("tcp", IpProtocols.TCP),
            Map.entry("udp", IpProtocols.UDP), Map.entry("dccp", 33), Map.entry("ipv6", IpProtocols.IPV6),
            Map.entry("gre", 47), Map.entry("esp", IpProtocols.ESP), Map.entry("ah", IpProtocols.AH),
            Map.entry("ipv6-icmp", IpProtocols.ICMPV6), Map.entry("icmpv6", IpProtocols.ICMPV6),
            Map.entry("ipv6-mh", IpProtocols.MOBILITY), Map.entry("sctp", 132), Map.entry("udplite", 136));

    /** iproute2 options netfrag does not implement, with the reason given in the error. */
    private static final Map<String, String> UNSUPPORTED = Map.ofEntries(
            Map.entry("mark", "netfrag has no packet marks to match"),
            Map.entry("output-mark", "netfrag has no packet marks to set"),
            Map.entry("ctx", "netfrag has no security contexts"),
            Map.entry("seq", "netfrag does not track key-exchange sequence numbers"),
            Map.entry("coa", "route optimization (Mobile IPv6) is not implemented"),
            Map.entry("extra-flag", "netfrag SAs are inbound only"),
            Map.entry("offload", "netfrag decrypts in software"),
            Map.entry("tfcpad", "netfrag SAs are inbound only"));

    /** Older names Linux's {@code xfrm_algo.c} also takes ({@code .compat}), for the same algorithms. */
    private static final Map<String, String> ENCRYPTION_ALIASES = Map.of("aes", "cbc(aes)",
            "cipher_null", "ecb(cipher_null)");
    private static final Map<String, String> AUTHENTICATION_ALIASES = Map.of("sha1", "hmac(sha1)",
            "sha256", "hmac(sha256)");

    /** Ciphers Linux knows that are refused, with the reason (RFC 8221 §5, or not implemented here). */
    private static final Map<String, String> REFUSED_ENCRYPTION = Map.ofEntries(
            Map.entry("cbc(des)", "DES is broken, a 56-bit key (RFC 8221 §5: MUST NOT)"),
            Map.entry("des", "DES is broken, a 56-bit key (RFC 8221 §5: MUST NOT)"),
            Map.entry("cbc(des3_ede)", "3DES has a 64-bit block, open to birthday attacks (RFC 8221 §5: SHOULD NOT)"),
            Map.entry("des3_ede", "3DES has a 64-bit block, open to birthday attacks (RFC 8221 §5: SHOULD NOT)"),
            Map.entry("cbc(blowfish)", "Blowfish has a 64-bit block (RFC 8221 §5: MUST NOT)"),
            Map.entry("blowfish", "Blowfish has a 64-bit block (RFC 8221 §5: MUST NOT)"),
            Map.entry("cbc(cast5)", "CAST-128 has a 64-bit block (RFC 8221 §5: MUST NOT)"),
            Map.entry("cast5", "CAST-128 has a 64-bit block (RFC 8221 §5: MUST NOT)"),
            Map.entry("cbc(serpent)", "Serpent is not implemented (RFC 8221 does not list it)"),
            Map.entry("cbc(twofish)", "Twofish is not implemented (RFC 8221 does not list it)"),
            Map.entry("cbc(camellia)", "Camellia is not implemented"),
            Map.entry("cbc(sm4)", "SM4 is not implemented"));

    /** Integrity algorithms Linux knows that are refused, with the reason. */
    private static final Map<String, String> REFUSED_AUTHENTICATION = Map.ofEntries(
            Map.entry("hmac(md5)", "HMAC-MD5-96 is deprecated (RFC 8221 §6: MUST NOT)"),
            Map.entry("md5", "HMAC-MD5-96 is deprecated (RFC 8221 §6: MUST NOT)"),
            Map.entry("digest_null", "no integrity: ESP without integrity is open to forgery (RFC 8221 §3)"),
            Map.entry("hmac(rmd160)", "HMAC-RIPEMD-160 is not implemented (RFC 8221 does not list it)"),
            Map.entry("rmd160", "HMAC-RIPEMD-160 is not implemented (RFC 8221 does not list it)"),
            Map.entry("xcbc(aes)", "AES-XCBC-MAC is not implemented (RFC 8221 §6: MAY)"),
            Map.entry("cmac(aes)", "AES-CMAC is not implemented (RFC 8221 §6: MAY)"),
            Map.entry("hmac(sm3)", "HMAC-SM3 is not implemented"));

    /** The words that start a part of an {@code ip xfrm state} line (what {@code keyword} dispatches on). */
    private static final Set<String> KEYWORDS = Set.of("src", "dst", "proto", "spi", "reqid", "mode",
            "replay-window", "flag", "aead", "sel", "encap", "if_id", "dir", "engine", "enc", "auth", "auth-trunc",
            "comp", "replay-seq", "replay-seq-hi", "replay-oseq", "replay-oseq-hi", "limit");

    private XfrmStateParser() {
    }

    /**
     * Parses one {@code ip xfrm state add} line (the {@code ip xfrm state add} or {@code update} prefix is
     * optional).
     *
     * @param line the command line; may span lines joined by backslash-newline
     * @return the SA it describes
     * @throws IllegalArgumentException if the line is malformed or describes something netfrag does not support
     */
    public static SecurityAssociation parse(String line) {
        checkNotNull(line, "line");
        if (XfrmStateListing.looksLikeListing(line)) {
            List<SecurityAssociation> sas = parseListing(line, "listing");
            if (sas.size() != 1) {
                sas.forEach(SecurityAssociation::destroy);
                throw new IllegalArgumentException("expected one SA, got an ip xfrm state listing of " + sas.size());
            }
            return sas.get(0);
        }
        List<String> words = tokenize(line);
        if (words.isEmpty()) {
            throw new IllegalArgumentException("empty ip xfrm state line");
        }
        return new LineParser(words).parse();
    }

    /**
     * Parses a file of {@code ip xfrm state add} lines, one SA per non-empty line. Blank lines and lines starting
     * with {@code #} are skipped; a line ending in a backslash continues on the next line.
     *
     * @param file a UTF-8 text file
     * @return the SAs in file order
     * @throws IllegalArgumentException naming the file and line number if a line is malformed
     * @throws UncheckedIOException if the file cannot be read
     */
    public static List<SecurityAssociation> parseFile(Path file) {
        checkNotNull(file, "file");
        try (Reader reader = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            return parseAll(reader, file.toString());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file + ": " + reason(e), e);
        }
    }

    /**
     * Parses {@code ip xfrm state add} lines from a reader, with the rules of {@link #parseFile(Path)}. The reader
     * is read to the end but not closed.
     *
     * @param reader the text
     * @return the SAs in order
     * @throws IllegalArgumentException naming the line number if a line is malformed
     * @throws UncheckedIOException if reading fails
     */
    public static List<SecurityAssociation> parseAll(Reader reader) {
        checkNotNull(reader, "reader");
        try {
            return parseAll(reader, "input");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read input", e);
        }
    }

    /** The operating system's reason in words, without repeating the path that the message already names. */
    private static String reason(IOException e) {
        if (e instanceof java.nio.file.NoSuchFileException) {
            return "no such file";
        }
        if (e instanceof java.nio.file.AccessDeniedException) {
            return "permission denied";
        }
        if (e instanceof java.nio.charset.CharacterCodingException) {
            return "not UTF-8 text";
        }
        String reason = e instanceof java.nio.file.FileSystemException
                ? ((java.nio.file.FileSystemException) e).getReason() : e.getMessage();
        return reason == null ? e.getClass().getSimpleName() : reason;
    }

    private static List<SecurityAssociation> parseAll(Reader reader, String sourceName) throws IOException {
        StringBuilder text = new StringBuilder();
        char[] chunk = new char[8192];
        for (int n; (n = reader.read(chunk)) >= 0;) {
            text.append(chunk, 0, n);
        }
        String all = text.toString();
        if (XfrmStateListing.looksLikeListing(all)) {
            return parseListing(all, sourceName);
        }
        BufferedReader in = new BufferedReader(new java.io.StringReader(all));
        List<SecurityAssociation> result = new ArrayList<>();
        boolean success = false;
        try {
            StringBuilder logical = new StringBuilder();
            int lineNumber = 0;
            int firstLine = 0;
            String physical;
            while ((physical = in.readLine()) != null) {
                lineNumber++;
                if (logical.length() == 0) {
                    String trimmed = physical.strip();
                    if (trimmed.isEmpty() || trimmed.charAt(0) == '#') {
                        continue; // a comment ends at its newline, even after a backslash (as the shell)
                    }
                    firstLine = lineNumber;
                }
                String body = physical.stripTrailing();
                if (endsWithContinuation(body)) {
                    // as the shell: backslash-newline is removed, the next line continues this one
                    logical.append(body, 0, body.length() - 1);
                    continue;
                }
                logical.append(physical);
                parseInto(result, logical, sourceName, firstLine, lineNumber);
                logical.setLength(0);
            }
            if (logical.length() > 0) {
                parseInto(result, logical, sourceName, firstLine, lineNumber);
            }
            success = true;
            return result;
        } finally {
            if (!success) {
                for (SecurityAssociation sa : result) {
                    sa.destroy(); // nobody will ever see these: do not leave key material behind
                }
            }
        }
    }

    /** The SAs of an {@code ip xfrm state} listing ({@link XfrmStateListing}), in order. */
    private static List<SecurityAssociation> parseListing(String text, String sourceName) {
        List<SecurityAssociation> result = new ArrayList<>();
        boolean success = false;
        try {
            for (XfrmStateListing.Block block : XfrmStateListing.blocks(text, sourceName)) {
                try {
                    result.add(new LineParser(block.words()).history(block.history()).parse());
                } catch (IllegalArgumentException e) {
                    throw new IllegalArgumentException(where(sourceName, block.firstLine(), block.lastLine())
                            + " (ip xfrm state listing): " + e.getMessage(), e);
                }
            }
            success = true;
            return result;
        } finally {
            if (!success) {
                result.forEach(SecurityAssociation::destroy);
            }
        }
    }

    private static void parseInto(List<SecurityAssociation> result, CharSequence logical, String sourceName,
            int firstLine, int lastLine) {
        List<String> words = tokenize(logical, sourceName, firstLine);
        if (words.isEmpty()) {
            return; // only a comment after all
        }
        try {
            result.add(new LineParser(words).parse());
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(where(sourceName, firstLine, lastLine) + ": " + e.getMessage(), e);
        }
    }

    private static String where(String sourceName, int firstLine, int lastLine) {
        return firstLine == lastLine ? sourceName + " line " + firstLine
                : sourceName + " lines " + firstLine + '-' + lastLine;
    }

    private static boolean endsWithContinuation(String s) {
        int backslashes = 0;
        for (int i = s.length() - 1; i >= 0 && s.charAt(i) == '\\'; i--) {
            backslashes++;
        }
        return (backslashes & 1) == 1; // "\\\\" at the end is an escaped backslash, not a continuation
    }

    private static List<String> tokenize(CharSequence s, String sourceName, int line) {
        try {
            return tokenize(s);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(sourceName + " line " + line + ": " + e.getMessage(), e);
        }
    }

    /** Splits a line into words as a POSIX shell does (quotes, backslashes, comments; no expansions). */
    static List<String> tokenize(CharSequence s) {
        List<String> words = new ArrayList<>();
        StringBuilder word = new StringBuilder();
        boolean inWord = false;
        int n = s.length();
        int i = 0;
        while (i < n) {
            char c = s.charAt(i);
            if (c == '\'') {
                // POSIX shell: everything up to the next single quote is literal
                int end = indexOf(s, '\'', i + 1);
                if (end < 0) {
                    throw unterminated("single", s, i);
                }
                word.append(s, i + 1, end);
                inWord = true;
                i = end + 1;
            } else if (c == '"') {
                // POSIX shell: inside double quotes a backslash escapes only $ ` " \ and newline
                int j = i + 1;
                boolean closed = false;
                while (j < n) {
                    char d = s.charAt(j);
                    if (d == '"') {
                        closed = true;
                        break;
                    }
                    if (d == '\\' && j + 1 < n && "$`\"\\\n".indexOf(s.charAt(j + 1)) >= 0) {
                        if (s.charAt(j + 1) != '\n') {
                            word.append(s.charAt(j + 1));
                        }
                        j += 2;
                    } else {
                        word.append(d);
                        j++;
                    }
                }
                if (!closed) {
                    throw unterminated("double", s, i);
                }
                inWord = true;
                i = j + 1;
            } else if (c == '\\') {
                if (i + 1 < n && s.charAt(i + 1) != '\n') {
                    word.append(s.charAt(i + 1));
                    inWord = true;
                }
                i += 2; // backslash-newline (or a lone trailing backslash) joins lines
            } else if (Character.isWhitespace(c)) {
                if (inWord) {
                    words.add(word.toString());
                    word.setLength(0);
                    inWord = false;
                }
                i++;
            } else if (c == '#' && !inWord) {
                break; // a comment runs to the end of the line
            } else {
                word.append(c);
                inWord = true;
                i++;
            }
        }
        if (inWord) {
            words.add(word.toString());
        }
        return words;
    }

    private static int indexOf(CharSequence s, char c, int from) {
        for (int i = from; i < s.length(); i++) {
            if (s.charAt(i) == c) {
                return i;
            }
        }
        return -1;
    }

    private static IllegalArgumentException unterminated(String kind, CharSequence s, int at) {
        // show where the quote starts, but not the whole rest of the line: it may hold key material
        int end = Math.min(s.length(), at + 24);
        String start = s.subSequence(at, end).toString() + (end < s.length() ? "…" : "");
        return new IllegalArgumentException("unterminated " + kind + " quote at column " + (at + 1) + " (" + start
                + ") in ip xfrm state line");
    }

    /**
     * Parses {@code text} like C's {@code strtoul(text, …, 0)} as iproute2's {@code get_u32}: {@code 0x} hex, a
     * leading {@code 0} octal, otherwise decimal; no sign, no blanks, at most 32 bits.
     *
     * @return the value, or -1 if {@code text} is not such a number
     */
    static long parseU32(String text) {
        long value = parseU64(text);
        return value > 0xffffffffL ? -1 : value;
    }

    /**
     * Parses {@code text} like C's {@code strtoull(text, …, 0)} as iproute2's {@code get_u64}: {@code 0x} hex, a
     * leading {@code 0} octal, otherwise decimal; no sign, no blanks, at most 64 bits. A value beyond 2^63 is no limit
     * in practice and is read as {@link SaLifetime#INFINITE}.
     *
     * @return the value, or -1 if {@code text} is not such a number
     */
    static long parseU64(String text) {
        int radix = 10;
        int start = 0;
        if (text.length() > 2 && (text.startsWith("0x") || text.startsWith("0X"))) {
            radix = 16;
            start = 2;
        } else if (text.length() > 1 && text.charAt(0) == '0') {
            radix = 8;
            start = 1;
        }
        if (start == text.length() || text.length() - start > 64) {
            return -1;
        }
        java.math.BigInteger value = java.math.BigInteger.ZERO;
        for (int i = start; i < text.length(); i++) {
            int digit = Character.digit(text.charAt(i), radix);
            if (digit < 0 || text.charAt(i) > 'z') {
                return -1;
            }
            value = value.multiply(java.math.BigInteger.valueOf(radix)).add(java.math.BigInteger.valueOf(digit));
        }
        if (value.bitLength() > 64) {
            return -1;
        }
        return value.bitLength() > 63 ? SaLifetime.INFINITE : value.longValue();
    }

    /** An IPv4 or IPv6 literal, never resolved through DNS; {@code null} if {@code text} is not one. */
    static InetAddress literal(String text) {
        try {
            if (text.indexOf(':') >= 0) {
                // no zones and no brackets: neither has a meaning in an xfrm state
                if (text.indexOf('%') >= 0 || text.indexOf('[') >= 0 || !NetUtil.isValidIpV6Address(text)) {
                    return null;
                }
                byte[] bytes = InetAddress.getByName(text).getAddress(); // a valid literal: no name lookup
                if (bytes.length == 4) {
                    // the JDK turns ::ffff:a.b.c.d into an Inet4Address; keep the family as written
                    byte[] mapped = new byte[16];
                    mapped[10] = (byte) 0xff;
                    mapped[11] = (byte) 0xff;
                    System.arraycopy(bytes, 0, mapped, 12, 4);
                    bytes = mapped;
                }
                return Inet6Address.getByAddress(null, bytes, -1);
            }
            if (!NetUtil.isValidIpV4Address(text)) {
                return null;
            }
            return InetAddress.getByAddress(NetUtil.createByteArrayFromIpAddressString(text));
        } catch (UnknownHostException e) {
            return null; // not reached for validated literals
        }
    }

    /** Parses the words of one line. */
    private static final class LineParser {
        private final List<String> words;
        private final Set<String> seen = new HashSet<>();
        private int position;

        private int family; // from -4 / -6: 4, 6 or 0
        private InetAddress source;
        private InetAddress destination;
        private boolean protoSeen;
        private long spi = -1;
        private int reqid;
        private SecurityAssociation.Mode mode = SecurityAssociation.Mode.TRANSPORT; // as iproute2: mode 0
        private int replayWindow = 64; // RFC 4303 §3.4.3: a window of 64 SHOULD be the default
        private int flags;
        private AeadAlgorithm algorithm;
        private byte[] keyMaterial;
        private int icvBits;
        private EncryptionAlgorithm encryption;
        private byte[] encryptionKey;
        private AuthenticationAlgorithm authentication;
        private byte[] authenticationKey;
        private int authenticationIcvBits; // 0: the algorithm's Linux default
        private long replaySeq;
        private long replaySeqHi;
        private long replayOseq;
        private long replayOseqHi;
        private SaLifetime lifetime = SaLifetime.NONE;
        private final Set<String> limits = new HashSet<>();
        private long[] history = new long[0];
        private Selector selector = Selector.ANY;
        private int encapSourcePort;
        private int encapDestinationPort;
        private SecurityAssociation.EngineKind engine = SecurityAssociation.EngineKind.JCA;

        LineParser(List<String> words) {
            this.words = words;
        }

        /** The received packets below replay-seq, from a listing's replay bitmap. */
        LineParser history(long[] history) {
            this.history = history;
            return this;
        }

        private boolean hasNext() {
            return position < words.size();
        }

        private String next() {
            return words.get(position++);
        }

        private String peek() {
            return words.get(position);
        }

        private String value(String keyword, String expected) {
            if (!hasNext()) {
                throw new IllegalArgumentException("missing value after '" + keyword + "' (expected " + expected
                        + ')');
            }
            return next();
        }

        /** How many words follow before the next keyword of the line or its end. */
        private int wordsBeforeNextKeyword() {
            int n = 0;
            while (position + n < words.size() && !KEYWORDS.contains(words.get(position + n))
                    && !UNSUPPORTED.containsKey(words.get(position + n))) {
                n++;
            }
            return n;
        }

        private void once(String keyword) {
            if (!seen.add(keyword)) {
                throw new IllegalArgumentException("duplicate '" + keyword + "' in ip xfrm state line");
            }
        }

        SecurityAssociation parse() {
            try {
                skipCommand();
                while (hasNext()) {
                    keyword(next());
                }
                return build();
            } finally {
                for (byte[] k : new byte[][] {keyMaterial, encryptionKey, authenticationKey}) {
                    if (k != null) {
                        Arrays.fill(k, (byte) 0); // the SA holds its own copy
                    }
                }
            }
        }

        /** Skips {@code ip [-4|-6] xfrm state add|update} when present. */
        private void skipCommand() {
            if (peek().equals("ip")) {
                next();
                while (hasNext() && peek().startsWith("-")) {
                    String option = next();
                    if (option.equals("-4")) {
                        family = 4;
                    } else if (option.equals("-6")) {
                        family = 6;
                    } else {
                        throw new IllegalArgumentException("unsupported ip option '" + option
                                + "' (expected -4 or -6)");
                    }
                }
                expectWord("xfrm", "'ip xfrm state add'");
            } else if (peek().equals("xfrm")) {
                next();
            } else {
                return;
            }
            expectWord("state", "'ip xfrm state add'");
            String command = value("state", "add or update");
            if (!command.equals("add") && !command.equals("update")) {
                throw new IllegalArgumentException("unsupported ip xfrm state command '" + command
                        + "' (expected add or update)");
            }
        }

        private void expectWord(String expected, String context) {
            String word = hasNext() ? next() : "";
            if (!word.equals(expected)) {
                throw new IllegalArgumentException("expected '" + expected + "' in " + context + ", got '" + word
                        + '\'');
            }
        }

        private void keyword(String word) {
            switch (word) {
                case "src" -> {
                    once(word);
                    source = address(word, value(word, "an IPv4 or IPv6 address"));
                }
                case "dst" -> {
                    once(word);
                    destination = address(word, value(word, "an IPv4 or IPv6 address"));
                }
                case "proto" -> {
                    once(word);
                    String proto = value(word, "esp");
                    if (!proto.equals("esp") && !proto.equals("50")) {
                        throw new IllegalArgumentException("proto '" + proto
                                + "' is not supported (netfrag decrypts ESP only: expected proto esp)");
                    }
                    protoSeen = true;
                }
                case "spi" -> {
                    once(word);
                    String text = value(word, "an SPI, 0x… or decimal");
                    spi = parseU32(text);
                    if (spi < 0) {
                        throw new IllegalArgumentException("bad spi '" + text
                                + "' (expected a 32-bit number, 0x… or decimal)");
                    }
                    if (spi == 0) {
                        throw new IllegalArgumentException("bad spi '" + text
                                + "' (SPI 0 is reserved, RFC 4303 §2.1)");
                    }
                }
                case "reqid" -> {
                    once(word);
                    reqid = (int) u32(word, value(word, "a 32-bit number"));
                }
                case "mode" -> {
                    once(word);
                    String text = value(word, "transport or tunnel");
                    mode = switch (text) {
                        case "transport" -> SecurityAssociation.Mode.TRANSPORT;
                        case "tunnel" -> SecurityAssociation.Mode.TUNNEL;
                        default -> throw new IllegalArgumentException("mode '" + text
                                + "' is not supported (expected transport or tunnel)");
                    };
                }
                case "replay-window" -> {
                    once(word);
                    String text = value(word, "0 to " + ReplayWindow.MAX_WINDOW);
                    long window = parseU32(text);
                    if (window < 0 || window > ReplayWindow.MAX_WINDOW) {
                        throw new IllegalArgumentException("bad replay-window '" + text + "' (expected 0 to "
                                + ReplayWindow.MAX_WINDOW + " packets)");
                    }
                    replayWindow = (int) window;
                }
                case "flag" -> flags();
                case "replay-seq" -> {
                    once(word);
                    replaySeq = u32(word, value(word, "a 32-bit sequence number"));
                }
                case "replay-seq-hi" -> {
                    once(word);
                    replaySeqHi = u32(word, value(word, "the high 32 bits of the sequence number (ESN)"));
                }
                case "replay-oseq" -> {
                    once(word);
                    replayOseq = u32(word, value(word, "a 32-bit sequence number"));
                }
                case "replay-oseq-hi" -> {
                    once(word);
                    replayOseqHi = u32(word, value(word, "the high 32 bits of the sequence number (ESN)"));
                }
                case "limit" -> limit();
                case "aead" -> {
                    once(word);
                    aead();
                }
                case "sel" -> {
                    once(word);
                    selector();
                }
                case "encap" -> {
                    once(word);
                    encap();
                }
                case "if_id" -> {
                    once(word);
                    u32(word, value(word, "a 32-bit interface id")); // validated, no effect: no xfrm interfaces
                }
                case "dir" -> {
                    once(word);
                    String text = value(word, "in");
                    if (!text.equals("in")) {
                        throw new IllegalArgumentException("dir '" + text
                                + "' is not supported (netfrag SAs are inbound: expected dir in)");
                    }
                }
                case "engine" -> {
                    once(word);
                    String text = value(word, "jca or bc");
                    engine = switch (text) {
                        case "jca" -> SecurityAssociation.EngineKind.JCA;
                        case "bc" -> SecurityAssociation.EngineKind.BOUNCY_CASTLE;
                        default -> throw new IllegalArgumentException("unknown engine '" + text
                                + "' (expected jca or bc)");
                    };
                }
                case "enc" -> {
                    once(word);
                    enc();
                }
                case "auth", "auth-trunc" -> {
                    if (seen.contains("auth") || seen.contains("auth-trunc")) {
                        throw new IllegalArgumentException("duplicate '" + word + "' in ip xfrm state line (one of "
                                + "auth and auth-trunc)");
                    }
                    once(word);
                    auth(word.equals("auth-trunc"));
                }
                case "comp" -> throw new IllegalArgumentException("'comp' is not supported (IPComp is not "
                        + "implemented)");
                default -> {
                    String reason = UNSUPPORTED.get(word);
                    if (reason != null) {
                        throw new IllegalArgumentException("'" + word + "' is not supported (" + reason + ')');
                    }
                    throw new IllegalArgumentException("unknown token '" + word
                            + "' in ip xfrm state line (expected one of: " + EXPECTED_KEYWORDS + ')');
                }
            }
        }

        private long u32(String keyword, String text) {
            long value = parseU32(text);
            if (value < 0) {
                throw new IllegalArgumentException("bad " + keyword + " '" + text + "' (expected a 32-bit number)");
            }
            return value;
        }

        private int port(String keyword, String text, boolean zeroAllowed) {
            long value = parseU32(text);
            if (value < (zeroAllowed ? 0 : 1) || value > 0xffff) {
                throw new IllegalArgumentException("bad " + keyword + " '" + text + "' (expected a port, "
                        + (zeroAllowed ? 0 : 1) + " to 65535)");
            }
            return (int) value;
        }

        private InetAddress address(String keyword, String text) {
            InetAddress address = literal(text);
            if (address == null) {
                throw new IllegalArgumentException("bad " + keyword + " address '" + text
                        + "' (expected an IPv4 or IPv6 address)");
            }
            return address;
        }

        /**
         * As iproute2 {@code xfrm_lifetime_cfg_parse}: {@code limit} and one of {@code time-soft}, {@code time-hard},
         * {@code time-use-soft}, {@code time-use-hard} (seconds), {@code byte-soft}, {@code byte-hard} (bytes),
         * {@code packet-soft}, {@code packet-hard}, with a 64-bit number; {@code limit} repeats for more.
         */
        private void limit() {
            String name = value("limit", "time-soft, time-hard, time-use-soft, time-use-hard, byte-soft, byte-hard, "
                    + "packet-soft or packet-hard");
            if (!limits.add(name)) {
                throw new IllegalArgumentException("duplicate 'limit " + name + "' in ip xfrm state line");
            }
            String text = value("limit " + name, "a number");
            long number = parseU64(text);
            if (number < 0) {
                throw new IllegalArgumentException("bad limit " + name + " '" + text + "' (expected a number up to "
                        + Long.MAX_VALUE + ", 0x… or decimal)");
            }
            lifetime = lifetime.with(name, number); // an unknown name is refused there, with the list
        }

        /** As iproute2 xfrm_state_flag_parse: one hex byte, or one or more flag names. */
        private void flags() {
            String first = value("flag", "one of: " + FLAG_NAMES);
            if (first.length() > 2 && first.startsWith("0x")) {
                long value = parseU32(first);
                if (value < 0 || value > 0xff) {
                    throw new IllegalArgumentException("bad flag '" + first + "' (expected a byte 0x00 to 0xff or "
                            + "one of: " + FLAG_NAMES + ')');
                }
                flags |= (int) value;
                return;
            }
            Integer bit = FLAGS.get(first);
            if (bit == null) {
                throw new IllegalArgumentException("unknown flag '" + first + "' (expected one of: " + FLAG_NAMES
                        + ')');
            }
            flags |= bit;
            while (hasNext() && FLAGS.containsKey(peek())) {
                flags |= FLAGS.get(next());
            }
        }

        private void aead() {
            String name = value("aead", "aead NAME KEY ICVBITS");
            algorithm = AeadAlgorithm.byXfrmName(name);
            if (algorithm == null) {
                throw new IllegalArgumentException("unknown aead algorithm '" + name + "' (expected one of: "
                        + "rfc4106(gcm(aes)), rfc4309(ccm(aes)), rfc4543(gcm(aes)), "
                        + "rfc7539esp(chacha20,poly1305))");
            }
            int left = wordsBeforeNextKeyword();
            if (left == 0) {
                throw new IllegalArgumentException("missing aead KEY and ICVBITS after '" + name
                        + "' (expected aead NAME KEY ICVBITS)");
            }
            if (left == 1) {
                // one word where two belong: say which one is missing rather than misread the other
                String only = peek();
                boolean looksLikeIcv = only.length() <= 3 && only.chars().allMatch(Character::isDigit);
                throw new IllegalArgumentException(looksLikeIcv
                        ? "missing aead KEY between '" + name + "' and the ICV length " + only
                                + " (expected aead NAME KEY ICVBITS)"
                        : "missing aead ICVBITS after the key of " + name + " (expected aead NAME KEY ICVBITS)");
            }
            keyMaterial = hexKey(next());
            int saltLength = algorithm.saltLength();
            if (algorithm == AeadAlgorithm.CHACHA20_POLY1305) {
                if (keyMaterial.length != 32 + saltLength) {
                    throw new IllegalArgumentException("aead key for " + name + " must be 36 bytes (256-bit key + "
                            + saltLength + "-byte salt), got " + keyMaterial.length);
                }
            } else {
                int aesKey = keyMaterial.length - saltLength;
                if (aesKey != 16 && aesKey != 24 && aesKey != 32) {
                    // RFC 4106 §8.1 / RFC 4543 §5: the salt is the last 4 bytes of the keying material
                    throw new IllegalArgumentException("aead key for " + name + " must be 20, 28 or 36 bytes "
                            + "(AES key + " + saltLength + "-byte salt), got " + keyMaterial.length);
                }
            }
            boolean gcm = algorithm == AeadAlgorithm.AES_GCM || algorithm == AeadAlgorithm.AES_CCM;
            String expectedIcv = gcm ? "64, 96 or 128" : "128";
            if (!hasNext()) {
                throw new IllegalArgumentException("missing aead ICV length after the key of " + name
                        + " (expected aead NAME KEY ICVBITS, ICVBITS " + expectedIcv + ')');
            }
            String icvText = next();
            long bits = parseU32(icvText);
            // RFC 4106 §8 and RFC 4309 §3.1: ICV 8, 12 or 16 bytes; RFC 4543 §3 and RFC 7634 §2: 16 bytes
            boolean valid = bits == 128 || gcm && (bits == 64 || bits == 96);
            if (!valid) {
                throw new IllegalArgumentException("bad aead ICV length '" + icvText + "' for " + name
                        + " (expected " + expectedIcv + " bits)");
            }
            icvBits = (int) bits;
        }

        /** {@code enc NAME KEY}. */
        private void enc() {
            String name = value("enc", "enc NAME KEY");
            encryption = EncryptionAlgorithm.byXfrmName(ENCRYPTION_ALIASES.getOrDefault(name, name));
            if (encryption == null) {
                String refused = REFUSED_ENCRYPTION.get(name);
                throw new IllegalArgumentException(refused != null ? "enc '" + name + "' is refused: " + refused
                        : "unknown enc algorithm '" + name + "' (expected one of: cbc(aes), rfc3686(ctr(aes)), "
                                + "ecb(cipher_null))");
            }
            if (!hasNext()) {
                throw new IllegalArgumentException("missing enc KEY after '" + name + "' (expected enc NAME KEY; "
                        + "ecb(cipher_null) takes an empty key, \"\")");
            }
            encryptionKey = keymat("enc", next());
            int keyLength = encryptionKey.length - encryption.nonceLength();
            if (keyLength < 0 || !encryption.validKeyLength(keyLength)) {
                throw new IllegalArgumentException("enc key for " + encryption.xfrmName() + " must be "
                        + switch (encryption) {
                            case AES_CBC -> "16, 24 or 32 bytes";
                            case AES_CTR -> "20, 28 or 36 bytes (AES key + 4-byte nonce)";
                            case NULL -> "empty (\"\")";
                        } + ", got " + encryptionKey.length);
            }
        }

        /** {@code auth NAME KEY} or {@code auth-trunc NAME KEY BITS}. */
        private void auth(boolean truncated) {
            String keyword = truncated ? "auth-trunc" : "auth";
            String name = value(keyword, keyword + " NAME KEY" + (truncated ? " BITS" : ""));
            authentication = AuthenticationAlgorithm.byXfrmName(AUTHENTICATION_ALIASES.getOrDefault(name, name));
            if (authentication == null) {
                String refused = REFUSED_AUTHENTICATION.get(name);
                throw new IllegalArgumentException(refused != null ? keyword + " '" + name + "' is refused: "
                        + refused : "unknown " + keyword + " algorithm '" + name + "' (expected one of: hmac(sha1), "
                                + "hmac(sha256), hmac(sha384), hmac(sha512))");
            }
            if (!hasNext()) {
                throw new IllegalArgumentException("missing " + keyword + " KEY after '" + name + "' (expected "
                        + keyword + " NAME KEY" + (truncated ? " BITS)" : ")"));
            }
            authenticationKey = keymat(keyword, next());
            if (authenticationKey.length == 0) {
                throw new IllegalArgumentException("empty " + keyword + " key for " + name);
            }
            if (truncated) {
                String expected = AuthenticationAlgorithm.MIN_ICV_BITS + " to " + authentication.fullBits()
                        + " bits, a multiple of 8";
                String text = value("auth-trunc " + name + " KEY", "BITS, " + expected);
                long bits = parseU32(text);
                // Linux takes any length up to the MAC's (xfrm_user.c attach_auth_trunc); shorter than 96 bits is
                // weaker than any ESP RFC defines and refused here
                if (bits < AuthenticationAlgorithm.MIN_ICV_BITS || bits > authentication.fullBits() || bits % 8 != 0) {
                    throw new IllegalArgumentException("bad auth-trunc ICV length '" + text + "' for " + name
                            + " (expected " + expected + ')');
                }
                authenticationIcvBits = (int) bits;
            }
        }

        /**
         * Key material as iproute2's {@code xfrm_algo_parse} reads it for {@code enc} and {@code auth}: after
         * {@code 0x} (lowercase), hexadecimal, an odd number of digits read with a leading 0; otherwise the word's own
         * bytes (so {@code ""} is an empty key, and {@code 0X…} is ASCII, as there).
         */
        private static byte[] keymat(String keyword, String text) {
            if (text.length() > 2 && text.startsWith("0x")) { // iproute2 compares with "0x" exactly
                // an odd number of digits gets a leading 0, as iproute2 rounds it
                return hexKey((text.length() & 1) == 1 ? "0x0" + text.substring(2) : text, keyword);
            }
            return text.getBytes(StandardCharsets.UTF_8);
        }

        /** Hex key material, with or without 0x. Messages never include the key. */
        private static byte[] hexKey(String text) {
            return hexKey(text, "aead");
        }

        private static byte[] hexKey(String text, String keyword) {
            int start = text.startsWith("0x") || text.startsWith("0X") ? 2 : 0;
            int digits = text.length() - start;
            if (digits == 0) {
                throw new IllegalArgumentException("empty " + keyword + " key (expected 0x followed by hex digits)");
            }
            if ((digits & 1) != 0) {
                throw new IllegalArgumentException(keyword + " key has an odd number of hex digits (" + digits
                        + "; expected two per byte)");
            }
            byte[] bytes = new byte[digits / 2];
            for (int i = 0; i < bytes.length; i++) {
                int high = hexDigit(text.charAt(start + 2 * i));
                int low = hexDigit(text.charAt(start + 2 * i + 1));
                if (high < 0 || low < 0) {
                    Arrays.fill(bytes, (byte) 0);
                    throw new IllegalArgumentException(keyword + " key has a non-hex character at position "
                            + (start + 2 * i + (high < 0 ? 1 : 2)) + " (expected hex digits, optionally after 0x)");
                }
                bytes[i] = (byte) (high << 4 | low);
            }
            return bytes;
        }

        private static int hexDigit(char c) {
            return c > 'f' ? -1 : Character.digit(c, 16);
        }

        /** As iproute2 xfrm_selector_parse: consumes selector words until one that is not. */
        private void selector() {
            byte[] src = null;
            int srcPrefix = 0;
            byte[] dst = null;
            int dstPrefix = 0;
            int proto = 0;
            String protoText = null;
            int sport = 0;
            int dport = 0;
            boolean ports = false;
            Set<String> inSelector = new HashSet<>();
            int start = position;
            loop:
            while (hasNext()) {
                String word = peek();
                switch (word) {
                    case "src", "dst", "proto", "sport", "dport" -> {
                        next();
                        if (!inSelector.add(word)) {
                            throw new IllegalArgumentException("duplicate '" + word + "' in sel (the SA's own src "
                                    + "and dst must come before sel)");
                        }
                    }
                    case "type", "code", "key", "dev" -> throw new IllegalArgumentException("sel '" + word
                            + "' is not supported (expected sel [src PREFIX] [dst PREFIX] [proto P] [sport N] "
                            + "[dport N]; netfrag has no interfaces to match a dev against)");
                    default -> {
                        break loop;
                    }
                }
                String text = value("sel " + word, "a value");
                switch (word) {
                    case "src" -> {
                        src = prefixAddress("sel src", text);
                        srcPrefix = prefixLength("sel src", text, src.length * 8);
                    }
                    case "dst" -> {
                        dst = prefixAddress("sel dst", text);
                        dstPrefix = prefixLength("sel dst", text, dst.length * 8);
                    }
                    case "proto" -> {
                        proto = protocol(text);
                        protoText = text;
                    }
                    case "sport" -> {
                        sport = port("sel sport", text, true);
                        ports = true;
                    }
                    case "dport" -> {
                        dport = port("sel dport", text, true);
                        ports = true;
                    }
                    default -> {
                        // dev: accepted without effect, the Selector has no interface field
                    }
                }
            }
            if (position == start) {
                throw new IllegalArgumentException("empty sel" + (hasNext() ? " before '" + peek() + '\'' : "")
                        + " (expected sel [src PREFIX] [dst PREFIX] [proto P] [sport N] [dport N] [dev NAME])");
            }
            if (src != null && dst != null && src.length != dst.length) {
                // as iproute2: the selector has one family
                throw new IllegalArgumentException("sel src and sel dst must be of the same address family");
            }
            if (ports && proto != IpProtocols.TCP && proto != IpProtocols.UDP && proto != 132 && proto != 33) {
                // as iproute2 xfrm_selector_upspec_parse: ports need tcp, udp, sctp or dccp
                throw new IllegalArgumentException("sel sport and dport are invalid with proto "
                        + (protoText == null ? "any" : '\'' + protoText + '\'') + " (expected proto tcp, udp, sctp "
                        + "or dccp)");
            }
            Selector parsed = new Selector(src, srcPrefix, dst, dstPrefix, proto, sport, dport);
            selector = parsed.isAny() ? Selector.ANY : parsed;
        }

        private byte[] prefixAddress(String keyword, String text) {
            int slash = text.indexOf('/');
            return address(keyword, slash < 0 ? text : text.substring(0, slash)).getAddress();
        }

        private static int prefixLength(String keyword, String text, int maxBits) {
            int slash = text.indexOf('/');
            if (slash < 0) {
                return maxBits; // a bare address is a host
            }
            String length = text.substring(slash + 1);
            int bits = -1;
            if (!length.isEmpty() && length.length() <= 3 && length.chars().allMatch(c -> c >= '0' && c <= '9')) {
                bits = Integer.parseInt(length);
            }
            if (bits < 0 || bits > maxBits) {
                throw new IllegalArgumentException("bad " + keyword + " prefix length in '" + text + "' (expected 0 to "
                        + maxBits + ')');
            }
            return bits;
        }

        private static int protocol(String text) {
            Integer byName = PROTOCOLS.get(text.toLowerCase(Locale.ROOT));
            if (byName != null) {
                return byName;
            }
            long number = parseU32(text);
            if (number < 0 || number > 255) {
                throw new IllegalArgumentException("bad sel proto '" + text + "' (expected a protocol number 0 to "
                        + "255 or a name such as udp, tcp, icmp, ipv6-icmp, esp)");
            }
            return (int) number;
        }

        /** {@code encap TYPE SPORT DPORT OADDR}. */
        private void encap() {
            String type = value("encap", "espinudp");
            if (!type.equals("espinudp")) {
                // espinudp-nonike (the pre-RFC 3948 draft with an 8-byte non-IKE marker) would be decapsulated
                // wrongly by an RFC 3948 decoder: refuse it rather than misread traffic
                throw new IllegalArgumentException("encap '" + type + "' is not supported (expected espinudp, "
                        + "RFC 3948 UDP encapsulation)");
            }
            // RFC 3948 §2: the UDP header's ports; 0 would read as "no encapsulation" in the SA
            encapSourcePort = port("encap sport", value("encap " + type, "SPORT DPORT OADDR"), false);
            encapDestinationPort = port("encap dport", value("encap " + type, "DPORT OADDR"), false);
            address("encap original", value("encap " + type, "OADDR, typically 0.0.0.0")); // validated, no effect
        }

        private SecurityAssociation build() {
            if (destination == null) {
                throw new IllegalArgumentException("missing dst (expected dst ADDR: the SA's destination address)");
            }
            if (!protoSeen) {
                throw new IllegalArgumentException("missing proto (expected proto esp)");
            }
            if (spi < 0) {
                throw new IllegalArgumentException("missing spi (expected spi SPI, 0x… or decimal)");
            }
            if (algorithm == null && encryption == null && authentication == null) {
                throw new IllegalArgumentException("missing algorithm (expected aead NAME KEY ICVBITS, or enc NAME "
                        + "KEY with auth NAME KEY or auth-trunc NAME KEY BITS)");
            }
            if (algorithm != null && (encryption != null || authentication != null)) {
                throw new IllegalArgumentException("aead does not combine with " + (encryption != null ? "enc"
                        : "auth") + " (an AEAD algorithm encrypts and authenticates)");
            }
            if (algorithm == null && authentication == null) {
                throw new IllegalArgumentException("enc without auth is refused: ESP without integrity is open to "
                        + "forgery (RFC 8221 §3; add auth or auth-trunc)");
            }
            if (algorithm == null && encryption == null) {
                throw new IllegalArgumentException("auth without enc (for integrity only, add enc "
                        + "'ecb(cipher_null)' \"\", RFC 2410)");
            }
            if (source != null && source instanceof Inet4Address != destination instanceof Inet4Address) {
                // as iproute2 xfrm_id_parse: src and dst of the same family
                throw new IllegalArgumentException("src '" + source.getHostAddress() + "' and dst '"
                        + destination.getHostAddress() + "' must be of the same address family");
            }
            int destinationFamily = destination instanceof Inet4Address ? 4 : 6;
            if (family != 0 && family != destinationFamily) {
                throw new IllegalArgumentException("dst '" + destination.getHostAddress() + "' is not an IPv"
                        + family + " address (ip -" + family + ')');
            }
            boolean esn = (flags & FLAG_ESN) != 0;
            if (esn && replayWindow == 0) {
                // as iproute2: "esn flag set without replay-window"; ReplayWindow needs a window for ESN
                throw new IllegalArgumentException("flag esn needs a replay window > 0 (got replay-window 0)");
            }
            // as iproute2: the high halves count only with ESN (xfrm_state_modify drops them otherwise)
            long inbound = esn ? replaySeqHi << 32 | replaySeq : replaySeq;
            long outbound = esn ? replayOseqHi << 32 | replayOseq : replayOseq;
            SecurityAssociation.Builder b = SecurityAssociation.builder().source(source).destination(destination)
                    .spi((int) spi).reqid(reqid).mode(mode).replayWindow(replayWindow).esn(esn).selector(selector)
                    .encapsulation(encapSourcePort, encapDestinationPort).engine(engine).replaySequence(inbound)
                    .replayHistory(history).outboundSequence(outbound).lifetime(lifetime);
            try {
                if (algorithm != null) {
                    int saltLength = algorithm.saltLength();
                    byte[] key = Arrays.copyOfRange(keyMaterial, 0, keyMaterial.length - saltLength);
                    byte[] salt = Arrays.copyOfRange(keyMaterial, keyMaterial.length - saltLength,
                            keyMaterial.length);
                    b.aead(algorithm, key, salt, icvBits);
                    Arrays.fill(key, (byte) 0);
                    Arrays.fill(salt, (byte) 0);
                } else {
                    b.encryption(encryption, encryptionKey)
                            .authentication(authentication, authenticationKey, authenticationIcvBits);
                }
                return b.build();
            } finally {
                b.clearKeys();
            }
        }
    }
}

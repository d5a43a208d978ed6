package io.netfrag.esp;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Reads the text {@code ip xfrm state} and {@code ip -s xfrm state} print (iproute2 {@code ip/ipxfrm.c}
 * {@code xfrm_state_info_print}) and turns each SA block into the words of an {@code ip xfrm state add} line, which
 * {@link XfrmStateParser} then checks as it checks any line. A block starts with {@code src ADDR dst ADDR} at the start
 * of a line; its other lines are indented:
 * <pre>
 * src 192.0.2.1 dst 198.51.100.2
 *         proto esp spi 0xc88b7652(3364582994) reqid 1(0x00000001) mode tunnel
 *         replay-window 0 seq 0x00000000 flag af-unspec esn (0x10100000)
 *         aead rfc4106(gcm(aes)) 0xe406a01083986e14d116488549094710e9c57bc6 (160 bits) 128
 *         encap type espinudp sport 4500 dport 4500 addr 0.0.0.0
 *         anti-replay esn context:
 *          seq-hi 0x0, seq 0x1d, oseq-hi 0x0, oseq 0x0
 *          replay_window 128, bitmap-length 4
 *          00000000 00000000 00000000 1fffffff
 *         sel src 0.0.0.0/0 dst 0.0.0.0/0 uid 0
 *         lifetime config:
 *           limit: soft (INF)(bytes), hard (INF)(bytes)
 *           …
 * </pre>
 * What it takes: the ID line, {@code proto … spi … reqid … mode}, {@code replay-window} with its {@code flag}s,
 * {@code aead}, {@code enc}, {@code auth}, {@code auth-trunc} (the kernel reports every {@code auth} SA as
 * {@code auth-trunc} with the length in force), {@code encap}, the anti-replay context (legacy: {@code seq},
 * {@code oseq}, {@code bitmap}; ESN: {@code seq-hi}, {@code seq}, {@code oseq-hi}, {@code oseq}, {@code replay_window}
 * — the real window, where the flags line prints 0 — and the bitmap words), {@code sel} and {@code lifetime config}:
 * the window continues where the gateway's was, the sender where its counter was. Ignored, as they say nothing about
 * decrypting: {@code -s}'s decorations ({@code (3364582994)}, {@code (160 bits)}, {@code seq 0x…} of the flags line,
 * {@code extra_flag}, the flag mask, {@code uid}), {@code lifetime current}, {@code stats}, {@code lastused},
 * {@code mark}, {@code output-mark}, {@code if_id}, {@code dir}, {@code tfcpad}, {@code pcpu-num}, {@code coa},
 * {@code crypto offload parameters} and {@code security context}. A listing made with {@code nokeys} is refused: it
 * has no keys.
 */
final class XfrmStateListing {
    private XfrmStateListing() {
    }

    /** Whether {@code text} looks like a listing: a line starting {@code src } followed by an indented line. */
    static boolean looksLikeListing(String text) {
        String[] lines = text.split("\\R");
        for (int i = 0; i + 1 < lines.length; i++) {
            // a head line ending in a backslash is an add line continued on the next line, not a listing
            if (lines[i].startsWith("src ") && !lines[i].stripTrailing().endsWith("\\") && !lines[i + 1].isEmpty()
                    && Character.isWhitespace(lines[i + 1].charAt(0))
                    && lines[i + 1].strip().startsWith("proto ")) {
                return true;
            }
        }
        return false;
    }

    /** One SA block: its first line's number and its words as an {@code ip xfrm state add} line. */
    record Block(int firstLine, int lastLine, List<String> words, long[] history) {
    }

    /**
     * Splits a listing into SA blocks and translates each.
     *
     * @throws IllegalArgumentException naming the line, for text that is not a listing's
     */
    static List<Block> blocks(String text, String sourceName) {
        String[] lines = text.split("\\R", -1);
        List<Block> blocks = new ArrayList<>();
        int start = -1;
        for (int i = 0; i <= lines.length; i++) {
            boolean end = i == lines.length;
            String line = end ? "" : lines[i];
            boolean head = !end && !line.isEmpty() && !Character.isWhitespace(line.charAt(0));
            if (head || end) {
                if (start >= 0) {
                    int last = i - 1;
                    while (last > start && lines[last].isBlank()) {
                        last--;
                    }
                    blocks.add(translate(lines, start, last + 1, sourceName));
                    start = -1;
                }
                if (head) {
                    String h = stripEventWord(line);
                    if (!h.startsWith("src ")) {
                        throw new IllegalArgumentException(sourceName + " line " + (i + 1) + ": expected an SA "
                                + "starting 'src ADDR dst ADDR' in an ip xfrm state listing, got '" + shorten(line)
                                + '\'');
                    }
                    start = i;
                }
            } else if (start < 0 && !line.isBlank()) {
                throw new IllegalArgumentException(sourceName + " line " + (i + 1) + ": indented text before the "
                        + "first 'src ADDR dst ADDR' line of an ip xfrm state listing");
            }
        }
        return blocks;
    }

    /** {@code ip xfrm monitor} prints the same blocks after an event word. */
    private static String stripEventWord(String line) {
        for (String w : new String[] {"Deleted ", "Updated ", "Expired "}) {
            if (line.startsWith(w)) {
                return line.substring(w.length());
            }
        }
        return line;
    }

    private static String shorten(String s) {
        return s.length() > 40 ? s.substring(0, 40) + "…" : s; // never a whole line: it may hold key material
    }

    private static Block translate(String[] lines, int from, int to, String sourceName) {
        List<String> words = new ArrayList<>();
        words.addAll(split(stripEventWord(lines[from]))); // src A dst B
        long seq = -1;
        long seqHi = 0;
        long oseq = -1;
        long oseqHi = 0;
        int esnWindow = -1;
        List<Long> bitmapWords = new ArrayList<>(); // the ESN bitmap, most significant word first
        long legacyBitmap = 0;
        boolean esnContext = false;
        String lifetimeSection = null;
        for (int i = from + 1; i < to; i++) {
            String raw = lines[i];
            String line = raw.strip();
            if (line.isEmpty()) {
                continue;
            }
            String where = sourceName + " line " + (i + 1);
            try {
                if (line.equals("anti-replay esn context:")) {
                    esnContext = true;
                    lifetimeSection = null;
                    continue;
                }
                if (line.equals("lifetime config:") || line.equals("lifetime current:") || line.equals("stats:")) {
                    lifetimeSection = line;
                    esnContext = false;
                    continue;
                }
                if (esnContext) {
                    if (line.startsWith("seq-hi ")) {
                        // seq-hi 0x0, seq 0x1d, oseq-hi 0x0, oseq 0x0
                        Map<String, Long> f = hexFields(line, "seq-hi", "seq", "oseq-hi", "oseq");
                        seqHi = f.getOrDefault("seq-hi", seqHi);
                        seq = f.getOrDefault("seq", seq);
                        oseqHi = f.getOrDefault("oseq-hi", oseqHi);
                        oseq = f.getOrDefault("oseq", oseq);
                        continue;
                    }
                    if (line.startsWith("replay_window ")) {
                        esnWindow = Integer.parseInt(line.split("[\\s,]+")[1]);
                        continue;
                    }
                    if (line.matches("[0-9a-f]{8}( [0-9a-f]{8})*")) {
                        for (String w : line.split("\\s+")) {
                            bitmapWords.add(Long.parseLong(w, 16));
                        }
                        continue;
                    }
                    esnContext = false;
                }
                if (lifetimeSection != null) {
                    boolean config = line.startsWith("limit:") || line.startsWith("expire ");
                    boolean current = line.matches("\\d+\\(bytes\\), \\d+\\(packets\\)") || line.startsWith("add ");
                    boolean stats = line.startsWith("replay-window ") && line.contains(" failed ");
                    if (config || current || stats) {
                        if (config && lifetimeSection.equals("lifetime config:")) {
                            lifetime(line, words);
                        }
                        continue; // lifetime current and stats: what happened, not configuration
                    }
                }
                lifetimeSection = null;
                List<String> w = split(line);
                switch (w.get(0)) {
                    case "proto" -> words.addAll(withoutParenthesised(w));
                    case "replay-window" -> replayWindowLine(w, words);
                    case "aead", "enc", "auth", "auth-trunc" -> algorithm(w, words, where);
                    case "encap" -> encap(w, words);
                    case "anti-replay" -> {
                        // anti-replay context: seq 0x5, oseq 0x7, bitmap 0x0000001f
                        Map<String, Long> f = hexFields(line.substring(line.indexOf(':') + 1), "seq", "oseq",
                                "bitmap");
                        seq = f.getOrDefault("seq", seq);
                        oseq = f.getOrDefault("oseq", oseq);
                        legacyBitmap = f.getOrDefault("bitmap", legacyBitmap);
                    }
                    case "sel" -> selector(w, words);
                    case "lastused", "mark", "output-mark", "if_id", "dir", "tfcpad", "pcpu-num", "coa", "crypto",
                            "security" -> {
                        // state that says nothing about decrypting a capture
                    }
                    default -> throw new IllegalArgumentException("unknown line '" + w.get(0) + " …'");
                }
            } catch (IllegalArgumentException | IndexOutOfBoundsException e) {
                String reason = e instanceof IllegalArgumentException && e.getMessage() != null ? e.getMessage()
                        : "malformed line";
                throw new IllegalArgumentException(where + ": " + reason + " in ip xfrm state listing", e);
            }
        }
        boolean esn = words.contains("esn");
        if (esn && esnWindow == 0) {
            // Linux allows ESN without a window only for an outbound SA (dir out): its traffic, captured on the
            // gateway, is decrypted as inbound traffic here, with RFC 4303's default window starting at its counter
            esnWindow = 64;
            if (seq <= 0 && seqHi == 0) {
                seq = Math.max(oseq, 0);
                seqHi = oseqHi;
                bitmapWords.clear();
            }
        }
        if (esnWindow >= 0) {
            replace(words, "replay-window", Integer.toString(esnWindow));
        }
        if (seq >= 0) {
            words.add("replay-seq");
            words.add("0x" + Long.toHexString(seq));
            if (esn) {
                words.add("replay-seq-hi");
                words.add("0x" + Long.toHexString(seqHi));
            }
        }
        if (oseq >= 0) {
            words.add("replay-oseq");
            words.add("0x" + Long.toHexString(oseq));
            if (esn) {
                words.add("replay-oseq-hi");
                words.add("0x" + Long.toHexString(oseqHi));
            }
        }
        long[] history = seq < 0 ? new long[0]
                : history(esnWindow >= 0, esn ? seqHi << 32 | seq : seq, legacyBitmap, bitmapWords, esnWindow);
        return new Block(from + 1, to, words, history);
    }

    /**
     * The received packets of the window, as {@code replayHistory} words: bit i = sequence {@code top - i}.
     * Legacy bitmap: bit i is {@code top - i} already. ESN (Linux {@code xfrm_replay_advance_esn}): a circular bitmap
     * of {@code replay_window} bits, the top at bit {@code (low 32 bits of top - 1) % replay_window}, older sequence
     * numbers below it, wrapping.
     */
    private static long[] history(boolean esnBitmap, long top, long legacy, List<Long> words, int window) {
        long[] history = new long[Math.max(1, (Math.max(window, 32) + 63) / 64)];
        if (!esnBitmap) {
            history[0] = legacy & 0xffffffffL;
        } else if (window > 0) {
            // as xfrm_replay_check_esn: the top's bit is (low 32 bits of top - 1) mod window, older ones below it
            int n = words.size();
            int pos = (int) ((((top & 0xffffffffL) - 1) & 0xffffffffL) % window);
            for (int i = 0; i < window && top - i >= 1; i++) {
                int bit = Math.floorMod(pos - i, window);
                int word = bit / 32;
                if (word < n && (words.get(n - 1 - word) >>> (bit % 32) & 1) != 0) {
                    history[i >>> 6] |= 1L << (i & 63);
                }
            }
        }
        return history;
    }

    /** {@code name 0xN, name 0xN, …} as iproute2 prints the replay contexts; a name not in {@code names} is refused. */
    private static Map<String, Long> hexFields(String text, String... names) {
        Map<String, Long> fields = new HashMap<>();
        for (String part : text.split(",")) {
            String[] kv = part.strip().split("\\s+");
            if (!List.of(names).contains(kv[0])) {
                throw new IllegalArgumentException("unexpected '" + kv[0] + "'");
            }
            fields.put(kv[0], hex(kv[1]));
        }
        return fields;
    }

    private static long hex(String text) {
        if (!text.startsWith("0x")) {
            throw new IllegalArgumentException("expected a 0x number, got '" + text + "'");
        }
        return Long.parseUnsignedLong(text.substring(2), 16);
    }

    private static List<String> split(String line) {
        List<String> w = new ArrayList<>(List.of(line.strip().split("\\s+")));
        w.removeIf(String::isEmpty);
        return w;
    }

    /** {@code spi 0xc88b7652(3364582994)}, {@code reqid 1(0x00000001)}: {@code -s} adds the other base. */
    private static List<String> withoutParenthesised(List<String> w) {
        List<String> out = new ArrayList<>();
        for (String s : w) {
            int p = s.indexOf('(');
            out.add(p > 0 && s.endsWith(")") ? s.substring(0, p) : s);
        }
        return out;
    }

    /** {@code replay-window N [seq 0xN] [flag NAMES][extra_flag NAMES] [(0xBITS)]}: the window and the flags. */
    private static void replayWindowLine(List<String> w, List<String> words) {
        words.add("replay-window");
        words.add(w.get(1));
        List<String> flags = new ArrayList<>();
        boolean inFlags = false;
        for (int i = 2; i < w.size(); i++) {
            String s = w.get(i);
            if (s.equals("seq")) {
                i++; // -s: the key manager's sequence, not the replay counter
                continue;
            }
            if (s.startsWith("(")) {
                continue; // -s: the flags again, as bits
            }
            if (s.equals("flag")) {
                inFlags = true;
                continue;
            }
            int glued = s.indexOf("extra_flag");
            if (glued >= 0) {
                if (glued > 0 && inFlags) {
                    flags.add(s.substring(0, glued)); // "decap-dscpextra_flag": iproute2 prints no space there
                }
                inFlags = false; // extra flags are for the sending side
                continue;
            }
            if (inFlags) {
                flags.add(s);
            }
        }
        if (!flags.isEmpty()) {
            words.add("flag");
            words.addAll(flags);
        }
    }

    /** {@code aead NAME KEY [(N bits)] ICV}, {@code enc NAME [KEY] [(N bits)]}, {@code auth-trunc NAME KEY [(N bits)] N}. */
    private static void algorithm(List<String> w, List<String> words, String where) {
        List<String> parts = new ArrayList<>();
        for (int i = 0; i < w.size(); i++) {
            String s = w.get(i);
            if (s.startsWith("(") && i + 1 < w.size() && w.get(i + 1).equals("bits)")) {
                i++; // " (160 bits)"
                continue;
            }
            if (s.equals("<<Keys")) {
                throw new IllegalArgumentException("the keys are hidden ('ip xfrm state list nokeys'): list the "
                        + "states with their keys");
            }
            parts.add(s);
        }
        if (parts.get(0).equals("enc") && parts.size() == 2) {
            parts.add(""); // a key of no bytes (ecb(cipher_null)): iproute2 prints nothing after the name
        }
        words.addAll(parts);
    }

    /** {@code encap type espinudp sport 4500 dport 4500 addr 0.0.0.0}. */
    private static void encap(List<String> w, List<String> words) {
        words.add("encap");
        words.add(value(w, "type"));
        words.add(value(w, "sport"));
        words.add(value(w, "dport"));
        words.add(value(w, "addr"));
    }

    private static String value(List<String> w, String key) {
        int i = w.indexOf(key);
        if (i < 0 || i + 1 >= w.size()) {
            throw new IllegalArgumentException("encap without '" + key + "'");
        }
        return w.get(i + 1);
    }

    /** {@code sel src A/P dst B/P [proto P] [sport N] [dport N] [type N] [code N] [key N] [dev D] [uid N]}. */
    private static void selector(List<String> w, List<String> words) {
        List<String> sel = new ArrayList<>();
        boolean any = true;
        for (int i = 1; i + 1 < w.size(); i += 2) {
            String key = w.get(i);
            String v = w.get(i + 1);
            if (key.equals("uid")) {
                continue; // -s: the socket owner, not a selector field
            }
            if ((key.equals("src") || key.equals("dst")) && (v.equals("0.0.0.0/0") || v.equals("::/0"))) {
                continue;
            }
            any = false;
            sel.add(key);
            sel.add(v);
        }
        if (!any) {
            words.add("sel");
            words.addAll(sel);
        }
    }

    /** The lines of {@code lifetime config:} as {@code limit} words; (INF) and time 0 are no limit. */
    private static void lifetime(String line, List<String> words) {
        // limit: soft (INF)(bytes), hard 5000(bytes) | expire add: soft 3000(sec), hard 3600(sec)
        String kind;
        String rest;
        if (line.startsWith("limit:")) {
            rest = line.substring(6);
            kind = rest.contains("(bytes)") ? "byte" : "packet";
        } else if (line.startsWith("expire add:")) {
            rest = line.substring(11);
            kind = "time";
        } else if (line.startsWith("expire use:")) {
            rest = line.substring(11);
            kind = "time-use";
        } else {
            throw new IllegalArgumentException("unknown lifetime line");
        }
        for (String part : rest.split(",")) {
            String[] kv = part.strip().split("\\s+");
            String level = kv[0].toLowerCase(Locale.ROOT); // soft | hard
            String value = kv[1].substring(0, kv[1].lastIndexOf('('));
            if (value.equals("(INF)") || kind.startsWith("time") && value.equals("0")) {
                continue;
            }
            words.add("limit");
            words.add(kind + '-' + level);
            words.add(value);
        }
    }

    private static void replace(List<String> words, String key, String value) {
        int i = words.indexOf(key);
        if (i >= 0 && i + 1 < words.size()) {
            words.set(i + 1, value);
        }
    }
}

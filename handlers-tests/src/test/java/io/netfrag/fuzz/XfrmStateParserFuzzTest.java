package io.netfrag.fuzz;

import static io.netfrag.fuzz.FuzzSupport.check;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.netfrag.esp.EspEncoder;
import io.netfrag.internal.esp.ReplayWindow;
import io.netfrag.esp.SaDatabase;
import io.netfrag.esp.SecurityAssociation;
import io.netfrag.esp.XfrmStateParser;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * Fuzzes {@link XfrmStateParser} with arbitrary text (the input bytes read as UTF-8), both as one line
 * ({@code parse}) and as a file of lines ({@code parseAll}).
 *
 * <p>Properties checked on every input:
 * <ul>
 *   <li>{@link IllegalArgumentException} is the only exception that escapes (the documented one; a
 *       {@link java.io.UncheckedIOException} cannot happen with a {@link StringReader});</li>
 *   <li>an accepted SA is usable: SPI not 0, replay window within {@link ReplayWindow#MAX_WINDOW}, ESN only with a
 *       window, an ICV of 8, 12 or 16 bytes; an {@link EspEncoder} (and so an AEAD engine) can be built for it, it
 *       can be added to and found in a {@link SaDatabase}, and {@code toString()} works;</li>
 *   <li>a single line parses the same way through {@code parse} and {@code parseAll}: an SA from one is the same
 *       SA from the other, and {@code parseAll} finds no SA only in a line {@code parse} rejects.</li>
 * </ul>
 */
class XfrmStateParserFuzzTest {

    @FuzzTest
    void parse(byte[] input) {
        String text = new String(input, StandardCharsets.UTF_8);
        SecurityAssociation single = null;
        String singleError = null;
        try {
            single = XfrmStateParser.parse(text);
            checkSa(single);
        } catch (IllegalArgumentException e) {
            singleError = e.getMessage();
            check(singleError != null && !singleError.isEmpty(), "IllegalArgumentException without a message");
        }
        List<SecurityAssociation> all;
        try {
            all = XfrmStateParser.parseAll(new StringReader(text));
        } catch (IllegalArgumentException e) {
            all = null;
        }
        if (all != null) {
            for (SecurityAssociation sa : all) {
                checkSa(sa);
            }
        }
        boolean oneLine = text.indexOf('\n') < 0 && text.indexOf('\r') < 0 && !text.strip().startsWith("#")
                && !text.isBlank();
        if (oneLine) {
            // the file syntax differs only by comments, blank lines and continuation lines
            if (single != null) {
                check(all != null && all.size() == 1, "parse accepted a line parseAll rejects or splits: " + all);
                check(same(single, all.get(0)), "parse and parseAll disagree: " + single + " vs " + all.get(0));
            } else {
                // parseAll may find no SA in a line without words (a lone continuation backslash, empty quotes...)
                check(all == null || all.isEmpty(), "parseAll accepted a line parse rejects (" + singleError + "): "
                        + all);
            }
        }
    }

    private static boolean same(SecurityAssociation a, SecurityAssociation b) {
        return a.toString().equals(b.toString()) && a.spi() == b.spi() && a.mode() == b.mode()
                && a.replayWindow() == b.replayWindow() && a.esn() == b.esn() && a.aead() == b.aead()
                && a.icvLength() == b.icvLength();
    }

    private static void checkSa(SecurityAssociation sa) {
        check(sa.spi() != 0, "SPI 0 accepted");
        check(sa.replayWindow() >= 0 && sa.replayWindow() <= ReplayWindow.MAX_WINDOW,
                "replay window " + sa.replayWindow());
        check(!sa.esn() || sa.replayWindow() > 0, "ESN without a replay window");
        check(sa.icvLength() == 8 || sa.icvLength() == 12 || sa.icvLength() == 16, "ICV length " + sa.icvLength());
        check(sa.destination() != null && sa.mode() != null && sa.aead() != null && sa.selector() != null,
                "incomplete SA: " + sa);
        sa.toString();
        new EspEncoder(sa);
        SaDatabase db = new SaDatabase();
        db.add(sa);
        check(db.lookup(sa.destination(), sa.spi()) != null, "SA not found in a database after add: " + sa);
        db.clear();
    }
}

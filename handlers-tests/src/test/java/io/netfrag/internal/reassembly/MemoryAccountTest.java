package io.netfrag.internal.reassembly;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netfrag.reassembly.ReassemblyLimits;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The pinned-memory account alone: each queue's share, the peak, and Linux's thresholds at their boundaries. */
class MemoryAccountTest {
    private static final ReassemblyLimits LIMITS = ReassemblyLimits.defaults(Duration.ofSeconds(1))
            .withThresholds(1000, 600).withMinFragmentUnderPressure(256);

    @Test
    void eachQueueGivesBackExactlyWhatItWasCharged() {
        MemoryAccount account = new MemoryAccount(LIMITS);
        FragmentQueue<Object> a = new FragmentQueue<>();
        FragmentQueue<Object> b = new FragmentQueue<>();
        account.charge(a, 300);
        account.charge(b, 200);
        account.charge(a, -100);
        assertEquals(400, account.pinnedBytes());
        assertEquals(500, account.peakPinnedBytes());
        assertEquals(200, a.pinnedBytes);
        account.uncharge(a);
        assertEquals(0, a.pinnedBytes);
        assertEquals(200, account.pinnedBytes());
        account.uncharge(b);
        assertEquals(0, account.pinnedBytes());
        assertEquals(500, account.peakPinnedBytes(), "the peak stays");
    }

    @Test
    void thresholdsAreExceededOnlyPastThem() {
        MemoryAccount account = new MemoryAccount(LIMITS);
        FragmentQueue<Object> q = new FragmentQueue<>();
        account.charge(q, 600);
        assertFalse(account.aboveLow(), "at low");
        assertTrue(account.wouldPassLow(1));
        assertFalse(account.wouldPassLow(0));
        account.charge(q, 400);
        assertTrue(account.aboveLow());
        assertFalse(account.aboveHigh(), "at high");
        assertFalse(account.refusesNewQueue(256));
        account.charge(q, 1);
        assertTrue(account.aboveHigh());
        assertTrue(account.refusesNewQueue(60000), "above high nothing starts a datagram");
    }

    @Test
    void theTinyFragmentRuleAppliesAboveLowBelowTheFloorAndNotToEmptyFragments() {
        MemoryAccount account = new MemoryAccount(LIMITS);
        FragmentQueue<Object> q = new FragmentQueue<>();
        assertFalse(account.refusesTinyNewQueue(8), "below low the rule sleeps");
        account.charge(q, 601);
        assertTrue(account.refusesTinyNewQueue(8));
        assertTrue(account.refusesTinyNewQueue(255));
        assertFalse(account.refusesTinyNewQueue(256), "at the floor");
        assertFalse(account.refusesTinyNewQueue(0), "zero-length fragments are the rules' to judge");
        MemoryAccount off = new MemoryAccount(LIMITS.withMinFragmentUnderPressure(0));
        off.charge(q, 900);
        assertFalse(off.refusesTinyNewQueue(8), "floor 0: off");
    }
}

package io.netfrag.internal.reassembly;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The creation-order list alone: the oldest is the next to expire, whichever queue leaves. */
class QueueListTest {
    private static FragmentQueue<Integer> queue(int key, long deadline) {
        FragmentQueue<Integer> q = new FragmentQueue<>();
        q.key = key;
        q.deadlineNanos = deadline;
        return q;
    }

    private static List<Integer> keys(QueueList<Integer> list) {
        List<Integer> keys = new ArrayList<>();
        for (FragmentQueue<Integer> q = list.oldest(); q != null; q = q.newer) {
            keys.add(q.key);
        }
        return keys;
    }

    @Test
    void oldestFirstThroughEveryUnlink() {
        QueueList<Integer> list = new QueueList<>();
        assertNull(list.oldest());
        assertEquals(Long.MAX_VALUE, list.nextDeadlineNanos());
        List<FragmentQueue<Integer>> qs = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            qs.add(queue(i, 100 + i));
            list.link(qs.get(i));
        }
        assertEquals(List.of(0, 1, 2, 3, 4), keys(list));
        list.unlink(qs.get(2)); // middle
        assertEquals(List.of(0, 1, 3, 4), keys(list));
        list.unlink(qs.get(0)); // oldest
        assertEquals(List.of(1, 3, 4), keys(list));
        assertEquals(101, list.nextDeadlineNanos());
        list.unlink(qs.get(4)); // newest
        assertEquals(List.of(1, 3), keys(list));
        list.link(qs.get(4)); // relinked: newest again
        assertEquals(List.of(1, 3, 4), keys(list));
        for (int i : new int[] {1, 3, 4}) {
            list.unlink(qs.get(i));
        }
        assertNull(list.oldest());
        assertNull(qs.get(3).older);
        assertNull(qs.get(3).newer);
        list.link(qs.get(0));
        assertSame(qs.get(0), list.oldest());
    }
}

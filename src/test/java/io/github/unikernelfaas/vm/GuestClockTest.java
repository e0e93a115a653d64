package io.github.unikernelfaas.vm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The clock-rate arithmetic: two samples of the guest's monotonic clock against the host's nanoTime. */
class GuestClockTest {
    private static final long MS = 1_000_000L;

    @Test
    void aGuestClockAtTheHostsRateIsNotSkewed() {
        GuestClock.Rate r = GuestClock.rate(new GuestClock.Sample(0, 100.0, 10 * MS),
                new GuestClock.Sample(1000 * MS, 101.0, 1010 * MS)).orElseThrow();
        assertEquals(1.0, r.rate(), 1e-9);
        assertEquals(1.0 / 1.010, r.low(), 1e-9, "the outer ends of the round trips");
        assertEquals(1.0 / 0.990, r.high(), 1e-9, "the inner ends");
        assertFalse(r.skewed());
    }

    @Test
    void aClockAtHalfRateIsSkewedAndSaysSlow() {
        GuestClock.Rate r = GuestClock.rate(new GuestClock.Sample(0, 5.0, 2 * MS),
                new GuestClock.Sample(2000 * MS, 6.0, 2002 * MS)).orElseThrow();
        assertEquals(0.5, r.rate(), 1e-9);
        assertTrue(r.skewed());
        assertEquals("0.500x the host's (50.0 % slow)", r.describe().replace(',', '.'));
    }

    @Test
    void offByMoreThanTwoPercentOnlyWhenEvenTheFavourableBoundIs() {
        // 3 % fast by the midpoints, but round trips of 20 ms leave 0.99-1.05: not proven skewed.
        GuestClock.Sample a = new GuestClock.Sample(0, 0.0, 20 * MS);
        assertFalse(GuestClock.rate(a, new GuestClock.Sample(1000 * MS, 1.03, 1020 * MS)).orElseThrow().skewed());
        // 3 % fast with 1 ms round trips: skewed.
        GuestClock.Sample b = new GuestClock.Sample(0, 0.0, MS);
        GuestClock.Rate fast = GuestClock.rate(b, new GuestClock.Sample(1000 * MS, 1.03, 1001 * MS)).orElseThrow();
        assertTrue(fast.skewed());
        assertTrue(fast.describe().contains("fast"), fast.describe());
        // 1.5 % slow with 1 ms round trips: within the tolerance.
        assertFalse(GuestClock.rate(b, new GuestClock.Sample(1000 * MS, 0.985, 1001 * MS)).orElseThrow().skewed());
    }

    @Test
    void aClockThatDidNotAdvanceGivesNoRate() {
        GuestClock.Sample a = new GuestClock.Sample(0, 3.0, MS);
        assertEquals(Optional.empty(), GuestClock.rate(a, new GuestClock.Sample(1000 * MS, 3.0, 1001 * MS)));
        assertEquals(Optional.empty(), GuestClock.rate(a, new GuestClock.Sample(1000 * MS, 2.0, 1001 * MS)));
    }

    @Test
    void theMonotonicFieldIsReadFromTheHealthBody() {
        assertEquals(Optional.of(12.5), GuestClock.monotonic("{\"status\":\"ok\",\"monotonic\":12.5}"));
        assertEquals(Optional.empty(), GuestClock.monotonic("{\"status\":\"ok\"}"), "a wrapper from before");
        assertEquals(Optional.empty(), GuestClock.monotonic(""), "the fake's empty body, or none");
        assertEquals(Optional.empty(), GuestClock.monotonic("{\"monotonic\":\"x\"}"));
    }
}

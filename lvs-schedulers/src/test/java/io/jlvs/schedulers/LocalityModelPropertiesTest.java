package io.jlvs.schedulers;

import io.jlvs.core.RealServer;
import io.jlvs.core.scheduler.Destinations;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * lblc and lblcr against a plain reference model (a HashMap, the rules of reference §3.11/§3.12
 * written as directly as possible) under random picks, load changes and fake-time jumps. The
 * cache stays far below max_size, so the garbage collector's only effect is the full check every
 * 30th 60 s pass.
 */
class LocalityModelPropertiesTest {
    private static final long MINUTE = 60_000_000_000L;
    private static final long EXPIRATION = 10 * MINUTE;

    /** An op is encoded as an int: kind in the low 2 bits, argument above. */
    @Property(tries = 60)
    void lblcMatchesModel(@ForAll @Size(min = 1, max = 200) List<@IntRange(min = 0, max = 100_000) Integer> ops) {
        Fixtures.FakeTicker ticker = new Fixtures.FakeTicker();
        LocalityBasedLeastConnection lblc = new LocalityBasedLeastConnection(ticker, Duration.ofNanos(EXPIRATION));
        RealServer[] rs = {Fixtures.rs(1, 2), Fixtures.rs(2, 3), Fixtures.rs(3, 1), Fixtures.rs(4, 4)};
        Destinations d = Fixtures.addAll(lblc, 0, rs);
        Model model = new Model(ticker.now);
        for (int op : ops) {
            int arg = op >>> 2;
            switch (op & 3) {
                case 0, 1 -> {
                    int daddr = 0x0B000000 + arg % 6;
                    model.gc(ticker.now);
                    RealServer expected = model.lblc(d, daddr, ticker.now);
                    assertSame(expected, lblc.schedule(d, Fixtures.toDestination(daddr)));
                }
                case 2 -> rs[arg % 4].setLoad(arg / 4 % 7, arg / 28 % 5, arg % 11 == 0);
                default -> ticker.now += (arg % 40) * MINUTE / 4;
            }
            model.gc(ticker.now);
            lblc.checkExpire();
            assertEquals(model.entries.size(), lblc.cacheSize());
            for (Map.Entry<Integer, ModelEntry> e : model.entries.entrySet()) {
                assertSame(e.getValue().members.get(0), lblc.cached(e.getKey()));
            }
        }
    }

    @Property(tries = 60)
    void lblcrMatchesModel(@ForAll @Size(min = 1, max = 200) List<@IntRange(min = 0, max = 100_000) Integer> ops) {
        Fixtures.FakeTicker ticker = new Fixtures.FakeTicker();
        LocalityBasedLeastConnectionWithReplication lblcr =
                new LocalityBasedLeastConnectionWithReplication(ticker, Duration.ofNanos(EXPIRATION));
        RealServer[] rs = {Fixtures.rs(1, 2), Fixtures.rs(2, 3), Fixtures.rs(3, 1), Fixtures.rs(4, 4)};
        Destinations d = Fixtures.addAll(lblcr, 0, rs);
        Model model = new Model(ticker.now);
        for (int op : ops) {
            int arg = op >>> 2;
            switch (op & 3) {
                case 0, 1 -> {
                    int daddr = 0x0B000000 + arg % 6;
                    model.gc(ticker.now);
                    RealServer expected = model.lblcr(d, daddr, ticker.now);
                    assertSame(expected, lblcr.schedule(d, Fixtures.toDestination(daddr)));
                }
                case 2 -> rs[arg % 4].setLoad(arg / 4 % 7, arg / 28 % 5, arg % 11 == 0);
                default -> ticker.now += (arg % 40) * MINUTE / 4;
            }
            model.gc(ticker.now);
            lblcr.checkExpire();
            assertEquals(model.entries.size(), lblcr.cacheSize());
            for (Map.Entry<Integer, ModelEntry> e : model.entries.entrySet()) {
                assertArrayEquals(e.getValue().members.toArray(), lblcr.members(e.getKey()));
            }
        }
    }

    private static final class ModelEntry {
        final List<RealServer> members = new ArrayList<>();
        long lastUse;
        long lastMod;
    }

    private static final class Model {
        final Map<Integer, ModelEntry> entries = new HashMap<>();
        long nextPass;
        int passes;

        Model(long start) {
            nextPass = start + MINUTE;
        }

        void gc(long now) {
            while (now >= nextPass) {
                passes++;
                if (passes % 30 == 0) {
                    long at = nextPass;
                    entries.values().removeIf(e -> at - e.lastUse >= EXPIRATION);
                }
                nextPass += MINUTE;
            }
        }

        static boolean usable(RealServer r) {
            return r.weight() > 0 && !r.isOverloaded() && r.isAvailable();
        }

        static boolean overloaded(RealServer r, Destinations d) {
            if (r.activeConnections() <= r.weight()) {
                return false;
            }
            for (RealServer m : d.asList()) {
                if (2L * m.activeConnections() < m.weight()) {
                    return true;
                }
            }
            return false;
        }

        /** Least overhead/weight by cross multiplication, first wins ties. */
        static RealServer least(List<RealServer> candidates) {
            RealServer best = null;
            for (RealServer r : candidates) {
                if (usable(r) && (best == null
                        || best.connectionOverhead() * r.weight() > r.connectionOverhead() * best.weight())) {
                    best = r;
                }
            }
            return best;
        }

        RealServer lblc(Destinations d, int daddr, long now) {
            ModelEntry e = entries.get(daddr);
            if (e != null) {
                e.lastUse = now;
                RealServer r = e.members.get(0);
                if (usable(r) && !overloaded(r, d)) {
                    return r;
                }
            }
            RealServer pick = least(d.asList());
            if (pick != null) {
                if (e == null) {
                    e = new ModelEntry();
                    e.lastUse = now;
                    e.members.add(pick);
                    entries.put(daddr, e);
                } else {
                    e.members.set(0, pick);
                }
            }
            return pick;
        }

        RealServer lblcr(Destinations d, int daddr, long now) {
            ModelEntry e = entries.get(daddr);
            if (e != null) {
                e.lastUse = now;
                RealServer n = least(e.members);
                if (e.members.size() > 1 && now > e.lastMod + EXPIRATION) {
                    RealServer most = null;
                    for (RealServer r : e.members) {
                        if (r.weight() > 0 && (most == null
                                || most.connectionOverhead() * r.weight() < r.connectionOverhead() * most.weight())) {
                            most = r;
                        }
                    }
                    if (most != null) {
                        e.members.remove(most);
                        e.lastMod = now;
                    }
                }
                if (n != null && !overloaded(n, d)) {
                    return n;
                }
                RealServer pick = least(d.asList());
                if (pick != null && !e.members.contains(pick)) {
                    e.members.add(0, pick);
                    e.lastMod = now;
                }
                return pick;
            }
            RealServer pick = least(d.asList());
            if (pick != null) {
                e = new ModelEntry();
                e.lastUse = now;
                e.lastMod = now;
                e.members.add(pick);
                entries.put(daddr, e);
            }
            assertTrue(pick == null || usable(pick));
            return pick;
        }
    }
}

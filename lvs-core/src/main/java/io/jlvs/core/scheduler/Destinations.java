package io.jlvs.core.scheduler;

import io.jlvs.core.RealServer;

import java.util.AbstractList;
import java.util.List;
import java.util.RandomAccess;

/**
 * An immutable snapshot of a virtual service's real servers in the kernel's list order (newest
 * first), plus the service's scheduler flags. Schedulers index it directly on the hot path.
 */
public final class Destinations {
    /** The empty list with no flags. */
    public static final Destinations EMPTY = new Destinations(new RealServer[0], 0);

    private final RealServer[] servers;
    private final int schedulerFlags;

    private Destinations(RealServer[] servers, int schedulerFlags) {
        this.servers = servers;
        this.schedulerFlags = schedulerFlags;
    }

    /**
     * @param schedulerFlags the service's {@code SCHED_FLAG_*} bits
     * @param servers the real servers in list order (index 0 = newest); the array is copied
     */
    public static Destinations of(int schedulerFlags, RealServer... servers) {
        return new Destinations(servers.clone(), schedulerFlags);
    }

    /** @return a list with {@code server} inserted at the head, as the kernel does on add */
    public Destinations withHead(RealServer server) {
        RealServer[] next = new RealServer[servers.length + 1];
        next[0] = server;
        System.arraycopy(servers, 0, next, 1, servers.length);
        return new Destinations(next, schedulerFlags);
    }

    /** @return the list without the element at {@code index} */
    public Destinations without(int index) {
        RealServer[] next = new RealServer[servers.length - 1];
        System.arraycopy(servers, 0, next, 0, index);
        System.arraycopy(servers, index + 1, next, index, servers.length - index - 1);
        return new Destinations(next, schedulerFlags);
    }

    /** @return the same servers with other scheduler flags */
    public Destinations withSchedulerFlags(int flags) {
        return flags == schedulerFlags ? this : new Destinations(servers, flags);
    }

    /** @return the number of real servers */
    public int size() {
        return servers.length;
    }

    /** @return true when there is no real server */
    public boolean isEmpty() {
        return servers.length == 0;
    }

    /** @return the real server at {@code index} (0 = newest) */
    public RealServer get(int index) {
        return servers[index];
    }

    /** @return the index of {@code server} (identity), or -1 */
    public int indexOf(RealServer server) {
        for (int i = 0; i < servers.length; i++) {
            if (servers[i] == server) {
                return i;
            }
        }
        return -1;
    }

    /** @return the service's scheduler flags ({@code -b}) */
    public int schedulerFlags() {
        return schedulerFlags;
    }

    /** @return true when the given {@code SCHED_FLAG_*} bit is set */
    public boolean hasFlag(int flag) {
        return (schedulerFlags & flag) != 0;
    }

    /** @return an unmodifiable list view in list order */
    public List<RealServer> asList() {
        return new View(servers);
    }

    private static final class View extends AbstractList<RealServer> implements RandomAccess {
        private final RealServer[] servers;

        View(RealServer[] servers) {
            this.servers = servers;
        }

        @Override
        public RealServer get(int index) {
            return servers[index];
        }

        @Override
        public int size() {
            return servers.length;
        }
    }
}

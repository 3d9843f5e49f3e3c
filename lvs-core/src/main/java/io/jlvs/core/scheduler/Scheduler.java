package io.jlvs.core.scheduler;

import io.jlvs.core.RealServer;

/**
 * A scheduling algorithm bound to one virtual service — the kernel's {@code ip_vs_scheduler}.
 *
 * <h2>Threading contract</h2>
 * <ul>
 *   <li>The lifecycle callbacks ({@link #init}, {@link #added}, {@link #removed}, {@link #updated},
 *       {@link #done}) are called by the director's single writer, one at a time, with the new
 *       destination list, <em>before</em> that list is published to the data path. They may do
 *       expensive work (rebuilding hash tables) and must publish their results safely (a final
 *       field of an immutable table behind a volatile reference).</li>
 *   <li>{@link #schedule} is called by any number of data-path threads concurrently with each other
 *       and with the callbacks. It must not block, lock, allocate or log. It is given the list
 *       snapshot the caller read; a scheduler that keeps its own tables must tolerate a list of
 *       another generation (check what it picks with {@link RealServer#isSchedulable()}).</li>
 *   <li>{@link #loadChanged} is called on the data path after a real server's active/inactive
 *       counters or overload flag changed. The default does nothing; schedulers that index load
 *       (for example a tournament tree for least-connection picks) update it here, lock-free.</li>
 * </ul>
 *
 * <h2>List order</h2>
 * A {@link Destinations} list is in the kernel's order: a newly added real server is always at
 * index 0 (the head), so iteration is newest first. Ties between equally good destinations go to
 * the one earlier in the list.
 *
 * <h2>Common rules</h2>
 * Never return a real server with weight 0 or the OVERLOAD flag set ({@link RealServer#isSchedulable()}).
 * Return {@code null} when no destination qualifies.
 */
public interface Scheduler {

    /** Called once when the scheduler is bound to its service (the kernel's {@code init_service}). */
    default void init(Destinations destinations) {
    }

    /** A real server was added; it is at index 0 of {@code destinations}. */
    default void added(Destinations destinations, RealServer added) {
    }

    /**
     * A real server was removed.
     *
     * @param destinations the list without it
     * @param removed the removed real server (no longer available)
     * @param formerIndex where it stood in the previous list
     */
    default void removed(Destinations destinations, RealServer removed, int formerIndex) {
    }

    /** A real server's weight, thresholds or forwarding method were edited ({@code -e}). */
    default void updated(Destinations destinations, RealServer updated) {
    }

    /** The scheduler is unbound from its service (service deleted or scheduler changed). */
    default void done() {
    }

    /** Data path: {@code server}'s connection counters or overload flag changed. */
    default void loadChanged(RealServer server) {
    }

    /**
     * Picks the real server for a new connection (or a new persistence template).
     *
     * @param destinations the service's current list, in list order
     * @param request the flow being scheduled; a flyweight valid only during this call
     * @return the chosen real server, or {@code null} if none is available
     */
    RealServer schedule(Destinations destinations, ScheduleRequest request);
}

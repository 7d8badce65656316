package org.parley.bench.load;

/**
 * A kind of client traffic in the open-loop mix: the pacer hands each scheduled operation to one scenario (by the
 * {@code --mix} weights), which picks its devices and sends through the {@link LoadRun}, registering what every
 * device must receive so that accounting and latency work the same for all kinds.
 *
 * <p>Plugging in a new kind (group messages, typing, presence, offline push): implement this, register the name in
 * {@link Scenarios#create}, and, if it brings a new server frame, teach {@link LoadRun#onFrame} to match it to the
 * operation (a latency figure per scenario comes from {@link LoadRun#stats(String)}).
 */
public interface Scenario {
    String name();

    /**
     * Users this scenario needs for itself (presence subjects, offline push targets): the harness gives it a block
     * of the highest user numbers through {@link #reserve}, and the other scenarios, reconnect storms and
     * {@link LoadRun#liveDevice} leave those users alone.
     */
    default int reservedUsers() {
        return 0;
    }

    /** Users {@code fromUser} (even) .. {@code toUser - 1} are this scenario's; called once, before any prepare. */
    default void reserve(int fromUser, int toUser) {
    }

    /** Called once per rate step, after the devices are connected and before the step's first operation. */
    default void prepare(LoadRun run) {
    }

    /** Called once after the last step (e.g. to remove what {@link #prepare} registered on the server). */
    default void finish(LoadRun run) {
    }

    /** Operation {@code n} of the run, due at {@code dueNanos}; {@code measured} after the warm-up. */
    void fire(LoadRun run, long n, long dueNanos, boolean measured);

    /**
     * Something that runs beside the paced operations for the whole run (e.g. a reconnect storm every few seconds).
     */
    interface Background extends AutoCloseable {
        String name();

        void start(LoadRun run);

        /** Figures for the result file. */
        io.vertx.core.json.JsonObject result();

        @Override
        void close();
    }
}

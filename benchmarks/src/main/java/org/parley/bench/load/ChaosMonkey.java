package org.parley.bench.load;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.LongSupplier;

/**
 * The chaos mode of the load tool ({@code --chaos-every N}): while the traffic runs, SIGKILL one component of the
 * stack, wait until its pid is gone, start it again through the stack supervisor and wait until it is ready; then,
 * {@code every} seconds after that readiness, the next kill. Kinds are taken round robin in the order given, and
 * within a kind its instances round robin (kill k of a kind hits instance k mod instances). The first kill comes
 * {@code firstAfter} seconds after the run's start; no kill starts after {@code until}, nor after {@code rounds}
 * kills of every kind (0: no limit). Each kill is recorded with its times for the {@link ChaosReport}.
 */
public final class ChaosMonkey implements Scenario.Background {
    /** What the monkey needs of the stack (the supervisor's API; a fake in unit tests). */
    public interface Control {
        /** The stack's component names (ComponentTable rows). */
        List<String> components();

        /** SIGKILL of the component's live process; returns its pid once that is gone. Throws if none runs. */
        long kill(String component);

        /** Starts the component again; returns once it is ready. Throws if it could not be started. */
        void restart(String component);

        /** The components not running now (e.g. one that ended itself while another was down). */
        List<String> stopped();
    }

    /**
     * One kill: nanos are of {@link System#nanoTime()}; {@code readyNanos} 0 and {@code error} set if the component was
     * not running at the kill or did not start again.
     */
    public record Kill(int number, String kind, String component, long pid, long killNanos, long goneNanos,
                       long readyNanos, int restartAttempts, String error, List<String> collateral) {
        public Kill {
            collateral = List.copyOf(collateral);
        }

        public boolean restarted() {
            return readyNanos > 0;
        }
    }

    static final int RESTART_ATTEMPTS = 3;

    private final Control control;
    private final List<ChaosKinds.Target> targets;
    private final long everyNanos;
    private final long firstAfterNanos;
    private final long untilNanos;
    private final int rounds;
    private final LongSupplier clock;
    private final List<Kill> kills = new ArrayList<>();
    private volatile boolean stop;
    /** With rounds: {@code every} after the last kill's restart (0 until the last kill is done). */
    private volatile long doneNanos;
    private Thread thread;
    private long startNanos;

    /**
     * @param everySeconds      from a restarted component's readiness to the next kill
     * @param firstAfterSeconds the first kill, from the run's start
     * @param untilSeconds      no kill starts later (from the run's start)
     * @param rounds            kills of each kind at most (0: until {@code untilSeconds})
     */
    public ChaosMonkey(Control control, List<ChaosKinds.Target> targets, double everySeconds, double firstAfterSeconds,
                       double untilSeconds, int rounds) {
        this(control, targets, everySeconds, firstAfterSeconds, untilSeconds, rounds, System::nanoTime);
    }

    ChaosMonkey(Control control, List<ChaosKinds.Target> targets, double everySeconds, double firstAfterSeconds,
                double untilSeconds, int rounds, LongSupplier clock) {
        if (targets.isEmpty() || !(everySeconds > 0) || firstAfterSeconds < 0 || rounds < 0) {
            throw new IllegalArgumentException("chaos: kinds, every > 0, first >= 0 and rounds >= 0 needed");
        }
        this.control = control;
        this.targets = List.copyOf(targets);
        this.everyNanos = (long) (everySeconds * 1e9);
        this.firstAfterNanos = (long) (firstAfterSeconds * 1e9);
        this.untilNanos = (long) (untilSeconds * 1e9);
        this.rounds = rounds;
        this.clock = clock;
    }

    @Override
    public String name() {
        return "chaos";
    }

    @Override
    public void start(LoadRun run) {
        start(run.runStartNanos());
    }

    /** Starts the kills' thread; times count from {@code runStartNanos}. */
    void start(long runStartNanos) {
        startNanos = runStartNanos;
        thread = new Thread(this::loop, "chaos-monkey");
        thread.setDaemon(true);
        thread.start();
    }

    /** The component kill number {@code k} hits: kinds round robin, a kind's instances round robin. */
    static String[] pick(List<ChaosKinds.Target> targets, int k) {
        ChaosKinds.Target t = targets.get(k % targets.size());
        int round = k / targets.size();
        return new String[] {t.kind(), t.components().get(round % t.components().size())};
    }

    /** The kills planned (0 rounds: no limit). */
    int planned() {
        return rounds == 0 ? Integer.MAX_VALUE : rounds * targets.size();
    }

    private void loop() {
        long next = startNanos + firstAfterNanos;
        for (int k = 0; k < planned() && !stop; k++) {
            while (!stop && clock.getAsLong() < next) {
                LockSupport.parkNanos(Math.min(next - clock.getAsLong(), TimeUnit.MILLISECONDS.toNanos(200)));
            }
            if (stop || clock.getAsLong() - startNanos > untilNanos) {
                return;
            }
            Kill kill = killOnce(k);
            synchronized (kills) {
                kills.add(kill);
            }
            System.out.printf("chaos: kill %d %s %s pid %d at %.1f s: %s%n", k + 1, kill.kind(), kill.component(),
                    kill.pid(), (kill.killNanos() - startNanos) / 1e9, kill.restarted()
                            ? String.format("gone after %d ms, ready again after %.1f s (%d attempt%s)",
                                    (kill.goneNanos() - kill.killNanos()) / 1_000_000,
                                    (kill.readyNanos() - kill.killNanos()) / 1e9, kill.restartAttempts(),
                                    kill.restartAttempts() == 1 ? "" : "s")
                            : "NOT RESTARTED: " + kill.error());
            next = Math.max(kill.readyNanos(), kill.goneNanos()) + everyNanos;
            if (k + 1 == planned()) {
                doneNanos = next;
            }
        }
    }

    /**
     * Whether every planned kill (of {@code rounds}) is done and {@code every} seconds have passed since the last one's
     * restart: the load can end there (the chaos mode with rounds ends the sends then, not at the full duration).
     */
    public boolean finished(long nowNanos) {
        long done = doneNanos;
        return done != 0 && nowNanos >= done;
    }

    /**
     * Kill number k: SIGKILL, wait for the pid to be gone, restart (up to {@link #RESTART_ATTEMPTS} tries). A target
     * found not running (it ended itself earlier) is recorded so, with pid -1, and started all the same. Then every
     * other component found stopped (ended by itself while this one was down: <em>collateral</em>) is started too and
     * named in the record, as an orchestrator would restart a crashed process; the report shows it.
     */
    Kill killOnce(int k) {
        String[] pick = pick(targets, k);
        String kind = pick[0];
        String component = pick[1];
        long killAt = clock.getAsLong();
        long pid = -1;
        String error = null;
        try {
            pid = control.kill(component);
        } catch (RuntimeException e) {
            error = "kill: " + e.getMessage();
            System.out.println("chaos: " + component + " " + error + "; starting it");
        }
        long gone = clock.getAsLong();
        long ready = 0;
        int attempts = 0;
        for (int attempt = 1; attempt <= RESTART_ATTEMPTS && ready == 0; attempt++) {
            attempts = attempt;
            try {
                control.restart(component);
                ready = clock.getAsLong();
            } catch (RuntimeException e) {
                error = (error == null ? "" : error + "; ") + "restart attempt " + attempt + ": " + e.getMessage();
                System.out.println("chaos: " + component + " restart attempt " + attempt + ": " + e.getMessage());
            }
        }
        List<String> collateral = new ArrayList<>();
        for (String other : control.stopped()) {
            if (other.equals(component)) {
                continue;
            }
            collateral.add(other);
            System.out.println("chaos: " + other + " was found stopped after the kill of " + component + ": starting it");
            try {
                control.restart(other);
            } catch (RuntimeException e) {
                error = (error == null ? "" : error + "; ") + "collateral " + other + ": " + e.getMessage();
            }
        }
        return new Kill(k + 1, kind, component, pid, killAt, gone, ready, attempts, error, collateral);
    }

    /** The kills so far. */
    public List<Kill> kills() {
        synchronized (kills) {
            return List.copyOf(kills);
        }
    }

    /** Waits for a kill in progress to finish its restart (at most {@code millis}); true if none is left running. */
    public boolean awaitIdle(long millis) throws InterruptedException {
        stop = true;
        if (thread == null) {
            return true;
        }
        thread.join(millis);
        return !thread.isAlive();
    }

    @Override
    public JsonObject result() {
        JsonArray kinds = new JsonArray();
        targets.forEach(t -> kinds.add(new JsonObject().put("kind", t.kind()).put("components", new JsonArray(t.components()))));
        return new JsonObject().put("everySeconds", everyNanos / 1e9).put("firstAfterSeconds", firstAfterNanos / 1e9)
                .put("rounds", rounds).put("kinds", kinds).put("killCount", kills().size());
    }

    @Override
    public void close() {
        stop = true; // a kill in progress finishes its restart: see awaitIdle
    }
}

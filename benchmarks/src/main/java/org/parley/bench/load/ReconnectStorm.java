package org.parley.bench.load;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;

/**
 * Every {@code everySeconds} (from {@code firstAfterSeconds}) closes {@code devices} live devices at once; each one
 * reconnects at once with {@code lastInboxSeq} = the highest inbox seq it showed and re-sends its unconfirmed
 * sends (see {@link LoadRun#reconnect}). The accounting then proves the hand-over: no message lost (it comes in the
 * backlog), none shown twice, no inbox gap. Reconnect time (close → synced) is the "reconnect" figure. Devices of
 * reserved users (presence, push) are never chosen.
 */
public final class ReconnectStorm implements Scenario.Background {
    private final int devices;
    private final long everyMillis;
    private final long firstAfterMillis;
    private final long untilMillis;
    private final Random random = new Random(7);
    private final JsonArray storms = new JsonArray();
    private long timer = -1;
    private LoadRun run;
    private io.vertx.core.Vertx vertx;

    /** @param untilSeconds no storm starts later than this (seconds from the run's start) */
    public ReconnectStorm(io.vertx.core.Vertx vertx, int devices, double everySeconds, double firstAfterSeconds,
                          double untilSeconds) {
        if (devices < 1 || everySeconds <= 0) {
            throw new IllegalArgumentException("reconnect storm needs devices >= 1 and every > 0");
        }
        this.vertx = vertx;
        this.devices = devices;
        this.everyMillis = (long) (everySeconds * 1000);
        this.firstAfterMillis = (long) (firstAfterSeconds * 1000);
        this.untilMillis = (long) (untilSeconds * 1000);
    }

    @Override
    public String name() {
        return "reconnect-storm";
    }

    @Override
    public void start(LoadRun run) {
        this.run = run;
        timer = vertx.setPeriodic(Math.max(1, firstAfterMillis), everyMillis, t -> storm());
    }

    private void storm() {
        long atMillis = (System.nanoTime() - run.runStartNanos()) / 1_000_000;
        if (atMillis > untilMillis) {
            vertx.cancelTimer(timer);
            return;
        }
        List<BenchDevice> live = new ArrayList<>();
        for (BenchDevice d : run.devices()) {
            if (d.live && !run.reserved(d)) { // presence and push devices keep their own schedule
                live.add(d);
            }
        }
        Collections.shuffle(live, random);
        List<BenchDevice> chosen = live.subList(0, Math.min(devices, live.size()));
        for (BenchDevice d : chosen) {
            d.closingOnPurpose = true;
            d.live = false;
            d.ws.close((short) 1000, "reconnect storm");
        }
        synchronized (storms) {
            storms.add(new JsonObject().put("atSeconds", atMillis / 1000.0).put("devices", chosen.size()));
        }
        System.out.printf("reconnect storm at %.1f s: %d devices closed, reconnecting with lastInboxSeq%n",
                atMillis / 1000.0, chosen.size());
    }

    @Override
    public JsonObject result() {
        synchronized (storms) {
            return new JsonObject().put("devicesPerStorm", devices).put("everySeconds", everyMillis / 1000.0)
                    .put("storms", storms.copy());
        }
    }

    @Override
    public void close() {
        if (timer >= 0) {
            vertx.cancelTimer(timer);
        }
    }
}

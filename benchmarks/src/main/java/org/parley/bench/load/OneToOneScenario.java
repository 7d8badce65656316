package org.parley.bench.load;

/**
 * One-to-one messages: users are paired (user 2k with 2k+1); operation n is sent by the n-th live device in turn to
 * its partner user. Every device of the partner and the sender's other devices must receive it.
 */
public final class OneToOneScenario implements Scenario {
    @Override
    public String name() {
        return "one-to-one";
    }

    @Override
    public void prepare(LoadRun run) {
        if (run.users() < 2) {
            throw new IllegalArgumentException("one-to-one needs at least 2 users");
        }
    }

    @Override
    public void fire(LoadRun run, long n, long dueNanos, boolean measured) {
        BenchDevice sender = run.liveDevice(n);
        if (sender == null) {
            run.skipped(name());
            return;
        }
        int partner = sender.user ^ 1;
        if (partner >= run.users()) {
            partner = sender.user - 1; // odd user count: the last one pairs with its predecessor
        }
        run.sendDirect(name(), (int) n, sender, partner, dueNanos, measured);
    }
}

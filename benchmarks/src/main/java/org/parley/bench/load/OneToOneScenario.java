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
        if (run.sharedUsers() < 2) {
            throw new IllegalArgumentException("one-to-one needs at least 2 users besides the reserved ones");
        }
    }

    @Override
    public void fire(LoadRun run, long n, long dueNanos, boolean measured) {
        BenchDevice sender = run.sender(name(), n);
        if (sender == null) {
            return;
        }
        run.sendDirect(name(), (int) n, sender, run.partnerOf(sender.user), dueNanos, measured);
    }
}

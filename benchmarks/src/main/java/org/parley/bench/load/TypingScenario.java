package org.parley.bench.load;

import org.parley.schemas.Conversations;

/**
 * Typing signals (docs/protocol.md {@code typing}, ADR 0008): operation n makes the n-th live device in turn send
 * {@code typing start} into its one-to-one conversation (users paired as in {@link OneToOneScenario}); every
 * <em>online</em> device of the partner must get the {@code typing} frame once. Typing is never stored nor replayed,
 * so only devices live at send time are expected (with reconnect storms, a device that drops meanwhile counts as
 * lost for typing). The frame carries no id: each recipient matches the oldest outstanding start of that
 * (conversation, sending device). Figure: {@code typing.delivered}. Per connection the edge allows
 * {@code typing.max-per-second} (5): keep rate / devices well under that.
 */
public final class TypingScenario implements Scenario {
    @Override
    public String name() {
        return "typing";
    }

    @Override
    public void fire(LoadRun run, long n, long dueNanos, boolean measured) {
        BenchDevice sender = run.sender(name(), n);
        if (sender == null) {
            return;
        }
        int partner = run.partnerOf(sender.user);
        String conversation = Conversations.direct(sender.userId(), run.devices().get(run.devicesOf(partner)[0]).userId());
        int[] online = java.util.Arrays.stream(run.devicesOf(partner)).filter(d -> run.devices().get(d).live).toArray();
        run.sendSignal(name(), (int) n, sender, conversation, online, dueNanos, measured,
                "{\"type\":\"typing\",\"conversationId\":\"" + conversation + "\",\"state\":\"start\"}");
    }
}

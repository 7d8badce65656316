package org.parley.config;

/**
 * The class whose {@code main} runs each app role on its own: the one place of this table, read by the launcher (its
 * roles in one JVM) and by the stack supervisor (one process per role). Names, not classes: this module is below the
 * apps.
 */
public enum AppMains {
    SEQUENCER("org.parley.streams.SequencerApp"),
    PRESENCE("org.parley.streams.PresenceApp"),
    PROJECTIONS("org.parley.projections.ProjectionWriterApp"),
    FANOUT("org.parley.fanout.FanoutJob"),
    PUSH("org.parley.push.dispatch.PushDispatcherApp"),
    EDGE("org.parley.edge.EdgeApp");

    private final String mainClass;

    AppMains(String mainClass) {
        this.mainClass = mainClass;
    }

    public String mainClass() {
        return mainClass;
    }
}

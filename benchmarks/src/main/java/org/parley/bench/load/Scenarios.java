package org.parley.bench.load;

/** The scenario names of {@code --mix} and what implements them. */
public final class Scenarios {
    private Scenarios() {
    }

    public static Scenario create(String name) {
        return switch (name) {
            case "one-to-one" -> new OneToOneScenario();
            case "group", "typing", "presence", "offline-push" -> throw new IllegalArgumentException("scenario '" + name
                    + "' needs server frames that are not in docs/protocol.md yet; it plugs in as a Scenario once they are");
            default -> throw new IllegalArgumentException("unknown scenario '" + name + "' (known: one-to-one; "
                    + "reconnect storms: --storm-devices/--storm-every)");
        };
    }
}

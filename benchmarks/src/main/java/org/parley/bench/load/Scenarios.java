package org.parley.bench.load;

/** The scenario names of {@code --mix} and what implements them. */
public final class Scenarios {
    private Scenarios() {
    }

    /** Settings of the scenarios that have any. */
    public record Options(int groupSize, int groups) {
        public static final Options DEFAULTS = new Options(8, 100);
    }

    public static Scenario create(String name) {
        return create(name, Options.DEFAULTS);
    }

    public static Scenario create(String name, Options options) {
        return switch (name) {
            case "one-to-one" -> new OneToOneScenario();
            case "group" -> new GroupScenario(options.groupSize(), options.groups());
            case "typing" -> new TypingScenario();
            case "presence", "offline-push" -> throw new IllegalArgumentException("scenario '" + name
                    + "' needs server frames that are not in docs/protocol.md yet; it plugs in as a Scenario once they are");
            default -> throw new IllegalArgumentException("unknown scenario '" + name + "' (known: one-to-one, group, typing; "
                    + "reconnect storms: --storm-devices/--storm-every)");
        };
    }
}

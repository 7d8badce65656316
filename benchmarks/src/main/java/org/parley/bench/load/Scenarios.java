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

    /**
     * Hands each scenario that wants users of its own a block from the top of the user range, each block starting
     * at an even user so that the one-to-one pairs below stay whole; returns how many users stay shared.
     */
    static int reserve(java.util.List<Scenario> scenarios, int users) {
        int shared = users;
        for (Scenario s : scenarios) {
            int want = s.reservedUsers();
            if (want > 0) {
                int from = (shared - want) & ~1;
                if (from < 2) {
                    throw new IllegalArgumentException(s.name() + " needs " + want + " users of its own; with "
                            + users + " users that leaves fewer than 2 for the other scenarios (raise --devices)");
                }
                s.reserve(from, shared);
                shared = from;
            }
        }
        return shared;
    }
}

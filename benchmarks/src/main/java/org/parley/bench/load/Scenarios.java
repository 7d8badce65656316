package org.parley.bench.load;

/** The scenario names of {@code --mix} and what implements them. */
public final class Scenarios {
    private Scenarios() {
    }

    /**
     * Settings of the scenarios that have any.
     *
     * @param vapidKey the push dispatcher's VAPID public key, or null (see {@link PushScenario#serverVapidKey})
     */
    public record Options(int groupSize, int groups, int presencePairs, long presenceMinGapMs, int pushUsers,
                          String vapidKey) {
        public static final Options DEFAULTS = new Options(8, 100, 10, 1000, 10, null);

        public Options(int groupSize, int groups) {
            this(groupSize, groups, DEFAULTS.presencePairs, DEFAULTS.presenceMinGapMs, DEFAULTS.pushUsers, null);
        }
    }

    public static Scenario create(String name) {
        return create(name, Options.DEFAULTS);
    }

    public static Scenario create(String name, Options options) {
        return switch (name) {
            case "one-to-one" -> new OneToOneScenario();
            case "group" -> new GroupScenario(options.groupSize(), options.groups());
            case "typing" -> new TypingScenario();
            case "presence" -> new PresenceScenario(options.presencePairs(), options.presenceMinGapMs());
            case "push" -> new PushScenario(options.pushUsers(), options.vapidKey());
            case "media" -> new MediaScenario(MediaScenario.DEFAULT_BYTES);
            default -> throw new IllegalArgumentException("unknown scenario '" + name + "' (known: one-to-one, group, typing, "
                    + "presence, push, media; reconnect storms: --storm-devices/--storm-every)");
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

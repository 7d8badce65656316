package org.parley.launcher;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import org.parley.config.AppMains;

/**
 * An app role of the pipeline and the class whose {@code main} runs it on its own. Each role is also deployable as its
 * own process (production, and the crash tests, which kill one role): this table is what lets one JVM host several.
 */
public enum AppRole {
    SEQUENCER, PRESENCE, PROJECTIONS, FANOUT, PUSH, EDGE;

    /** From {@link AppMains}, the one table the stack supervisor reads too. */
    public String mainClass() {
        return AppMains.valueOf(name()).mainClass();
    }

    /** The name ./parley and the logs use: {@code sequencer}, {@code edge}, ... */
    public String roleName() {
        return name().toLowerCase(Locale.ROOT);
    }

    /**
     * Roles from a list such as {@code "sequencer,presence,projections"} (commas or spaces; order kept, duplicates
     * refused: two copies of one role in a JVM would share its Kafka group and state directory).
     */
    public static List<AppRole> parse(String list) {
        Set<AppRole> roles = new LinkedHashSet<>();
        for (String word : list.trim().split("[,\\s]+")) {
            if (word.isEmpty()) {
                continue;
            }
            AppRole role = Arrays.stream(values()).filter(r -> r.roleName().equals(word.toLowerCase(Locale.ROOT)))
                    .findFirst()
                    .orElseThrow(() -> new IllegalArgumentException("unknown role '" + word + "' (roles: "
                            + Arrays.stream(values()).map(AppRole::roleName).toList() + ")"));
            if (!roles.add(role)) {
                throw new IllegalArgumentException("role '" + word + "' is listed twice");
            }
        }
        if (roles.isEmpty()) {
            throw new IllegalArgumentException("no role given (roles: "
                    + Arrays.stream(values()).map(AppRole::roleName).toList() + ")");
        }
        return new ArrayList<>(roles);
    }
}

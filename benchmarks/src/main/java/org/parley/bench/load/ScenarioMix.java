package org.parley.bench.load;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The {@code --mix} weights, e.g. {@code one-to-one=0.8,group=0.2}: operation n goes to the scenario whose cumulative
 * share holds {@code frac(n * golden ratio)}, a low-discrepancy sequence, so every window of operations carries the
 * mix in proportion, deterministically (the same n always picks the same scenario).
 */
public final class ScenarioMix {
    private static final double GOLDEN = 0.6180339887498949;

    private final List<String> names = new ArrayList<>();
    private final double[] cumulative;

    public ScenarioMix(Map<String, Double> weights) {
        double sum = weights.values().stream().mapToDouble(Double::doubleValue).sum();
        if (weights.isEmpty() || !(sum > 0)) {
            throw new IllegalArgumentException("--mix needs at least one scenario with a weight > 0");
        }
        cumulative = new double[weights.size()];
        double acc = 0;
        int i = 0;
        for (Map.Entry<String, Double> e : weights.entrySet()) {
            if (e.getValue() < 0) {
                throw new IllegalArgumentException("negative weight for " + e.getKey());
            }
            names.add(e.getKey());
            acc += e.getValue() / sum;
            cumulative[i++] = acc;
        }
        cumulative[cumulative.length - 1] = 1.0;
    }

    /** "one-to-one=0.8,group=0.2" (a name alone means weight 1). */
    public static ScenarioMix parse(String spec) {
        Map<String, Double> w = new LinkedHashMap<>();
        for (String part : spec.split(",")) {
            String p = part.trim();
            if (p.isEmpty()) {
                continue;
            }
            int eq = p.indexOf('=');
            String name = eq < 0 ? p : p.substring(0, eq).trim();
            double weight;
            try {
                weight = eq < 0 ? 1 : Double.parseDouble(p.substring(eq + 1).trim());
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("--mix: bad weight in '" + p + "'");
            }
            if (w.put(name, weight) != null) {
                throw new IllegalArgumentException("--mix names " + name + " twice");
            }
        }
        w.values().removeIf(v -> v == 0);
        return new ScenarioMix(w);
    }

    public List<String> names() {
        return List.copyOf(names);
    }

    /** Index into {@link #names()} of operation n. */
    public int pick(long n) {
        double u = (n * GOLDEN) % 1.0;
        for (int i = 0; i < cumulative.length; i++) {
            if (u < cumulative[i]) {
                return i;
            }
        }
        return cumulative.length - 1;
    }
}

package org.parley.infra;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.avro.Schema;
import org.parley.config.Settings;
import org.parley.registry.SchemaRegistryClient;
import org.parley.registry.SchemaRegistryException;
import org.parley.schemas.TopicCatalog;
import org.parley.schemas.TopicCatalog.Topic;

/**
 * Registers every topic's value schema under its subject ({@code <topic>-value}) and sets the subject's
 * compatibility to {@value #COMPATIBILITY}: a new version must read everything written before (new fields need
 * defaults), so consumers can be upgraded before producers and the log stays replayable.
 */
public final class SchemaRegistration {
    public static final String COMPATIBILITY = "BACKWARD";

    private final SchemaRegistryClient registry;
    private final List<Topic> topics;

    public SchemaRegistration(Settings settings) {
        this(new SchemaRegistryClient(settings.registryUrl()), TopicCatalog.from(settings).all());
    }

    public SchemaRegistration(SchemaRegistryClient registry, List<Topic> topics) {
        this.registry = registry;
        this.topics = topics;
    }

    public List<String> register() {
        Map<String, Schema> subjects = new LinkedHashMap<>();
        for (Topic t : topics) {
            subjects.put(t.valueSubject(), t.valueSchema());
        }
        List<String> report = new ArrayList<>();
        for (Map.Entry<String, Schema> e : subjects.entrySet()) {
            String subject = e.getKey();
            Schema schema = e.getValue();
            String line;
            try {
                int id = registry.lookup(subject, schema);
                line = "found   " + subject + " " + schema.getFullName() + " (id " + id + ")";
            } catch (SchemaRegistryException notFound) {
                if (notFound.httpStatus() != 404) {
                    throw notFound;
                }
                try {
                    int id = registry.register(subject, schema);
                    line = "created " + subject + " " + schema.getFullName() + " (id " + id + ")";
                } catch (SchemaRegistryException refused) {
                    if (refused.isIncompatible()) {
                        throw new IllegalStateException("the " + schema.getFullName() + " schema in the code is not "
                                + COMPATIBILITY + "-compatible with the latest version registered under " + subject
                                + " (" + refused.getMessage() + "). Give new fields defaults, or start from a fresh "
                                + "stack (./parley down && ./parley up --clean).", refused);
                    }
                    throw refused;
                }
            }
            if (!COMPATIBILITY.equalsIgnoreCase(registry.compatibility(subject))) {
                registry.setCompatibility(subject, COMPATIBILITY);
                line += ", compatibility set to " + COMPATIBILITY;
            } else {
                line += ", compatibility " + COMPATIBILITY;
            }
            report.add(line);
        }
        return report;
    }
}

package org.parley.fanout.kafka;

import java.io.Serializable;
import org.parley.registry.SchemaRegistryClient;

/**
 * Creates the (non-serializable) {@link SchemaRegistryClient} inside a task, in {@code open()}. The function object
 * itself travels with the job graph, so it only holds the registry URL.
 */
@FunctionalInterface
public interface RegistryClientFactory extends Serializable {
    SchemaRegistryClient create();

    /** A factory for the registry at this Confluent-API base URL. */
    static RegistryClientFactory forUrl(String url) {
        return new ForUrl(url);
    }

    /** A named class rather than a lambda: readable in a job graph dump and stable under serialization. */
    record ForUrl(String url) implements RegistryClientFactory {
        @Override
        public SchemaRegistryClient create() {
            return new SchemaRegistryClient(url);
        }
    }
}

package org.parley.infra.deploy;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;

/**
 * Shape checks for the custom resources whose CRDs no registry this build reaches publishes (Scylla Operator's
 * ScyllaCluster, MinIO Operator's Tenant): the fields Parley relies on exist with the right JSON types. Written here,
 * from the operators' documented APIs: weaker than a schema (an unknown field or a misspelt optional one passes).
 */
final class ShapeChecks {
    private ShapeChecks() {
    }

    static boolean covers(JsonNode manifest) {
        String key = KubernetesModelValidator.key(manifest);
        return key.equals("scylla.scylladb.com/v1/ScyllaCluster") || key.equals("minio.min.io/v2/Tenant");
    }

    static List<String> problems(JsonNode m) {
        List<String> p = new ArrayList<>();
        text(m, p, "metadata", "name");
        text(m, p, "metadata", "namespace");
        JsonNode spec = m.path("spec");
        if (m.path("kind").asText().equals("ScyllaCluster")) {
            text(spec, p, "version");
            text(spec, p, "agentVersion");
            text(spec, p, "datacenter", "name");
            JsonNode racks = spec.path("datacenter").path("racks");
            if (!racks.isArray() || racks.isEmpty()) {
                p.add("spec.datacenter.racks must be a non-empty list");
            }
            for (JsonNode rack : racks) {
                text(rack, p, "name");
                integer(rack, p, "members");
                text(rack, p, "storage", "capacity");
                object(rack, p, "resources", "requests");
                object(rack, p, "placement");
            }
            bool(spec, p, "developerMode");
        } else {
            text(spec, p, "image");
            text(spec, p, "configuration", "name");
            JsonNode pools = spec.path("pools");
            if (!pools.isArray() || pools.isEmpty()) {
                p.add("spec.pools must be a non-empty list");
            }
            for (JsonNode pool : pools) {
                text(pool, p, "name");
                integer(pool, p, "servers");
                integer(pool, p, "volumesPerServer");
                text(pool, p, "volumeClaimTemplate", "spec", "resources", "requests", "storage");
            }
            for (JsonNode bucket : spec.path("buckets")) {
                text(bucket, p, "name");
            }
            bool(spec, p, "requestAutoCert");
        }
        return p;
    }

    private static JsonNode at(JsonNode n, String... path) {
        for (String s : path) {
            n = n.path(s);
        }
        return n;
    }

    private static void text(JsonNode n, List<String> p, String... path) {
        if (!at(n, path).isTextual() || at(n, path).asText().isEmpty()) {
            p.add(String.join(".", path) + " must be a non-empty string");
        }
    }

    private static void integer(JsonNode n, List<String> p, String... path) {
        if (!at(n, path).isIntegralNumber() || at(n, path).asInt() < 1) {
            p.add(String.join(".", path) + " must be a positive integer");
        }
    }

    private static void bool(JsonNode n, List<String> p, String... path) {
        if (!at(n, path).isBoolean()) {
            p.add(String.join(".", path) + " must be a boolean");
        }
    }

    private static void object(JsonNode n, List<String> p, String... path) {
        if (!at(n, path).isObject()) {
            p.add(String.join(".", path) + " must be an object");
        }
    }
}

package org.parley.registry;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.avro.Schema;

/**
 * A client of the Confluent Schema Registry REST API (v7), so Confluent Schema Registry, Apicurio's ccompat API or
 * Karapace can back it. Ids and schemas are cached both ways: after warm-up, serdes never call the registry.
 */
public class SchemaRegistryClient {
    private static final String CONTENT_TYPE = "application/vnd.schemaregistry.v1+json";
    private static final ObjectMapper JSON = new ObjectMapper();

    private final String baseUrl;
    private final HttpClient http;
    private final Map<Integer, Schema> schemasById = new ConcurrentHashMap<>();
    private final Map<String, Integer> idsBySubjectAndSchema = new ConcurrentHashMap<>();

    public SchemaRegistryClient(String baseUrl) {
        this.baseUrl = baseUrl.endsWith("/") ? baseUrl.substring(0, baseUrl.length() - 1) : baseUrl;
        this.http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    }

    public String baseUrl() {
        return baseUrl;
    }

    /** Registers (or finds) the schema under the subject and returns its global id. Idempotent. */
    public int register(String subject, Schema schema) {
        String cacheKey = subject + '\u0000' + schema.toString();
        Integer cached = idsBySubjectAndSchema.get(cacheKey);
        if (cached != null) {
            return cached;
        }
        JsonNode body = call("POST", "/subjects/" + enc(subject) + "/versions", schemaBody(schema));
        int id = body.get("id").asInt();
        idsBySubjectAndSchema.put(cacheKey, id);
        schemasById.putIfAbsent(id, schema);
        return id;
    }

    /** The id of a schema already registered under the subject, without registering it. */
    public int lookup(String subject, Schema schema) {
        String cacheKey = subject + '\u0000' + schema.toString();
        Integer cached = idsBySubjectAndSchema.get(cacheKey);
        if (cached != null) {
            return cached;
        }
        JsonNode body = call("POST", "/subjects/" + enc(subject), schemaBody(schema));
        int id = body.get("id").asInt();
        idsBySubjectAndSchema.put(cacheKey, id);
        schemasById.putIfAbsent(id, schema);
        return id;
    }

    /** The writer schema with this global id. */
    public Schema schemaById(int id) {
        return schemasById.computeIfAbsent(id, i -> {
            JsonNode body = call("GET", "/schemas/ids/" + i, null);
            return new Schema.Parser().parse(body.get("schema").asText());
        });
    }

    /** Sets the subject's compatibility level (BACKWARD, BACKWARD_TRANSITIVE, FULL, ...). */
    public void setCompatibility(String subject, String level) {
        ObjectNode body = JSON.createObjectNode().put("compatibility", level);
        call("PUT", "/config/" + enc(subject), body);
    }

    /** The subject's compatibility level as the registry reports it. */
    public String compatibility(String subject) {
        JsonNode body = call("GET", "/config/" + enc(subject), null);
        JsonNode level = body.has("compatibilityLevel") ? body.get("compatibilityLevel") : body.get("compatibility");
        return level == null ? "" : level.asText();
    }

    /** Whether the schema could be registered as the subject's next version. */
    public boolean isCompatible(String subject, Schema schema) {
        JsonNode body = call("POST", "/compatibility/subjects/" + enc(subject) + "/versions/latest",
                schemaBody(schema));
        return body.path("is_compatible").asBoolean(false);
    }

    private ObjectNode schemaBody(Schema schema) {
        return JSON.createObjectNode().put("schemaType", "AVRO").put("schema", schema.toString());
    }

    private JsonNode call(String method, String path, JsonNode body) {
        HttpRequest.Builder req = HttpRequest.newBuilder(URI.create(baseUrl + path))
                .timeout(Duration.ofSeconds(10))
                .header("Accept", CONTENT_TYPE + ", application/json");
        if (body == null) {
            req.method(method, HttpRequest.BodyPublishers.noBody());
        } else {
            req.header("Content-Type", CONTENT_TYPE)
                    .method(method, HttpRequest.BodyPublishers.ofString(body.toString(), StandardCharsets.UTF_8));
        }
        HttpResponse<String> res;
        try {
            res = http.send(req.build(), HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new SchemaRegistryException("schema registry at " + baseUrl + " unreachable: " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new SchemaRegistryException("interrupted calling the schema registry", e);
        }
        JsonNode json;
        try {
            json = res.body().isEmpty() ? JSON.createObjectNode() : JSON.readTree(res.body());
        } catch (IOException e) {
            throw new SchemaRegistryException(method + " " + path + " returned non-JSON (HTTP " + res.statusCode()
                    + "): " + res.body(), res.statusCode(), -1);
        }
        if (res.statusCode() / 100 != 2) {
            throw new SchemaRegistryException(method + " " + path + " failed: HTTP " + res.statusCode() + " "
                    + json.path("message").asText(res.body()), res.statusCode(), json.path("error_code").asInt(-1));
        }
        return json;
    }

    private static String enc(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }
}

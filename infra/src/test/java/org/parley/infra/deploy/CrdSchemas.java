package org.parley.infra.deploy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * A CustomResourceDefinition's {@code openAPIV3Schema} turned into a JSON Schema a validator can apply as the API
 * server does with strict field validation (what {@code kubectl apply} asks for): unknown fields are errors except
 * under {@code x-kubernetes-preserve-unknown-fields}; {@code x-kubernetes-int-or-string} takes either; an embedded
 * resource may carry apiVersion, kind and metadata; {@code nullable} admits null. The same conversion kubeconform's
 * openapi2jsonschema makes with {@code --strict}.
 */
final class CrdSchemas {
    private static final JsonNodeFactory F = JsonNodeFactory.instance;

    private CrdSchemas() {
    }

    /** "group/version/Kind" of every served version of a CRD document, to its converted schema. */
    static void add(JsonNode crd, Map<String, JsonNode> into) {
        String group = crd.path("spec").path("group").asText();
        String kind = crd.path("spec").path("names").path("kind").asText();
        for (JsonNode version : crd.path("spec").path("versions")) {
            JsonNode schema = version.path("schema").path("openAPIV3Schema");
            if (!schema.isMissingNode() && version.path("served").asBoolean(true)) {
                ObjectNode root = schema.deepCopy();
                // Every object the API server stores has these, whether the CRD's schema names them or not.
                ObjectNode props = root.has("properties") ? (ObjectNode) root.get("properties") : root.putObject("properties");
                props.putIfAbsent("apiVersion", F.objectNode().put("type", "string"));
                props.putIfAbsent("kind", F.objectNode().put("type", "string"));
                props.putIfAbsent("metadata", F.objectNode().put("type", "object"));
                into.put(group + "/" + version.path("name").asText() + "/" + kind, strict(root));
            }
        }
    }

    static JsonNode strict(JsonNode node) {
        if (node.isArray()) {
            for (JsonNode item : node) {
                strict(item);
            }
            return node;
        }
        if (!node.isObject()) {
            return node;
        }
        ObjectNode o = (ObjectNode) node;
        // Recurse first into sub-schemas (properties' values, items, additionalProperties, allOf/anyOf/oneOf, not).
        if (o.has("properties")) {
            Iterator<Map.Entry<String, JsonNode>> it = o.get("properties").fields();
            while (it.hasNext()) {
                strict(it.next().getValue());
            }
        }
        for (String key : List.of("items", "additionalProperties", "allOf", "anyOf", "oneOf", "not")) {
            if (o.has(key) && (o.get(key).isObject() || o.get(key).isArray())) {
                strict(o.get(key));
            }
        }
        boolean preserve = o.path("x-kubernetes-preserve-unknown-fields").asBoolean(false);
        if (o.path("x-kubernetes-embedded-resource").asBoolean(false)) {
            ObjectNode props = o.has("properties") ? (ObjectNode) o.get("properties") : o.putObject("properties");
            props.putIfAbsent("apiVersion", F.objectNode().put("type", "string"));
            props.putIfAbsent("kind", F.objectNode().put("type", "string"));
            props.putIfAbsent("metadata", F.objectNode().put("type", "object"));
        }
        if (o.path("x-kubernetes-int-or-string").asBoolean(false)) {
            o.remove("type");
            ArrayNode any = o.putArray("anyOf");
            any.addObject().put("type", "integer");
            any.addObject().put("type", "string");
        }
        if (o.has("properties") && !o.has("additionalProperties") && !preserve) {
            o.put("additionalProperties", false);
        }
        if (o.path("nullable").asBoolean(false) && o.get("type") != null && o.get("type").isTextual()) {
            ArrayNode types = F.arrayNode().add(o.get("type").asText()).add("null");
            o.set("type", types);
        }
        // Formats the API server does not check as JSON Schema validators do (int32, int64, byte, ...): drop them.
        o.remove("format");
        return o;
    }
}

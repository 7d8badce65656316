package org.parley.infra.deploy;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MapperFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.cfg.CoercionAction;
import com.fasterxml.jackson.databind.cfg.CoercionInputShape;
import com.fasterxml.jackson.databind.cfg.MapperConfig;
import com.fasterxml.jackson.databind.introspect.Annotated;
import com.fasterxml.jackson.databind.introspect.JacksonAnnotationIntrospector;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.type.LogicalType;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Reads a manifest into the Kubernetes API model classes of a published library (fabric8 kubernetes-model, generated
 * from the Kubernetes OpenAPI specification, or an operator's own model classes), strictly: a field the model does not
 * know is an error (the classes' catch-all "additional properties" are switched off), and so is a scalar of the wrong
 * type (a string where the API has an integer or boolean, a number where it has a string).
 */
final class KubernetesModelValidator {
    private final ObjectMapper strict;
    private final Map<String, Class<?>> classes;

    /** @param classes "apiVersion/kind" to its model class */
    KubernetesModelValidator(Map<String, Class<?>> classes) {
        this.classes = classes;
        JsonMapper mapper = JsonMapper.builder()
                .annotationIntrospector(new StrictIntrospector())
                .disable(MapperFeature.ALLOW_COERCION_OF_SCALARS)
                .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
                .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
                .enable(DeserializationFeature.FAIL_ON_READING_DUP_TREE_KEY)
                .build();
        for (CoercionInputShape shape : List.of(CoercionInputShape.Integer, CoercionInputShape.Float,
                CoercionInputShape.Boolean)) {
            mapper.coercionConfigFor(LogicalType.Textual).setCoercion(shape, CoercionAction.Fail);
        }
        mapper.coercionConfigFor(LogicalType.Integer).setCoercion(CoercionInputShape.String, CoercionAction.Fail);
        mapper.coercionConfigFor(LogicalType.Boolean).setCoercion(CoercionInputShape.String, CoercionAction.Fail);
        this.strict = mapper;
    }

    boolean knows(JsonNode manifest) {
        return classes.containsKey(key(manifest));
    }

    /** Empty if the manifest reads cleanly into its model class, else the reader's message (field path included). */
    Optional<String> problem(JsonNode manifest) {
        Class<?> type = classes.get(key(manifest));
        if (type == null) {
            return Optional.of("no model class for " + key(manifest));
        }
        try {
            strict.treeToValue(manifest, type);
            return Optional.empty();
        } catch (Exception e) {
            return Optional.of(e.getMessage().replaceAll("\\s+", " "));
        }
    }

    static String key(JsonNode manifest) {
        return manifest.path("apiVersion").asText() + "/" + manifest.path("kind").asText();
    }

    /** The model's annotations, minus every way of accepting unknown fields. */
    private static final class StrictIntrospector extends JacksonAnnotationIntrospector {
        @Override
        public Boolean hasAnySetter(Annotated a) {
            return Boolean.FALSE;
        }

        @Override
        public JsonIgnoreProperties.Value findPropertyIgnoralByName(MapperConfig<?> config, Annotated a) {
            JsonIgnoreProperties.Value v = super.findPropertyIgnoralByName(config, a);
            return v == null ? null : v.withoutIgnoreUnknown();
        }
    }
}

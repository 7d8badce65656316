package org.parley.infra.deploy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;

/** The production manifests under {@code deploy/k8s}, read exactly as kustomize lists them. */
final class Manifests {
    static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
    /** The kustomize directories a cluster is given (docs/deploy.md, "Install"). */
    static final List<String> LAYERS = List.of("config", "data", "apps");

    /** One YAML document of one file. */
    record Doc(Path file, int index, JsonNode node) {
        String kind() {
            return node.path("kind").asText();
        }

        String apiVersion() {
            return node.path("apiVersion").asText();
        }

        String name() {
            return node.path("metadata").path("name").asText();
        }

        String where() {
            return root().relativize(file) + " #" + index + " (" + kind() + " " + name() + ")";
        }
    }

    private Manifests() {
    }

    /** deploy/k8s of this repository (the tests run in module infra). */
    static Path root() {
        Path here = Path.of("").toAbsolutePath();
        for (Path p = here; p != null; p = p.getParent()) {
            if (Files.isDirectory(p.resolve("deploy/k8s")) && Files.exists(p.resolve("mvnw"))) {
                return p.resolve("deploy/k8s");
            }
        }
        throw new IllegalStateException("no deploy/k8s above " + here);
    }

    /** Every manifest file the layers' kustomizations name, each once, in order. */
    static List<Path> files() {
        Set<Path> files = new LinkedHashSet<>();
        for (String layer : LAYERS) {
            collect(root().resolve(layer), files);
        }
        return List.copyOf(files);
    }

    private static void collect(Path dir, Set<Path> files) {
        for (String entry : resources(dir)) {
            Path p = dir.resolve(entry).normalize();
            if (Files.isDirectory(p)) {
                collect(p, files);
            } else {
                files.add(p);
            }
        }
    }

    /** The {@code resources} of a directory's kustomization.yaml. */
    static List<String> resources(Path dir) {
        JsonNode k = read(dir.resolve("kustomization.yaml")).get(0);
        List<String> out = new ArrayList<>();
        k.path("resources").forEach(r -> out.add(r.asText()));
        return out;
    }

    /** Every document of every manifest file. */
    static List<Doc> docs() {
        List<Doc> docs = new ArrayList<>();
        for (Path f : files()) {
            docs.addAll(docs(f));
        }
        return docs;
    }

    static List<Doc> docs(Path file) {
        List<Doc> docs = new ArrayList<>();
        List<JsonNode> nodes = read(file);
        for (int i = 0; i < nodes.size(); i++) {
            docs.add(new Doc(file, i, nodes.get(i)));
        }
        return docs;
    }

    /** The non-empty documents of a YAML file. */
    static List<JsonNode> read(Path file) {
        try (MappingIterator<JsonNode> it = YAML.readerFor(JsonNode.class).readValues(file.toFile())) {
            List<JsonNode> out = new ArrayList<>();
            while (it.hasNextValue()) {
                JsonNode n = it.nextValue();
                if (n != null && !n.isNull() && !n.isMissingNode() && !(n.isObject() && n.isEmpty())) {
                    out.add(n);
                }
            }
            return out;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file, e);
        }
    }

    static List<Doc> ofKind(String kind) {
        return docs().stream().filter(d -> d.kind().equals(kind)).toList();
    }

    /** Every .yaml file below deploy/k8s. */
    static List<Path> allYamlFiles() {
        try (Stream<Path> s = Files.walk(root())) {
            return s.filter(p -> p.toString().endsWith(".yaml")).sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}

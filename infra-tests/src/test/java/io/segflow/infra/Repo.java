package io.segflow.infra;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/** Files of the repository the infra tests read: the manifests, rules, dashboard, docs and function sources. */
final class Repo {
    static final Path ROOT = findRoot();
    static final Path K8S = ROOT.resolve("infra/k8s");
    static final Path BASE = K8S.resolve("base");
    static final Path RULES = ROOT.resolve("infra/prometheus/rules/segflow.rules.yml");
    static final Path DASHBOARD = BASE.resolve("monitoring/dashboards/segflow.json");

    static final YAMLMapper YAML = new YAMLMapper();
    static final ObjectMapper JSON = new ObjectMapper();

    private Repo() {
    }

    /** One YAML document of a manifest file. */
    record Doc(Path file, JsonNode node) {
        String kind() {
            return node.path("kind").asText();
        }

        String name() {
            return node.path("metadata").path("name").asText();
        }

        @Override
        public String toString() {
            return ROOT.relativize(file) + ": " + kind() + " " + name();
        }
    }

    /** Every YAML file under infra/k8s. */
    static List<Path> yamlFiles() {
        try (Stream<Path> files = Files.walk(K8S)) {
            return files.filter(f -> f.toString().endsWith(".yaml") || f.toString().endsWith(".yml")).sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Every document of every manifest (kustomization files included). */
    static List<Doc> docs() {
        List<Doc> docs = new ArrayList<>();
        for (Path file : yamlFiles()) {
            docs.addAll(docs(file));
        }
        return docs;
    }

    static List<Doc> docs(Path file) {
        try (var parser = YAML.createParser(file.toFile())) {
            List<Doc> docs = new ArrayList<>();
            YAML.readValues(parser, new TypeReference<JsonNode>() { }).forEachRemaining(node -> {
                if (node != null && !node.isMissingNode() && !node.isNull()) {
                    docs.add(new Doc(file, node));
                }
            });
            return docs;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot parse " + file, e);
        }
    }

    /** The documents of the base's resources (what the overlays patch). */
    static List<Doc> baseResources() {
        return docs().stream().filter(d -> d.file().startsWith(BASE) && !d.kind().equals("Kustomization")).toList();
    }

    static Doc baseResource(String kind, String name) {
        return baseResources().stream().filter(d -> d.kind().equals(kind) && d.name().equals(name)).findFirst()
                .orElseThrow(() -> new AssertionError("no " + kind + " " + name + " in infra/k8s/base"));
    }

    static String read(Path file) {
        try {
            return Files.readString(file);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static Path findRoot() {
        Path dir = Path.of("").toAbsolutePath();
        while (dir != null && !Files.isDirectory(dir.resolve("infra/k8s"))) {
            dir = dir.getParent();
        }
        if (dir == null) {
            throw new IllegalStateException("infra/k8s not found above " + Path.of("").toAbsolutePath());
        }
        return dir;
    }
}

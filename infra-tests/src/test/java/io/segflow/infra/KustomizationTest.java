package io.segflow.infra;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The kustomize tree holds together: every listed file exists, every file is listed, every patch finds its target.
 * Where kubectl is installed the overlays are also built with its kustomize.
 */
class KustomizationTest {

    @Test
    void kustomizationsListOnlyFilesThatExist() {
        for (Path kustomization : kustomizations()) {
            for (Path listed : listedFiles(kustomization)) {
                assertThat(Files.isRegularFile(listed) || Files.isRegularFile(listed.resolve("kustomization.yaml")))
                        .as(kustomization + " lists " + listed).isTrue();
            }
        }
    }

    @Test
    void everyManifestIsListedByAKustomization() {
        Set<Path> listed = new HashSet<>();
        kustomizations().forEach(k -> listed.addAll(listedFiles(k)));
        for (Path file : Repo.yamlFiles()) {
            if (!file.getFileName().toString().equals("kustomization.yaml")) {
                assertThat(listed).as("a kustomization lists " + Repo.ROOT.relativize(file)).contains(file.normalize());
            }
        }
    }

    @Test
    void everyPatchTargetsAResourceOfTheBase() {
        for (Path kustomization : kustomizations()) {
            JsonNode k = Repo.docs(kustomization).get(0).node();
            for (JsonNode patch : k.path("patches")) {
                if (patch.has("path")) {
                    for (Repo.Doc doc : Repo.docs(kustomization.getParent().resolve(patch.path("path").asText()))) {
                        Repo.baseResource(doc.kind(), doc.name());
                    }
                } else {
                    String kind = patch.path("target").path("kind").asText();
                    String name = patch.path("target").path("name").asText("");
                    assertThat(Repo.baseResources()).as(kustomization + " patch target " + kind + " " + name)
                            .anyMatch(d -> d.kind().equals(kind) && (name.isEmpty() || d.name().equals(name)));
                }
            }
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"dev", "prod"})
    void overlaysBuildWithKustomize(String overlay) throws Exception {
        String output = kustomize("overlays/" + overlay);
        List<JsonNode> rendered = resources(output);
        assertThat(rendered).anyMatch(r -> r.path("kind").asText().equals("KafkaTopic"));
        for (JsonNode resource : rendered) {
            if (!resource.path("kind").asText().equals("Namespace")) {
                assertThat(resource.path("metadata").path("namespace").asText()).as(resource.path("metadata").toString())
                        .isEqualTo("segflow");
            }
        }
        assertThat(output).doesNotContainIgnoringCase(":latest");
    }

    /**
     * Redis' maxmemory stays below its container's memory limit: past maxmemory a full Redis refuses writes (OOM,
     * which segment-function holds and retries), whereas past the limit the kernel kills it.
     */
    @ParameterizedTest
    @ValueSource(strings = {"base", "overlays/dev", "overlays/prod"})
    void redisRefusesWritesBeforeItsContainerIsKilled(String tree) throws Exception {
        List<JsonNode> rendered = resources(kustomize(tree));
        JsonNode config = rendered.stream().filter(r -> r.path("kind").asText().equals("ConfigMap")
                && r.path("metadata").path("name").asText().equals("segflow-redis-config")).findFirst().orElseThrow();
        JsonNode redis = rendered.stream().filter(r -> r.path("kind").asText().equals("RedisCluster")).findFirst().orElseThrow();
        Matcher maxmemory = Pattern.compile("(?m)^maxmemory (\\d+)mb$").matcher(config.path("data").path("redis-additional.conf").asText());
        assertThat(maxmemory.find()).as(tree + ": maxmemory in megabytes").isTrue();
        String limit = redis.path("spec").path("kubernetesConfig").path("resources").path("limits").path("memory").asText();

        assertThat(Long.parseLong(maxmemory.group(1)) * 1024 * 1024).as(tree + ": maxmemory against the limit " + limit)
                .isLessThan(bytes(limit));
    }

    private static long bytes(String quantity) {
        Matcher m = Pattern.compile("(\\d+)(Mi|Gi)").matcher(quantity);
        assertThat(m.matches()).as(quantity).isTrue();
        return Long.parseLong(m.group(1)) * (m.group(2).equals("Gi") ? 1L << 30 : 1L << 20);
    }

    private static String kustomize(String tree) throws Exception {
        assumeTrue(onPath("kubectl"), "kubectl is not installed: the structural checks above stand in for a build");
        Process build = new ProcessBuilder("kubectl", "kustomize", Repo.K8S.resolve(tree).toString())
                .redirectErrorStream(true).start();
        String output = new String(build.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(build.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(build.exitValue()).as(output).isZero();
        return output;
    }

    private static List<JsonNode> resources(String rendered) throws IOException {
        List<JsonNode> resources = new ArrayList<>();
        Repo.YAML.readValues(Repo.YAML.createParser(rendered), JsonNode.class).forEachRemaining(resources::add);
        return resources;
    }

    static List<Path> kustomizations() {
        return Repo.yamlFiles().stream().filter(f -> f.getFileName().toString().equals("kustomization.yaml")).toList();
    }

    /** Resources, patch files and generator files a kustomization names, resolved against its folder. */
    static List<Path> listedFiles(Path kustomization) {
        JsonNode k = Repo.docs(kustomization).get(0).node();
        Path dir = kustomization.getParent();
        List<Path> files = new ArrayList<>();
        k.path("resources").forEach(r -> files.add(dir.resolve(r.asText()).normalize()));
        k.path("patches").forEach(p -> {
            if (p.has("path")) {
                files.add(dir.resolve(p.path("path").asText()).normalize());
            }
        });
        Stream.of("configMapGenerator", "secretGenerator").forEach(generator -> k.path(generator)
                .forEach(g -> g.path("files").forEach(f -> files.add(dir.resolve(f.asText().replaceFirst("^[^=]*=", "")).normalize()))));
        return files;
    }

    private static boolean onPath(String command) {
        String path = System.getenv("PATH");
        return path != null && Stream.of(path.split(File.pathSeparator)).anyMatch(d -> Files.isExecutable(Path.of(d, command)));
    }
}

package io.segflow.infra;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Probe;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/** Each function's workload, read with the fabric8 models: probes, resources, and the environment it needs. */
class FunctionWorkloadsTest {
    private static final KubernetesSerialization SERIALIZATION = new KubernetesSerialization();

    /** Functions that read Redis; all four use Kafka and export traces. */
    private static final Set<String> REDIS_USERS = Set.of("segment-function", "api-function");
    /** Keys each function takes from the Secret segflow-keys. */
    private static final Map<String, Set<String>> SECRET_ENV = Map.of(
            "ingest-function", Set.of("SEGFLOW_WRITE_KEYS"),
            "api-function", Set.of("SEGFLOW_ADMIN_KEY"));

    @ParameterizedTest
    @ValueSource(strings = {"ingest-function", "segment-function", "trigger-function", "api-function"})
    void everyFunctionHasProbesOnARealPortResourcesAndItsEnvironment(String function) {
        List<Container> containers = containers(function);
        assertThat(containers).as(function + " containers").hasSize(1);
        Container container = containers.get(0);
        int port = container.getPorts().get(0).getContainerPort();

        assertProbe(function + " liveness", container.getLivenessProbe(), "/q/health/live", port);
        assertProbe(function + " readiness", container.getReadinessProbe(), "/q/health/ready", port);

        var resources = container.getResources();
        assertThat(resources).as(function + " resources").isNotNull();
        assertThat(resources.getRequests()).as(function + " requests").containsKeys("cpu", "memory");
        assertThat(resources.getLimits()).as(function + " limits").containsKeys("cpu", "memory");

        Map<String, EnvVar> env = container.getEnv().stream().collect(Collectors.toMap(EnvVar::getName, e -> e));
        assertThat(env).as(function + " env").containsKeys("OTEL_EXPORTER_OTLP_ENDPOINT", "KAFKA_BOOTSTRAP_SERVERS");
        assertThat(env.get("QUARKUS_HTTP_PORT").getValue()).as(function + " listens on its container port")
                .isEqualTo(String.valueOf(port));
        if (REDIS_USERS.contains(function)) {
            assertThat(env).as(function + " env").containsKeys("QUARKUS_REDIS_HOSTS");
        }
        for (String key : SECRET_ENV.getOrDefault(function, Set.of())) {
            assertThat(env.get(key)).as(function + " " + key).isNotNull();
            assertThat(env.get(key).getValueFrom().getSecretKeyRef().getName()).as(function + " " + key + " secret")
                    .isEqualTo("segflow-keys");
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"segment-function", "trigger-function"})
    void aConsumerUsesItsPodNameAsStaticMemberId(String function) {
        EnvVar id = containers(function).get(0).getEnv().stream()
                .filter(e -> e.getName().equals("SEGFLOW_INSTANCE_ID")).findFirst().orElseThrow();
        assertThat(id.getValueFrom().getFieldRef().getFieldPath()).isEqualTo("metadata.name");
    }

    @ParameterizedTest
    @ValueSource(strings = {"segment-function", "trigger-function"})
    void aWorkloadKedaScalesLeavesItsReplicaCountToKeda(String function) {
        assertThat(scaledObject(function).path("spec").path("scaleTargetRef").path("name").asText()).isEqualTo(function);
        Repo.Doc workload = Repo.baseResources().stream()
                .filter(d -> d.name().equals(function) && Set.of("Deployment", "StatefulSet").contains(d.kind()))
                .findFirst().orElseThrow();
        // An apply would set the count back to the manifest's, under the HPA's feet.
        assertThat(workload.node().path("spec").has("replicas")).as(function + " spec.replicas").isFalse();
    }

    @ParameterizedTest
    @ValueSource(strings = {"trigger-function"})
    void everyConsumerGroupOfTheFunctionScalesIt(String function) throws java.io.IOException {
        java.util.Properties properties = new java.util.Properties();
        try (var in = java.nio.file.Files.newBufferedReader(Repo.ROOT.resolve(function + "/src/main/resources/application.properties"))) {
            properties.load(in);
        }
        Set<String> groups = properties.stringPropertyNames().stream()
                .filter(key -> key.startsWith("mp.messaging.incoming.") && key.endsWith(".group.id"))
                .map(properties::getProperty).collect(Collectors.toSet());
        Set<String> scaledOn = new java.util.HashSet<>();
        scaledObject(function).path("spec").path("triggers")
                .forEach(trigger -> scaledOn.add(trigger.path("metadata").path("consumerGroup").asText()));

        assertThat(groups).as(function + " consumer groups").isNotEmpty();
        assertThat(scaledOn).as("groups KEDA scales " + function + " on").containsAll(groups);
    }

    /**
     * trigger-function (before a batch of firings completes) and api-function (before an admin write is answered)
     * wait (Redis WAIT) for as many replicas as they are told: more than a leader has would hold every batch or write
     * for the timeout; none where there are followers would let a failover forget what they had confirmed.
     */
    @ParameterizedTest
    @CsvSource({
            "trigger-function, SEGFLOW_TRIGGER_REDIS_REPLICAS_ACKS, base",
            "trigger-function, SEGFLOW_TRIGGER_REDIS_REPLICAS_ACKS, overlays/dev",
            "trigger-function, SEGFLOW_TRIGGER_REDIS_REPLICAS_ACKS, overlays/prod",
            "api-function, SEGFLOW_REDIS_REPLICAS_ACKS, base",
            "api-function, SEGFLOW_REDIS_REPLICAS_ACKS, overlays/dev",
            "api-function, SEGFLOW_REDIS_REPLICAS_ACKS, overlays/prod"})
    void aFunctionWaitsForTheRedisFollowersEachLeaderHas(String function, String acksVariable, String tree) {
        com.fasterxml.jackson.databind.JsonNode cluster = Repo.baseResource("RedisCluster", "segflow-redis").node();
        int leaders = cluster.path("spec").path("clusterSize").asInt();
        int followers = overlaid(tree, "RedisCluster", "segflow-redis", cluster)
                .path("spec").path("redisFollower").path("replicas").asInt();
        String acks = null;
        for (var env : overlaidWorkload(tree, function).path("spec").path("template").path("spec").path("containers").get(0).path("env")) {
            if (env.path("name").asText().equals(acksVariable)) {
                acks = env.path("value").asText();
            }
        }
        assertThat(acks).as(tree + ": " + function + " " + acksVariable).isNotNull();
        assertThat(Integer.parseInt(acks)).as(tree + ": replicas " + function + " waits for").isEqualTo(followers / leaders);
    }

    /**
     * The function's workload as overlay {@code tree} patches it: the env entries of its strategic-merge patch files
     * (merged by name, as kustomize merges a Deployment's; a Knative Service's list it replaces whole, so a patch of
     * one is refused), then the {@code replace} operations of the JSON patches
     * the overlay's kustomization holds for it (their {@code test} operations must hold).
     */
    private static com.fasterxml.jackson.databind.JsonNode overlaidWorkload(String tree, String function) {
        Repo.Doc base = Repo.baseResources().stream()
                .filter(d -> d.name().equals(function) && Set.of("Service", "Deployment", "StatefulSet").contains(d.kind()))
                .findFirst().orElseThrow();
        var workload = base.node().deepCopy();
        var env = (com.fasterxml.jackson.databind.node.ArrayNode) workload.at("/spec/template/spec/containers/0/env");
        for (Repo.Doc patch : overlayDocs(tree, base.kind(), function)) {
            var patchedEnv = patch.node().at("/spec/template/spec/containers/0/env");
            assertThat(patchedEnv.isMissingNode() || !base.kind().equals("Service"))
                    .as(tree + ": a strategic-merge patch of " + function + "'s env would replace its whole list (kustomize has no "
                            + "schema for a Knative Service); patch it with a JSON patch").isTrue();
            for (var entry : patchedEnv) {
                for (int i = env.size() - 1; i >= 0; i--) {
                    if (env.get(i).path("name").equals(entry.path("name"))) {
                        env.remove(i);
                    }
                }
                env.add(entry);
            }
        }
        for (var operation : jsonPatches(tree, base.kind(), function)) {
            var path = com.fasterxml.jackson.core.JsonPointer.compile(operation.path("path").asText());
            switch (operation.path("op").asText()) {
                case "test" -> assertThat(workload.at(path)).as(tree + " " + path).isEqualTo(operation.path("value"));
                case "replace" -> {
                    var parent = workload.at(path.head());
                    if (parent instanceof com.fasterxml.jackson.databind.node.ArrayNode list) {
                        list.set(path.last().getMatchingIndex(), operation.path("value"));
                    } else {
                        ((com.fasterxml.jackson.databind.node.ObjectNode) parent).set(path.last().getMatchingProperty(), operation.path("value"));
                    }
                }
                default -> throw new AssertionError(tree + ": a JSON patch operation this test does not read: " + operation);
            }
        }
        return workload;
    }

    /** The operations of the inline JSON patches overlay {@code tree}'s kustomization applies to {@code kind name}. */
    private static List<com.fasterxml.jackson.databind.JsonNode> jsonPatches(String tree, String kind, String name) {
        if (tree.equals("base")) {
            return List.of();
        }
        var kustomization = Repo.docs(Repo.K8S.resolve(tree).resolve("kustomization.yaml")).get(0).node();
        List<com.fasterxml.jackson.databind.JsonNode> operations = new java.util.ArrayList<>();
        for (var patch : kustomization.path("patches")) {
            var target = patch.path("target");
            if (patch.has("patch") && target.path("kind").asText().equals(kind) && target.path("name").asText().equals(name)) {
                try {
                    Repo.YAML.readTree(patch.path("patch").asText()).forEach(operations::add);
                } catch (java.io.IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            }
        }
        return operations;
    }

    /** {@code base} as the overlay {@code tree} patches it: the patch's spec fields over the base's (one level deep). */
    private static com.fasterxml.jackson.databind.JsonNode overlaid(String tree, String kind, String name,
                                                                    com.fasterxml.jackson.databind.JsonNode base) {
        var merged = base.deepCopy();
        for (Repo.Doc patch : overlayDocs(tree, kind, name)) {
            var spec = (com.fasterxml.jackson.databind.node.ObjectNode) merged.path("spec");
            patch.node().path("spec").properties().forEach(field -> {
                if (field.getValue().isObject() && spec.path(field.getKey()).isObject()) {
                    ((com.fasterxml.jackson.databind.node.ObjectNode) spec.path(field.getKey())).setAll(
                            (com.fasterxml.jackson.databind.node.ObjectNode) field.getValue());
                } else {
                    spec.set(field.getKey(), field.getValue());
                }
            });
        }
        return merged;
    }

    private static List<Repo.Doc> overlayDocs(String tree, String kind, String name) {
        if (tree.equals("base")) {
            return List.of();
        }
        return Repo.docs().stream().filter(d -> d.file().startsWith(Repo.K8S.resolve(tree)) && d.kind().equals(kind)
                && d.name().equals(name)).toList();
    }

    private static com.fasterxml.jackson.databind.JsonNode scaledObject(String function) {
        return Repo.baseResources().stream().filter(d -> d.kind().equals("ScaledObject") && d.name().equals(function))
                .findFirst().orElseThrow().node();
    }

    private static void assertProbe(String what, Probe probe, String path, int port) {
        assertThat(probe).as(what).isNotNull();
        assertThat(probe.getHttpGet()).as(what + " httpGet").isNotNull();
        assertThat(probe.getHttpGet().getPath()).as(what + " path").isEqualTo(path);
        assertThat(probe.getHttpGet().getPort()).as(what + " port").isNotNull();
        assertThat(probe.getHttpGet().getPort().getIntVal()).as(what + " port number").isEqualTo(port);
    }

    /** The containers of the function's Knative Service, Deployment or StatefulSet, parsed into typed models. */
    static List<Container> containers(String function) {
        List<HasMetadata> workloads = Repo.baseResources().stream()
                .filter(d -> d.name().equals(function) && Set.of("Service", "Deployment", "StatefulSet").contains(d.kind()))
                .map(d -> (HasMetadata) SERIALIZATION.convertValue(d.node(), io.fabric8.kubernetes.api.model.KubernetesResource.class))
                .filter(r -> !(r instanceof io.fabric8.kubernetes.api.model.Service)) // a headless Service for metrics
                .toList();
        assertThat(workloads).as("workloads named " + function).hasSize(1);
        HasMetadata workload = workloads.get(0);
        if (workload instanceof io.fabric8.knative.serving.v1.Service knative) {
            return knative.getSpec().getTemplate().getSpec().getContainers();
        } else if (workload instanceof Deployment deployment) {
            return deployment.getSpec().getTemplate().getSpec().getContainers();
        } else if (workload instanceof StatefulSet statefulSet) {
            return statefulSet.getSpec().getTemplate().getSpec().getContainers();
        }
        throw new AssertionError(function + " is a " + workload.getClass().getName());
    }
}

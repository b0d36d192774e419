package io.segflow.infra;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Every image is pinned: never "latest", never untagged; the functions' tags are set by the native workflow. */
class ImageTagsTest {
    private static final String PLACEHOLDER = "COMMIT_SHA";

    @Test
    void noImageIsLatestOrUntagged() {
        List<String> images = new ArrayList<>();
        for (Repo.Doc doc : Repo.docs()) {
            collect(doc.node(), "image", images);
        }
        assertThat(images).isNotEmpty();
        for (String image : images) {
            String tag = tag(image);
            assertThat(tag).as(image).isNotEmpty().isNotEqualToIgnoringCase("latest");
        }
    }

    @Test
    void functionImagesCarryTheCommitTagPlaceholder() {
        JsonNode kustomization = Repo.docs(Repo.BASE.resolve("kustomization.yaml")).get(0).node();
        List<String> names = new ArrayList<>();
        for (JsonNode image : kustomization.path("images")) {
            names.add(image.path("name").asText());
            String tag = image.path("newTag").asText();
            assertThat(tag).as(image.toString()).matches(PLACEHOLDER + "|[0-9a-f]{7,40}");
        }
        assertThat(names).containsExactlyInAnyOrder("ghcr.io/segflow/ingest-function", "ghcr.io/segflow/segment-function",
                "ghcr.io/segflow/trigger-function", "ghcr.io/segflow/api-function");
    }

    /** The tag of an image reference, "" when there is none (a digest counts as pinned). */
    static String tag(String image) {
        if (image.contains("@sha256:")) {
            return image.substring(image.indexOf('@') + 1);
        }
        int slash = image.lastIndexOf('/');
        int colon = image.lastIndexOf(':');
        return colon > slash ? image.substring(colon + 1) : "";
    }

    private static void collect(JsonNode node, String field, List<String> out) {
        if (node.isObject()) {
            node.fields().forEachRemaining(e -> {
                if (e.getKey().equals(field) && e.getValue().isTextual()) {
                    out.add(e.getValue().asText());
                } else {
                    collect(e.getValue(), field, out);
                }
            });
        } else if (node.isArray()) {
            node.forEach(n -> collect(n, field, out));
        }
    }
}

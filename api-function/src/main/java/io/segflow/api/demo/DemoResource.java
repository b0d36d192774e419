package io.segflow.api.demo;

import io.segflow.api.ApiConfig;
import io.segflow.api.ApiException;
import io.segflow.api.SegmentRepository;
import io.segflow.api.auth.UserTokens;
import io.segflow.core.rules.SegmentDefinition;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.regex.Pattern;

/**
 * Backs the {@code /demo/} shop (only where {@code segflow.demo.enabled}): a visitor id, a token for it, where to
 * send events, and the demo's segments, defined on first use. It plays the customer's backend that mints tokens.
 */
@Path("/demo/session")
@Produces(MediaType.APPLICATION_JSON)
public class DemoResource {
    private static final Pattern DEMO_USER = Pattern.compile("demo-[A-Za-z0-9-]{1,64}");
    static final List<SegmentDefinition> SEGMENTS = List.of(
            new SegmentDefinition("browsing-a-lot", "Browsing a lot", "count(\"Product Viewed\") >= 3", true, Instant.EPOCH),
            new SegmentDefinition("cart-abandoner", "Cart abandoner",
                    "count(\"Product Added\") >= 1 && count(\"Order Completed\") == 0", true, Instant.EPOCH));

    public record DemoSession(String userId, String token, String ingestUrl, String writeKey) {
    }

    private final ApiConfig config;
    private final UserTokens tokens;
    private final SegmentRepository segments;

    DemoResource(ApiConfig config, UserTokens tokens, SegmentRepository segments) {
        this.config = config;
        this.tokens = tokens;
        this.segments = segments;
    }

    /** {@code ?userId=} continues a visitor kept in the page's localStorage; only {@code demo-} ids get tokens. */
    @GET
    public DemoSession session(@QueryParam("userId") String userId) {
        if (!config.demo().enabled()) {
            throw ApiException.notFound("path", "the demo is disabled (segflow.demo.enabled)");
        }
        String visitor = userId == null || userId.isBlank() ? "demo-" + UUID.randomUUID() : userId;
        if (!DEMO_USER.matcher(visitor).matches()) {
            throw ApiException.badRequest("userId", "demo visitors are 'demo-' followed by letters, digits or '-'");
        }
        for (SegmentDefinition segment : SEGMENTS) {
            if (segments.find(segment.id()).isEmpty()) {
                segments.save(new SegmentDefinition(segment.id(), segment.name(), segment.condition(), true, Instant.now()));
            }
        }
        String token = tokens.mint(visitor, Optional.of(Duration.ofHours(1)), Optional.empty()).token();
        return new DemoSession(visitor, token, config.demo().ingestUrl(), config.demo().writeKey());
    }
}

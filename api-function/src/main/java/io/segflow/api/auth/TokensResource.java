package io.segflow.api.auth;

import com.fasterxml.jackson.databind.JsonNode;
import io.segflow.api.AdminOnly;
import io.segflow.api.ApiException;
import io.segflow.api.JsonBodies;
import io.segflow.api.OpenApiDocument;
import io.segflow.api.users.UserIds;
import io.segflow.core.rules.SegmentDefinition;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import java.io.InputStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.ExampleObject;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.parameters.RequestBody;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;

/** Mints a user token (admin): for a backend that does not sign its own, and for tests and demos. */
@Path("/v1/tokens")
@AdminOnly
@Produces(MediaType.APPLICATION_JSON)
public class TokensResource {
    /** The allow-list is for a page's few segments, not a catalog: it rides along in every request. */
    public static final int MAX_SEGMENTS = 100;
    private static final String EXAMPLE = "{\"userId\": \"u1\", \"ttlSeconds\": 3600, \"segments\": [\"vip\"]}";

    public record MintedToken(String token, String userId,
                              @Schema(description = "the token's lifetime in seconds, its exp - iat") long expiresIn,
                              List<String> segments) {
    }

    /** The body of {@code POST /v1/tokens}, for the OpenAPI document (the resource reads the JSON itself). */
    @Schema(name = "TokenRequest", requiredProperties = "userId")
    public record TokenRequest(
            @Schema(description = "the token's sub", maxLength = UserIds.MAX_LENGTH) String userId,
            @Schema(description = "a whole number from 1 to SEGFLOW_TOKENS_MAX_TTL; SEGFLOW_TOKENS_DEFAULT_TTL when left out",
                    minimum = "1") Long ttlSeconds,
            @Schema(description = "the allow-list: only these segments are shown and streamed; all when left out",
                    maxItems = MAX_SEGMENTS) List<String> segments) {
    }

    private final UserTokens tokens;

    TokensResource(UserTokens tokens) {
        this.tokens = tokens;
    }

    /** Body: {@code {"userId": "u1", "ttlSeconds": 3600, "segments": ["vip"]}}; ttl and segments are optional. */
    @POST
    @Consumes(MediaType.WILDCARD)
    @APIResponse(responseCode = "200", description = "the signed token and what it says",
            content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = MintedToken.class)))
    @APIResponse(responseCode = "400", description = "invalid_request naming userId, ttlSeconds or segments (or segments[i]);"
            + " malformed_json for a body that is no JSON")
    @APIResponse(responseCode = "401", description = OpenApiDocument.NO_ADMIN_KEY)
    @APIResponse(responseCode = "403", description = OpenApiDocument.NOT_ADMIN)
    @APIResponse(responseCode = "409", description = "cannot_mint: tokens are verified with SEGFLOW_TOKENS_PUBLIC_KEY,"
            + " so your backend mints them with its private key")
    public MintedToken mint(@RequestBody(required = true, content = @Content(mediaType = MediaType.APPLICATION_JSON,
            schema = @Schema(implementation = TokenRequest.class),
            examples = @ExampleObject(name = "vip-page", value = EXAMPLE))) InputStream body) {
        JsonNode json = JsonBodies.object(body);
        String userId = UserIds.checked(JsonBodies.requiredText(json, "userId", UserIds.MAX_LENGTH));
        Optional<Duration> ttl = Optional.ofNullable(json.get("ttlSeconds")).filter(n -> !n.isNull()).map(n -> {
            // 1.5 is refused, not truncated to 1 s; so is any number written with a fraction or exponent.
            if (!n.isIntegralNumber() || !n.canConvertToLong()) {
                throw ApiException.badRequest("ttlSeconds", "must be a whole number of seconds (no fraction or exponent)");
            }
            return Duration.ofSeconds(n.asLong());
        });
        Optional<Collection<String>> segments = segments(json.get("segments"));
        UserTokens.Minted minted = tokens.mint(userId, ttl, segments);
        return new MintedToken(minted.token(), userId, minted.lifetime().toSeconds(), segments.map(List::copyOf).orElse(null));
    }

    private static Optional<Collection<String>> segments(JsonNode node) {
        if (node == null || node.isNull()) {
            return Optional.empty();
        }
        if (!node.isArray()) {
            throw ApiException.badRequest("segments", "must be an array of segment ids");
        }
        if (node.size() > MAX_SEGMENTS) {
            throw ApiException.badRequest("segments", "at most " + MAX_SEGMENTS + " segment ids");
        }
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < node.size(); i++) {
            JsonNode item = node.get(i);
            if (!item.isTextual() || !SegmentDefinition.isValidId(item.asText())) {
                throw ApiException.badRequest("segments[" + i + "]", "must be a segment id");
            }
            ids.add(item.asText());
        }
        return Optional.of(ids);
    }
}

package io.segflow.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.segflow.api.redis.RetriedOnLostConnection;
import io.segflow.api.segments.BackfillStatus;
import io.segflow.api.segments.ConditionPreview;
import io.segflow.api.segments.ConditionPreview.Preview;
import io.segflow.api.segments.MemberIndex;
import io.segflow.api.users.UserIds;
import io.segflow.core.engine.SegmentDependencies;
import io.segflow.core.json.Json;
import io.segflow.core.rules.CompiledCondition;
import io.segflow.core.rules.Reads;
import io.segflow.core.rules.RuleCompiler;
import io.segflow.core.rules.RuleSyntaxException;
import io.segflow.core.rules.SegmentDefinition;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.PUT;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.io.InputStream;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Set;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.ExampleObject;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.parameters.RequestBody;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;

/** Admin API for segment definitions. Conditions are compiled at save time, so a stored condition always compiles. */
@Path("/v1/segments")
@AdminOnly
@Produces(MediaType.APPLICATION_JSON)
@APIResponse(responseCode = "401", description = OpenApiDocument.NO_ADMIN_KEY)
@APIResponse(responseCode = "403", description = OpenApiDocument.NOT_ADMIN)
@APIResponse(responseCode = "503", description = OpenApiDocument.REDIS_UNAVAILABLE)
public class SegmentsResource {
    private static final int MAX_NAME_LENGTH = 200;
    /** What a PUT reads, and what GET answers besides, so that an answer can be sent back as it is. */
    private static final Set<String> PUT_FIELDS = Set.of("name", "condition", "enabled", "id", "updatedAt", "memberCount", "backfill", "warnings");

    /** A condition CEL refused, with where: {@code line} and {@code column} are 1-based. */
    public record ConditionError(boolean success, String error, String field, String reason, int line, int column) {
    }

    /**
     * A stored definition with how many users are in the segment now, and how far the backfill of the catalog that
     * holds it went (its users are all evaluated once it is {@code complete}).
     */
    public record SegmentView(String id, String name, String condition, boolean enabled, Instant updatedAt, long memberCount,
                              BackfillStatus.State backfill) {
    }

    /** The body of {@code PUT /v1/segments/{id}}, for the OpenAPI document (the resource reads the JSON itself). */
    @Schema(name = "SegmentInput", requiredProperties = "condition")
    public record SegmentInput(
            @Schema(description = "shown in lists; the id when left out or blank", maxLength = MAX_NAME_LENGTH) String name,
            @Schema(description = "a CEL expression over the user's profile that evaluates to a bool (docs/engine.md)",
                    maxLength = RuleCompiler.MAX_CONDITION_LENGTH, examples = "count(\"add_to_cart\") >= 2") String condition,
            @Schema(description = "false exits every member, as deleting does", defaultValue = "true") Boolean enabled) {
    }

    /** The body of {@code POST /v1/segments/validate}. */
    @Schema(name = "ConditionInput", requiredProperties = "condition")
    public record ConditionInput(@Schema(maxLength = RuleCompiler.MAX_CONDITION_LENGTH) String condition) {
    }

    /** The body of {@code POST /v1/segments/preview}. */
    @Schema(name = "PreviewInput", requiredProperties = {"condition", "userId"})
    public record PreviewInput(@Schema(maxLength = RuleCompiler.MAX_CONDITION_LENGTH) String condition,
                               @Schema(maxLength = UserIds.MAX_LENGTH) String userId) {
    }

    /** The answer of {@code GET /v1/segments}, for the OpenAPI document. */
    @Schema(name = "SegmentList")
    public record SegmentList(List<SegmentView> segments) {
    }

    /** A condition that compiles, with what it reads (the engine's own analysis of it). */
    public record Validation(boolean valid, Reads reads) {
    }

    private final SegmentRepository segments;
    private final MemberIndex members;
    private final ConditionPreview preview;
    private final BackfillStatus backfill;
    private final RuleCompiler compiler = new RuleCompiler();
    /** Listing segments compiles each condition once, not per request. */
    private final Map<String, Reads> readsByCondition = new java.util.concurrent.ConcurrentHashMap<>();

    SegmentsResource(SegmentRepository segments, MemberIndex members, ConditionPreview preview, BackfillStatus backfill) {
        this.segments = segments;
        this.members = members;
        this.preview = preview;
        this.backfill = backfill;
    }

    @GET
    @RetriedOnLostConnection
    @APIResponse(responseCode = "200", description = "every definition, with its member count and backfill",
            content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = SegmentList.class)))
    public Map<String, List<SegmentView>> list() {
        BackfillStatus.Snapshot state = backfill.snapshot();
        return Map.of("segments", segments.all().stream().map(d -> view(d, state)).toList());
    }

    @GET
    @RetriedOnLostConnection
    @Path("{id}")
    @APIResponse(responseCode = "200", description = "the definition, with its member count and backfill",
            content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = SegmentView.class)))
    @APIResponse(responseCode = "404", description = "no such segment")
    public SegmentView get(@PathParam("id") String id) {
        return segments.find(checkedId(id)).map(d -> view(d, backfill.snapshot()))
                .orElseThrow(() -> ApiException.notFound("id", "no segment " + id));
    }

    @PUT
    @Path("{id}")
    @Consumes(MediaType.WILDCARD)
    @APIResponse(responseCode = "201", description = "created: the stored definition, with warnings when it reads a segment not defined or disabled",
            content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = SegmentDefinition.class)))
    @APIResponse(responseCode = "200", description = "replaced: the stored definition, with warnings when it reads a segment not defined or disabled",
            content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = SegmentDefinition.class)))
    @APIResponse(responseCode = "400", description = "invalid_condition (with line and column) or invalid_request, naming the field",
            content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = ConditionError.class)))
    public Response put(@PathParam("id") String id,
                        @RequestBody(required = true, content = @Content(mediaType = MediaType.APPLICATION_JSON,
                                schema = @Schema(implementation = SegmentInput.class),
                                examples = @ExampleObject(name = "cart-lovers",
                                        value = "{\"name\": \"Cart lovers\", \"condition\": \"count(\\\"add_to_cart\\\") >= 2\"}")))
                        InputStream body) {
        JsonNode json = JsonBodies.object(body);
        JsonBodies.unknownField(json, PUT_FIELDS).ifPresent(field -> {
            throw ApiException.badRequest(field, JsonBodies.unknownFieldReason(Set.of("name", "condition", "enabled")));
        });
        String condition = JsonBodies.requiredText(json, "condition", RuleCompiler.MAX_CONDITION_LENGTH);
        String name = JsonBodies.optionalText(json, "name", MAX_NAME_LENGTH);
        JsonNode enabled = json.get("enabled");
        if (enabled != null && !enabled.isNull() && !enabled.isBoolean()) {
            throw ApiException.badRequest("enabled", "must be true or false");
        }
        CompiledCondition compiled = compiled(condition);
        // A blank name is no name: lists would show nothing to tell the segment by.
        SegmentDefinition definition = new SegmentDefinition(checkedId(id), name != null && !name.isBlank() ? name : id, condition,
                enabled == null || enabled.isNull() || enabled.asBoolean(), Instant.now());
        AtomicReference<List<SegmentDefinition>> catalog = new AtomicReference<>(List.of());
        boolean created = segments.save(definition, stored -> {
            refuseCycles(definition.id(), compiled, stored);
            catalog.set(stored);
        });
        ObjectNode answer = Json.MAPPER.valueToTree(definition);
        warnings(compiled, catalog.get()).ifPresent(warnings -> answer.set("warnings", warnings));
        return Response.status(created ? Response.Status.CREATED : Response.Status.OK).entity(answer).build();
    }

    /**
     * What was saved but reads a segment that answers false for everyone: one no one defined (a typo, or a segment
     * still to come) or one disabled. Saved all the same, since a segment may be defined before those it reads.
     */
    private static Optional<ArrayNode> warnings(CompiledCondition condition, List<SegmentDefinition> catalog) {
        Map<String, SegmentDefinition> byId = new HashMap<>();
        catalog.forEach(stored -> byId.put(stored.id(), stored));
        ArrayNode warnings = Json.MAPPER.createArrayNode();
        for (String read : new java.util.TreeSet<>(condition.reads().segments())) {
            SegmentDefinition stored = byId.get(read);
            if (stored == null) {
                warnings.addObject().put("field", "condition").put("reason",
                        "no segment " + read + " is defined: inSegment(\"" + read + "\") is false for everyone until it is");
            } else if (!stored.enabled()) {
                warnings.addObject().put("field", "condition").put("reason",
                        "segment " + read + " is disabled: inSegment(\"" + read + "\") is false for everyone while it is");
            }
        }
        return warnings.isEmpty() ? Optional.empty() : Optional.of(warnings);
    }

    @DELETE
    @Path("{id}")
    @APIResponse(responseCode = "204", description = "deleted: its members exit (cause segment-removed)")
    @APIResponse(responseCode = "404", description = "no such segment; nothing changes")
    public Response delete(@PathParam("id") String id) {
        if (!segments.delete(checkedId(id))) {
            throw ApiException.notFound("id", "no segment " + id);
        }
        return Response.noContent().build();
    }

    /** Checks a condition without saving it: 200 with what it reads, or 400 {@code invalid_condition} with the position. */
    @POST
    @Path("validate")
    @Consumes(MediaType.WILDCARD)
    @APIResponse(responseCode = "200", description = "the condition compiles; what it reads",
            content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = Validation.class)))
    @APIResponse(responseCode = "400", description = "invalid_condition with line and column",
            content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = ConditionError.class)))
    public Validation validate(@RequestBody(required = true, content = @Content(mediaType = MediaType.APPLICATION_JSON,
            schema = @Schema(implementation = ConditionInput.class))) InputStream body) {
        CompiledCondition condition = compiled(JsonBodies.requiredText(JsonBodies.object(body), "condition", RuleCompiler.MAX_CONDITION_LENGTH));
        return new Validation(true, condition.reads());
    }

    /** Evaluates {@code condition} against the current profile of {@code userId}: the result and the values it read. */
    @POST
    @Path("preview")
    @Consumes(MediaType.WILDCARD)
    @APIResponse(responseCode = "200", description = "the user's answer and the values the condition read",
            content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = Preview.class)))
    @APIResponse(responseCode = "400", description = "invalid_condition with line and column, or invalid_request naming userId",
            content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = ConditionError.class)))
    public Preview preview(@RequestBody(required = true, content = @Content(mediaType = MediaType.APPLICATION_JSON,
            schema = @Schema(implementation = PreviewInput.class))) InputStream body) {
        JsonNode json = JsonBodies.object(body);
        CompiledCondition condition = compiled(JsonBodies.requiredText(json, "condition", RuleCompiler.MAX_CONDITION_LENGTH));
        String userId = UserIds.checked(JsonBodies.requiredText(json, "userId", UserIds.MAX_LENGTH));
        return preview.evaluate(condition, userId);
    }

    /** inSegment(...) must not loop back to the segment being saved: the engine evaluates in dependency order. */
    private void refuseCycles(String id, CompiledCondition condition, List<SegmentDefinition> definitions) {
        Map<String, Set<String>> dependsOn = new HashMap<>();
        for (SegmentDefinition stored : definitions) {
            try {
                dependsOn.put(stored.id(), compiler.compile(stored.condition()).reads().segments());
            } catch (RuleSyntaxException skipped) {
                // a condition that no longer compiles: the engine skips it too, so it depends on nothing
            }
        }
        dependsOn.put(id, condition.reads().segments());
        try {
            SegmentDependencies.topologicalOrder(dependsOn);
        } catch (SegmentDependencies.CycleException e) {
            throw new ApiException(Response.Status.BAD_REQUEST, new ConditionError(false, "invalid_condition", "condition",
                    e.getMessage(), 1, 1));
        }
    }

    private SegmentView view(SegmentDefinition d, BackfillStatus.Snapshot state) {
        return new SegmentView(d.id(), d.name(), d.condition(), d.enabled(), d.updatedAt(), members.count(d.id()),
                BackfillStatus.of(state, readsOf(d.condition())));
    }

    /** What a stored condition reads; one that no longer compiles reads nothing (the engine skips it). */
    private Reads readsOf(String condition) {
        Reads reads = readsByCondition.get(condition);
        if (reads == null) {
            try {
                reads = compiler.compile(condition).reads();
            } catch (RuleSyntaxException e) {
                reads = compiler.compile("true").reads();
            }
            if (readsByCondition.size() < 10_000) {
                readsByCondition.put(condition, reads);
            }
        }
        return reads;
    }

    private CompiledCondition compiled(String condition) {
        try {
            return compiler.compile(condition);
        } catch (RuleSyntaxException e) {
            throw new ApiException(Response.Status.BAD_REQUEST,
                    new ConditionError(false, "invalid_condition", "condition", e.getMessage(), e.line(), e.column()));
        }
    }

    private static String checkedId(String id) {
        if (!SegmentDefinition.isValidId(id)) {
            throw ApiException.badRequest("id", "must match " + SegmentDefinition.ID_PATTERN.pattern());
        }
        return id;
    }
}

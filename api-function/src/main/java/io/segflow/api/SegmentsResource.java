package io.segflow.api;

import com.fasterxml.jackson.databind.JsonNode;
import io.segflow.api.segments.BackfillStatus;
import io.segflow.api.segments.ConditionPreview;
import io.segflow.api.segments.ConditionPreview.Preview;
import io.segflow.api.segments.MemberIndex;
import io.segflow.api.users.UserIds;
import io.segflow.core.engine.SegmentDependencies;
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

/** Admin API for segment definitions. Conditions are compiled at save time, so a stored condition always compiles. */
@Path("/v1/segments")
@AdminOnly
@Produces(MediaType.APPLICATION_JSON)
public class SegmentsResource {
    private static final int MAX_NAME_LENGTH = 200;

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
    public Map<String, List<SegmentView>> list() {
        BackfillStatus.Snapshot state = backfill.snapshot();
        return Map.of("segments", segments.all().stream().map(d -> view(d, state)).toList());
    }

    @GET
    @Path("{id}")
    public SegmentView get(@PathParam("id") String id) {
        return segments.find(checkedId(id)).map(d -> view(d, backfill.snapshot()))
                .orElseThrow(() -> ApiException.notFound("id", "no segment " + id));
    }

    @PUT
    @Path("{id}")
    @Consumes(MediaType.WILDCARD)
    public Response put(@PathParam("id") String id, InputStream body) {
        JsonNode json = JsonBodies.object(body);
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
        boolean created = segments.save(definition, stored -> refuseCycles(definition.id(), compiled, stored));
        return Response.status(created ? Response.Status.CREATED : Response.Status.OK).entity(definition).build();
    }

    @DELETE
    @Path("{id}")
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
    public Validation validate(InputStream body) {
        CompiledCondition condition = compiled(JsonBodies.requiredText(JsonBodies.object(body), "condition", RuleCompiler.MAX_CONDITION_LENGTH));
        return new Validation(true, condition.reads());
    }

    /** Evaluates {@code condition} against the current profile of {@code userId}: the result and the values it read. */
    @POST
    @Path("preview")
    @Consumes(MediaType.WILDCARD)
    public Preview preview(InputStream body) {
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

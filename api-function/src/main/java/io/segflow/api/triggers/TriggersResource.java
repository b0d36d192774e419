package io.segflow.api.triggers;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.segflow.api.AdminOnly;
import io.segflow.api.ApiException;
import io.segflow.api.JsonBodies;
import io.segflow.api.OpenApiDocument;
import io.segflow.api.SegmentRepository;
import io.segflow.api.SegmentsResource;
import io.segflow.api.redis.RetriedOnLostConnection;
import io.segflow.core.api.ErrorBody;
import io.segflow.core.json.Json;
import io.segflow.core.rules.SegmentDefinition;
import io.segflow.core.trigger.DeliveryEntry;
import io.segflow.core.trigger.InvalidTriggerException;
import io.segflow.core.trigger.TriggerAction;
import io.segflow.core.trigger.TriggerCodec;
import io.segflow.core.trigger.TriggerDefinition;
import io.segflow.core.trigger.When;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.DefaultValue;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.PUT;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.io.InputStream;
import java.security.SecureRandom;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.eclipse.microprofile.openapi.annotations.enums.SchemaType;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.ExampleObject;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.parameters.RequestBody;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;

/** Admin API for trigger definitions, their deliveries, replays and test calls (docs/triggers.md). */
@Path("/v1/triggers")
@AdminOnly
@Produces(MediaType.APPLICATION_JSON)
@APIResponse(responseCode = "401", description = OpenApiDocument.NO_ADMIN_KEY)
@APIResponse(responseCode = "403", description = OpenApiDocument.NOT_ADMIN)
@APIResponse(responseCode = "503", description = OpenApiDocument.REDIS_UNAVAILABLE)
public class TriggersResource {
    private static final int MAX_LIMIT = DeliveryEntry.KEPT;

    /** The example of the OpenAPI document: the cart reminder of docs/triggers.md. */
    private static final String CART_REMINDER = """
            {"name": "Cart reminder", "when": {"segment": "cart-abandoners", "change": "entered"},
             "delay": "30m", "cooldown": "24h", "cap": {"count": 3, "per": "7d"},
             "action": {"type": "webhook", "url": "https://hooks.example.com/cart"}, "enabled": true}""";

    /** An expression CEL refused, with where: {@code line} and {@code column} are 1-based. */
    public record ConditionError(boolean success, String error, String field, String reason, int line, int column) {
    }

    /** The answer of {@code GET /v1/triggers}, for the OpenAPI document. */
    @Schema(name = "TriggerList")
    public record TriggerList(List<Map<String, Object>> triggers) {
    }

    /** The answer of {@code GET /v1/triggers/{id}/deliveries}, for the OpenAPI document. */
    @Schema(name = "DeliveriesLog")
    public record DeliveriesLog(String triggerId, @Schema(description = "newest first") List<DeliveryView> deliveries) {
    }

    private final TriggerRepository triggers;
    private final SegmentRepository segments;
    private final TestDelivery tests;
    private final SecureRandom random = new SecureRandom();

    TriggersResource(TriggerRepository triggers, SegmentRepository segments, TestDelivery tests) {
        this.triggers = triggers;
        this.segments = segments;
        this.tests = tests;
    }

    @GET
    @RetriedOnLostConnection
    @APIResponse(responseCode = "200", description = "every stored definition, as GET /v1/triggers/{id} answers each",
            content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = TriggerList.class)))
    public Map<String, List<JsonNode>> list() {
        return Map.of("triggers", triggers.allStored().entrySet().stream().map(e -> view(e.getKey(), e.getValue())).toList());
    }

    @GET
    @RetriedOnLostConnection
    @Path("{id}")
    @APIResponse(responseCode = "200", description = "the stored definition (with disabled after a 410, invalid when it no longer reads)",
            content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(type = SchemaType.OBJECT)))
    @APIResponse(responseCode = "404", description = "no such trigger")
    public JsonNode get(@PathParam("id") String id) {
        return view(id, triggers.stored(checkedId(id)).orElseThrow(() -> ApiException.notFound("id", "no trigger " + id)));
    }

    /**
     * Creates or replaces a trigger. A webhook without a secret keeps the secrets of the webhook it replaces (receivers
     * verify with them), else gets a new one, answered here (and on GET).
     */
    @PUT
    @Path("{id}")
    @Consumes(MediaType.WILDCARD)
    @APIResponse(responseCode = "201", description = "created: the stored definition, with warnings when its segment is not defined",
            content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(type = SchemaType.OBJECT)))
    @APIResponse(responseCode = "200", description = "replaced: the stored definition, with warnings when its segment is not defined",
            content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(type = SchemaType.OBJECT)))
    @APIResponse(responseCode = "400", description = "invalid_condition (with line and column) or invalid_trigger, naming the field",
            content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = SegmentsResource.ConditionError.class)))
    public Response put(@PathParam("id") String id,
                        @RequestBody(required = true, description = "name, when, delay, cooldown, cap, action, enabled (docs/triggers.md)",
                                content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(type = SchemaType.OBJECT,
                                        requiredProperties = {"when", "action"}),
                                        examples = @ExampleObject(name = "cart-reminder", value = CART_REMINDER)))
                        InputStream body) {
        JsonNode json = JsonBodies.object(body);
        JsonNode action = json.get("action");
        if (action instanceof ObjectNode object && "webhook".equals(object.path("type").asText())
                && !object.hasNonNull("secret") && !object.hasNonNull("secrets")) {
            Optional<List<String>> kept = storedSecrets(checkedId(id));
            if (kept.isPresent()) {
                kept.get().forEach(object.putArray("secrets")::add);
            } else {
                object.put("secret", TriggerCodec.newSecret(random));
            }
        }
        checkGivenSecrets(action);
        TriggerDefinition definition;
        try {
            definition = triggers.codec().read(id, json, Instant.now());
        } catch (InvalidTriggerException e) {
            throw refusal(e);
        }
        boolean created = triggers.save(definition);
        ObjectNode answer = (ObjectNode) view(definition);
        warnings(definition).ifPresent(warnings -> answer.set("warnings", warnings));
        return Response.status(created ? Response.Status.CREATED : Response.Status.OK).entity(answer).build();
    }

    /**
     * What was saved but will not fire as it stands: a segment trigger on a segment no one defined (a typo, or a
     * segment still to come). Saved all the same, since a trigger may be defined before its segment.
     */
    private Optional<ArrayNode> warnings(TriggerDefinition definition) {
        if (!(definition.when() instanceof When.SegmentChanged changed) || segments.find(changed.segment()).isPresent()) {
            return Optional.empty();
        }
        ArrayNode warnings = Json.MAPPER.createArrayNode();
        warnings.addObject().put("field", "when.segment")
                .put("reason", "no segment " + changed.segment() + " is defined: the trigger fires once it is");
        return Optional.of(warnings);
    }

    @DELETE
    @Path("{id}")
    @APIResponse(responseCode = "204", description = "deleted: its waiting firings are cancelled as they come due")
    @APIResponse(responseCode = "404", description = "no such trigger")
    public Response delete(@PathParam("id") String id) {
        if (!triggers.delete(checkedId(id))) {
            throw ApiException.notFound("id", "no trigger " + id);
        }
        return Response.noContent().build();
    }

    /** The latest firings, newest first: delivered, retrying (with the next attempt), dead, suppressed (with why). */
    @GET
    @RetriedOnLostConnection
    @Path("{id}/deliveries")
    @APIResponse(responseCode = "200", description = "the latest firings, newest first (the last " + MAX_LIMIT + " are kept)",
            content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = DeliveriesLog.class)))
    @APIResponse(responseCode = "400", description = "invalid_request naming limit (1 to " + MAX_LIMIT + ") or id")
    @APIResponse(responseCode = "404", description = "no such trigger")
    public Map<String, Object> deliveries(@PathParam("id") String id, @QueryParam("limit") @DefaultValue("100") String limit) {
        exists(id);
        int count;
        try {
            count = Integer.parseInt(limit);
        } catch (NumberFormatException e) {
            count = -1;
        }
        if (count < 1 || count > MAX_LIMIT) {
            throw ApiException.badRequest("limit", "must be an integer from 1 to " + MAX_LIMIT);
        }
        return Map.of("triggerId", id, "deliveries", triggers.deliveries(id, count).stream().map(DeliveryView::of).toList());
    }

    /** Delivers a logged firing again, from its first attempt, with the same id (receivers deduplicate on it). */
    @POST
    @Path("{id}/deliveries/{deliveryId}/replay")
    @APIResponse(responseCode = "202", description = "scheduled again from its first attempt, with the same id",
            content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = DeliveryView.class)))
    @APIResponse(responseCode = "400", description = "invalid_request: the log entry has nothing to deliver, or a malformed id")
    @APIResponse(responseCode = "404", description = "no such trigger, or no such delivery in its log")
    @APIResponse(responseCode = "409", description = "trigger_disabled: save it enabled, then replay;"
            + " or invalid_trigger: the stored definition no longer reads, save it again")
    public Response replay(@PathParam("id") String id, @PathParam("deliveryId") String deliveryId) {
        TriggerDefinition trigger = found(id);
        if (!trigger.enabled() || triggers.disabled(id).isPresent()) {
            // trigger-function would cancel it at once: the replay would be answered "scheduled" for nothing.
            throw new ApiException(Response.Status.CONFLICT, ErrorBody.of("trigger_disabled", "enabled",
                    "the trigger is disabled and would not deliver the replay; save it enabled, then replay"));
        }
        DeliveryEntry entry = triggers.delivery(id, deliveryId)
                .orElseThrow(() -> ApiException.notFound("deliveryId", "no delivery " + deliveryId + " in the log of " + id));
        if (entry.firing() == null) {
            throw ApiException.badRequest("deliveryId", "this log entry has nothing to deliver");
        }
        return Response.accepted(DeliveryView.of(triggers.replay(entry))).build();
    }

    /** A signed {@code trigger.test} call to the trigger's webhook, now; answers what the endpoint said. */
    @POST
    @Path("{id}/test")
    @Consumes(MediaType.WILDCARD)
    @APIResponse(responseCode = "200", description = "what the webhook answered the signed trigger.test call (delivered or not)",
            content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = TestDelivery.Result.class)))
    @APIResponse(responseCode = "400", description = "invalid_request naming action.type (test calls go to webhooks only), or a malformed id")
    @APIResponse(responseCode = "404", description = "no such trigger")
    @APIResponse(responseCode = "409", description = "invalid_trigger: the stored definition no longer reads; save it again")
    public TestDelivery.Result test(@PathParam("id") String id) throws InterruptedException {
        TriggerDefinition trigger = found(id);
        if (!(trigger.action() instanceof TriggerAction.Webhook webhook)) {
            throw ApiException.badRequest("action.type", "test deliveries go to webhooks; this trigger's action is " + trigger.action().type());
        }
        return tests.send(trigger, webhook);
    }

    /** The trigger's definition; 409 when what is stored no longer reads (it does not fire until saved again). */
    private TriggerDefinition found(String id) {
        try {
            return triggers.find(checkedId(id)).orElseThrow(() -> ApiException.notFound("id", "no trigger " + id));
        } catch (InvalidTriggerException e) {
            throw new ApiException(Response.Status.CONFLICT, ErrorBody.of("invalid_trigger", e.field(),
                    "the stored definition no longer reads (" + e.getMessage() + "): save it again"));
        }
    }

    private void exists(String id) {
        triggers.stored(checkedId(id)).orElseThrow(() -> ApiException.notFound("id", "no trigger " + id));
    }

    /**
     * A stored definition as answered. One the codec refuses is shown as stored, with
     * {@code "enabled": false} (trigger-function skips it) and {@code invalid} saying why, so that it can be saved again.
     */
    private JsonNode view(String id, String stored) {
        try {
            return view(triggers.codec().readStored(stored));
        } catch (InvalidTriggerException | IllegalArgumentException e) {
            ObjectNode json = Json.read(stored, ObjectNode.class);
            json.put("id", id);
            json.put("enabled", false);
            json.putObject("invalid").put("field", e instanceof InvalidTriggerException invalid ? invalid.field() : "$")
                    .put("reason", e.getMessage());
            return json;
        }
    }

    /**
     * The definition as stored, except that {@code enabled} says whether the trigger fires now: false while a 410 holds
     * it disabled ({@code disabled} says why and since when), until it is saved again.
     */
    private JsonNode view(TriggerDefinition definition) {
        ObjectNode json = TriggerCodec.tree(definition);
        triggers.disabled(definition.id()).ifPresent(why -> {
            json.put("enabled", false);
            json.set("disabled", why);
        });
        return json;
    }

    /** The secrets of the stored trigger, if it is a webhook (read as stored: also one whose definition no longer reads). */
    private Optional<List<String>> storedSecrets(String id) {
        return triggers.stored(id).map(stored -> Json.read(stored, JsonNode.class).path("action"))
                .filter(action -> "webhook".equals(action.path("type").asText()))
                .map(action -> texts(action.has("secrets") ? action.get("secrets") : List.of(action.path("secret"))))
                .filter(secrets -> !secrets.isEmpty() && secrets.stream().allMatch(secret -> secret.startsWith(TriggerCodec.SECRET_PREFIX)));
    }

    private static List<String> texts(Iterable<JsonNode> nodes) {
        List<String> texts = new ArrayList<>();
        nodes.forEach(node -> texts.add(node.asText()));
        return texts;
    }

    /** A webhook secret given in another form is malformed, not missing: say what it must be. */
    private static void checkGivenSecrets(JsonNode action) {
        if (action == null || !"webhook".equals(action.path("type").asText())) {
            return;
        }
        JsonNode secrets = action.get("secrets");
        if (secrets != null && secrets.isArray()) {
            for (int i = 0; i < secrets.size(); i++) {
                checkGivenSecret(secrets.get(i), "action.secrets[" + i + "]");
            }
        } else if (secrets == null) {
            checkGivenSecret(action.get("secret"), "action.secret");
        }
    }

    private static void checkGivenSecret(JsonNode secret, String field) {
        if (secret != null && !secret.isNull() && (!secret.isTextual() || !secret.asText().startsWith(TriggerCodec.SECRET_PREFIX))) {
            throw new ApiException(Response.Status.BAD_REQUEST, ErrorBody.of("invalid_trigger", field,
                    "is malformed: a secret is \"" + TriggerCodec.SECRET_PREFIX + "\" followed by 24 to 64 random bytes in base64;"
                            + " leave it out to have one generated"));
        }
    }

    private static ApiException refusal(InvalidTriggerException e) {
        if (e.isCondition()) {
            return new ApiException(Response.Status.BAD_REQUEST,
                    new ConditionError(false, "invalid_condition", e.field(), e.getMessage(), e.line(), e.column()));
        }
        return new ApiException(Response.Status.BAD_REQUEST, ErrorBody.of("invalid_trigger", e.field(), e.getMessage()));
    }

    private static String checkedId(String id) {
        if (!SegmentDefinition.isValidId(id)) {
            throw ApiException.badRequest("id", "must match " + SegmentDefinition.ID_PATTERN.pattern());
        }
        return id;
    }
}

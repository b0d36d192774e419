package io.segflow.api;

import io.segflow.api.auth.ReaderAccess;
import io.segflow.core.api.ErrorBody;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;
import java.util.List;
import org.eclipse.microprofile.openapi.OASFactory;
import org.eclipse.microprofile.openapi.OASFilter;
import org.eclipse.microprofile.openapi.models.OpenAPI;
import org.eclipse.microprofile.openapi.models.PathItem;
import org.eclipse.microprofile.openapi.models.headers.Header;
import org.eclipse.microprofile.openapi.models.media.Schema;
import org.eclipse.microprofile.openapi.models.media.Schema.SchemaType;
import org.eclipse.microprofile.openapi.models.parameters.Parameter;
import org.eclipse.microprofile.openapi.models.responses.APIResponse;

/**
 * What the resources' annotations leave out of the OpenAPI document, added once when it is built (registered as
 * {@code mp.openapi.filter}): the JSON {@link ErrorBody} of every 4xx and 5xx answer, with the headers
 * {@link ApiException#headers()} sends with it, and the WebSocket, which is no REST resource. The resources list each
 * status they answer, with what it means there; the descriptions several share are here.
 */
public class OpenApiDocument implements OASFilter {
    static final String ERROR_BODY = "ErrorBody";
    static final String WEB_SOCKET = "/v1/users/{userId}/segments/ws";

    public static final String NO_ADMIN_KEY = "unauthorized: admin calls need 'Authorization: Bearer <admin key>'";
    public static final String NOT_ADMIN = "forbidden: a server key is read-only, admin calls need the admin key;"
            + " or origin_not_allowed: an Origin not in SEGFLOW_CORS_ORIGINS";
    public static final String NO_KEY = "unauthorized: this read needs 'Authorization: Bearer <admin key or server key>'";
    public static final String ORIGIN_NOT_ALLOWED = "origin_not_allowed: an Origin not in SEGFLOW_CORS_ORIGINS";
    public static final String BAD_USER_ID = "invalid_request naming userId: 1 to 256 characters, no control characters, not . or ..";
    public static final String NO_TOKEN = "unauthorized: a token missing, malformed, expired, signed with another key or living"
            + " longer than SEGFLOW_TOKENS_MAX_TTL (field token, the reason says which)";
    public static final String NOT_THIS_USER = "forbidden: the token is for another user; or origin_not_allowed:"
            + " an Origin not in SEGFLOW_CORS_ORIGINS";
    public static final String MERGE_CHAIN = "merge_chain_too_long: the id leads through more than 5 merges; retry later";
    public static final String REDIS_UNAVAILABLE = "unavailable: Redis cannot serve now (the reason says why); retry after"
            + " Retry-After. A write was not made, unless Redis did not answer in time: sending it again is safe";

    @Override
    public void filterOpenAPI(OpenAPI openApi) {
        if (openApi.getComponents() == null) {
            openApi.setComponents(OASFactory.createComponents());
        }
        openApi.getComponents().addSchema(ERROR_BODY, errorBody());
        if (openApi.getPaths() == null) {
            openApi.setPaths(OASFactory.createPaths());
        }
        openApi.getPaths().addPathItem(WEB_SOCKET, webSocket());
        openApi.getPaths().getPathItems().values().forEach(path -> path.getOperations().values().forEach(operation -> {
            if (operation.getResponses() != null && operation.getResponses().getAPIResponses() != null) {
                operation.getResponses().getAPIResponses().forEach(OpenApiDocument::describeError);
            }
        }));
    }

    private static void describeError(String status, APIResponse response) {
        if (!status.startsWith("4") && !status.startsWith("5")) {
            return;
        }
        if (response.getContent() == null || response.getContent().getMediaTypes() == null
                || response.getContent().getMediaTypes().isEmpty()) {
            response.setContent(OASFactory.createContent().addMediaType(MediaType.APPLICATION_JSON,
                    OASFactory.createMediaType().schema(OASFactory.createSchema().ref(ERROR_BODY))));
        }
        switch (status) {
            case "401" -> response.addHeader(HttpHeaders.WWW_AUTHENTICATE, header("always Bearer", SchemaType.STRING));
            case "503" -> response.addHeader(HttpHeaders.RETRY_AFTER,
                    header("seconds to wait before trying again (" + ApiException.RETRY_AFTER_SECONDS + ")", SchemaType.INTEGER));
            default -> { }
        }
    }

    private static Header header(String description, SchemaType type) {
        return OASFactory.createHeader().description(description).schema(typed(type));
    }

    private static Schema typed(SchemaType type) {
        return OASFactory.createSchema().type(List.of(type));
    }

    /** The body {@link ErrorBody} writes: every field is always there, {@code field} null when no one field is at fault. */
    private static Schema errorBody() {
        return typed(SchemaType.OBJECT)
                .description("the body of every 4xx and 5xx answer")
                .required(List.of("success", "error", "field", "reason"))
                .addProperty("success", typed(SchemaType.BOOLEAN).constValue(false))
                .addProperty("error", typed(SchemaType.STRING)
                        .description("a code to act on: invalid_request, malformed_json, unauthorized, forbidden,"
                                + " not_found, unavailable, ...")
                        .examples(List.of("invalid_request")))
                .addProperty("field", OASFactory.createSchema().type(List.of(SchemaType.STRING, SchemaType.NULL))
                        .description("what it is about: a JSON path in the body (weights.page), a parameter or a header;"
                                + " null when it concerns the whole request")
                        .examples(List.of("userId")))
                .addProperty("reason", typed(SchemaType.STRING)
                        .description("why, for a person to read")
                        .examples(List.of("must be 1 to 256 characters")));
    }

    /**
     * The WebSocket's upgrade request, as far as OpenAPI describes one: its refusals are plain JSON answers, as the
     * SSE stream gives them; the messages after the upgrade are in the description.
     */
    private static PathItem webSocket() {
        return OASFactory.createPathItem().GET(OASFactory.createOperation()
                .summary("a user's membership changes over a WebSocket (segflow.js uses the SSE stream)")
                .description("""
                        Text messages: {"type":"state","userId","segments":[...],"version"} first (with "mergedFrom" on a \
                        merged id), then {"type":"change","userId","segmentId","change","at","version"}. The server closes \
                        the socket with 4409 (merge_chain_too_long), 1013 (Redis cannot serve the state; try again later) \
                        or 1000 (the user was erased; connect again for the new state).""")
                .addParameter(OASFactory.createParameter().name("userId").in(Parameter.In.PATH).required(true)
                        .schema(typed(SchemaType.STRING)))
                .addParameter(OASFactory.createParameter().name(ReaderAccess.TOKEN_QUERY_PARAMETER).in(Parameter.In.QUERY)
                        .description("the user token (a browser cannot set headers on a WebSocket)")
                        .schema(typed(SchemaType.STRING)))
                .responses(OASFactory.createAPIResponses()
                        .addAPIResponse("101", OASFactory.createAPIResponse().description("Switching Protocols: the socket is open"))
                        .addAPIResponse("400", OASFactory.createAPIResponse().description(BAD_USER_ID))
                        .addAPIResponse("401", OASFactory.createAPIResponse().description(NO_TOKEN))
                        .addAPIResponse("403", OASFactory.createAPIResponse().description(NOT_THIS_USER))));
    }
}

package io.segflow.ingest.cloudevents;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.segflow.core.json.Json;
import java.util.Map;

/**
 * One CloudEvent as received, in any content mode.
 *
 * @param index           its position in a batched request, or null
 * @param attributePath   how its attributes are named in errors: {@code ce-} (binary), empty (structured) or
 *                        {@code [2].} (batched)
 * @param attributes      context attributes and extensions by lower-case name, as strings
 * @param data            its data, or null when it has none
 * @param dataBase64      its {@code data_base64} (structured mode), decoded when mapped
 * @param dataPath        the JSON path of the data in errors: empty (binary: the body), {@code data}, {@code [2].data}
 * @param bytes           its size as sent, which the 32 KB event limit applies to
 */
public record CloudEvent(Integer index, String attributePath, Map<String, String> attributes, JsonNode data,
                         String dataBase64, String dataPath, int bytes) {

    public static final String SPEC_VERSION = "1.0";

    public String attribute(String name) {
        String value = attributes.get(name);
        return value == null || value.isEmpty() ? null : value;
    }

    /** Its structured-mode JSON, for the dead-letter topic. */
    public JsonNode toJson() {
        ObjectNode json = Json.MAPPER.createObjectNode();
        attributes.forEach(json::put);
        if (data != null) {
            json.set("data", data);
        }
        if (dataBase64 != null) {
            json.put("data_base64", dataBase64);
        }
        return json;
    }
}

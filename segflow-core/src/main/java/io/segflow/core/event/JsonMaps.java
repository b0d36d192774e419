package io.segflow.core.event;

import com.fasterxml.jackson.core.type.TypeReference;
import java.util.Map;

final class JsonMaps {
    static final TypeReference<Map<String, Object>> MAP_TYPE = new TypeReference<>() {
    };

    private JsonMaps() {
    }
}

package io.segflow.core.profile;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Converts JSON-decoded values to the Java types CEL expects: ints are Long, decimals are Double. */
public final class CelValues {
    private CelValues() {
    }

    public static Object fromJson(Object value) {
        if (value instanceof Integer || value instanceof Short || value instanceof Byte) {
            return ((Number) value).longValue();
        }
        if (value instanceof BigInteger big) {
            return big.bitLength() < 64 ? big.longValue() : big.doubleValue();
        }
        if (value instanceof Float || value instanceof BigDecimal) {
            return ((Number) value).doubleValue();
        }
        if (value instanceof Map<?, ?> map) {
            Map<String, Object> converted = new LinkedHashMap<>();
            map.forEach((k, v) -> {
                if (v != null) {
                    converted.put(String.valueOf(k), fromJson(v));
                }
            });
            return converted;
        }
        if (value instanceof List<?> list) {
            List<Object> converted = new ArrayList<>(list.size());
            for (Object item : list) {
                converted.add(item == null ? com.google.protobuf.NullValue.NULL_VALUE : fromJson(item));
            }
            return converted;
        }
        return value;
    }
}

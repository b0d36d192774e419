package io.segflow.core.api;

/**
 * The JSON body of every 4xx/5xx answer of every function: a machine-readable error code, the field it is
 * about (a JSON path such as {@code batch[2].event}, or null when it concerns the whole request) and why.
 */
public record ErrorBody(boolean success, String error, String field, String reason) {

    public static ErrorBody of(String error, String field, String reason) {
        return new ErrorBody(false, error, field, reason);
    }
}

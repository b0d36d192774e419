package io.segflow.core.event;

/** An event that breaks the schema; {@link #field()} is a JSON path such as {@code batch[3].event}. */
public final class InvalidEventException extends RuntimeException {
    private final String field;
    private final String reason;

    public InvalidEventException(String field, String reason) {
        super(field + ": " + reason);
        this.field = field;
        this.reason = reason;
    }

    public String field() {
        return field;
    }

    public String reason() {
        return reason;
    }

    /** The same error, with the field placed under a parent path (e.g. a batch item). */
    public InvalidEventException under(String parentPath) {
        return new InvalidEventException(parentPath + "." + field, reason);
    }
}

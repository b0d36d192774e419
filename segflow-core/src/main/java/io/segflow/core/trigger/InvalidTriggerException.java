package io.segflow.core.trigger;

/**
 * A trigger definition refused at save: {@code field} is the JSON path of what is wrong ({@code when.change},
 * {@code action.url}); {@code line} and {@code column} are set (1-based) when CEL refused a condition.
 */
public final class InvalidTriggerException extends RuntimeException {
    private final String field;
    private final int line;
    private final int column;

    public InvalidTriggerException(String field, String reason) {
        this(field, reason, 0, 0);
    }

    public InvalidTriggerException(String field, String reason, int line, int column) {
        super(reason);
        this.field = field;
        this.line = line;
        this.column = column;
    }

    public String field() {
        return field;
    }

    /** Whether CEL refused an expression (then {@link #line()} and {@link #column()} say where). */
    public boolean isCondition() {
        return line > 0;
    }

    public int line() {
        return line;
    }

    public int column() {
        return column;
    }
}

package io.segflow.core.rules;

/** A condition that does not compile or type-check; line and column are 1-based, as CEL reports them. */
public final class RuleSyntaxException extends RuntimeException {
    private final int line;
    private final int column;

    public RuleSyntaxException(String message, int line, int column) {
        super(message);
        this.line = line;
        this.column = column;
    }

    public int line() {
        return line;
    }

    public int column() {
        return column;
    }
}

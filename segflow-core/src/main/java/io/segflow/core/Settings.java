package io.segflow.core;

/** The startup checks of the functions' settings: a setting that cannot work stops the start, naming itself. */
public final class Settings {
    private Settings() {
    }

    /** Throws {@code "<property> must be <expected>"} unless {@code valid}. */
    public static void require(boolean valid, String property, String expected) {
        if (!valid) {
            throw new IllegalArgumentException(property + " must be " + expected);
        }
    }
}

package io.segflow.bench;

import java.util.HashMap;
import java.util.Map;
import java.util.Set;

/** The {@code --name value} pairs of a load tool's command line, refusing names it does not know. */
public final class Flags {
    private Flags() {
    }

    public static Map<String, String> parse(String[] args, Set<String> names) {
        Map<String, String> given = new HashMap<>();
        for (int i = 0; i < args.length; i += 2) {
            String name = args[i].startsWith("--") ? args[i].substring(2) : null;
            if (name == null || !names.contains(name) || i + 1 >= args.length) {
                throw new IllegalArgumentException("expected --name value pairs with a name of " + names + ", got " + args[i]);
            }
            given.put(name, args[i + 1]);
        }
        return given;
    }
}

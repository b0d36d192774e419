package io.segflow.testkit;

import java.io.IOException;
import java.net.ServerSocket;
import java.util.HashSet;
import java.util.Set;

/**
 * Ports for the processes a test starts. A port the system says is free is free only until someone binds it: two
 * processes started one after the other may be handed the same one before either binds it (and a health check then
 * reaches the wrong process). So a port is handed out once per JVM.
 */
public final class Ports {
    private static final Set<Integer> HANDED_OUT = new HashSet<>();

    private Ports() {
    }

    /** A port free now that this JVM has not handed out before. */
    public static synchronized int free() {
        for (int attempt = 0; attempt < 100; attempt++) {
            int port;
            try (ServerSocket socket = new ServerSocket(0)) {
                socket.setReuseAddress(true);
                port = socket.getLocalPort();
            } catch (IOException e) {
                throw new IllegalStateException("no free port", e);
            }
            if (HANDED_OUT.add(port)) {
                return port;
            }
        }
        throw new IllegalStateException("no port left that this JVM has not handed out");
    }
}

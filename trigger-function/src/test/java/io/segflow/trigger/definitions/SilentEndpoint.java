package io.segflow.trigger.definitions;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;

/**
 * A loopback port that accepts connections and never answers: each call's request is left unread and the connection
 * held open until {@link #close}, so that only the caller's timeout ends the call.
 */
final class SilentEndpoint implements AutoCloseable {
    private final ServerSocket server;
    private final Queue<Socket> held = new ConcurrentLinkedQueue<>();

    private SilentEndpoint(ServerSocket server) {
        this.server = server;
    }

    static SilentEndpoint start() throws IOException {
        SilentEndpoint endpoint = new SilentEndpoint(new ServerSocket(0, 50, InetAddress.getLoopbackAddress()));
        Thread.ofVirtual().name("silent-endpoint").start(endpoint::accept);
        return endpoint;
    }

    String url(String path) {
        return "http://127.0.0.1:" + server.getLocalPort() + path;
    }

    private void accept() {
        try {
            while (true) {
                held.add(server.accept());
            }
        } catch (IOException closed) {
            // close() ended the accept loop
        }
    }

    @Override
    public void close() throws IOException {
        server.close();
        for (Socket socket : held) {
            socket.close();
        }
    }
}

package io.segflow.testkit;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A TCP proxy on loopback in front of a server, which cuts connections on demand: armed with {@link #cut(int, int)} for
 * n cuts, the next n times a client sends something its connection is closed at both ends and what it sent is dropped,
 * as when a server's idle timeout, a restart or a middlebox ends a connection mid-command. Otherwise it forwards every
 * byte both ways.
 * <p>
 * A Quarkus test resource and the test it serves load this class apart, so they share no static field. Each proxy
 * keeps its count of cuts to make in the JVM's system properties, under its port, as an {@link AtomicInteger}: a JDK
 * class, the same in every class loader.
 */
public final class CuttingProxy implements AutoCloseable {
    private static final String CUTS = "segflow.testkit.cutting-proxy.cuts.";

    private final ServerSocket listener;
    private final int targetPort;
    private final AtomicInteger cuts = new AtomicInteger();
    private final Set<Socket> open = ConcurrentHashMap.newKeySet();

    private CuttingProxy(int targetPort) throws IOException {
        this.listener = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        this.targetPort = targetPort;
        System.getProperties().put(CUTS + port(), cuts);
    }

    /** A proxy on a free loopback port, forwarding to {@code targetPort} on loopback. */
    public static CuttingProxy start(int targetPort) {
        try {
            CuttingProxy proxy = new CuttingProxy(targetPort);
            Thread.ofPlatform().name("cutting-proxy-" + proxy.port()).daemon().start(proxy::accept);
            return proxy;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public int port() {
        return listener.getLocalPort();
    }

    /** Arms the proxy on {@code port} (of this JVM) for {@code cuts} more cuts. */
    public static void cut(int port, int cuts) {
        cutsOf(port).addAndGet(cuts);
    }

    /** Disarms the proxy on {@code port}: it forwards everything again. */
    public static void disarm(int port) {
        cutsOf(port).set(0);
    }

    /** The cuts the proxy on {@code port} is still armed for. */
    public static int cutsLeft(int port) {
        return cutsOf(port).get();
    }

    private static AtomicInteger cutsOf(int port) {
        Object cuts = System.getProperties().get(CUTS + port);
        if (cuts == null) {
            throw new IllegalArgumentException("no cutting proxy on port " + port);
        }
        return (AtomicInteger) cuts;
    }

    private void accept() {
        while (!listener.isClosed()) {
            try {
                Socket client = listener.accept();
                Socket server = new Socket(InetAddress.getLoopbackAddress(), targetPort);
                client.setTcpNoDelay(true);
                server.setTcpNoDelay(true);
                open.add(client);
                open.add(server);
                Thread.ofPlatform().daemon().start(() -> forward(client, server, true));
                Thread.ofPlatform().daemon().start(() -> forward(server, client, false));
            } catch (IOException e) {
                // closed, or the target refused: the client sees its connection end
            }
        }
    }

    /** Copies {@code from} to {@code to} until either ends; what a client sends first is cut instead while armed. */
    private void forward(Socket from, Socket to, boolean fromClient) {
        byte[] buffer = new byte[16 * 1024];
        try (InputStream in = from.getInputStream(); OutputStream out = to.getOutputStream()) {
            int read;
            while ((read = in.read(buffer)) >= 0) {
                if (fromClient && cuts.getAndUpdate(left -> Math.max(0, left - 1)) > 0) {
                    break; // the bytes read are dropped with the connection
                }
                out.write(buffer, 0, read);
                out.flush();
            }
        } catch (IOException e) {
            // the other direction closed the pair
        } finally {
            closeQuietly(from);
            closeQuietly(to);
        }
    }

    private void closeQuietly(Socket socket) {
        open.remove(socket);
        try {
            socket.close();
        } catch (IOException ignored) {
            // closing
        }
    }

    @Override
    public void close() {
        System.getProperties().remove(CUTS + port());
        try {
            listener.close();
        } catch (IOException ignored) {
            // closing
        }
        open.forEach(this::closeQuietly);
    }
}

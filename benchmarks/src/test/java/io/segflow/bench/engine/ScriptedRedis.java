package io.segflow.bench.engine;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Function;

/**
 * A loopback stand-in for Redis that answers each command with a scripted RESP reply, so that {@link Resp} and what
 * reads Redis through it can be tested without a Redis. It parses requests strictly: a length that is not the
 * argument's size in bytes breaks the framing and closes the connection.
 */
public final class ScriptedRedis implements AutoCloseable {
    private final ServerSocket server;
    private final Function<List<String>, byte[]> replies;
    private final List<List<byte[]>> received = new CopyOnWriteArrayList<>();
    private volatile Socket client;

    /** Answers a command (its arguments as UTF-8) with the raw RESP bytes {@code replies} gives. */
    public ScriptedRedis(Function<List<String>, byte[]> replies) throws IOException {
        this.server = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"));
        this.replies = replies;
        Thread thread = new Thread(this::serve, "scripted-redis");
        thread.setDaemon(true);
        thread.start();
    }

    /** A URL for {@link Resp#Resp(String)}. */
    public String url() {
        return "redis://127.0.0.1:" + server.getLocalPort();
    }

    /** The commands received so far, each as its arguments' bytes. */
    public List<List<byte[]>> received() {
        return received;
    }

    /** A bulk string reply, its length counted in UTF-8 bytes. */
    public static byte[] bulk(String text) {
        byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        return concat(("$" + bytes.length + "\r\n").getBytes(StandardCharsets.US_ASCII), bytes, "\r\n".getBytes(StandardCharsets.US_ASCII));
    }

    /** Any other reply, written as is. */
    public static byte[] raw(String resp) {
        return resp.getBytes(StandardCharsets.UTF_8);
    }

    public static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] part : parts) {
            out.writeBytes(part);
        }
        return out.toByteArray();
    }

    private void serve() {
        try (Socket socket = server.accept()) {
            client = socket;
            InputStream in = new BufferedInputStream(socket.getInputStream());
            OutputStream out = socket.getOutputStream();
            List<byte[]> command;
            while ((command = readCommand(in)) != null) {
                received.add(command);
                List<String> args = new ArrayList<>();
                command.forEach(arg -> args.add(new String(arg, StandardCharsets.UTF_8)));
                out.write(replies.apply(args));
                out.flush();
            }
        } catch (IOException | RuntimeException e) {
            // a framing error or the test closing: the client sees the connection close
        }
    }

    /** One request, an array of bulk strings; null at the end of the stream. */
    private static List<byte[]> readCommand(InputStream in) throws IOException {
        int type = in.read();
        if (type < 0) {
            return null;
        }
        expect(type, '*');
        int count = Integer.parseInt(line(in));
        List<byte[]> args = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            expect(in.read(), '$');
            int length = Integer.parseInt(line(in));
            byte[] arg = in.readNBytes(length);
            expect(in.read(), '\r');
            expect(in.read(), '\n');
            args.add(arg);
        }
        return args;
    }

    private static String line(InputStream in) throws IOException {
        StringBuilder line = new StringBuilder();
        int b;
        while ((b = in.read()) != '\r') {
            if (b < 0) {
                throw new IOException("end of stream in a line");
            }
            line.append((char) b);
        }
        expect(in.read(), '\n');
        return line.toString();
    }

    private static void expect(int actual, char expected) throws IOException {
        if (actual != expected) {
            throw new IOException("expected '" + expected + "', got " + actual);
        }
    }

    @Override
    public void close() throws IOException {
        server.close();
        Socket socket = client;
        if (socket != null) {
            socket.close();
        }
    }
}

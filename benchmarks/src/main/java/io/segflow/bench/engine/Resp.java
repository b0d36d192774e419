package io.segflow.bench.engine;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/** A minimal blocking Redis client (RESP2): enough for a measuring tool, and no dependency to shade. */
public final class Resp implements AutoCloseable {
    private final Socket socket;
    private final OutputStream out;
    private final InputStream in;

    public Resp(String url) throws IOException {
        URI uri = URI.create(url);
        socket = new Socket(uri.getHost(), uri.getPort() < 0 ? 6379 : uri.getPort());
        socket.setTcpNoDelay(true); // a large command's last segment must not wait for the previous one's ack
        out = new BufferedOutputStream(socket.getOutputStream());
        in = new BufferedInputStream(socket.getInputStream());
    }

    /** Sends one command; answers a String, Long, List (of these) or null; a Redis error is thrown. */
    public Object call(List<String> args) throws IOException {
        List<byte[]> bytes = new ArrayList<>(args.size());
        args.forEach(arg -> bytes.add(arg.getBytes(StandardCharsets.UTF_8)));
        return callBinary(bytes);
    }

    public Object call(String... args) throws IOException {
        return call(List.of(args));
    }

    /** The same with binary arguments, such as a stored user record; replies are read as above. */
    public Object callBinary(List<byte[]> args) throws IOException {
        send(args);
        return read(false);
    }

    /** Binary arguments, and bulk replies as {@code byte[]} (MGET of stored records). */
    public Object callRaw(List<byte[]> args) throws IOException {
        send(args);
        return read(true);
    }

    private void send(List<byte[]> args) throws IOException {
        out.write(("*" + args.size() + "\r\n").getBytes(StandardCharsets.US_ASCII));
        for (byte[] bytes : args) {
            out.write(("$" + bytes.length + "\r\n").getBytes(StandardCharsets.US_ASCII));
            out.write(bytes);
            out.write('\r');
            out.write('\n');
        }
        out.flush();
    }

    private Object read(boolean raw) throws IOException {
        int type = in.read();
        String line = line();
        switch (type) {
            case '+':
                return line;
            case '-':
                throw new IOException("Redis: " + line);
            case ':':
                return Long.parseLong(line);
            case '$': {
                int length = Integer.parseInt(line);
                if (length < 0) {
                    return null;
                }
                byte[] bytes = in.readNBytes(length + 2);
                return raw ? Arrays.copyOf(bytes, length) : new String(bytes, 0, length, StandardCharsets.UTF_8);
            }
            case '*': {
                int count = Integer.parseInt(line);
                if (count < 0) {
                    return null;
                }
                List<Object> items = new ArrayList<>(count);
                for (int i = 0; i < count; i++) {
                    items.add(read(raw));
                }
                return items;
            }
            default:
                throw new IOException("unexpected RESP type " + type);
        }
    }

    private String line() throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        int b;
        while ((b = in.read()) != '\r') {
            if (b < 0) {
                throw new IOException("connection closed");
            }
            bytes.write(b);
        }
        in.read(); // '\n'
        return bytes.toString(StandardCharsets.UTF_8);
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}

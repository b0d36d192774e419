package io.segflow.api.support;

import io.restassured.RestAssured;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * HTTP/1.1 over a plain socket, for requests that HTTP clients will not send or whose answer they lose: a body larger
 * than the server reads (the server answers and closes while the client is still sending).
 */
public final class RawHttp {
    private static final int CHUNK = 64 * 1024;

    public record Answer(int status, Map<String, String> headers, String body) {
        public String header(String name) {
            return headers.get(name.toLowerCase(Locale.ROOT));
        }
    }

    private RawHttp() {
    }

    /** Sends only the head, declaring a body of {@code contentLength} bytes that never comes, and reads the answer. */
    public static Answer declaring(String method, String path, long contentLength, String... headers) throws IOException {
        try (Socket socket = open()) {
            socket.getOutputStream().write(head(method, path, "Content-Length: " + contentLength, headers));
            return read(socket.getInputStream());
        }
    }

    /** Sends a chunked body of {@code bytes} bytes (on another thread, as long as the server reads) and reads the answer. */
    public static Answer chunked(String method, String path, long bytes, String... headers) throws IOException {
        try (Socket socket = open()) {
            OutputStream out = socket.getOutputStream();
            out.write(head(method, path, "Transfer-Encoding: chunked", headers));
            Thread sender = Thread.ofVirtual().start(() -> sendChunks(out, bytes));
            try {
                return read(socket.getInputStream());
            } finally {
                sender.interrupt();
            }
        }
    }

    private static Socket open() throws IOException {
        Socket socket = new Socket("localhost", RestAssured.port);
        socket.setSoTimeout(60_000);
        return socket;
    }

    private static byte[] head(String method, String path, String framing, String... headers) {
        StringBuilder head = new StringBuilder(method + " " + path + " HTTP/1.1\r\nHost: localhost\r\n" + framing + "\r\n");
        for (String header : headers) {
            head.append(header).append("\r\n");
        }
        return head.append("\r\n").toString().getBytes(StandardCharsets.US_ASCII);
    }

    private static void sendChunks(OutputStream out, long bytes) {
        byte[] chunk = new byte[CHUNK];
        Arrays.fill(chunk, (byte) ' ');
        try {
            for (long sent = 0; sent < bytes; sent += CHUNK) {
                out.write((Integer.toHexString(CHUNK) + "\r\n").getBytes(StandardCharsets.US_ASCII));
                out.write(chunk);
                out.write("\r\n".getBytes(StandardCharsets.US_ASCII));
            }
            out.write("0\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
        } catch (IOException closedByTheServer) {
            // the server answered and closed before the body ended: what these requests are for
        }
    }

    /** The status line, the headers and a body of the declared length (none without one). */
    private static Answer read(InputStream in) throws IOException {
        String statusLine = line(in);
        Map<String, String> headers = new LinkedHashMap<>();
        for (String header = line(in); !header.isEmpty(); header = line(in)) {
            int colon = header.indexOf(':');
            headers.put(header.substring(0, colon).trim().toLowerCase(Locale.ROOT), header.substring(colon + 1).trim());
        }
        int length = headers.containsKey("content-length") ? Integer.parseInt(headers.get("content-length")) : 0;
        return new Answer(Integer.parseInt(statusLine.split(" ")[1]), headers,
                new String(in.readNBytes(length), StandardCharsets.UTF_8));
    }

    private static String line(InputStream in) throws IOException {
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        for (int b = in.read(); b != '\n'; b = in.read()) {
            if (b < 0) {
                throw new SocketException("the connection closed mid-answer");
            }
            if (b != '\r') {
                line.write(b);
            }
        }
        return line.toString(StandardCharsets.US_ASCII);
    }
}

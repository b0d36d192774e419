package io.segflow.ingest;

import java.io.BufferedReader;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;

/**
 * Posts bytes exactly as given: no Content-Type unless asked for, no encoding of its own, with a declared length or
 * chunked, over HTTP/1.1 or HTTP/2. RestAssured always adds a content type and cannot send HTTP/2.
 */
public final class RawHttp {
    private static final Duration TIMEOUT = Duration.ofSeconds(30);
    private static final HttpClient HTTP_1 = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    private static final HttpClient HTTP_2 = HttpClient.newBuilder().version(HttpClient.Version.HTTP_2).build();

    private RawHttp() {
    }

    public record Answer(int status, String contentType, String body) {
    }

    /** HTTP/1.1 with a declared length. */
    public static Answer post(URI uri, Map<String, String> headers, byte[] body) throws IOException, InterruptedException {
        return post(uri, headers, body, false, false);
    }

    public static Answer post(URI uri, Map<String, String> headers, byte[] body, boolean chunked, boolean http2)
            throws IOException, InterruptedException {
        HttpRequest.Builder request = HttpRequest.newBuilder(uri).timeout(TIMEOUT)
                .POST(chunked ? HttpRequest.BodyPublishers.ofInputStream(() -> new ByteArrayInputStream(body))
                        : HttpRequest.BodyPublishers.ofByteArray(body));
        return send(request, headers, http2 ? HTTP_2 : HTTP_1);
    }

    /**
     * Sends a request's head with {@code Expect: 100-continue}, as libcurl (PHP's SDK) and .NET do for larger bodies,
     * and returns the status line the server answers before the body is sent, or throws when it answers nothing within
     * the timeout (such clients then wait a second or so and send the body anyway). The body is sent afterwards, and the
     * final status line returned too.
     */
    public static List<String> statusLinesExpectingContinue(URI uri, Map<String, String> headers, byte[] body)
            throws IOException {
        try (Socket socket = new Socket(uri.getHost(), uri.getPort())) {
            socket.setSoTimeout((int) TIMEOUT.toMillis());
            StringBuilder head = new StringBuilder("POST " + uri.getRawPath() + " HTTP/1.1\r\nHost: " + uri.getHost()
                    + "\r\nExpect: 100-continue\r\nContent-Length: " + body.length + "\r\n");
            headers.forEach((name, value) -> head.append(name).append(": ").append(value).append("\r\n"));
            OutputStream out = socket.getOutputStream();
            out.write(head.append("\r\n").toString().getBytes(StandardCharsets.US_ASCII));
            out.flush();
            BufferedReader in = new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.US_ASCII));
            String interim = in.readLine();
            in.readLine(); // the blank line ending the interim response
            out.write(body);
            out.flush();
            return List.of(interim, in.readLine());
        }
    }

    private static Answer send(HttpRequest.Builder request, Map<String, String> headers, HttpClient client)
            throws IOException, InterruptedException {
        headers.forEach(request::header);
        HttpResponse<String> response = client.send(request.build(), HttpResponse.BodyHandlers.ofString());
        return new Answer(response.statusCode(), response.headers().firstValue("Content-Type").orElse(""), response.body());
    }

    /** {@code Authorization} for a write key, as Segment's SDKs send it. */
    public static String basicAuth(String writeKey) {
        return "Basic " + Base64.getEncoder().encodeToString((writeKey + ":").getBytes());
    }
}

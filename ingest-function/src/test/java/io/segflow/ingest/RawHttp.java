package io.segflow.ingest;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Base64;
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
        headers.forEach(request::header);
        HttpResponse<String> response = (http2 ? HTTP_2 : HTTP_1).send(request.build(), HttpResponse.BodyHandlers.ofString());
        return new Answer(response.statusCode(), response.headers().firstValue("Content-Type").orElse(""), response.body());
    }

    /** {@code Authorization} for a write key, as Segment's SDKs send it. */
    public static String basicAuth(String writeKey) {
        return "Basic " + Base64.getEncoder().encodeToString((writeKey + ":").getBytes());
    }
}

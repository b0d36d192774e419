package io.segflow.ingest;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerRequest;

/**
 * Buffers a request's body as sent, up to a limit. Not Vert.x's {@code BodyHandler}: that one parses form-encoded and
 * multipart bodies as forms, and Segment-compatible SDKs send JSON under those content types too.
 */
final class BufferedBody {

    /** The body passed the limit; what came after it was read and dropped. */
    static final class TooLarge extends Exception {
        TooLarge() {
            super(null, null, false, false);
        }
    }

    private BufferedBody() {
    }

    /** Fails with {@link TooLarge} as soon as the body passes {@code limit} bytes, without holding more. */
    static Future<Buffer> read(HttpServerRequest request, int limit) {
        Promise<Buffer> read = Promise.promise();
        Buffer body = Buffer.buffer();
        request.handler(chunk -> {
            if (read.future().isComplete()) {
                return; // refused already: drain the rest so that the connection stays usable
            }
            if (body.length() + chunk.length() > limit) {
                read.fail(new TooLarge());
            } else {
                body.appendBuffer(chunk);
            }
        });
        request.exceptionHandler(read::tryFail);
        request.endHandler(ended -> read.tryComplete(body));
        if ("100-continue".equalsIgnoreCase(request.getHeader(HttpHeaders.EXPECT))) {
            // libcurl (PHP's SDK) and .NET hold the body back until told to go on; they would stall about a second.
            // A declared length over the limit was refused before this point, so only a body that fits is asked for.
            request.response().writeContinue();
        }
        request.resume();
        return read.future();
    }
}

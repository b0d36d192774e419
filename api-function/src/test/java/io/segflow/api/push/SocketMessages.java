package io.segflow.api.push;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.WebSocket;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;

/** A test's WebSocket client side: every text message, whole, into a queue. */
final class SocketMessages {
    private SocketMessages() {
    }

    /** The next message, waited for up to 20 s. */
    static String next(BlockingQueue<String> messages) throws InterruptedException {
        String message = messages.poll(20, TimeUnit.SECONDS);
        assertThat(message).as("a WebSocket message").isNotNull();
        return message;
    }

    /** Collects messages (sent in several frames or one) into {@code messages}. */
    static WebSocket.Listener collector(BlockingQueue<String> messages) {
        return collector(messages, new CompletableFuture<>());
    }

    /** As {@link #collector(BlockingQueue)}, and completes {@code closed} with the server's close code and reason. */
    static WebSocket.Listener collector(BlockingQueue<String> messages, CompletableFuture<String> closed) {
        return new WebSocket.Listener() {
            private final StringBuilder partial = new StringBuilder();

            @Override
            public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
                partial.append(data);
                if (last) {
                    messages.add(partial.toString());
                    partial.setLength(0);
                }
                webSocket.request(1);
                return null;
            }

            @Override
            public CompletionStage<?> onClose(WebSocket webSocket, int statusCode, String reason) {
                closed.complete(statusCode + " " + reason);
                return null;
            }
        };
    }
}

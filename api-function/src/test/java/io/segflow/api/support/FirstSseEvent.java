package io.segflow.api.support;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodySubscribers;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Flow;

/**
 * Opens a Server-Sent Events stream without holding a thread, for tests that open thousands at once: completes with
 * the status and the first event's lines (comments skipped), then hangs up. A refused stream completes with its body.
 */
public final class FirstSseEvent {

    public record Answer(int status, String retryAfter, String text) {
    }

    private FirstSseEvent() {
    }

    public static CompletableFuture<Answer> open(HttpClient http, URI uri, Map<String, String> headers) {
        HttpRequest.Builder request = HttpRequest.newBuilder(uri).header("Accept", "text/event-stream");
        headers.forEach(request::header);
        CompletableFuture<Answer> answer = new CompletableFuture<>();
        http.sendAsync(request.build(), info -> BodySubscribers.fromLineSubscriber(new Flow.Subscriber<String>() {
            private final StringBuilder text = new StringBuilder();
            private Flow.Subscription subscription;

            private Answer answer() {
                return new Answer(info.statusCode(), info.headers().firstValue("Retry-After").orElse(null), text.toString());
            }

            @Override
            public void onSubscribe(Flow.Subscription subscription) {
                this.subscription = subscription;
                subscription.request(Long.MAX_VALUE);
            }

            @Override
            public void onNext(String line) {
                if (info.statusCode() == 200 && line.isEmpty() && !text.isEmpty()) {
                    answer.complete(answer());
                    subscription.cancel();
                } else if (!line.startsWith(":")) {
                    text.append(line).append('\n');
                }
            }

            @Override
            public void onError(Throwable error) {
                answer.completeExceptionally(error);
            }

            @Override
            public void onComplete() {
                answer.complete(answer());
            }
        })).whenComplete((response, error) -> {
            if (error != null) {
                answer.completeExceptionally(error);
            }
        });
        return answer;
    }
}

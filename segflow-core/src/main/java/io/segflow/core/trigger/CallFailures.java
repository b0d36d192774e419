package io.segflow.core.trigger;

import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.URI;
import java.net.UnknownHostException;
import java.util.Locale;
import java.util.concurrent.TimeoutException;
import javax.net.ssl.SSLException;

/**
 * Why a call to a trigger's endpoint got no answer, in words rather than a Java class name: the deliveries log's
 * {@code lastError} and the answer of a test call.
 */
public final class CallFailures {
    private CallFailures() {
    }

    public static String refused(String reason) {
        return "refused: " + reason;
    }

    public static String noAnswerWithin(long millis) {
        return "no answer within " + millis + " ms";
    }

    public static String describe(Throwable failure, URI url, long timeoutMillis) {
        String endpoint = url.getHost() + ":" + port(url);
        return switch (failure) {
            case UnknownHostException e -> "cannot resolve " + url.getHost();
            case TimeoutException e -> noAnswerWithin(timeoutMillis);
            case NoRouteToHostException e -> "no route to " + endpoint;
            case ConnectException e when mentions(e, "timed out") -> "no connection to " + endpoint + " within " + timeoutMillis + " ms";
            case ConnectException e when mentions(e, "refused") -> "connection refused by " + endpoint;
            case ConnectException e -> "could not connect to " + endpoint;
            case SSLException e -> "TLS with " + endpoint + " failed" + detail(e);
            default -> mentions(failure, "closed") ? "the connection to " + endpoint + " closed before an answer"
                    : "the call to " + endpoint + " failed" + detail(failure);
        };
    }

    private static boolean mentions(Throwable failure, String words) {
        return failure.getMessage() != null && failure.getMessage().toLowerCase(Locale.ROOT).contains(words);
    }

    private static String detail(Throwable failure) {
        return failure.getMessage() == null ? "" : ": " + failure.getMessage();
    }

    private static int port(URI url) {
        return url.getPort() != -1 ? url.getPort() : "https".equalsIgnoreCase(url.getScheme()) ? 443 : 80;
    }
}

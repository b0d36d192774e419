package io.segflow.api.triggers;

import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.URI;
import java.net.UnknownHostException;
import java.util.Locale;
import java.util.concurrent.TimeoutException;
import javax.net.ssl.SSLException;

/**
 * Why a test call got no answer, in words rather than a Java class name, worded as trigger-function's deliveries log
 * words its failures ({@code refused: ...}, {@code no answer within ... ms}).
 */
final class CallFailures {
    private CallFailures() {
    }

    static String refused(String reason) {
        return "refused: " + reason;
    }

    static String noAnswerWithin(long millis) {
        return "no answer within " + millis + " ms";
    }

    static String describe(Throwable failure, URI url, long timeoutMillis) {
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

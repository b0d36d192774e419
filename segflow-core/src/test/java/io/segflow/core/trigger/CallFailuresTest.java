package io.segflow.core.trigger;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.ConnectException;
import java.net.URI;
import java.net.UnknownHostException;
import java.util.concurrent.TimeoutException;
import javax.net.ssl.SSLHandshakeException;
import org.junit.jupiter.api.Test;

/**
 * The words for failures a test call meets only where private addresses are allowed (dev, the local stack: the HTTP
 * client resolves the host itself) or on the open internet; the Quarkus tests meet connection refusals.
 */
class CallFailuresTest {
    private static final URI URL = URI.create("https://hooks.example.com/cart");

    @Test
    void failuresAreWordsWithTheEndpointNotJavaClassNames() {
        assertThat(CallFailures.describe(new UnknownHostException("hooks.example.com: Name or service not known"), URL, 10_000))
                .isEqualTo("cannot resolve hooks.example.com");
        assertThat(CallFailures.describe(new ConnectException("Connection refused: hooks.example.com/93.184.215.14:443"), URL, 10_000))
                .isEqualTo("connection refused by hooks.example.com:443");
        assertThat(CallFailures.describe(new ConnectException("connection timed out after 10000 ms"), URL, 10_000))
                .isEqualTo("no connection to hooks.example.com:443 within 10000 ms");
        assertThat(CallFailures.describe(new TimeoutException(), URL, 10_000)).isEqualTo("no answer within 10000 ms");
        assertThat(CallFailures.describe(new SSLHandshakeException("PKIX path building failed"), URL, 10_000))
                .isEqualTo("TLS with hooks.example.com:443 failed: PKIX path building failed");
        assertThat(CallFailures.describe(new IllegalStateException("Connection was closed"), URL, 10_000))
                .isEqualTo("the connection to hooks.example.com:443 closed before an answer");
    }
}

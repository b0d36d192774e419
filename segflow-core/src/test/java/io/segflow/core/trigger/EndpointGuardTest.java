package io.segflow.core.trigger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class EndpointGuardTest {
    private final EndpointGuard strict = new EndpointGuard(false, List.of());

    @ParameterizedTest
    @ValueSource(strings = {"http://127.0.0.1:8080/x", "http://localhost/x", "http://169.254.169.254/latest/meta-data",
            "http://10.1.2.3/", "http://192.168.0.1/", "http://172.16.0.1/", "http://100.64.0.1/", "http://[::1]/",
            "http://[fd00::1]/", "http://0.0.0.0/"})
    void internalAddressesAreRefused(String url) {
        assertThatThrownBy(() -> strict.check(URI.create(url))).isInstanceOf(EndpointGuard.RefusedEndpoint.class);
    }

    @Test
    void publicAddressesPassAndAreWhatTheCallConnectsTo() throws Exception {
        assertThat(strict.check(URI.create("https://93.184.215.14/hook")))
                .isEqualTo(new InetSocketAddress(InetAddress.getByName("93.184.215.14"), 443));
        assertThat(strict.check(URI.create("http://93.184.215.14:8080/hook")).getPort()).isEqualTo(8080);
    }

    @Test
    void withPrivateAddressesAllowedNothingIsResolved() throws Exception {
        assertThat(new EndpointGuard(true, List.of()).check(URI.create("http://no-such-host.invalid/x"))).isNull();
    }

    @Test
    void anAllowedRangeLetsItsAddressesThrough() {
        EndpointGuard guard = new EndpointGuard(false, List.of(EndpointGuard.Range.parse("127.0.0.0/8")));
        assertThatCode(() -> guard.check(URI.create("http://127.0.0.1:9/x"))).doesNotThrowAnyException();
        assertThatThrownBy(() -> guard.check(URI.create("http://10.0.0.1/x"))).isInstanceOf(EndpointGuard.RefusedEndpoint.class);
    }
}

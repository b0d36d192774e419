package io.segflow.trigger.definitions;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.net.spi.InetAddressResolver;
import java.net.spi.InetAddressResolverProvider;
import java.util.stream.Stream;

/**
 * This JVM's name lookups in tests: names under {@code .rebind.test} answer 127.0.0.1, everything else goes to the
 * built-in resolver. Only the JVM knows them, not the DNS the HTTP client of trigger-function resolves with by
 * itself: a call reaches such a name only if it connects to the address the endpoint guard looked up.
 */
public final class TestNames extends InetAddressResolverProvider {
    static final String SUFFIX = ".rebind.test";

    @Override
    public InetAddressResolver get(Configuration configuration) {
        InetAddressResolver builtin = configuration.builtinResolver();
        return new InetAddressResolver() {
            @Override
            public Stream<InetAddress> lookupByName(String host, LookupPolicy policy) throws UnknownHostException {
                if (host.endsWith(SUFFIX)) {
                    return Stream.of(InetAddress.getByAddress(host, new byte[] {127, 0, 0, 1}));
                }
                return builtin.lookupByName(host, policy);
            }

            @Override
            public String lookupByAddress(byte[] address) throws UnknownHostException {
                return builtin.lookupByAddress(address);
            }
        };
    }

    @Override
    public String name() {
        return "segflow-test-names";
    }
}

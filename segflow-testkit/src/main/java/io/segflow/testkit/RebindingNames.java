package io.segflow.testkit;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.net.spi.InetAddressResolver;
import java.net.spi.InetAddressResolverProvider;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;

/**
 * This JVM's name lookups in tests: a name under {@code .rebind.test} answers 127.0.0.1 to its first lookup,
 * 127.0.0.2 (where nothing listens) to its second, and so on alternately, as a DNS rebinding attacker's name answers
 * a harmless address to the check and another to the connection. Everything else goes to the built-in resolver.
 * Registered for every test JVM with the testkit (META-INF/services); a module whose tests use it runs them without
 * the JVM's cache of lookups ({@code sun.net.inetaddr.ttl=0} in its pom.xml).
 */
public final class RebindingNames extends InetAddressResolverProvider {
    public static final String SUFFIX = ".rebind.test";

    private static final Map<String, AtomicInteger> LOOKUPS = new ConcurrentHashMap<>();

    @Override
    public InetAddressResolver get(Configuration configuration) {
        InetAddressResolver builtin = configuration.builtinResolver();
        return new InetAddressResolver() {
            @Override
            public Stream<InetAddress> lookupByName(String host, LookupPolicy policy) throws UnknownHostException {
                if (host.endsWith(SUFFIX)) {
                    int lookup = LOOKUPS.computeIfAbsent(host, h -> new AtomicInteger()).incrementAndGet();
                    return Stream.of(InetAddress.getByAddress(host, new byte[] {127, 0, 0, (byte) (lookup % 2 == 1 ? 1 : 2)}));
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

package io.segflow.core.trigger;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.util.List;

/**
 * Refuses to call addresses inside the network segflow runs in (SSRF): loopback, link-local (cloud metadata at
 * 169.254.169.254), private, carrier-grade NAT, unique-local and unspecified addresses, unless the address is in
 * an allowed range. Checked on the resolved address at each call, so a name that later resolves inward is caught;
 * the call then connects to the address checked, not to what a second lookup answers (DNS rebinding: a name
 * answering a public address to the check and an internal one to the connection).
 */
public final class EndpointGuard {

    /** An allowed range such as {@code 10.1.0.0/16} or {@code 127.0.0.1/32}. */
    public record Range(byte[] network, int prefix) {
        public static Range parse(String cidr) {
            String[] parts = cidr.trim().split("/", 2);
            try {
                byte[] address = InetAddress.getByName(parts[0]).getAddress();
                int prefix = parts.length == 2 ? Integer.parseInt(parts[1]) : address.length * 8;
                if (prefix < 0 || prefix > address.length * 8) {
                    throw new IllegalArgumentException("prefix of " + cidr + " out of range");
                }
                return new Range(address, prefix);
            } catch (UnknownHostException | NumberFormatException e) {
                throw new IllegalArgumentException("not an address range: " + cidr, e);
            }
        }

        boolean contains(byte[] address) {
            if (address.length != network.length) {
                return false;
            }
            for (int bit = 0; bit < prefix; bit++) {
                int mask = 0x80 >>> (bit % 8);
                if ((address[bit / 8] & mask) != (network[bit / 8] & mask)) {
                    return false;
                }
            }
            return true;
        }
    }

    /** Why a call was refused. */
    public static final class RefusedEndpoint extends Exception {
        public RefusedEndpoint(String message) {
            super(message);
        }
    }

    private final boolean allowPrivate;
    private final List<Range> allowed;

    public EndpointGuard(boolean allowPrivate, List<Range> allowed) {
        this.allowPrivate = allowPrivate;
        this.allowed = List.copyOf(allowed);
    }

    /**
     * Resolves the URL's host and refuses it when any of its addresses is internal and not allowed; else returns the
     * address and port to connect to (the scheme's port when the URL has none). Null when every address is allowed:
     * the client resolves the host itself.
     */
    public InetSocketAddress check(URI url) throws RefusedEndpoint {
        if (allowPrivate) {
            return null;
        }
        InetAddress[] addresses;
        try {
            addresses = InetAddress.getAllByName(url.getHost());
        } catch (UnknownHostException e) {
            throw new RefusedEndpoint("cannot resolve " + url.getHost());
        }
        for (InetAddress address : addresses) {
            if (isInternal(address) && allowed.stream().noneMatch(r -> r.contains(address.getAddress()))) {
                throw new RefusedEndpoint(url.getHost() + " resolves to " + address.getHostAddress()
                        + ", an internal address; allow it with segflow.trigger.endpoints.allow");
            }
        }
        int port = url.getPort() != -1 ? url.getPort() : "https".equalsIgnoreCase(url.getScheme()) ? 443 : 80;
        return new InetSocketAddress(addresses[0], port);
    }

    static boolean isInternal(InetAddress address) {
        if (address.isLoopbackAddress() || address.isLinkLocalAddress() || address.isSiteLocalAddress()
                || address.isAnyLocalAddress() || address.isMulticastAddress()) {
            return true;
        }
        byte[] bytes = address.getAddress();
        if (address instanceof Inet4Address) {
            int first = bytes[0] & 0xff;
            int second = bytes[1] & 0xff;
            return first == 0 || (first == 100 && second >= 64 && second < 128) || (first == 198 && (second == 18 || second == 19));
        }
        if (address instanceof Inet6Address) {
            return (bytes[0] & 0xfe) == 0xfc; // unique local fc00::/7
        }
        return false;
    }
}

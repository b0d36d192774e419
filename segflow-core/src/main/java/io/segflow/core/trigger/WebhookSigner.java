package io.segflow.core.trigger;

import java.nio.charset.StandardCharsets;
import java.security.InvalidKeyException;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;
import java.util.List;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Standard Webhooks signatures: {@code v1,<base64 HMAC-SHA256 of "id.timestamp.body">} under the decoded bytes of
 * a {@code whsec_<base64>} secret, one per secret, space-separated (several while a secret rotates).
 */
public final class WebhookSigner {
    public static final String ID_HEADER = "webhook-id";
    public static final String TIMESTAMP_HEADER = "webhook-timestamp";
    public static final String SIGNATURE_HEADER = "webhook-signature";

    private WebhookSigner() {
    }

    /** The value of {@code webhook-signature} for this message under every secret. */
    public static String sign(List<String> secrets, String id, long timestampSeconds, byte[] body) {
        StringBuilder header = new StringBuilder();
        for (String secret : secrets) {
            if (!header.isEmpty()) {
                header.append(' ');
            }
            header.append(signOne(secret, id, timestampSeconds, body));
        }
        return header.toString();
    }

    public static String signOne(String secret, String id, long timestampSeconds, byte[] body) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(key(secret), "HmacSHA256"));
            mac.update((id + "." + timestampSeconds + ".").getBytes(StandardCharsets.UTF_8));
            return "v1," + Base64.getEncoder().encodeToString(mac.doFinal(body));
        } catch (NoSuchAlgorithmException | InvalidKeyException e) {
            throw new IllegalStateException("HmacSHA256 is part of every JDK", e);
        }
    }

    /** The HMAC key of a secret: the base64 after {@code whsec_}; throws IllegalArgumentException on bad base64. */
    public static byte[] key(String secret) {
        String encoded = secret.startsWith(TriggerCodec.SECRET_PREFIX) ? secret.substring(TriggerCodec.SECRET_PREFIX.length()) : secret;
        return Base64.getDecoder().decode(encoded);
    }
}

package io.segflow.core.trigger;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

class WebhookSignerTest {

    /** The test vector of the Standard Webhooks specification (and of its reference libraries). */
    @Test
    void reproducesTheSpecificationsTestVector() {
        String signature = WebhookSigner.signOne("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "msg_p5jXN8AQM9LWM0D4loKWxJek",
                1614265330, "{\"test\": 2432232314}".getBytes(StandardCharsets.UTF_8));

        assertThat(signature).isEqualTo("v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=");
    }

    @Test
    void signsWithEverySecretWhileOneRotates() {
        byte[] body = "{}".getBytes(StandardCharsets.UTF_8);
        String older = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
        String newer = "whsec_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA";

        String header = WebhookSigner.sign(List.of(older, newer), "id1", 5, body);

        assertThat(header.split(" ")).containsExactly(WebhookSigner.signOne(older, "id1", 5, body),
                WebhookSigner.signOne(newer, "id1", 5, body));
    }
}

package io.segflow.bench.engine;

import static io.segflow.bench.engine.ScriptedRedis.bulk;
import static io.segflow.bench.engine.ScriptedRedis.concat;
import static io.segflow.bench.engine.ScriptedRedis.raw;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.segflow.testkit.TestServices;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The benchmarks' Redis client against a real redis-server (the test JVM's, {@link TestServices}); a scripted stand-in ({@link ScriptedRedis}) only for the
 * replies a real one does not give on demand.
 */
class RespTest {
    @Test
    void repliesOfEveryKindAreReadAsTheirJavaValues() throws IOException {
        try (Resp resp = new Resp(TestServices.redisUrl())) {
            // Multi-byte text with a CRLF inside, as INFO's replies are: sent and read by their length in bytes.
            String value = "prix: 12 €\r\nqté: 3";
            assertThat(resp.call("SET", "resp:kéy", value)).isEqualTo("OK");
            assertThat(resp.call("GET", "resp:kéy")).isEqualTo(value);
            assertThat(resp.call("SET", "resp:empty", "")).isEqualTo("OK");
            assertThat(resp.call("GET", "resp:empty")).isEqualTo("");
            assertThat(resp.call("GET", "resp:missing")).isNull();
            resp.call("DEL", "resp:n");
            assertThat(resp.call("DECR", "resp:n")).isEqualTo(-1L);
            assertThat(resp.call(List.of("MGET", "resp:kéy", "resp:missing"))).isEqualTo(Arrays.asList(value, null));
        }
    }

    @Test
    void anErrorReplyIsThrownWithRedisMessageAndTheConnectionStaysInStep() throws IOException {
        try (Resp resp = new Resp(TestServices.redisUrl())) {
            resp.call("RPUSH", "resp:list", "x");
            assertThatThrownBy(() -> resp.call("GET", "resp:list"))
                    .isInstanceOf(IOException.class)
                    .hasMessageStartingWith("Redis: WRONGTYPE");
            assertThat(resp.call("PING")).isEqualTo("PONG");
        }
    }

    @Test
    void rawCallSendsAndAnswersBinaryBytesUnchanged() throws IOException {
        byte[] binary = {0, (byte) 0xff, '\r', '\n', (byte) 0xc3, 7};
        byte[] key = "resp:binary".getBytes(StandardCharsets.US_ASCII);
        try (Resp resp = new Resp(TestServices.redisUrl())) {
            resp.callRaw(List.of("SET".getBytes(StandardCharsets.US_ASCII), key, binary));
            List<?> items = (List<?>) resp.callRaw(List.of("MGET".getBytes(StandardCharsets.US_ASCII), key,
                    "resp:missing".getBytes(StandardCharsets.US_ASCII)));
            assertThat(items).hasSize(2);
            assertThat((byte[]) items.get(0)).isEqualTo(binary);
            assertThat(items.get(1)).isNull();
        }
    }

    @Test
    void nestedArraysAreListsOfTheirRepliesAndANullArrayIsNull() throws IOException {
        byte[] reply = concat(raw("*3\r\n"), bulk("a"), raw("*2\r\n:1\r\n$-1\r\n"), raw("+done\r\n"));
        assertThat(scriptedReplyTo(reply)).isEqualTo(List.of("a", Arrays.asList(1L, null), "done"));
        assertThat(scriptedReplyTo(raw("*-1\r\n"))).isNull();
    }

    @Test
    void aConnectionClosedBeforeTheReplyIsAnError() throws IOException {
        // The stand-in drops the connection when its script fails: the stream ends where the reply should be.
        try (ScriptedRedis scripted = new ScriptedRedis(args -> {
            throw new IllegalStateException("no reply");
        }); Resp resp = new Resp(scripted.url())) {
            assertThatThrownBy(() -> resp.call("PING")).isInstanceOf(IOException.class).hasMessage("connection closed");
        }
    }

    @Test
    void unknownReplyTypeIsAnError() {
        assertThatThrownBy(() -> scriptedReplyTo(raw("!oops\r\n"))).isInstanceOf(IOException.class).hasMessageContaining("unexpected RESP type");
    }

    /** The reply to one call, as the stand-in scripted it. */
    private static Object scriptedReplyTo(byte[] reply) throws IOException {
        try (ScriptedRedis scripted = new ScriptedRedis(args -> reply); Resp resp = new Resp(scripted.url())) {
            return resp.call("GET", "k");
        }
    }
}

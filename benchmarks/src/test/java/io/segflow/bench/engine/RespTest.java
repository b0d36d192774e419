package io.segflow.bench.engine;

import static io.segflow.bench.engine.ScriptedRedis.bulk;
import static io.segflow.bench.engine.ScriptedRedis.concat;
import static io.segflow.bench.engine.ScriptedRedis.raw;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

class RespTest {

    /** The reply to one call of {@code GET k}. */
    private static Object replyTo(byte[] reply) throws IOException {
        try (ScriptedRedis redis = new ScriptedRedis(args -> reply); Resp resp = new Resp(redis.url())) {
            return resp.call("GET", "k");
        }
    }

    @Test
    void simpleStringIsAnsweredAsItsText() throws IOException {
        assertThat(replyTo(raw("+OK\r\n"))).isEqualTo("OK");
    }

    @Test
    void integerIsAnsweredAsALong() throws IOException {
        assertThat(replyTo(raw(":42\r\n"))).isEqualTo(42L);
        assertThat(replyTo(raw(":-1\r\n"))).isEqualTo(-1L);
    }

    @Test
    void errorReplyIsThrownWithRedisMessage() {
        assertThatThrownBy(() -> replyTo(raw("-WRONGTYPE Operation against a key holding the wrong kind of value\r\n")))
                .isInstanceOf(IOException.class)
                .hasMessage("Redis: WRONGTYPE Operation against a key holding the wrong kind of value");
    }

    @Test
    void bulkStringIsReadByItsByteLengthEvenWhenItHoldsLineBreaksAndMultiByteCharacters() throws IOException {
        // INFO replies are bulk strings of many \r\n-separated lines; é is two bytes in UTF-8.
        String info = "# CPU\r\nused_cpu_sys:1.5\r\nnäme:é\r\n";
        assertThat(replyTo(bulk(info))).isEqualTo(info);
    }

    @Test
    void emptyBulkStringIsEmptyAndMissingOneIsNull() throws IOException {
        assertThat(replyTo(raw("$0\r\n\r\n"))).isEqualTo("");
        assertThat(replyTo(raw("$-1\r\n"))).isNull();
        assertThat(replyTo(raw("*-1\r\n"))).isNull();
    }

    @Test
    void nestedArraysAreListsOfTheirReplies() throws IOException {
        byte[] reply = concat(raw("*3\r\n"), bulk("a"), raw("*2\r\n:1\r\n$-1\r\n"), raw("+done\r\n"));
        assertThat(replyTo(reply)).isEqualTo(List.of("a", Arrays.asList(1L, null), "done"));
    }

    @Test
    void repliesFollowOneAnotherOnTheSameConnection() throws IOException {
        Function<List<String>, byte[]> echo = args -> bulk(String.join(" ", args));
        try (ScriptedRedis redis = new ScriptedRedis(echo); Resp resp = new Resp(redis.url())) {
            assertThat(resp.call("ECHO", "one")).isEqualTo("ECHO one");
            assertThat(resp.call(List.of("ECHO", "two"))).isEqualTo("ECHO two");
        }
    }

    @Test
    void argumentsAreSentWithTheirLengthInBytes() throws IOException {
        try (ScriptedRedis redis = new ScriptedRedis(args -> raw("+OK\r\n")); Resp resp = new Resp(redis.url())) {
            resp.call("SET", "kéy", "välue with spaces\r\nand a line break");
            assertThat(redis.received()).hasSize(1);
            assertThat(redis.received().get(0)).map(bytes -> new String(bytes, StandardCharsets.UTF_8))
                    .containsExactly("SET", "kéy", "välue with spaces\r\nand a line break");
        }
    }

    @Test
    void rawCallSendsAndAnswersBinaryBytesUnchanged() throws IOException {
        byte[] binary = {0, (byte) 0xff, '\r', '\n', (byte) 0xc3, 7};
        byte[] reply = concat(raw("*2\r\n$" + binary.length + "\r\n"), binary, raw("\r\n$-1\r\n"));
        try (ScriptedRedis redis = new ScriptedRedis(args -> reply); Resp resp = new Resp(redis.url())) {
            Object answer = resp.callRaw(List.of("MGET".getBytes(StandardCharsets.US_ASCII), binary));
            assertThat(redis.received().get(0).get(1)).isEqualTo(binary);
            assertThat(answer).isInstanceOf(List.class);
            List<?> items = (List<?>) answer;
            assertThat(items).hasSize(2);
            assertThat((byte[]) items.get(0)).isEqualTo(binary);
            assertThat(items.get(1)).isNull();
        }
    }

    @Test
    void aConnectionClosedBeforeTheReplyIsAnError() throws IOException {
        // The stand-in drops the connection when its script fails: the stream ends where the reply should be.
        try (ScriptedRedis redis = new ScriptedRedis(args -> {
            throw new IllegalStateException("no reply");
        }); Resp resp = new Resp(redis.url())) {
            assertThatThrownBy(() -> resp.call("PING")).isInstanceOf(IOException.class).hasMessage("connection closed");
        }
    }

    @Test
    void unknownReplyTypeIsAnError() {
        assertThatThrownBy(() -> replyTo(raw("!oops\r\n"))).isInstanceOf(IOException.class).hasMessageContaining("unexpected RESP type");
    }
}

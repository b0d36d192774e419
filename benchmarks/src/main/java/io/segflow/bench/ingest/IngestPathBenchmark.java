package io.segflow.bench.ingest;

import io.segflow.core.event.Event;
import io.segflow.core.event.EventRecords;
import io.segflow.core.event.ParsedCalls;
import io.segflow.core.event.SegmentCallParser;
import io.segflow.core.event.SegmentCallParser.BatchDefaults;
import io.segflow.core.event.SegmentRequest;
import io.segflow.core.event.SegmentRequestReader;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.Blackhole;

/**
 * Ingest's CPU work for one 100-event {@code /v1/batch} body of realistic track calls, without HTTP and Kafka:
 * reading the body, validating and normalizing every call, and serializing each event to its record value.
 * Divide by 100 for the cost per event.
 *
 * <pre>java -cp benchmarks/target/benchmarks.jar org.openjdk.jmh.Main IngestPathBenchmark</pre>
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Fork(value = 1, jvmArgsAppend = "-Xmx1g")
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@State(Scope.Benchmark)
public class IngestPathBenchmark {
    private final byte[] body = RealisticEvents.batch(100).getBytes(StandardCharsets.UTF_8);
    private final byte[] scalarsOnly = RealisticEvents.batch(100).replaceAll("\"(properties|context)\":\\{(\\{[^}]*}|[^{}])*},", "")
            .getBytes(StandardCharsets.UTF_8);
    private final Instant receivedAt = Instant.parse("2026-11-26T10:00:02Z");

    /** Read, normalize and serialize the 100 calls: what ingest's CPU does per request. */
    @Benchmark
    public void batchOf100(Blackhole sink) throws Exception {
        writeAll(readAndNormalize(body), sink);
    }

    /** The same calls without their properties and context: what the pass-through objects cost. */
    @Benchmark
    public void batchOf100WithoutObjects(Blackhole sink) throws Exception {
        writeAll(readAndNormalize(scalarsOnly), sink);
    }

    /** Only reading the body and normalizing the calls. */
    @Benchmark
    public ParsedCalls readAndNormalize() throws Exception {
        return readAndNormalize(body);
    }

    private ParsedCalls readAndNormalize(byte[] batch) throws Exception {
        SegmentRequest request = SegmentRequestReader.read(batch, true);
        return SegmentCallParser.parseAll(request.calls(), null, BatchDefaults.of(request.envelope()), receivedAt, "web");
    }

    private static void writeAll(ParsedCalls calls, Blackhole sink) {
        for (Event event : calls.accepted()) {
            sink.consume(EventRecords.write(event));
        }
    }
}

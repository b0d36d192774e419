package io.segflow.bench.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class SummaryTest {

    /** What {@link Summary#print()} writes to standard output. */
    private static String printed(Summary summary) {
        PrintStream out = System.out;
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        System.setOut(new PrintStream(bytes, true, StandardCharsets.UTF_8));
        try {
            summary.print();
        } finally {
            System.setOut(out);
        }
        return bytes.toString(StandardCharsets.UTF_8);
    }

    @Test
    void anEmptySummaryPrintsNothing() {
        assertThat(printed(new Summary())).isEmpty();
    }

    @Test
    void rowsAreOneTableWithColumnsAsWideAsTheirWidestCellInTheOrderAdded() {
        Summary summary = new Summary();
        summary.add("drain", "events/s", "%d", 41_250);
        summary.add("latency", "p99 of change records", "%s ms", "12.5");
        summary.add("id", "x", "%d of %d", 1, 2);

        String n = System.lineSeparator();
        assertThat(printed(summary)).isEqualTo(n
                + "SUMMARY" + n
                + "| phase   | metric                | value" + n
                + "| ------- | --------------------- | -----" + n
                + "| drain   | events/s              | 41250" + n
                + "| latency | p99 of change records | 12.5 ms" + n
                + "| id      | x                     | 1 of 2" + n);
    }

    @Test
    void aPercentSignInACellIsPrintedAsIs() {
        Summary summary = new Summary();
        summary.add("latency", "CPU 100% busy", "%s", "167% of 200%");

        assertThat(printed(summary)).contains("| latency | CPU 100% busy | 167% of 200%");
    }
}

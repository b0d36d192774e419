package io.segflow.bench.pipeline;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ProcessCpuTest {

    /** A {@code /proc/<pid>/stat} line: utime (field 14) 4321, stime (15) 876; the children's (16, 17) 55 and 66. */
    private static String stat(String comm) {
        return "31337 (" + comm + ") S 1 31337 31337 0 -1 4194560 120045 3 12 0 4321 876 55 66 20 0 45 0 6835878 "
                + "4567890123 98304 18446744073709551615 1 1 0 0 0 0 0 4096 17663 0 0 0 17 1 0 0 0 0 0 0 0 0 0 0 0 0 0\n";
    }

    @Test
    void ticksAreUserPlusSystemTimeWithoutTheChildren() {
        assertThat(ProcessCpu.ticks(stat("java"))).isEqualTo(4321 + 876);
    }

    @Test
    void aCommandNameWithSpacesAndParenthesesDoesNotShiftTheFields() {
        assertThat(ProcessCpu.ticks(stat("java (x)"))).isEqualTo(4321 + 876);
        assertThat(ProcessCpu.ticks(stat("a) 1 2 3 (b"))).isEqualTo(4321 + 876);
        assertThat(ProcessCpu.ticks(stat(")"))).isEqualTo(4321 + 876);
    }

    @Test
    void thisJvmsCpuFromProcAgreesWithTheJvmsOwnCount() throws IOException {
        assumeTrue(Files.exists(Path.of("/proc/self/stat")), "Linux only");
        var os = (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
        ProcessCpu cpu = new ProcessCpu(ProcessHandle.current().pid());

        long before = os.getProcessCpuTime() / 1_000;
        long micros = cpu.micros();
        long after = os.getProcessCpuTime() / 1_000;

        assertThat(cpu.alive()).isTrue();
        // /proc counts in ticks (10 ms at USER_HZ 100) and truncates utime and stime each.
        assertThat(micros).isBetween(before - 30_000, after + 30_000);
    }

    @Test
    void aGivenPidWinsOverThePidFile(@TempDir Path dir) throws IOException {
        Path pidFile = Files.writeString(dir.resolve("segment-function.pid"), "4242\n");

        assertThat(ProcessCpu.find(17L, pidFile).pid()).isEqualTo(17);
        assertThat(ProcessCpu.find(null, pidFile).pid()).isEqualTo(4242);
    }

    @Test
    void aMissingOrUnreadablePidFileFindsNoProcess(@TempDir Path dir) throws IOException {
        assertThat(ProcessCpu.find(null, dir.resolve("absent.pid"))).isNull();
        assertThat(ProcessCpu.find(null, Files.writeString(dir.resolve("empty.pid"), ""))).isNull();
        assertThat(ProcessCpu.find(null, Files.writeString(dir.resolve("garbage.pid"), "segment-function\n"))).isNull();
    }
}

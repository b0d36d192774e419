package io.segflow.api.js;

import static org.assertj.core.api.Assertions.assertThat;

import io.segflow.api.support.NodeTools;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** Runs segflow.js's own unit tests ({@code node --test src/main/js/test/}) as part of the Maven build. */
class JsClientTest {

    @Test
    void segflowJsUnitTestsPass() throws Exception {
        Path node = NodeTools.node();
        Process process = new ProcessBuilder(List.of(node.toString(), "--test", "src/main/js/test/"))
                .redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(process.waitFor(2, TimeUnit.MINUTES)).isTrue();
        assertThat(process.exitValue()).as(output).isZero();
        assertThat(output).contains("# fail 0");
    }
}

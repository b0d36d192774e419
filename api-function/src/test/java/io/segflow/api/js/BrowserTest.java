package io.segflow.api.js;

import static org.assertj.core.api.Assertions.assertThat;

import io.quarkus.test.junit.QuarkusTest;
import io.segflow.api.support.NodeTools;
import io.segflow.api.support.PushTest;
import io.segflow.api.support.UserFixtures;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The demo page and segflow.js in real headless Chromium (Debian's chromium, driven by playwright-core), against
 * this test's api-function on real Kafka and Redis. Segment changes are made here, as segment-function would make
 * them, when the browser script asks for them. Skipped where node or chromium is missing.
 */
@QuarkusTest
class BrowserTest extends PushTest {

    @Test
    void theDemoChangesLiveShowsTheCacheFirstAndHandlesRefusedTokens() throws Exception {
        Path node = NodeTools.node();
        Path chromium = NodeTools.chromium();
        Path scripts = NodeTools.browserTests();

        Process browser = new ProcessBuilder(List.of(node.toString(), "demo.browser.js", base.toString(), chromium.toString()))
                .directory(scripts.toFile()).redirectErrorStream(true).start();
        StringBuilder transcript = new StringBuilder();
        try (UserFixtures fixtures = new UserFixtures(redis);
             BufferedReader out = new BufferedReader(new InputStreamReader(browser.getInputStream(), StandardCharsets.UTF_8));
             Writer in = new OutputStreamWriter(browser.getOutputStream(), StandardCharsets.UTF_8)) {
            String line;
            while ((line = out.readLine()) != null) {
                transcript.append(line).append('\n');
                if (line.startsWith("ENTER ")) {
                    String[] parts = line.split(" ");
                    fixtures.enter(parts[1], parts[2], Long.parseLong(parts[3]));
                    in.write("OK\n");
                    in.flush();
                }
            }
        } finally {
            if (!browser.waitFor(2, TimeUnit.MINUTES)) {
                browser.destroyForcibly();
            }
        }
        assertThat(browser.exitValue()).as(transcript.toString()).isZero();
        assertThat(transcript).contains("DONE");
    }
}

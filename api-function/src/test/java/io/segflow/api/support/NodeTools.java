package io.segflow.api.support;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * Finds Node.js and Chromium for the JS and browser tests. Where either is missing the tests are skipped (a JUnit
 * assumption), so a machine without a browser cannot turn the build red; .ci/run installs Chromium where it can.
 */
public final class NodeTools {
    private NodeTools() {
    }

    public static Path node() {
        Optional<Path> node = onPath("node");
        assumeTrue(node.isPresent(), "node is not installed: skipping");
        return node.get();
    }

    public static Path chromium() {
        Optional<Path> chromium = Optional.ofNullable(System.getenv("CHROMIUM_PATH")).map(Path::of).filter(Files::isExecutable)
                .or(() -> onPath("chromium")).or(() -> onPath("chromium-browser"));
        assumeTrue(chromium.isPresent(), "chromium is not installed (apt-get install -y chromium): skipping");
        return chromium.get();
    }

    /** Copies src/test/browser to target/browser-tests and installs playwright-core there once; skips if npm cannot. */
    public static Path browserTests() throws IOException, InterruptedException {
        Path source = Path.of("src/test/browser");
        Path target = Path.of("target/browser-tests");
        Files.createDirectories(target);
        try (var files = Files.list(source)) {
            for (Path file : files.toList()) {
                Files.copy(file, target.resolve(file.getFileName()), StandardCopyOption.REPLACE_EXISTING);
            }
        }
        if (!Files.isDirectory(target.resolve("node_modules/playwright-core"))) {
            Optional<Path> npm = onPath("npm");
            assumeTrue(npm.isPresent(), "npm is not installed: skipping");
            Process install = new ProcessBuilder(List.of(npm.get().toString(), "install", "--no-audit", "--no-fund"))
                    // Never to this JVM's own stdout: surefire reads it as its channel and fails the fork.
                    .directory(target.toFile()).redirectErrorStream(true)
                    .redirectOutput(target.resolve("npm-install.log").toFile()).start();
            boolean done = install.waitFor(5, TimeUnit.MINUTES);
            assumeTrue(done && install.exitValue() == 0, "npm could not install playwright-core: skipping");
        }
        return target;
    }

    private static Optional<Path> onPath(String command) {
        for (String dir : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
            Path candidate = Path.of(dir, command);
            if (Files.isExecutable(candidate)) {
                return Optional.of(candidate);
            }
        }
        return Optional.empty();
    }
}

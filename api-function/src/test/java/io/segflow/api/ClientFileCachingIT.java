package io.segflow.api;

import io.quarkus.test.junit.QuarkusIntegrationTest;

/** {@link ClientFileCachingTest} against the packaged function, which serves the files from its jar. */
@QuarkusIntegrationTest
class ClientFileCachingIT extends ClientFileCachingTest {
}

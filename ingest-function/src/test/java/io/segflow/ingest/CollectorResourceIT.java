package io.segflow.ingest;

import io.quarkus.test.junit.QuarkusIntegrationTest;

/** {@link CollectorResourceTest} against the packaged function: the jar, or with -Pnative the native binary. */
@QuarkusIntegrationTest
class CollectorResourceIT extends CollectorResourceTest {
}

package io.segflow.segment;

import io.quarkus.test.junit.QuarkusIntegrationTest;

/** {@link EventsToChangesTest} against the packaged function: the jar, or with -Pnative the native binary. */
@QuarkusIntegrationTest
class EventsToChangesIT extends EventsToChangesTest {
}

package io.segflow.trigger;

import io.quarkus.test.junit.QuarkusIntegrationTest;

/** {@link TriggerRouterTest} against the packaged function: the jar, or with -Pnative the native binary. */
@QuarkusIntegrationTest
class TriggerRouterIT extends TriggerRouterTest {
}

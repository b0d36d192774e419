package io.segflow.api;

import io.quarkus.test.junit.QuarkusIntegrationTest;

/** {@link UserTokenRulesTest} against the packaged function: the jar, or with -Pnative the native binary. */
@QuarkusIntegrationTest
class UserTokenRulesIT extends UserTokenRulesTest {
}

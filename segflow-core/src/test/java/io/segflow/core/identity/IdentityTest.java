package io.segflow.core.identity;

import static org.assertj.core.api.Assertions.assertThat;

import io.segflow.core.state.CompactReader;
import io.segflow.core.state.CompactWriter;
import org.junit.jupiter.api.Test;

class IdentityTest {

    @Test
    void anUnlinkedIdIsNoLongerMergedAndCanBeRequestedAgain() {
        Identity identity = new Identity();
        identity.requested("anon-1");
        identity.merged("anon-1");
        identity.merged("anon-2");

        assertThat(identity.unlink("anon-1")).isTrue();

        assertThat(identity.mergedIds()).containsExactly("anon-2");
        assertThat(identity.isLinked("anon-1")).isFalse();
        assertThat(identity.linkedIds()).containsExactly("anon-2");
        identity.requested("anon-1");
        assertThat(identity.isLinked("anon-1")).isTrue();
        assertThat(identity.isMerged("anon-1")).isFalse();
    }

    @Test
    void anUnlinkLeavesARequestOnItsWayAndAnIdNeverLinked() {
        Identity identity = new Identity();
        identity.requested("anon-1");

        assertThat(identity.unlink("anon-1")).as("its profile is yet to come").isFalse();
        assertThat(identity.unlink("anon-2")).isFalse();

        assertThat(identity.isLinked("anon-1")).isTrue();
        assertThat(identity.isLinked("anon-2")).isFalse();
    }

    @Test
    void anUnlinkedIdentityEncodesAsOneThatNeverHadTheLink() {
        Identity unlinked = new Identity();
        unlinked.markKnown();
        unlinked.merged("anon-1");
        unlinked.merged("anon-2");
        unlinked.unlink("anon-1");
        Identity never = new Identity();
        never.markKnown();
        never.merged("anon-2");

        assertThat(encode(unlinked)).containsExactly(encode(never));
        assertThat(Identity.readFrom(new CompactReader(encode(unlinked)))).isEqualTo(never);
    }

    private static byte[] encode(Identity identity) {
        CompactWriter out = new CompactWriter(16);
        identity.writeTo(out);
        return out.toByteArray();
    }
}

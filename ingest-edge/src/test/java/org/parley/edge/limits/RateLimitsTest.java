package org.parley.edge.limits;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import org.junit.jupiter.api.Test;

class RateLimitsTest {
    @Test
    void ratesAreWrittenAsCountPerPeriod() {
        assertThat(Rate.parse("k", "20/60s")).isEqualTo(new Rate(20, 60_000));
        assertThat(Rate.parse("k", "5 / 10m")).isEqualTo(new Rate(5, 600_000));
        assertThat(Rate.parse("k", "1/250ms")).isEqualTo(new Rate(1, 250));
        assertThat(Rate.parse("k", "3/2h")).isEqualTo(new Rate(3, 7_200_000));
        assertThat(Rate.parse("k", "off").off()).isTrue();
        assertThat(new Rate(20, 60_000).describe()).isEqualTo("20 per 1 min");
        assertThatThrownBy(() -> Rate.parse("limits.user.chats", "20 per minute"))
                .hasMessageContaining("limits.user.chats").hasMessageContaining("20/60s");
    }

    @Test
    void aBucketAllowsItsBurstThenRefillsAtItsRate() {
        KeyedBuckets buckets = new KeyedBuckets(Rate.of(3, 3_000), 100); // 3 at once, one per second
        assertThat(buckets.take("alice", 0)).isZero();
        assertThat(buckets.take("alice", 0)).isZero();
        assertThat(buckets.take("alice", 0)).isZero();
        assertThat(buckets.take("alice", 0)).as("ms until the next token").isEqualTo(1_000);
        assertThat(buckets.take("bob", 0)).as("another key has its own bucket").isZero();
        assertThat(buckets.take("alice", 999)).isEqualTo(1);
        assertThat(buckets.take("alice", 1_000)).isZero();
        assertThat(buckets.peek("alice", 1_000)).isEqualTo(1_000);
    }

    @Test
    void fullBucketsAreForgottenAndOthersKept() {
        KeyedBuckets buckets = new KeyedBuckets(Rate.of(2, 2_000), 100);
        buckets.take("alice", 0);
        buckets.take("bob", 0);
        buckets.take("bob", 0);
        buckets.sweep(1_000); // alice full again, bob not
        assertThat(buckets.size()).isEqualTo(1);
        assertThat(buckets.take("bob", 1_000)).isZero();
        assertThat(buckets.take("bob", 1_000)).as("bob's bucket was kept, not refilled").isPositive();
    }

    @Test
    void pastTheTrackedKeysNewKeysShareOneBucket() {
        KeyedBuckets buckets = new KeyedBuckets(Rate.of(1, 60_000), 2);
        assertThat(buckets.take("a", 0)).isZero();
        assertThat(buckets.take("b", 0)).isZero();
        assertThat(buckets.take("c", 0)).isZero();
        assertThat(buckets.take("d", 0)).as("c and d share the overflow bucket").isPositive();
        assertThat(buckets.size()).isEqualTo(3);
    }

    @Test
    void offLimitsNeverRefuse() {
        KeyedBuckets buckets = new KeyedBuckets(Rate.OFF, 10);
        for (int i = 0; i < 1_000; i++) {
            assertThat(buckets.take("alice", 0)).isZero();
        }
        assertThat(buckets.size()).isZero();
    }

    @Test
    void frameLimitsCountPerUserThenPerAddress() {
        EdgeLimits limits = EdgeLimits.with(Map.of("limits.user.chats", "2/1h", "limits.address.chats", "3/1h"));
        FrameLimits frames = new FrameLimits(limits, () -> 0L);
        assertThat(frames.admit(FrameKind.CHATS, "alice", "192.0.2.1")).isNull();
        assertThat(frames.admit(FrameKind.CHATS, "alice", "192.0.2.1")).isNull();
        FrameLimits.Refusal user = frames.admit(FrameKind.CHATS, "alice", "192.0.2.1");
        assertThat(user.setting()).isEqualTo("limits.user.chats");
        assertThat(frames.admit(FrameKind.CHATS, "bob", "192.0.2.1")).isNull();
        assertThat(frames.admit(FrameKind.CHATS, "carol", "192.0.2.1").setting()).isEqualTo("limits.address.chats");
        assertThat(frames.admit(FrameKind.CHATS, "carol", null)).as("exempt address: only the user's limit").isNull();
        assertThat(frames.admit(FrameKind.HISTORY, "alice", "192.0.2.1")).as("kinds are counted apart").isNull();
    }

    @Test
    void theDefaultsParse() {
        EdgeLimits d = EdgeLimits.defaults();
        assertThat(d.perUser()).containsKeys(FrameKind.values());
        assertThat(d.perAddress()).containsKeys(FrameKind.values());
        assertThat(d.trustedProxies()).isEmpty();
        assertThat(d.cqlMaxInFlight()).isLessThan(1024); // the driver's requests per connection
        assertThat(d.maxUnsentBytes()).isGreaterThan(d.writeQueueBytes());
        assertThat(d.pingIntervalMs()).isLessThan(d.idleTimeoutMs());
    }
}

package io.cairn.server.http;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The key → partition mapping is part of the on-disk contract: a key's records stay in order
 * only while it maps to the same partition, across restarts, nodes and versions. These values
 * are pinned; changing the hash breaks ordering for every existing topic.
 */
class PartitionChoiceTest {
    private static int p(String key, int partitions) {
        return ProduceRoutes.hash(key.getBytes(StandardCharsets.UTF_8), partitions);
    }

    @Test
    void pinnedValues() {
        assertThat(p("customer-1", 3)).isEqualTo(2); // the README walkthrough shows this one
        assertThat(p("", 7)).isEqualTo(0);
        assertThat(p("order-42", 1)).isZero();
    }

    @Test
    void alwaysInRange() {
        for (int n = 1; n <= 1024; n *= 2) {
            for (int i = 0; i < 1000; i++) {
                assertThat(p("k" + i, n)).isBetween(0, n - 1);
            }
        }
    }
}

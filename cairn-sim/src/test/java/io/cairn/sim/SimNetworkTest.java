package io.cairn.sim;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The network model the simulation's findings rest on: each fault the issue names (drop,
 * duplicate, delay and reorder, partition, one-way cut) really happens when its knob says so,
 * and never when the network is healed.
 */
class SimNetworkTest {
    private record Delivery(int from, int to, int message) {}

    private final Scheduler scheduler = new Scheduler();
    private final List<Delivery> deliveries = new ArrayList<>();
    private final SimNetwork<Integer> net = new SimNetwork<>(3, scheduler, new SimRandom(7),
            (from, to, m) -> deliveries.add(new Delivery(from, to, m)));

    private List<Integer> receivedBy(int to) {
        return deliveries.stream().filter(d -> d.to == to).map(Delivery::message).toList();
    }

    @Test
    void aOneWayCutBlocksOneDirectionOnly() {
        net.faults().delayMinUs = 10;
        net.faults().delayMaxUs = 10;
        net.setBlocked(0, 1, true);
        net.send(0, 1, 1);
        net.send(1, 0, 2);
        scheduler.runUntil(1_000);
        assertThat(receivedBy(1)).isEmpty();
        assertThat(receivedBy(0)).containsExactly(2);
        assertThat(net.isFullyConnected()).isFalse();
    }

    @Test
    void aCutAlsoLosesMessagesAlreadyInFlight() {
        net.faults().delayMinUs = 100;
        net.faults().delayMaxUs = 100;
        net.send(0, 2, 1);
        scheduler.runUntil(50);
        net.isolate(2);
        scheduler.runUntil(1_000);
        assertThat(deliveries).isEmpty();
        assertThat(net.dropped()).isEqualTo(1);
    }

    @Test
    void randomDelaysReorderAndDuplicatesArriveTwice() {
        net.faults().delayMinUs = 1;
        net.faults().delayMaxUs = 1_000;
        net.faults().duplicatePerMille = 1000;
        for (int i = 0; i < 100; i++) {
            net.send(0, 1, i);
        }
        scheduler.runUntil(10_000);
        List<Integer> got = receivedBy(1);
        assertThat(got).hasSize(200);
        assertThat(got.stream().distinct().count()).isEqualTo(100);
        assertThat(got).isNotEqualTo(got.stream().sorted().toList());
        assertThat(net.duplicated()).isEqualTo(100);
        assertThat(net.reordered()).isPositive();
    }

    @Test
    void dropsFollowTheKnobAndHealRestoresAPerfectNetwork() {
        net.faults().delayMinUs = 10;
        net.faults().delayMaxUs = 10;
        net.faults().dropPerMille = 500;
        for (int i = 0; i < 1000; i++) {
            net.send(0, 1, i);
        }
        scheduler.runUntil(1_000);
        // Half of 1000 at a 50% drop rate; the bounds are loose, the seed fixes the exact count.
        assertThat(net.dropped()).isBetween(400L, 600L);
        assertThat(receivedBy(1)).hasSize((int) (1000 - net.dropped()));

        net.setBlocked(1, 2, true);
        net.faults().duplicatePerMille = 300;
        net.heal();
        deliveries.clear();
        long droppedBefore = net.dropped();
        for (int i = 0; i < 100; i++) {
            net.send(1, 2, i);
        }
        scheduler.runUntil(2_000);
        assertThat(receivedBy(2)).hasSize(100);
        assertThat(net.dropped()).isEqualTo(droppedBefore);
        assertThat(net.isFullyConnected()).isTrue();
    }
}

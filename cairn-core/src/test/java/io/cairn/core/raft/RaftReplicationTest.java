package io.cairn.core.raft;

import io.cairn.core.NodeId;
import io.cairn.core.raft.RaftMessage.AppendRequest;
import io.cairn.core.raft.RaftMessage.AppendResponse;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class RaftReplicationTest {
    private static final NodeId N1 = NodeId.of("n1");
    private static final NodeId N2 = NodeId.of("n2");
    private static final NodeId N3 = NodeId.of("n3");

    private static Entry e(long index, long term, String data) {
        return new Entry(term, index, EntryType.NORMAL, data.getBytes(StandardCharsets.UTF_8));
    }

    private static RaftNode follower(MemoryStorage storage) {
        return new RaftNode(RaftConfig.defaults(RaftHarness.GROUP, N2), storage, RandomSource.seeded(3));
    }

    /** Writes a Ready as the documented driver would, with synchronous durability. */
    private static Ready drive(RaftNode n, MemoryStorage s) {
        Ready rd = n.ready();
        if (rd.truncateFromIndex() != 0) s.truncateSuffix(rd.truncateFromIndex());
        s.append(rd.entries());
        rd.hardState().ifPresent(s::setHardState);
        n.advance(rd);
        if (!rd.entries().isEmpty()) {
            Entry last = rd.entries().get(rd.entries().size() - 1);
            n.persisted(last.index(), last.term());
        }
        return rd;
    }

    @Test
    void followerAcksOnlyAfterPersist() {
        MemoryStorage s = new MemoryStorage(Membership.ofVoters(N1, N2, N3));
        RaftNode f = follower(s);
        f.step(new AppendRequest(RaftHarness.GROUP, N1, N2, 1, 0, 0, List.of(e(1, 1, "a")), 0));
        Ready rd = f.ready();
        assertThat(rd.entries()).containsExactly(e(1, 1, "a"));
        assertThat(rd.messages()).noneMatch(m -> m instanceof AppendResponse);
        assertThat(rd.messagesAfterPersist()).containsExactly(new AppendResponse(RaftHarness.GROUP, N2, N1, 1, true, 1, 0, 0));
    }

    @Test
    void conflictingSuffixIsTruncatedExplicitlyAndNeverBelowCommit() {
        MemoryStorage s = new MemoryStorage(Membership.ofVoters(N1, N2, N3));
        RaftNode f = follower(s);
        f.step(new AppendRequest(RaftHarness.GROUP, N1, N2, 1, 0, 0, List.of(e(1, 1, "a"), e(2, 1, "b"), e(3, 1, "c")), 1));
        drive(f, s);
        // A leader of term 2 holds a different entry at index 2.
        f.step(new AppendRequest(RaftHarness.GROUP, N3, N2, 2, 1, 1, List.of(e(2, 2, "x")), 1));
        Ready rd = drive(f, s);
        assertThat(rd.truncateFromIndex()).isEqualTo(2);
        assertThat(rd.entries()).containsExactly(e(2, 2, "x"));
        assertThat(s.allEntries()).containsExactly(e(1, 1, "a"), e(2, 2, "x"));
    }

    @Test
    void rejectionCarriesFastBackoffHint() {
        MemoryStorage s = new MemoryStorage(Membership.ofVoters(N1, N2, N3));
        RaftNode f = follower(s);
        f.step(new AppendRequest(RaftHarness.GROUP, N1, N2, 1, 0, 0, List.of(e(1, 1, "a"), e(2, 1, "b"), e(3, 1, "c")), 0));
        drive(f, s);
        // The leader of term 3 probes at 10/3: we only have up to 3 (term 1), so hint 3/1. The
        // answer carries the new term, so it waits for that term to be durable.
        f.step(new AppendRequest(RaftHarness.GROUP, N3, N2, 3, 10, 3, List.of(), 0));
        Ready rd = f.ready();
        assertThat(rd.messages()).isEmpty();
        assertThat(rd.messagesAfterPersist()).containsExactly(new AppendResponse(RaftHarness.GROUP, N2, N3, 3, false, 10, 3, 1));
    }

    @Test
    void leaderCommitsOnlyWhatIsDurableOnItsOwnDisk() {
        MemoryStorage s = new MemoryStorage(Membership.ofVoters(N1));
        RaftNode n = new RaftNode(RaftConfig.defaults(RaftHarness.GROUP, N1), s, RandomSource.seeded(1));
        n.campaign();
        assertThat(n.role()).isEqualTo(Role.LEADER);
        Ready rd = n.ready();
        assertThat(rd.entries()).hasSize(1);
        s.append(rd.entries());
        rd.hardState().ifPresent(s::setHardState);
        n.advance(rd);
        // Written but not yet fsynced: a single voter must not commit.
        assertThat(n.commitIndex()).isZero();
        n.persisted(1, 1);
        assertThat(n.commitIndex()).isEqualTo(1);
    }

    @Test
    void committedEntriesAreHandedOutOnlyWhenLocallyDurable() {
        MemoryStorage s = new MemoryStorage(Membership.ofVoters(N1, N2, N3));
        RaftNode f = follower(s);
        f.step(new AppendRequest(RaftHarness.GROUP, N1, N2, 1, 0, 0, List.of(e(1, 1, "a")), 1));
        Ready first = f.ready();
        assertThat(first.committedEntries()).isEmpty();
        s.append(first.entries());
        f.advance(first);
        f.persisted(1, 1);
        Ready second = f.ready();
        assertThat(second.committedEntries()).containsExactly(e(1, 1, "a"));
    }

    @Test
    void staleAndMismatchedPersistReportsAreIgnored() {
        MemoryStorage s = new MemoryStorage(Membership.ofVoters(N1, N2, N3));
        RaftNode f = follower(s);
        f.step(new AppendRequest(RaftHarness.GROUP, N1, N2, 1, 0, 0, List.of(e(1, 1, "a"), e(2, 1, "b")), 0));
        Ready rd = f.ready();
        s.append(rd.entries());
        f.advance(rd);
        f.persisted(2, 7);
        assertThat(f.status().persistedIndex()).isZero();
        f.persisted(2, 1);
        assertThat(f.status().persistedIndex()).isEqualTo(2);
    }

    @Test
    void pipelineIsBoundedByTheInflightWindow() {
        RaftHarness h = new RaftHarness(List.of("n1", "n2", "n3"), 1, c -> c.withInflight(2, 1 << 20, 64));
        h.elect("n1");
        h.stabilize();
        RaftNode leader = h.node("n1");
        for (int i = 0; i < 10; i++) {
            leader.propose(EntryType.NORMAL, ("v" + i).getBytes(StandardCharsets.UTF_8));
        }
        h.process(h.m("n1"));
        long toN2 = h.network.stream().filter(m -> m instanceof AppendRequest && m.to().equals(N2)).count();
        assertThat(toN2).isEqualTo(2);
        h.stabilize();
        assertThat(h.m("n2").applied).hasSize(10);
        assertThat(h.m("n3").applied).hasSize(10);
    }

    /**
     * Probe/replicate flow control (etcd's progress states): a follower whose position is unknown
     * gets one append at a time, however much is proposed meanwhile; once it acknowledges, appends
     * are pipelined, but never more than the in-flight window.
     */
    @Test
    void aRejectingFollowerIsProbedOneAppendAtATimeThenPipelinedUpToTheWindow() {
        // appendBytesMax=1 puts one entry in each append, so appends count entries.
        RaftHarness h = new RaftHarness(List.of("n1", "n2", "n3"), 1, c -> c.withInflight(3, 1 << 20, 1));
        RaftNode leader = h.elect("n1");
        h.stabilize();
        assertThat(progressOf(leader, N3).state()).isEqualTo(ProgressState.REPLICATE);

        // n3 is cut off; in REPLICATE the leader pipelines up to the window (3), then pauses.
        h.partition(List.of(java.util.Set.of(N1, N2), java.util.Set.of(N3)));
        for (int i = 0; i < 6; i++) {
            assertThat(h.propose("n1", "v" + i)).isInstanceOf(ProposeResult.Accepted.class);
        }
        assertThat(appendsTo(h, N3)).isEqualTo(3);
        h.stabilize();
        assertThat(progressOf(leader, N3).inflightMessages()).isEqualTo(3);

        // Healed: a heartbeat answer makes the leader send at its next index, n3 rejects (it holds
        // only the no-op), and the leader falls back to probing from n3's hint.
        h.heal();
        h.tick("n1", 1);
        for (int i = 0; i < 4 && progressOf(leader, N3).state() != ProgressState.PROBE; i++) {
            h.deliver();
        }
        assertThat(progressOf(leader, N3).state()).isEqualTo(ProgressState.PROBE);
        assertThat(appendsTo(h, N3)).isEqualTo(1);
        // While the probe is unanswered nothing more goes to n3, however much is proposed.
        assertThat(h.propose("n1", "v6")).isInstanceOf(ProposeResult.Accepted.class);
        assertThat(appendsTo(h, N3)).isEqualTo(1);

        // n3 accepts the probe: the leader switches to REPLICATE and fills the window at once.
        for (int i = 0; i < 4 && progressOf(leader, N3).state() != ProgressState.REPLICATE; i++) {
            h.deliver();
        }
        assertThat(progressOf(leader, N3).state()).isEqualTo(ProgressState.REPLICATE);
        assertThat(appendsTo(h, N3)).isEqualTo(3);
        assertThat(progressOf(leader, N3).inflightMessages()).isEqualTo(3);
        h.stabilize();
        assertThat(h.m("n3").applied).containsExactly("v0", "v1", "v2", "v3", "v4", "v5", "v6");
    }

    private static PeerProgress progressOf(RaftNode leader, NodeId peer) {
        return leader.progress().stream().filter(p -> p.node().equals(peer)).findFirst().orElseThrow();
    }

    private static long appendsTo(RaftHarness h, NodeId to) {
        return h.network.stream().filter(m -> m instanceof AppendRequest a && a.to().equals(to) && !a.entries().isEmpty()).count();
    }

    @Test
    void proposalsAreRejectedWithTypedReasons() {
        RaftHarness h = new RaftHarness(List.of("n1", "n2", "n3"), 1, c -> c.withUncommittedBytesMax(100).withPreVote(false));
        h.node("n1").campaign();
        h.process(h.m("n1"));
        h.deliver();
        h.deliver();
        // Elected, but the no-op is not yet committed and applied.
        assertThat(h.node("n1").role()).isEqualTo(Role.LEADER);
        assertThat(h.propose("n1", "early")).isEqualTo(new Rejected(Rejection.LEADER_NOT_READY, java.util.Optional.of(N1)));
        h.stabilize();
        assertThat(h.propose("n2", "x")).isEqualTo(new Rejected(Rejection.NOT_LEADER, java.util.Optional.of(N1)));
        h.partition(List.of(java.util.Set.of(N1), java.util.Set.of(N2, N3)));
        assertThat(h.propose("n1", "a".repeat(60))).isInstanceOf(ProposeResult.Accepted.class);
        assertThat(h.propose("n1", "b".repeat(60))).isEqualTo(new Rejected(Rejection.OVERLOADED, java.util.Optional.of(N1)));
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> h.node("n1").propose(EntryType.NOOP, new byte[0]))
                .isInstanceOf(IllegalArgumentException.class);
    }

    /**
     * Leader n1 of n1..n3 has proposed "a" and both followers' acks for it are in its inbox
     * (stepped, Ready not yet collected): the commit of "a" has advanced but no follower knows.
     */
    private static RaftHarness commitJustAdvanced() {
        RaftHarness h = new RaftHarness(List.of("n1", "n2", "n3"), 1, c -> c);
        h.elect("n1");
        h.stabilize();
        h.propose("n1", "a");
        h.deliver(); // the appends: followers persist and queue their acks
        List<RaftMessage> acks = List.copyOf(h.network);
        h.network.clear();
        assertThat(acks).hasSize(2).allMatch(m -> m instanceof AppendResponse r && r.success());
        RaftNode leader = h.node("n1");
        long before = leader.commitIndex();
        acks.forEach(leader::step);
        assertThat(leader.commitIndex()).isGreaterThan(before);
        return h;
    }

    @Test
    void aProposalMadeBeforeTheReadyCarriesTheCommitToFollowers() {
        RaftHarness h = commitJustAdvanced();
        RaftNode leader = h.node("n1");
        leader.propose(EntryType.NORMAL, "b".getBytes(StandardCharsets.UTF_8));
        h.process(h.m("n1"));
        List<AppendRequest> appends = h.network.stream()
                .filter(m -> m instanceof AppendRequest).map(m -> (AppendRequest) m).toList();
        // One append per follower, with the new entry and the new commit: no empty append (and
        // no answer to one) just to say that "a" committed.
        assertThat(appends).hasSize(2);
        assertThat(appends).allSatisfy(a -> {
            assertThat(a.entries()).extracting(e -> new String(e.data(), StandardCharsets.UTF_8)).containsExactly("b");
            assertThat(a.commit()).isEqualTo(leader.commitIndex());
        });
        h.stabilize();
        assertThat(h.m("n2").applied).containsExactly("a", "b");
        assertThat(h.m("n3").applied).containsExactly("a", "b");
    }

    @Test
    void anIdleLeaderStillTellsFollowersOfTheCommitAtOnce() {
        RaftHarness h = commitJustAdvanced();
        RaftNode leader = h.node("n1");
        h.process(h.m("n1"));
        List<AppendRequest> appends = h.network.stream()
                .filter(m -> m instanceof AppendRequest).map(m -> (AppendRequest) m).toList();
        assertThat(appends).hasSize(2).allSatisfy(a -> {
            assertThat(a.entries()).isEmpty();
            assertThat(a.commit()).isEqualTo(leader.commitIndex());
        });
        h.deliver();
        assertThat(h.m("n2").applied).containsExactly("a");
        assertThat(h.m("n3").applied).containsExactly("a");
    }
}

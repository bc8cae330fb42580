package io.cairn.server.replica;

import io.cairn.core.raft.Entry;
import io.cairn.storage.FrameChunk;
import io.cairn.storage.LogEntry;

import java.util.ArrayDeque;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Storage frames passing through one replica, so replication copies entries as bytes instead of
 * decoding and re-encoding them. Owned by the group thread.
 *
 * <ul>
 *   <li><b>Leader:</b> the chunks {@link RaftLogView#entries} read from the segment log for the
 *       Raft core since the last Ready. When the core's append message holds exactly the
 *       entries of (part of) one such chunk, the chunk goes on the wire with it.</li>
 *   <li><b>Follower:</b> frames that arrived with appends, by Raft index, until the entries are
 *       appended; a run of entries whose frames are here is appended with one write.</li>
 * </ul>
 *
 * <p>Both are only a cache: an entry whose frame is missing (evicted, or never read from disk,
 * like a leader's fresh proposals) is encoded as before, which gives the same bytes. Bounded by
 * {@code bytesMax} on each side, oldest dropped first.
 */
final class ReplicationFrames {
    private record Received(FrameChunk chunk, int at) {}

    private final long bytesMax;
    private final ArrayDeque<FrameChunk> handedOut = new ArrayDeque<>();
    private long handedOutBytes;
    private final TreeMap<Long, Received> received = new TreeMap<>();
    private long receivedBytes;

    ReplicationFrames(long bytesMax) {
        this.bytesMax = bytesMax;
    }

    // ---------------------------------------------------------------- leader

    /** A chunk whose entries were just handed to the Raft core. */
    void handedOut(FrameChunk chunk) {
        if (chunk.isEmpty()) {
            return;
        }
        handedOut.addLast(chunk);
        handedOutBytes += chunk.bytes().remaining();
        while (handedOutBytes > bytesMax && handedOut.size() > 1) {
            handedOutBytes -= handedOut.pollFirst().bytes().remaining();
        }
    }

    /**
     * The frames of exactly {@code entries}, if one chunk handed out since the last
     * {@link #clearHandedOut()} holds them all (same index and term, in order); else null.
     */
    FrameChunk framesOf(List<Entry> entries) {
        if (entries.isEmpty()) {
            return null;
        }
        long first = entries.get(0).index();
        for (Iterator<FrameChunk> it = handedOut.descendingIterator(); it.hasNext(); ) {
            FrameChunk c = it.next();
            long chunkFirst = c.entries().get(0).raftIndex();
            long k = first - chunkFirst;
            if (k < 0 || k + entries.size() > c.size()) {
                continue;
            }
            boolean same = true;
            for (int i = 0; i < entries.size() && same; i++) {
                same = matches(entries.get(i), c.entries().get((int) k + i));
            }
            if (same) {
                return c.sub((int) k, (int) k + entries.size());
            }
        }
        return null;
    }

    /** After a Ready's messages are sent: chunks read for it are no longer needed. */
    void clearHandedOut() {
        handedOut.clear();
        handedOutBytes = 0;
    }

    // ---------------------------------------------------------------- follower

    /** Frames that arrived with an append from the leader. */
    void received(FrameChunk chunk) {
        for (int k = 0; k < chunk.size(); k++) {
            Received old = received.put(chunk.entries().get(k).raftIndex(), new Received(chunk, k));
            if (old != null) {
                receivedBytes -= old.chunk().bytesOf(old.at(), old.at() + 1);
            }
            receivedBytes += chunk.bytesOf(k, k + 1);
        }
        while (receivedBytes > bytesMax && !received.isEmpty()) {
            Received r = received.pollFirstEntry().getValue();
            receivedBytes -= r.chunk().bytesOf(r.at(), r.at() + 1);
        }
    }

    /**
     * How many of {@code entries}, starting at {@code from}, have their received frames back to
     * back in one chunk (0 if the first has none); {@link #chunkOf}/{@link #positionOf} name them.
     */
    int receivedRun(List<Entry> entries, int from) {
        Received r = received.get(entries.get(from).index());
        if (r == null || !matches(entries.get(from), r.chunk().entries().get(r.at()))) {
            return 0;
        }
        int n = 1;
        while (from + n < entries.size() && r.at() + n < r.chunk().size()
                && matches(entries.get(from + n), r.chunk().entries().get(r.at() + n))) {
            n++;
        }
        return n;
    }

    FrameChunk chunkOf(Entry e) {
        return received.get(e.index()).chunk();
    }

    int positionOf(Entry e) {
        return received.get(e.index()).at();
    }

    /** Frames of entries up to {@code index} are appended (or superseded): drop them. */
    void forgetReceivedThrough(long index) {
        Map<Long, Received> head = received.headMap(index, true);
        for (Received r : head.values()) {
            receivedBytes -= r.chunk().bytesOf(r.at(), r.at() + 1);
        }
        head.clear();
    }

    void clear() {
        clearHandedOut();
        received.clear();
        receivedBytes = 0;
    }

    /**
     * Same index and term means the same entry (Raft's Log Matching); type and length are
     * compared as well, so a frame is never written for an entry it does not hold.
     */
    private static boolean matches(Entry e, LogEntry f) {
        return f.raftIndex() == e.index() && f.term() == e.term() && f.type() == (byte) e.type().code()
                && f.payloadBytes() == e.data().length;
    }
}

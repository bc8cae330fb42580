package io.cairn.server.replica;

import io.cairn.storage.AtomicStateFile;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.Optional;

/**
 * {@code repair-state} in a partition directory: present while the replica repairs a log it cut
 * at damaged data. It holds the last Raft index the log had before the cut; until entries up to
 * there are committed and durable here again, the replica withholds its vote and does not
 * campaign ({@link io.cairn.core.raft.RaftNode#withholdVotesUntil(long)}). Written atomically
 * ({@link AtomicStateFile}) <em>before</em> the cut, so a crash at any point of a repair keeps
 * the restriction; deleted once the core lifts it.
 *
 * <p>Layout: version u8 (=1), last index before the cut i64, its term i64, first damaged index
 * i64 (for the log line only).
 */
final class RepairMarker {
    static final String NAME = "repair-state";
    private static final int VERSION = 1;

    /** What a marker says. */
    record State(long untilIndex, long untilTerm, long firstBadIndex) {}

    private final AtomicStateFile file;

    RepairMarker(Path partitionDir) {
        this.file = new AtomicStateFile(partitionDir.resolve(NAME));
    }

    Path path() {
        return file.path();
    }

    Optional<State> read() throws IOException {
        Optional<byte[]> content = file.read();
        if (content.isEmpty()) {
            return Optional.empty();
        }
        byte[] c = content.get();
        if (c.length != 25 || c[0] != VERSION) {
            throw new IOException(file.path() + ": malformed repair marker (" + c.length + " bytes, version "
                    + (c.length > 0 ? c[0] : -1) + ")");
        }
        ByteBuffer b = ByteBuffer.wrap(c, 1, 24);
        long until = b.getLong();
        long untilTerm = b.getLong();
        long firstBad = b.getLong();
        if (until < 1 || untilTerm < 0 || firstBad < 1) {
            throw new IOException(file.path() + ": malformed repair marker (until " + until + "/" + untilTerm
                    + ", first bad " + firstBad + ")");
        }
        return Optional.of(new State(until, untilTerm, firstBad));
    }

    /** Durable when it returns. */
    void write(State state) throws IOException {
        file.write(ByteBuffer.allocate(25).put((byte) VERSION).putLong(state.untilIndex()).putLong(state.untilTerm())
                .putLong(state.firstBadIndex()).array());
    }

    /** Durable when it returns. */
    void delete() throws IOException {
        file.delete();
    }
}

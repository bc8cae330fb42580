package io.cairn.core.partition;

import io.cairn.core.partition.PartitionCommand.BatchRecord;
import io.cairn.core.partition.PartitionCommand.ConfigChange;
import io.cairn.core.partition.PartitionCommand.DeleteBefore;
import io.cairn.core.partition.PartitionCommand.DeleteReason;
import io.cairn.core.partition.PartitionCommand.GroupCommit;
import io.cairn.core.partition.PartitionCommand.NoOp;
import io.cairn.core.partition.PartitionCommand.RecordBatch;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class PartitionCodecTest {

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void everyCommandTypeRoundTrips() {
        List<PartitionCommand> commands = List.of(
                new RecordBatch(42, List.of(
                        new BatchRecord(1_700_000_000_000L, utf8("k"), utf8("v1"), "idem-1"),
                        new BatchRecord(1_699_999_999_000L, null, new byte[0], null))),
                new GroupCommit("billing-Ω", 7),
                new DeleteBefore(100, DeleteReason.EXPLICIT),
                new DeleteBefore(0, DeleteReason.RETENTION),
                new NoOp(),
                new ConfigChange(new byte[] {1, 2, 3}));
        for (PartitionCommand c : commands) {
            byte[] bytes = PartitionCodec.encode(c);
            assertThat(PartitionCodec.decode(bytes)).isEqualTo(c);
            assertThat(PartitionCodec.typeOf(bytes)).isEqualTo(c.type());
        }
    }

    @Test
    void nullKeyAndEmptyKeyStayDistinct() {
        RecordBatch b = new RecordBatch(0, List.of(
                new BatchRecord(5, null, utf8("a"), null),
                new BatchRecord(5, new byte[0], utf8("b"), "")));
        RecordBatch back = (RecordBatch) PartitionCodec.decode(PartitionCodec.encode(b));
        assertThat(back.records().get(0).key()).isNull();
        assertThat(back.records().get(1).key()).isEmpty();
        assertThat(back.records().get(1).idempotencyKey()).isEmpty();
    }

    @Test
    void emptyPayloadIsTheRaftCoresElectionNoOp() {
        assertThat(PartitionCodec.decode(new byte[0])).isEqualTo(new NoOp());
        assertThat(PartitionCodec.typeOf(new byte[0])).isEqualTo(PartitionCommand.Type.NO_OP);
    }

    @Test
    void unknownVersionOrTypeIsRejected() {
        byte[] ok = PartitionCodec.encode(new NoOp());
        byte[] badVersion = ok.clone();
        badVersion[0] = 9;
        byte[] badType = ok.clone();
        badType[1] = 77;
        assertThatThrownBy(() -> PartitionCodec.decode(badVersion)).isInstanceOf(MalformedPayloadException.class)
                .hasMessageContaining("version 9");
        assertThatThrownBy(() -> PartitionCodec.decode(badType)).isInstanceOf(MalformedPayloadException.class)
                .hasMessageContaining("type 77");
    }

    @Test
    void trailingBytesAreRejected() {
        byte[] ok = PartitionCodec.encode(new GroupCommit("g", 3));
        byte[] longer = Arrays.copyOf(ok, ok.length + 1);
        assertThatThrownBy(() -> PartitionCodec.decode(longer)).isInstanceOf(MalformedPayloadException.class)
                .hasMessageContaining("trailing");
    }

    @Test
    void invalidCommandsAreRefusedBeforeEncoding() {
        assertThatThrownBy(() -> new RecordBatch(0, List.of())).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new RecordBatch(-1, List.of(new BatchRecord(0, null, new byte[0], null))))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new GroupCommit("", 1)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new GroupCommit("g", -1)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new DeleteBefore(-5, DeleteReason.EXPLICIT)).isInstanceOf(IllegalArgumentException.class);
    }

    @Property(tries = 300)
    void recordBatchesRoundTrip(@ForAll("batches") RecordBatch batch) {
        byte[] bytes = PartitionCodec.encode(batch);
        assertThat(PartitionCodec.decode(bytes)).isEqualTo(batch);
        PartitionCodec.BatchHeader h = PartitionCodec.batchHeader(bytes);
        assertThat(h.baseOffset()).isEqualTo(batch.baseOffset());
        assertThat(h.recordCount()).isEqualTo(batch.records().size());
        assertThat(h.firstTimestampMs()).isEqualTo(batch.firstTimestampMs());
        assertThat(h.maxTimestampMs()).isEqualTo(batch.maxTimestampMs());
    }

    @Property(tries = 100)
    void everyStrictPrefixOfABatchFailsLoudly(@ForAll("batches") RecordBatch batch) {
        byte[] bytes = PartitionCodec.encode(batch);
        for (int len = 1; len < bytes.length; len++) {
            byte[] prefix = Arrays.copyOf(bytes, len);
            assertThatThrownBy(() -> PartitionCodec.decode(prefix))
                    .as("prefix of %d/%d bytes", len, bytes.length)
                    .isInstanceOf(MalformedPayloadException.class);
        }
    }

    @Property(tries = 200)
    void groupCommitsRoundTrip(@ForAll("groups") String group, @ForAll("offsets") long offset) {
        GroupCommit c = new GroupCommit(group, offset);
        assertThat(PartitionCodec.decode(PartitionCodec.encode(c))).isEqualTo(c);
    }

    @Provide
    Arbitrary<String> groups() {
        return Arbitraries.strings().ofMinLength(1).ofMaxLength(249);
    }

    @Provide
    Arbitrary<Long> offsets() {
        return Arbitraries.longs().between(0, Long.MAX_VALUE);
    }

    @Provide
    Arbitrary<RecordBatch> batches() {
        Arbitrary<byte[]> bytes = Arbitraries.bytes().array(byte[].class).ofMaxSize(64);
        Arbitrary<BatchRecord> record = Combinators.combine(
                Arbitraries.longs().between(0, 4_000_000_000_000L),
                bytes.injectNull(0.3),
                bytes,
                Arbitraries.strings().ofMaxLength(40).injectNull(0.4))
                .as(BatchRecord::new);
        return Combinators.combine(
                        Arbitraries.longs().between(0, 1L << 50),
                        record.list().ofMinSize(1).ofMaxSize(20))
                .as(RecordBatch::new);
    }
}

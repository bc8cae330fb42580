package io.cairn.chaos.workload;

import io.cairn.chaos.history.FinalRead;
import io.cairn.chaos.history.ReadRecord;
import io.cairn.client.CairnClient;
import io.cairn.client.CairnException;
import io.cairn.client.CairnNotLeaderException;
import io.cairn.client.ConsumeOptions;
import io.cairn.client.ConsumeResult;
import java.util.ArrayList;
import java.util.List;

/** Reads a whole partition from offset 0 (or the log start) to the end, page by page. */
public final class FinalReader {
    /** Records per page of a final read. */
    static final int PAGE_RECORDS = 1000;
    /** Bound on pages per partition read (a run writes far fewer than this many pages). */
    static final int PAGES_MAX = 10_000;

    private FinalReader() {}

    /**
     * Reads {@code topic/partition} through {@code client}; {@code node} labels the result
     * ({@link FinalRead#VIA_LEADER} or a node id). An error part way gives {@code complete=false}.
     */
    public static FinalRead read(CairnClient client, String node, String topic, int partition) {
        List<ReadRecord> records = new ArrayList<>();
        long next = 0;
        long logStart = 0;
        long hw = -1;
        try {
            for (int page = 0; page < PAGES_MAX; page++) {
                ConsumeResult r = client.consume(topic, "chaos-final", partition, ConsumeOptions.from(next).withLimit(PAGE_RECORDS));
                if (page == 0) {
                    logStart = r.logStart();
                }
                hw = r.highWatermark();
                if (r.reset()) {
                    logStart = r.nextOffset();
                    next = r.nextOffset();
                    continue;
                }
                if (r.messages().isEmpty()) {
                    return new FinalRead(node, topic, partition, logStart, hw, records, true, null);
                }
                records.addAll(Workload.toRecords(r.messages()));
                next = r.nextOffset();
            }
            return new FinalRead(node, topic, partition, logStart, hw, records, false, "more than " + PAGES_MAX + " pages");
        } catch (CairnNotLeaderException e) {
            return new FinalRead(node, topic, partition, logStart, hw, records, false,
                    io.cairn.chaos.checker.Checker.FOLLOWER_READS_REFUSED + " (307 to " + e.leaderId() + ")");
        } catch (CairnException e) {
            return new FinalRead(node, topic, partition, logStart, hw, records, false, e.getMessage());
        }
    }
}

package io.cairn.client;

import java.util.List;

/**
 * A page of records.
 *
 * @param nextOffset the offset after the last returned record (or the log start after a reset)
 * @param committedOffset the group's committed offset, or -1 if the group has none
 * @param reset true when the asked offset was below the log start
 * @param nodeUrl base URL of the node that answered
 */
public record ConsumeResult(
        List<Message> messages,
        long nextOffset,
        long committedOffset,
        long highWatermark,
        long logStart,
        boolean reset,
        String nodeUrl) {}

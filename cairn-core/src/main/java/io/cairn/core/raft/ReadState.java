package io.cairn.core.raft;

/**
 * A confirmed linearizable read (Raft §6.4): once the application has applied up to {@code index},
 * it may answer the read identified by {@code context} from its state.
 */
public record ReadState(long context, long index) {}

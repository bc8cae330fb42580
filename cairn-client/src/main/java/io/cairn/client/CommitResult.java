package io.cairn.client;

/** Answer to a group-offset commit; {@code advanced} is false when the commit was at or below the current one. */
public record CommitResult(long committedOffset, boolean advanced, String nodeUrl) {}

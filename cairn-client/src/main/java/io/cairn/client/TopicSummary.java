package io.cairn.client;

/** A topic as listed by {@code GET /broker/topics}. */
public record TopicSummary(String name, int partitions) {}

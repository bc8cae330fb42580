package io.cairn.client;

/** Answer to a topic create; {@code created} is false when an identical topic already existed (200). */
public record TopicCreated(String name, int partitions, int replicationFactor, boolean created) {}

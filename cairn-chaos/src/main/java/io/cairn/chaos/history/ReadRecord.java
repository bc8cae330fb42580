package io.cairn.chaos.history;

/** One record as a reader saw it. */
public record ReadRecord(long offset, String value) {}

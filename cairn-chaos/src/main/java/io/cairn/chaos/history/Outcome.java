package io.cairn.chaos.history;

/** How an operation ended, as far as the client could tell. */
public enum Outcome {
    /** The cluster acknowledged it. */
    OK,
    /** Definitely not applied (refused before acceptance, or a 4xx). */
    FAIL,
    /** May or may not have been applied: the answer was lost and retries did not settle it. */
    UNKNOWN
}

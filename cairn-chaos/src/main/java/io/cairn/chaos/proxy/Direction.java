package io.cairn.chaos.proxy;

/** A direction on a proxied connection. */
public enum Direction {
    /** Bytes from the node that opened the connection to the node it dialled. */
    FORWARD,
    /** Bytes coming back from the dialled node to the one that opened the connection. */
    BACKWARD
}

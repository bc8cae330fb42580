/**
 * The HTTP API of API.md on Netty: routing, authentication, request validation, JSON and NDJSON
 * parsing, long-poll and Server-Sent Events, and the mapping of
 * {@link io.cairn.server.broker.BrokerException}s to status codes. Handlers run on event loops and
 * never block: every call that waits goes through the broker seam's futures. Nothing here stores
 * records or knows about Raft; validation happens before any call that changes state, so a
 * rejected request changes nothing.
 */
package io.cairn.server.http;

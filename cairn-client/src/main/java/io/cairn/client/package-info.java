/**
 * The Cairn Java client: a small layer over the JDK {@link java.net.http.HttpClient} that speaks
 * the HTTP API in {@code API.md}. It follows leader redirects by hand (keeping method and body),
 * honours {@code Retry-After}, fails over across node URLs and retries ambiguous writes with the
 * same idempotency key. Typed results and exceptions live here; nothing here may depend on server
 * code, because users get this jar on its own.
 */
package io.cairn.client;

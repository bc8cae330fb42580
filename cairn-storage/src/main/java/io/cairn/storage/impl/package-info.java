/**
 * Implementation of the storage engine: frame codec and scanner, segments (log + index files and
 * their recovery), the in-memory sparse index, and file-system helpers. Used only through
 * {@code io.cairn.storage}; callers outside this module should not depend on it.
 */
package io.cairn.storage.impl;

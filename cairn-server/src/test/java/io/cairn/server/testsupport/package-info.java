/**
 * Helpers shared by tests of several packages: real resources (mounts, files) a test sets up and
 * tears down. No fakes of Cairn's own parts live here.
 */
package io.cairn.server.testsupport;

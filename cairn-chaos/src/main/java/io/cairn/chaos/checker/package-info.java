/**
 * The checker: a pure function from a recorded history (operations, fault windows, final reads)
 * to violations of the promises in DESIGN.md §1 and the run's statistics. No I/O, no clock, no
 * cluster access, so each rule is unit-tested with small synthetic histories that contain exactly
 * the violation it must catch.
 */
package io.cairn.chaos.checker;

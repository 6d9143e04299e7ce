/**
 * How telmesh logs: one line per event for operators, as text (control characters escaped, long
 * messages cut, an exception as one summary) or as JSON (logback's own encoder), with
 * java.util.logging (gRPC, Netty) bridged into the same output.
 */
package io.telmesh.logging;

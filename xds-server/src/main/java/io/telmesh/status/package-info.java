/**
 * What each proxy was sent and whether it took it: per proxy and type, the last response, the last
 * ACK and the last NACK with its error. Kept compact (references to shared snapshots, no copies).
 */
package io.telmesh.status;

/**
 * The immutable mesh model: what telmesh knows about workloads, their interfaces, Services and
 * endpoints, independent of how Kubernetes spells it. Everything here is a value.
 */
package io.telmesh.model;

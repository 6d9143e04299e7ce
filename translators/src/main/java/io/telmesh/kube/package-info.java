/**
 * Reading Kubernetes objects (fabric8 model classes) into the mesh model. Every reader is tolerant:
 * a malformed field becomes a {@link io.telmesh.model.Problem} naming the object and field, and the
 * rest of the object (and of the mesh) is still read.
 */
package io.telmesh.kube;

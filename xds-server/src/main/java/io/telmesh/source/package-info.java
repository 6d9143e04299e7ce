/**
 * Where mesh state comes from: the Kubernetes API (informers), a directory of manifests (watched),
 * or the bundled demo mesh. Each source turns what it sees into {@link
 * io.telmesh.kube.KubeObjects}; nothing downstream knows which source it was.
 */
package io.telmesh.source;

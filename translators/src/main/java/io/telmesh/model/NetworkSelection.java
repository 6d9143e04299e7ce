package io.telmesh.model;

import java.util.Optional;

/** One entry of the pod's {@code k8s.v1.cni.cncf.io/networks} request. */
public record NetworkSelection(NamespacedName attachment, Optional<String> interfaceName) {}

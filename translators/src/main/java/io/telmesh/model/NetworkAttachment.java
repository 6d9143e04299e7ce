package io.telmesh.model;

import java.util.Optional;

/**
 * A NetworkAttachmentDefinition: which CNI plugin carries the network and which CIDR it uses.
 *
 * @param cniType {@code type} of the CNI config (macvlan, ipvlan, sriov, ...), empty if unknown
 * @param ipamRange the IPAM {@code range}/{@code subnet}, when the config declares one
 * @param resourceName {@code k8s.v1.cni.cncf.io/resourceName} (device plugin resource)
 */
public record NetworkAttachment(
    NamespacedName key,
    String cniType,
    Optional<String> ipamRange,
    Optional<String> resourceName) {}

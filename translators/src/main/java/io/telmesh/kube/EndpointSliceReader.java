package io.telmesh.kube;

import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.api.model.ObjectReference;
import io.fabric8.kubernetes.api.model.discovery.v1.Endpoint;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointPort;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice;
import io.telmesh.model.IpAddress;
import io.telmesh.model.L4Protocol;
import io.telmesh.model.NamespacedName;
import io.telmesh.model.ObjectRef;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** EndpointSlice (discovery/v1) to a {@link Slice}: its Service, ports and endpoints. */
public final class EndpointSliceReader {

  /** A slice as telmesh uses it. */
  public record Slice(
      NamespacedName service, boolean multusManaged, List<Port> ports, List<Address> endpoints) {}

  /** A slice port: the numeric target port of the Service port of that name. */
  public record Port(String name, int port, L4Protocol transport) {}

  /** One slice endpoint; {@code ready} follows discovery/v1: an unset condition counts as ready. */
  public record Address(
      List<IpAddress> addresses, boolean ready, Optional<NamespacedName> pod, String zone) {}

  private EndpointSliceReader() {}

  public static Optional<Slice> read(EndpointSlice slice, ProblemSink problems) {
    Optional<ObjectMeta> maybeMeta = Meta.of(slice);
    if (maybeMeta.isEmpty()) {
      return Optional.empty();
    }
    ObjectMeta meta = maybeMeta.get();
    String namespace = Meta.namespace(meta);
    ObjectRef ref = new ObjectRef("EndpointSlice", namespace, meta.getName());
    Map<String, String> labels = Meta.labels(meta);
    String serviceName = labels.get(Annotations.SERVICE_NAME_LABEL);
    if (serviceName == null || serviceName.isEmpty()) {
      return Optional.empty();
    }
    if ("FQDN".equals(slice.getAddressType())) {
      problems.add(ref, "addressType", "FQDN endpoint slices are not served");
      return Optional.empty();
    }
    boolean multus =
        Annotations.MULTUS_SLICE_CONTROLLER.equals(labels.get(Annotations.MANAGED_BY_LABEL));

    List<Port> ports = new ArrayList<>();
    List<EndpointPort> specPorts = slice.getPorts() == null ? List.of() : slice.getPorts();
    for (int i = 0; i < specPorts.size(); i++) {
      EndpointPort port = specPorts.get(i);
      Integer number = port.getPort();
      if (number == null || !Syntax.isPort(number)) {
        problems.add(
            ref, "ports[" + i + "].port", "'" + number + "' is not a port (1-65535), port ignored");
        continue;
      }
      Optional<L4Protocol> transport = L4Protocol.parse(port.getProtocol());
      if (transport.isEmpty()) {
        problems.add(ref, "ports[" + i + "].protocol", "unknown protocol, port ignored");
        continue;
      }
      ports.add(new Port(port.getName() == null ? "" : port.getName(), number, transport.get()));
    }

    List<Address> endpoints = new ArrayList<>();
    List<Endpoint> specEndpoints = slice.getEndpoints() == null ? List.of() : slice.getEndpoints();
    for (int i = 0; i < specEndpoints.size(); i++) {
      Endpoint endpoint = specEndpoints.get(i);
      List<IpAddress> addresses = new ArrayList<>();
      for (String address :
          endpoint.getAddresses() == null ? List.<String>of() : endpoint.getAddresses()) {
        Optional<IpAddress> parsed = IpAddress.parse(address);
        if (parsed.isPresent() && !address.contains("/")) {
          addresses.add(parsed.get());
        } else {
          problems.add(
              ref,
              "endpoints[" + i + "].addresses",
              "'"
                  + NetworkStatusParser.printable(String.valueOf(address))
                  + "' is not an IP address, ignored");
        }
      }
      if (addresses.isEmpty()) {
        continue;
      }
      boolean ready =
          endpoint.getConditions() == null
              || endpoint.getConditions().getReady() == null
              || endpoint.getConditions().getReady();
      Optional<NamespacedName> pod =
          Optional.ofNullable(endpoint.getTargetRef())
              .filter(r -> "Pod".equals(r.getKind()) && r.getName() != null)
              .map(r -> new NamespacedName(targetNamespace(r, namespace), r.getName()));
      endpoints.add(
          new Address(addresses, ready, pod, endpoint.getZone() == null ? "" : endpoint.getZone()));
    }
    return Optional.of(
        new Slice(new NamespacedName(namespace, serviceName), multus, ports, endpoints));
  }

  private static String targetNamespace(ObjectReference ref, String sliceNamespace) {
    return ref.getNamespace() == null || ref.getNamespace().isEmpty()
        ? sliceNamespace
        : ref.getNamespace();
  }
}

package io.telmesh.testing;

import io.fabric8.kubernetes.api.model.ContainerPortBuilder;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.GenericKubernetesResourceBuilder;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import io.fabric8.kubernetes.api.model.ServicePortBuilder;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointBuilder;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointPortBuilder;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSliceBuilder;
import io.telmesh.kube.KubeObjects;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A synthetic telco mesh of any size: {@code services} Services spread over {@code namespaces},
 * {@code pods} pods with {@code interfaces} interfaces each (eth0 plus secondary networks), a mix
 * of HTTP/2, Diameter, TCP, sniffed, SCTP and UDP ports, one EndpointSlice per Service.
 * Deterministic: the same parameters give the same objects.
 */
public final class MeshGenerator {

  public record Shape(int services, int pods, int interfaces, int namespaces) {}

  private MeshGenerator() {}

  public static KubeObjects generate(Shape shape) {
    List<Service> services = new ArrayList<>();
    List<EndpointSlice> slices = new ArrayList<>();
    List<Pod> pods = new ArrayList<>();
    List<GenericKubernetesResource> networks = new ArrayList<>();
    for (int n = 0; n < shape.namespaces(); n++) {
      for (int i = 1; i < shape.interfaces(); i++) {
        networks.add(nad(namespace(n), "net" + i, "10." + (100 + i) + ".0.0/16"));
      }
    }
    int podsPerService = Math.max(1, shape.pods() / Math.max(1, shape.services()));
    for (int p = 0; p < shape.pods(); p++) {
      int service = Math.min(p / podsPerService, shape.services() - 1);
      pods.add(pod(p, service, shape));
    }
    for (int s = 0; s < shape.services(); s++) {
      services.add(service(s, shape));
      slices.add(slice(s, shape, podsPerService));
    }
    return new KubeObjects(services, slices, pods, networks, List.of());
  }

  static String namespace(int n) {
    return "ns" + n;
  }

  private static int namespaceOf(int service, Shape shape) {
    return service % shape.namespaces();
  }

  private static String podIp(int p) {
    return "10.1." + (p / 250) + "." + (p % 250 + 1);
  }

  private static String secondaryIp(int p, int iface) {
    return "10." + (100 + iface) + "." + (p / 250) + "." + (p % 250 + 1);
  }

  /** Port mix by Service index: HTTP/2 SBI, Diameter, plain TCP, sniffed, plus SCTP/UDP extras. */
  private static List<io.fabric8.kubernetes.api.model.ServicePort> ports(int s) {
    List<io.fabric8.kubernetes.api.model.ServicePort> ports = new ArrayList<>();
    switch (s % 4) {
      case 0 -> ports.add(port("http2-sbi", 8080, "TCP"));
      case 1 -> {
        ports.add(port("diameter", 3868, "TCP"));
        ports.add(port("diameter-sctp", 3868, "SCTP"));
      }
      case 2 -> {
        ports.add(port("tcp-data", 9000 + s % 50, "TCP"));
        ports.add(port("pfcp", 8805, "UDP"));
      }
      default -> ports.add(port("", 7000, "TCP"));
    }
    return ports;
  }

  private static io.fabric8.kubernetes.api.model.ServicePort port(
      String name, int port, String protocol) {
    ServicePortBuilder builder =
        new ServicePortBuilder()
            .withPort(port)
            .withProtocol(protocol)
            .withTargetPort(new IntOrString(port));
    if (!name.isEmpty()) {
      builder.withName(name);
    }
    return builder.build();
  }

  private static Service service(int s, Shape shape) {
    return new ServiceBuilder()
        .withNewMetadata()
        .withName("svc" + s)
        .withNamespace(namespace(namespaceOf(s, shape)))
        .withCreationTimestamp("2026-01-01T00:00:00Z")
        .endMetadata()
        .withNewSpec()
        // clear of 10.96.0.1, which a real cluster gives its own kubernetes Service
        .withClusterIP("10.100." + (s / 250) + "." + (s % 250 + 1))
        .withSelector(Map.of("app", "svc" + s))
        .withPorts(ports(s))
        .endSpec()
        .build();
  }

  private static EndpointSlice slice(int s, Shape shape, int podsPerService) {
    EndpointSliceBuilder builder =
        new EndpointSliceBuilder()
            .withNewMetadata()
            .withName("svc" + s + "-slice")
            .withNamespace(namespace(namespaceOf(s, shape)))
            .withLabels(Map.of("kubernetes.io/service-name", "svc" + s))
            .endMetadata()
            .withAddressType("IPv4");
    for (io.fabric8.kubernetes.api.model.ServicePort port : ports(s)) {
      builder.addToPorts(
          new EndpointPortBuilder()
              .withName(port.getName())
              .withPort(port.getPort())
              .withProtocol(port.getProtocol())
              .build());
    }
    for (int p = s * podsPerService; p < Math.min(shape.pods(), (s + 1) * podsPerService); p++) {
      builder.addToEndpoints(
          new EndpointBuilder()
              .withAddresses(podIp(p))
              .withNewConditions()
              .withReady(p % 10 != 9)
              .endConditions()
              .withNewTargetRef()
              .withKind("Pod")
              .withName("pod" + p)
              .withNamespace(namespace(namespaceOf(s, shape)))
              .endTargetRef()
              .withZone("zone-" + (p % 3))
              .build());
    }
    return builder.build();
  }

  private static Pod pod(int p, int service, Shape shape) {
    String ns = namespace(namespaceOf(service, shape));
    StringBuilder status =
        new StringBuilder("[{\"name\":\"kindnet\",\"interface\":\"eth0\",\"ips\":[\"")
            .append(podIp(p))
            .append("\"],\"default\":true}");
    for (int i = 1; i < shape.interfaces(); i++) {
      status
          .append(",{\"name\":\"")
          .append(ns)
          .append("/net")
          .append(i)
          .append("\",\"interface\":\"net")
          .append(i)
          .append("\",\"ips\":[\"")
          .append(secondaryIp(p, i))
          .append("\"]}");
    }
    status.append(']');
    List<io.fabric8.kubernetes.api.model.ContainerPort> containerPorts = new ArrayList<>();
    for (io.fabric8.kubernetes.api.model.ServicePort port : ports(service)) {
      containerPorts.add(
          new ContainerPortBuilder()
              .withName(port.getName())
              .withContainerPort(port.getPort())
              .withProtocol(port.getProtocol())
              .build());
    }
    return new PodBuilder()
        .withNewMetadata()
        .withName("pod" + p)
        .withNamespace(ns)
        .withLabels(Map.of("app", "svc" + service))
        .withAnnotations(Map.of("k8s.v1.cni.cncf.io/network-status", status.toString()))
        .endMetadata()
        .withNewSpec()
        .addNewContainer()
        .withName("app")
        // a real API server requires one
        .withImage("registry.example/app:1")
        .withPorts(containerPorts)
        .endContainer()
        .endSpec()
        .withNewStatus()
        .withPhase("Running")
        .addNewCondition()
        .withType("Ready")
        .withStatus("True")
        .endCondition()
        .addNewPodIP()
        .withIp(podIp(p))
        .endPodIP()
        .endStatus()
        .build();
  }

  private static GenericKubernetesResource nad(String namespace, String name, String range) {
    return new GenericKubernetesResourceBuilder()
        .withApiVersion(KubeObjects.NAD_API_VERSION)
        .withKind(KubeObjects.NAD_KIND)
        .withNewMetadata()
        .withName(name)
        .withNamespace(namespace)
        .endMetadata()
        .addToAdditionalProperties(
            "spec",
            Map.of(
                "config",
                "{\"cniVersion\":\"0.3.1\",\"type\":\"macvlan\",\"ipam\":{\"type\":\"whereabouts\",\"range\":\""
                    + range
                    + "\"}}"))
        .build();
  }
}

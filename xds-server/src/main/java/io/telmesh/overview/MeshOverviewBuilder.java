package io.telmesh.overview;

import io.telmesh.capture.CapturePlanBuilder;
import io.telmesh.capture.InvalidSettingException;
import io.telmesh.debug.ProxySync;
import io.telmesh.model.AppProtocol;
import io.telmesh.model.ContainerPort;
import io.telmesh.model.InboundPort;
import io.telmesh.model.IpAddress;
import io.telmesh.model.L4Protocol;
import io.telmesh.model.MeshService;
import io.telmesh.model.MeshState;
import io.telmesh.model.NamespacedName;
import io.telmesh.model.NetworkAttachment;
import io.telmesh.model.PodInterface;
import io.telmesh.model.Problem;
import io.telmesh.model.ServicePort;
import io.telmesh.model.UntouchedPort;
import io.telmesh.model.UntouchedReasons;
import io.telmesh.model.Workload;
import io.telmesh.model.WorkloadPorts;
import io.telmesh.overview.MeshOverview.Attachment;
import io.telmesh.overview.MeshOverview.InterfaceView;
import io.telmesh.overview.MeshOverview.NetworkView;
import io.telmesh.overview.MeshOverview.PodView;
import io.telmesh.overview.MeshOverview.PortView;
import io.telmesh.overview.MeshOverview.ServiceView;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Collectors;

/** Builds the overview from one mesh state and the connected proxies' sync states. Pure. */
public final class MeshOverviewBuilder {

  private MeshOverviewBuilder() {}

  public static MeshOverview build(
      Instant now,
      long generation,
      boolean ready,
      MeshState mesh,
      List<ProxySync> proxies,
      List<Problem> problems) {
    Map<NamespacedName, List<ProxySync>> byPod =
        proxies.stream()
            .collect(Collectors.groupingBy(ProxySync::pod, TreeMap::new, Collectors.toList()));
    List<PodView> pods =
        mesh.workloads().values().stream()
            .map(w -> pod(mesh, w, byPod.getOrDefault(w.key(), List.of())))
            .toList();
    List<ProxySync> unmatched =
        proxies.stream().filter(p -> !mesh.workloads().containsKey(p.pod())).toList();
    return new MeshOverview(
        now.toString(), generation, ready, networks(mesh), pods, unmatched, problems);
  }

  /** The cluster network first, then every NAD known or named by a pod, by name. */
  private static List<NetworkView> networks(MeshState mesh) {
    TreeMap<String, List<Attachment>> attachments = new TreeMap<>();
    for (Workload workload : mesh.workloads().values()) {
      for (PodInterface iface : workload.interfaces()) {
        attachments
            .computeIfAbsent(iface.network(), n -> new ArrayList<>())
            .add(new Attachment(workload.key().toString(), iface.name(), addresses(iface.ips())));
      }
    }
    TreeMap<String, List<ServiceView>> services = new TreeMap<>();
    for (MeshService service : mesh.services().values()) {
      String network =
          service
              .serviceNetwork()
              .map(NamespacedName::toString)
              .orElse(PodInterface.DEFAULT_NETWORK);
      services.computeIfAbsent(network, n -> new ArrayList<>()).add(service(service));
    }
    Set<String> names = new java.util.TreeSet<>(attachments.keySet());
    names.addAll(services.keySet());
    mesh.networks().keySet().forEach(k -> names.add(k.toString()));
    names.remove(PodInterface.DEFAULT_NETWORK);
    List<NetworkView> networks = new ArrayList<>();
    networks.add(
        new NetworkView(
            PodInterface.DEFAULT_NETWORK,
            true,
            "",
            "",
            attachments.getOrDefault(PodInterface.DEFAULT_NETWORK, List.of()),
            services.getOrDefault(PodInterface.DEFAULT_NETWORK, List.of())));
    for (String name : names) {
      Optional<NetworkAttachment> nad = NamespacedName.parse(name).map(k -> mesh.networks().get(k));
      networks.add(
          new NetworkView(
              name,
              nad.isPresent(),
              nad.map(NetworkAttachment::cniType).orElse(""),
              nad.flatMap(NetworkAttachment::ipamRange).orElse(""),
              attachments.getOrDefault(name, List.of()),
              services.getOrDefault(name, List.of())));
    }
    return networks;
  }

  private static ServiceView service(MeshService service) {
    List<String> ports = new ArrayList<>();
    for (ServicePort port : service.ports()) {
      ports.add(describe(port) + " " + port.protocol().label());
    }
    for (ServicePort port : service.untouchedPorts()) {
      ports.add(describe(port) + " untouched");
    }
    return new ServiceView(service.key().toString(), addresses(service.clusterIps()), ports);
  }

  private static String describe(ServicePort port) {
    return (port.name().isEmpty() ? "" : port.name() + " ") + port.port() + "/" + port.transport();
  }

  private static PodView pod(MeshState mesh, Workload workload, List<ProxySync> proxies) {
    Optional<String> refusal;
    try {
      CapturePlanBuilder.rejectInvalidAnnotations(mesh, workload.key());
      refusal = Optional.empty();
    } catch (InvalidSettingException e) {
      refusal = Optional.of(e.getMessage());
    }
    CaptureExplanation capture = CaptureExplanation.of(workload, refusal);
    List<InterfaceView> interfaces = new ArrayList<>();
    List<String> caughtInterfaces = new ArrayList<>();
    for (PodInterface iface : workload.interfaces()) {
      Optional<String> bypass = capture.interfaceBypass(iface);
      if (bypass.isEmpty() && !iface.ips().isEmpty()) {
        caughtInterfaces.add(iface.name());
      }
      interfaces.add(
          new InterfaceView(
              iface.name(),
              iface.network(),
              addresses(iface.ips()),
              bypass.isEmpty(),
              bypass.orElse("")));
    }
    return new PodView(
        workload.key().toString(),
        workload.ready(),
        capture.capture(),
        interfaces,
        ports(workload, mesh.portsOf(workload.key()), capture, caughtInterfaces),
        proxies);
  }

  /**
   * The Service ports the pod serves, its other container ports (caught too, to the passthrough
   * chain), and the UDP and SCTP ports left alone; by port number.
   */
  private static List<PortView> ports(
      Workload workload,
      WorkloadPorts ports,
      CaptureExplanation capture,
      List<String> caughtInterfaces) {
    List<PortView> views = new ArrayList<>();
    Set<String> seen = new HashSet<>();
    for (InboundPort port : ports.inbound()) {
      seen.add(port.targetPort() + "/TCP");
      String service = port.service().map(s -> s.service() + ":" + s.port()).orElse("");
      views.add(
          tcp(port.targetPort(), profile(port.protocol()), service, capture, caughtInterfaces));
    }
    for (UntouchedPort port : ports.untouched()) {
      if (seen.add(port.port() + "/" + port.transport())) {
        String owner =
            port.owner().kind().equals("Service")
                ? port.owner().namespace() + "/" + port.owner().name()
                : "";
        views.add(untouched(port.port(), port.transport(), owner, port.reason()));
      }
    }
    for (ContainerPort port : workload.containerPorts()) {
      if (!seen.add(port.port() + "/" + port.protocol())) {
        continue;
      }
      views.add(
          port.protocol() == L4Protocol.TCP
              ? tcp(port.port(), "passthrough", "", capture, caughtInterfaces)
              : untouched(port.port(), port.protocol(), "", UntouchedReasons.of(port.protocol())));
    }
    views.sort(
        java.util.Comparator.comparingInt(PortView::port).thenComparing(PortView::transport));
    return views;
  }

  private static PortView tcp(
      int port,
      String profile,
      String service,
      CaptureExplanation capture,
      List<String> caughtInterfaces) {
    Optional<String> bypass = capture.portBypass(port);
    if (bypass.isEmpty() && caughtInterfaces.isEmpty()) {
      bypass = Optional.of("no interface with an address is caught");
    }
    return bypass
        .map(reason -> new PortView(port, "TCP", "", service, false, List.of(), reason))
        .orElseGet(() -> new PortView(port, "TCP", profile, service, true, caughtInterfaces, ""));
  }

  private static PortView untouched(int port, L4Protocol transport, String service, String reason) {
    return new PortView(port, transport.name(), "", service, false, List.of(), reason);
  }

  private static String profile(AppProtocol protocol) {
    if (protocol == AppProtocol.DIAMETER) {
      return "diameter";
    }
    if (protocol == AppProtocol.AUTO) {
      return "auto";
    }
    return protocol.isHttp() ? "http" : "tcp";
  }

  private static List<String> addresses(List<IpAddress> ips) {
    return ips.stream().map(IpAddress::address).toList();
  }
}

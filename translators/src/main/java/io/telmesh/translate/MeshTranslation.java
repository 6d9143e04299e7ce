package io.telmesh.translate;

import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.telmesh.inbound.InboundClusterBuilder;
import io.telmesh.inbound.InboundListenerBuilder;
import io.telmesh.inbound.InboundPlan;
import io.telmesh.model.InterceptionMode;
import io.telmesh.model.MeshState;
import io.telmesh.model.ObjectRef;
import io.telmesh.model.Problem;
import io.telmesh.model.UntouchedPort;
import io.telmesh.model.Workload;
import io.telmesh.model.WorkloadPorts;
import io.telmesh.node.ProxyNode;
import io.telmesh.outbound.OutboundBuilder;
import io.telmesh.outbound.SharedOutbound;
import io.telmesh.outbound.VirtualOutboundBuilder;
import io.telmesh.proxyless.ProxylessBuilder;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * One mesh state, prepared for translation: the shared parts are built once here and handed to
 * every proxy by reference; {@link #forProxy} builds only the per-pod part.
 *
 * <p>Thread-safe. The only mutable state is the memo of shared outbound variants per idle
 * timeout (a node metadata value); the memoised values are immutable.
 */
public final class MeshTranslation {

  private final MeshState mesh;
  private final ResourceSegment<ClusterLoadAssignment> endpoints;
  private final ProxylessBuilder.Resources proxyless;
  private final Map<Optional<Duration>, SharedOutbound> outboundByIdleTimeout = new ConcurrentHashMap<>();

  MeshTranslation(MeshState mesh) {
    this.mesh = mesh;
    this.endpoints = OutboundBuilder.endpoints(mesh);
    this.proxyless = ProxylessBuilder.build(mesh);
    outbound(Optional.empty());
  }

  public MeshState mesh() {
    return mesh;
  }

  /** The shared sidecar outbound part for proxies with this {@code IDLE_TIMEOUT}. */
  public SharedOutbound outbound(Optional<Duration> idleTimeout) {
    return outboundByIdleTimeout.computeIfAbsent(idleTimeout, t -> OutboundBuilder.build(mesh, endpoints, t));
  }

  public ResourceSegment<ClusterLoadAssignment> endpoints() {
    return endpoints;
  }

  /** Mesh-wide problems: those found reading objects, and those of the shared outbound part. */
  public List<Problem> problems() {
    List<Problem> problems = new ArrayList<>(mesh.problems());
    problems.addAll(outbound(Optional.empty()).problems());
    return problems.stream().sorted().distinct().toList();
  }

  /** Everything this proxy is sent. Never throws for a well-formed node. */
  public ProxyResources forProxy(ProxyNode node) {
    if (node.metadata().isProxylessGrpc()) {
      return new ProxyResources(ResourceSet.of(proxyless.listeners()), ResourceSet.of(proxyless.clusters()),
          ResourceSet.of(proxyless.routes()), ResourceSet.of(endpoints), List.of(), List.of());
    }
    Optional<Workload> workload = node.namespaceConsistent() ? mesh.workload(node.pod()) : Optional.empty();
    ProxyProfile profile = ProxyProfile.of(node, workload);
    if (workload.isEmpty()) {
      return minimal(node, profile);
    }
    return sidecar(workload.get(), profile);
  }

  private ProxyResources sidecar(Workload workload, ProxyProfile profile) {
    SharedOutbound outbound = outbound(profile.idleTimeout());
    WorkloadPorts ports = mesh.portsOf(workload.key());
    InboundPlan plan = InboundPlan.of(workload, ports.inbound());
    List<Listener> own = new ArrayList<>();
    if (profile.mode() != InterceptionMode.NONE) {
      own.add(VirtualOutboundBuilder.build(profile));
      own.add(InboundListenerBuilder.build(workload, plan, profile));
    }
    List<Cluster> ownClusters = InboundClusterBuilder.build(ports.inbound(), profile);
    List<UntouchedPort> untouched = new ArrayList<>(ports.untouched());
    return new ProxyResources(
        ResourceSet.of(outbound.listeners(), ResourceSegment.of(own, Listener::getName)),
        ResourceSet.of(outbound.clusters(), ResourceSegment.of(ownClusters, Cluster::getName)),
        ResourceSet.of(outbound.routesFor(workload.namespace())),
        ResourceSet.of(outbound.endpoints()),
        untouched,
        plan.problems());
  }

  /**
   * A proxy whose pod is not (yet) known, or whose namespace metadata disagrees with its id: it
   * can reach anything through passthrough and loses nothing, but gets no Service config until
   * its pod shows up.
   */
  private ProxyResources minimal(ProxyNode node, ProxyProfile profile) {
    String reason = node.namespaceConsistent()
        ? "pod not found in the mesh; serving passthrough-only config until it appears"
        : "metadata NAMESPACE '" + node.metadata().namespace().orElse("") + "' disagrees with the node id; "
            + "serving passthrough-only config";
    Problem problem = Problem.of(new ObjectRef("Proxy", node.pod().namespace(), node.pod().name()), "node.id", reason);
    List<Listener> listeners = profile.mode() == InterceptionMode.NONE ? List.of() : List.of(
        VirtualOutboundBuilder.build(profile), InboundListenerBuilder.passthroughOnly(profile));
    SharedOutbound outbound = outbound(Optional.empty());
    List<Cluster> clusters = List.of(InboundClusterBuilder.passthrough(profile),
        outbound.clusters().byName().get(io.telmesh.envoy.Names.PASSTHROUGH_CLUSTER),
        outbound.clusters().byName().get(io.telmesh.envoy.Names.BLACKHOLE_CLUSTER));
    return new ProxyResources(
        ResourceSet.of(ResourceSegment.of(listeners, Listener::getName)),
        ResourceSet.of(ResourceSegment.of(clusters, Cluster::getName)),
        ResourceSet.<RouteConfiguration>of(),
        ResourceSet.<ClusterLoadAssignment>of(),
        List.of(),
        List.of(problem));
  }
}

package io.telmesh.translate;

import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.config.listener.v3.Filter;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.telmesh.inbound.InboundClusterBuilder;
import io.telmesh.inbound.InboundFilter;
import io.telmesh.inbound.InboundListenerBuilder;
import io.telmesh.inbound.InboundPlan;
import io.telmesh.model.InboundPort;
import io.telmesh.model.InterceptionMode;
import io.telmesh.model.MeshService;
import io.telmesh.model.MeshState;
import io.telmesh.model.NamespacedName;
import io.telmesh.model.ObjectRef;
import io.telmesh.model.OutboundTrafficPolicy;
import io.telmesh.model.Problem;
import io.telmesh.model.SidecarConfig;
import io.telmesh.model.Workload;
import io.telmesh.model.WorkloadPorts;
import io.telmesh.node.ProxyNode;
import io.telmesh.outbound.OutboundBuilder;
import io.telmesh.outbound.SharedOutbound;
import io.telmesh.outbound.VirtualOutboundBuilder;
import io.telmesh.proxyless.ProxylessBuilder;
import io.telmesh.proxyless.ProxylessOutbound;
import io.telmesh.proxyless.ProxylessServerBuilder;
import io.telmesh.resources.ProxyProfile;
import io.telmesh.resources.ProxyResources;
import io.telmesh.resources.ResourceSegment;
import io.telmesh.resources.ResourceSet;
import io.telmesh.resources.ResourceType;
import io.telmesh.scope.EgressScope;
import io.telmesh.scope.SidecarScopes;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * One mesh state, prepared for translation: the shared parts are built once here and handed to
 * every proxy by reference; {@link #forProxy} builds only the per-pod part.
 *
 * <p>Prepared from a previous translation, it reuses the resource objects whose inputs did not
 * change (equal Services keep their listeners and clusters, equal endpoints their assignment, an
 * unchanged pod its inbound part), so an endpoint change costs an endpoint's worth of work and
 * unchanged resources stay the same objects, which consumers serialize once. The output equals a
 * fresh translation's.
 *
 * <p>Thread-safe. The mutable state is memos (outbound variants per idle timeout and access log
 * choice, per-proxy parts) whose values are immutable.
 */
public final class MeshTranslation {

  /** A proxy's own (per-pod) resources and the inputs they were built from. */
  private record OwnPart(
      Workload workload,
      WorkloadPorts ports,
      ProxyProfile profile,
      OutboundTrafficPolicy policy,
      ResourceSegment<Listener> listeners,
      ResourceSegment<Cluster> clusters,
      List<Problem> problems) {}

  /**
   * What a shared outbound variant depends on besides the mesh: sidecars with the same idle
   * timeout, access log choice and egress scope share one.
   */
  private record OutboundVariant(
      Optional<Duration> idleTimeout, boolean accessLog, EgressScope scope) {}

  /** What a sidecar's virtual outbound listener is built from: nothing of its pod. */
  private record VirtualOutboundInputs(ProxyProfile profile, OutboundTrafficPolicy policy) {}

  /** What a sidecar's inbound clusters are built from: its ports, not its addresses. */
  private record InboundClusterInputs(
      List<InboundClusterBuilder.PortShape> ports, ProxyProfile profile) {}

  /** A proxyless gRPC server's listeners and the inputs they were built from. */
  private record ServerPart(
      Workload workload, WorkloadPorts ports, ResourceSegment<Listener> listeners) {}

  private final MeshState mesh;
  private final TranslationSettings settings;
  private final ResourceSegment<ClusterLoadAssignment> endpoints;
  private final ProxylessOutbound proxyless;
  private final SidecarScopes scopes;
  private final Map<OutboundVariant, SharedOutbound> outboundVariants = new ConcurrentHashMap<>();
  private final Map<String, OwnPart> own = new ConcurrentHashMap<>();
  private volatile Map<String, OwnPart> previousOwn;

  /**
   * The parts of a pod's own resources that depend on its profile and port numbers only: one object
   * per variant, shared by every proxy of it (and so serialized once), rather than a copy per
   * proxy.
   */
  private final Map<VirtualOutboundInputs, Listener> virtualOutbounds = new ConcurrentHashMap<>();

  private volatile Map<VirtualOutboundInputs, Listener> previousVirtualOutbounds;
  private final Map<InboundClusterInputs, List<Cluster>> inboundClusters =
      new ConcurrentHashMap<>();
  private volatile Map<InboundClusterInputs, List<Cluster>> previousInboundClusters;

  /**
   * Inbound chains' network filters by what they are built from: a reconnecting fleet's proxies
   * differ in addresses, not in filters, so each filter is built, packed and validated once.
   */
  private final Map<InboundFilter, Filter> inboundFilters = new ConcurrentHashMap<>();

  private volatile Map<InboundFilter, Filter> previousInboundFilters;
  private final Map<NamespacedName, ServerPart> servers = new ConcurrentHashMap<>();
  private volatile Map<NamespacedName, ServerPart> previousServers;

  /**
   * When only endpoints changed since the previous translation: each of its endpoint segments (by
   * identity) and the segment that replaces it here. Dropped with the previous generation.
   */
  private volatile Optional<
          Map<ResourceSegment<ClusterLoadAssignment>, ResourceSegment<ClusterLoadAssignment>>>
      endpointSuccessors = Optional.empty();

  MeshTranslation(
      MeshState mesh, TranslationSettings settings, Optional<MeshTranslation> previous) {
    this.mesh = mesh;
    this.settings = settings;
    boolean endpointsOnly = previous.filter(p -> onlyEndpointsDiffer(p.mesh, mesh)).isPresent();
    this.endpoints =
        endpointsOnly
            ? OutboundBuilder.endpointsAfter(
                mesh, previous.get().endpoints, endpointsReplaced(previous.get().mesh, mesh))
            : OutboundBuilder.endpoints(mesh, reusableAssignments(mesh, previous));
    // Reading every Service's routes for source labels costs more than an endpoint change's
    // translation: the scopes carry over while their inputs are the same objects.
    this.scopes =
        previous.filter(p -> sameScopeInputs(p.mesh, mesh)).isPresent()
            ? previous.get().scopes
            : new SidecarScopes(
                mesh.sidecars().values(),
                settings.rootNamespace(),
                settings.outboundTrafficPolicy(),
                !mesh.exports().isEmpty(),
                sourceLabelKeys(mesh));
    boolean servicesSame =
        previous.map(p -> p.mesh.services().equals(mesh.services())).orElse(false);
    this.proxyless = servicesSame ? previous.get().proxyless : ProxylessBuilder.build(mesh);
    if (servicesSame && sameOutboundInputs(previous.get().mesh, mesh)) {
      IdentityHashMap<
              ResourceSegment<ClusterLoadAssignment>, ResourceSegment<ClusterLoadAssignment>>
          successors = new IdentityHashMap<>();
      successors.put(previous.get().endpoints, endpoints);
      previous
          .get()
          .outboundVariants
          .forEach(
              (variant, shared) -> {
                SharedOutbound next = shared.withEndpoints(endpoints);
                outboundVariants.put(variant, next);
                successors.put(shared.endpoints(), next.endpoints());
              });
      if (endpointsOnly) {
        endpointSuccessors = Optional.of(Collections.unmodifiableMap(successors));
      }
    }
    this.previousOwn = previous.map(p -> p.own).orElse(Map.of());
    // Found again in the previous generation, like a pod's own part: the same objects stay.
    this.previousVirtualOutbounds = previous.map(p -> p.virtualOutbounds).orElse(Map.of());
    this.previousInboundClusters = previous.map(p -> p.inboundClusters).orElse(Map.of());
    this.previousInboundFilters = previous.map(p -> p.inboundFilters).orElse(Map.of());
    this.previousServers = previous.map(p -> p.servers).orElse(Map.of());
    outbound(Optional.empty());
  }

  /**
   * Whether every input of a proxy's resources but endpoints is the previous state's, by identity:
   * a state derived by an endpoint change shares all other maps, and anything built afresh is not
   * an endpoint-only change, however equal.
   */
  @SuppressWarnings("ReferenceEquality") // identity is the point: see above
  private static boolean onlyEndpointsDiffer(MeshState before, MeshState mesh) {
    return sameScopeInputs(before, mesh)
        && before.workloads() == mesh.workloads()
        && before.networks() == mesh.networks()
        && before.workloadPorts() == mesh.workloadPorts();
  }

  @SuppressWarnings("ReferenceEquality") // identity: equal but rebuilt maps are read again
  private static boolean sameScopeInputs(MeshState before, MeshState mesh) {
    return before.sidecars() == mesh.sidecars()
        && before.exports() == mesh.exports()
        && before.services() == mesh.services();
  }

  /**
   * The Services whose endpoints are not the previous state's objects: an endpoint change replaces
   * only the changed Services' entries and shares the rest.
   */
  @SuppressWarnings("ReferenceEquality") // identity: an equal but rebuilt entry is built again
  private static List<NamespacedName> endpointsReplaced(MeshState before, MeshState mesh) {
    List<NamespacedName> replaced = new ArrayList<>();
    mesh.endpoints()
        .forEach(
            (service, byPort) -> {
              if (before.endpoints().get(service) != byPort) {
                replaced.add(service);
              }
            });
    before.endpoints().keySet().stream()
        .filter(service -> !mesh.endpoints().containsKey(service))
        .forEach(replaced::add);
    return replaced;
  }

  /** The label keys some VirtualService match names as {@code sourceLabels}. */
  private static java.util.Set<String> sourceLabelKeys(MeshState mesh) {
    java.util.Set<String> keys = new java.util.TreeSet<>();
    for (MeshService service : mesh.services().values()) {
      service.routing().stream()
          .flatMap(r -> r.rules().stream())
          .flatMap(r -> r.matches().stream())
          .forEach(m -> keys.addAll(m.sourceLabels().keySet()));
      service.routing().stream()
          .flatMap(r -> r.tcp().stream())
          .flatMap(r -> r.matches().stream())
          .forEach(m -> keys.addAll(m.sourceLabels().keySet()));
    }
    return keys;
  }

  /** The previous translation's assignments whose endpoints are unchanged, by cluster name. */
  private static java.util.function.BiFunction<
          io.telmesh.model.NamespacedName, Integer, Optional<ClusterLoadAssignment>>
      reusableAssignments(MeshState mesh, Optional<MeshTranslation> previous) {
    return (service, port) ->
        previous.flatMap(
            p -> {
              if (!p.mesh.endpointsOf(service, port).equals(mesh.endpointsOf(service, port))) {
                return Optional.empty();
              }
              MeshService before = p.mesh.services().get(service);
              return before == null
                  ? Optional.empty()
                  : Optional.ofNullable(
                      p.endpoints
                          .byName()
                          .get(io.telmesh.envoy.Names.outboundCluster(port, before.fqdn())));
            });
  }

  /**
   * Besides Services, shared listeners depend on headless Services' endpoints (one listener per
   * endpoint) and routes on the namespaces clients are in.
   */
  private static boolean sameOutboundInputs(MeshState before, MeshState now) {
    for (MeshService service : now.services().values()) {
      if (service.headless()
          && !Objects.equals(
              before.endpoints().get(service.key()), now.endpoints().get(service.key()))) {
        return false;
      }
    }
    return sameNamespaces(before, now);
  }

  @SuppressWarnings("ReferenceEquality") // the same workloads have the same namespaces
  private static boolean sameNamespaces(MeshState before, MeshState now) {
    return before.workloads() == now.workloads() || namespaces(before).equals(namespaces(now));
  }

  private static java.util.Set<String> namespaces(MeshState mesh) {
    java.util.Set<String> namespaces = new java.util.TreeSet<>();
    mesh.workloads().keySet().forEach(k -> namespaces.add(k.namespace()));
    return namespaces;
  }

  /**
   * Drops the reference to the previous generation's per-proxy parts once every proxy is pushed.
   */
  public void forgetPrevious() {
    endpointSuccessors = Optional.empty();
    previousOwn = Map.of();
    previousServers = Map.of();
    previousVirtualOutbounds = Map.of();
    previousInboundClusters = Map.of();
    previousInboundFilters = Map.of();
  }

  public MeshState mesh() {
    return mesh;
  }

  public TranslationSettings settings() {
    return settings;
  }

  /**
   * The shared sidecar outbound part, without access logs, for this {@code IDLE_TIMEOUT}, of
   * sidecars no Sidecar scopes.
   */
  public SharedOutbound outbound(Optional<Duration> idleTimeout) {
    return outbound(idleTimeout, false, scopes.unscoped());
  }

  /**
   * The shared sidecar outbound part for proxies with this {@code IDLE_TIMEOUT}, access log choice
   * and egress scope: built on first use, then shared by every such proxy.
   */
  public SharedOutbound outbound(
      Optional<Duration> idleTimeout, boolean accessLog, EgressScope scope) {
    return outboundVariants.computeIfAbsent(
        new OutboundVariant(idleTimeout, accessLog, scope),
        v ->
            OutboundBuilder.build(
                mesh,
                endpoints,
                v.idleTimeout(),
                v.accessLog(),
                v.scope(),
                settings.trustDomain()));
  }

  /** Which Istio objects shape this pod's sidecar config, and what was refused in them. */
  public IstioConfigReport istioConfigFor(Workload workload) {
    return IstioConfigReport.of(
        workload,
        scopes.sidecarFor(workload),
        scopes.scopeFor(workload),
        mesh.services().values(),
        ref -> mesh.exportedTo(ref, workload.namespace()),
        problems());
  }

  /** The Sidecar that applies to a pod of this mesh state, if any. */
  public Optional<SidecarConfig> sidecarFor(Workload workload) {
    return scopes.sidecarFor(workload);
  }

  public ResourceSegment<ClusterLoadAssignment> endpoints() {
    return endpoints;
  }

  /**
   * Present when this translation differs from the one it was prepared from only in its endpoint
   * assignments (an endpoint change): every proxy's resources are then the previous ones but for
   * its endpoint segments, each replaced by the segment this maps it to (keys by identity). A
   * segment not in the map is one this translation cannot vouch for: translate that proxy. Empty
   * once {@link #forgetPrevious} is called.
   */
  public Optional<
          Map<ResourceSegment<ClusterLoadAssignment>, ResourceSegment<ClusterLoadAssignment>>>
      endpointSuccessors() {
    return endpointSuccessors;
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
      return proxyless(node);
    }
    Optional<Workload> workload =
        node.namespaceConsistent() ? mesh.workload(node.pod()) : Optional.empty();
    ProxyProfile profile = ProxyProfile.of(node, workload, settings.accessLogDefault());
    if (workload.isEmpty()) {
      return minimal(node, profile);
    }
    return sidecar(node.id(), workload.get(), profile);
  }

  /**
   * A proxyless gRPC client or server: the shared client listeners, the short-name listeners of its
   * namespace (metadata {@code NAMESPACE}, else the id's), and, when its pod is in the mesh, the
   * pod's server listeners. Its routes, clusters and endpoints are the shared ones.
   */
  private ProxyResources proxyless(ProxyNode node) {
    String namespace = node.metadata().namespace().orElse(node.pod().namespace());
    List<ResourceSegment<Listener>> listeners = new ArrayList<>();
    listeners.add(proxyless.listeners());
    listeners.add(proxyless.shortNameListeners(namespace));
    Optional<Workload> workload =
        node.namespaceConsistent() ? mesh.workload(node.pod()) : Optional.empty();
    workload.ifPresent(w -> listeners.add(serverPart(w).listeners()));
    return new ProxyResources(
        new ResourceSet<>(listeners),
        ResourceSet.of(proxyless.clusters()),
        ResourceSet.of(proxyless.routes()),
        ResourceSet.of(endpoints),
        List.of(),
        List.of());
  }

  /** A pod's proxyless server listeners: reused while the pod and its ports are unchanged. */
  private ServerPart serverPart(Workload workload) {
    WorkloadPorts ports = mesh.portsOf(workload.key());
    for (Map<NamespacedName, ServerPart> memo : List.of(servers, previousServers)) {
      ServerPart known = memo.get(workload.key());
      if (known != null && known.workload().equals(workload) && known.ports().equals(ports)) {
        servers.put(workload.key(), known);
        return known;
      }
    }
    ServerPart part =
        new ServerPart(workload, ports, ProxylessServerBuilder.build(workload, ports));
    servers.put(workload.key(), part);
    return part;
  }

  private ProxyResources sidecar(String nodeId, Workload workload, ProxyProfile profile) {
    EgressScope scope = scopes.scopeFor(workload);
    SharedOutbound outbound = outbound(profile.idleTimeout(), profile.accessLog(), scope);
    WorkloadPorts ports = mesh.portsOf(workload.key());
    OwnPart part = ownPart(nodeId, workload, ports, profile, scope.policy());
    return new ProxyResources(
        ResourceSet.of(outbound.listeners(), part.listeners()),
        ResourceSet.of(outbound.clusters(), part.clusters()),
        ResourceSet.of(outbound.routesFor(workload.namespace())),
        ResourceSet.of(outbound.endpoints()),
        ports.untouched(),
        part.problems());
  }

  /**
   * The per-pod resources: reused from this or the previous generation when their inputs are equal.
   */
  private OwnPart ownPart(
      String nodeId,
      Workload workload,
      WorkloadPorts ports,
      ProxyProfile profile,
      OutboundTrafficPolicy policy) {
    for (Map<String, OwnPart> memo : List.of(own, previousOwn)) {
      OwnPart known = memo.get(nodeId);
      if (known != null
          && known.profile().equals(profile)
          && known.policy() == policy
          && known.workload().equals(workload)
          && known.ports().equals(ports)) {
        own.put(nodeId, known);
        return known;
      }
    }
    InboundPlan plan = InboundPlan.of(workload, ports.inbound());
    List<Listener> listeners = new ArrayList<>();
    if (profile.mode() != InterceptionMode.NONE) {
      listeners.add(virtualOutbound(profile, policy));
      listeners.add(InboundListenerBuilder.build(workload, plan, profile, this::inboundFilter));
    }
    List<Cluster> clusters = inboundClusters(ports.inbound(), profile);
    OwnPart part =
        new OwnPart(
            workload,
            ports,
            profile,
            policy,
            ResourceSegment.of(ResourceType.LISTENER, listeners),
            ResourceSegment.of(ResourceType.CLUSTER, clusters),
            plan.problems());
    own.put(nodeId, part);
    return part;
  }

  private Listener virtualOutbound(ProxyProfile profile, OutboundTrafficPolicy policy) {
    return virtualOutbounds.computeIfAbsent(
        new VirtualOutboundInputs(profile, policy),
        inputs -> {
          Listener known = previousVirtualOutbounds.get(inputs);
          return known != null ? known : VirtualOutboundBuilder.build(profile, policy);
        });
  }

  private Filter inboundFilter(InboundFilter inputs) {
    return inboundFilters.computeIfAbsent(
        inputs,
        i -> {
          Filter known = previousInboundFilters.get(i);
          return known != null ? known : i.build();
        });
  }

  private List<Cluster> inboundClusters(List<InboundPort> ports, ProxyProfile profile) {
    return inboundClusters.computeIfAbsent(
        new InboundClusterInputs(InboundClusterBuilder.shapeOf(ports), profile),
        inputs -> {
          List<Cluster> known = previousInboundClusters.get(inputs);
          return known != null ? known : List.copyOf(InboundClusterBuilder.build(ports, profile));
        });
  }

  /**
   * A proxy whose pod is not (yet) known, or whose namespace metadata disagrees with its id: it can
   * reach anything through passthrough and loses nothing, but gets no Service config until its pod
   * shows up.
   */
  private ProxyResources minimal(ProxyNode node, ProxyProfile profile) {
    String reason =
        node.namespaceConsistent()
            ? "pod not found in the mesh; serving passthrough-only config until it appears"
            : "metadata NAMESPACE '"
                + node.metadata().namespace().orElse("")
                + "' disagrees with the node id; "
                + "serving passthrough-only config";
    Problem problem =
        Problem.of(
            new ObjectRef("Proxy", node.pod().namespace(), node.pod().name()), "node.id", reason);
    List<Listener> listeners =
        profile.mode() == InterceptionMode.NONE
            ? List.of()
            : List.of(
                VirtualOutboundBuilder.build(profile, scopes.unscoped().policy()),
                InboundListenerBuilder.passthroughOnly(profile));
    SharedOutbound outbound = outbound(Optional.empty());
    List<Cluster> clusters =
        List.of(
            InboundClusterBuilder.passthrough(profile),
            outbound.clusters().byName().get(io.telmesh.envoy.Names.PASSTHROUGH_CLUSTER),
            outbound.clusters().byName().get(io.telmesh.envoy.Names.BLACKHOLE_CLUSTER));
    return new ProxyResources(
        ResourceSet.of(ResourceSegment.of(ResourceType.LISTENER, listeners)),
        ResourceSet.of(ResourceSegment.of(ResourceType.CLUSTER, clusters)),
        ResourceSet.<RouteConfiguration>of(),
        ResourceSet.<ClusterLoadAssignment>of(),
        List.of(),
        List.of(problem));
  }
}

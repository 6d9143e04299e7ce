package io.telmesh.debug;

import com.google.protobuf.Any;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import io.envoyproxy.envoy.config.core.v3.ControlPlane;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryResponse;
import io.grpc.Status;
import io.telmesh.capture.CapturePlanBuilder;
import io.telmesh.capture.InvalidSettingException;
import io.telmesh.envoy.Protos;
import io.telmesh.model.MeshState;
import io.telmesh.model.NamespacedName;
import io.telmesh.model.Printable;
import io.telmesh.model.Problem;
import io.telmesh.model.ProblemReports;
import io.telmesh.node.ProxyNode;
import io.telmesh.xds.DebugRequestException;
import io.telmesh.xds.DebugResponder;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tools.jackson.databind.json.JsonMapper;

/**
 * The debug type URLs served on an ADS stream, as istiod serves its own:
 *
 * <ul>
 *   <li>{@code istio.io/debug/syncz}: one {@code ClientConfig} per connected proxy, per-type
 *       status;
 *   <li>{@code istio.io/debug/config_dump} [{@code pod.ns}]: the per-type admin config dumps of
 *       what the proxy was sent;
 *   <li>{@code telmesh.io/debug/capture} [{@code pod.ns}]: the pod's {@code
 *       telmesh.v1.CapturePlan};
 *   <li>{@code telmesh.io/debug/problems}: the {@code telmesh.v1.ProblemReport};
 *   <li>{@code istio.io/debug} [{@code page?query}]: istiod's internal debug pages ({@link
 *       InternalDebug}).
 * </ul>
 *
 * As istiod: a pod that is not connected is answered with no resources (and a log line); a request
 * this cannot answer (an unknown debug type, not exactly one page) ends the stream with a status
 * saying why, never with an empty success. Every response names telmesh in {@code
 * control_plane.identifier}, in the JSON shape istioctl reads ({@code Component}, {@code ID},
 * {@code info.version}).
 */
public final class DebugTypes implements DebugResponder {

  public static final String SYNCZ = "istio.io/debug/syncz";
  public static final String CONFIG_DUMP = "istio.io/debug/config_dump";
  public static final String CAPTURE = "telmesh.io/debug/capture";
  public static final String PROBLEMS = "telmesh.io/debug/problems";
  public static final String INTERNAL = InternalDebug.TYPE;
  private static final Set<String> TYPES = Set.of(SYNCZ, CONFIG_DUMP, CAPTURE, PROBLEMS, INTERNAL);
  private static final Logger LOG = LoggerFactory.getLogger(DebugTypes.class);

  private final ProxyViews proxies;
  private final Supplier<Optional<MeshState>> mesh;
  private final Supplier<List<Problem>> problems;
  private final ControlPlane controlPlane;
  private final InternalDebug internal;

  public DebugTypes(
      ProxyViews proxies,
      Supplier<Optional<MeshState>> mesh,
      Supplier<List<Problem>> problems,
      String version,
      String instance) {
    this.proxies = proxies;
    this.mesh = mesh;
    this.problems = problems;
    this.controlPlane =
        ControlPlane.newBuilder()
            .setIdentifier(
                JsonMapper.builder()
                    .build()
                    .writeValueAsString(
                        Map.of(
                            "Component",
                            "telmesh",
                            "ID",
                            instance,
                            "info",
                            Map.of("version", version))))
            .build();
    this.internal = new InternalDebug(proxies, problems);
  }

  @Override
  public boolean handles(String typeUrl) {
    return typeUrl.startsWith("istio.io/debug") || typeUrl.startsWith("telmesh.io/debug");
  }

  @Override
  public DiscoveryResponse respond(ProxyNode client, DiscoveryRequest request)
      throws DebugRequestException {
    if (!TYPES.contains(request.getTypeUrl())) {
      throw new DebugRequestException(
          Status.UNIMPLEMENTED.withDescription(
              "unknown debug type "
                  + Printable.of(request.getTypeUrl())
                  + "; telmesh serves "
                  + String.join(", ", new TreeSet<>(TYPES))));
    }
    DiscoveryResponse.Builder response =
        DiscoveryResponse.newBuilder()
            .setTypeUrl(request.getTypeUrl())
            .setControlPlane(controlPlane);
    switch (request.getTypeUrl()) {
      case SYNCZ ->
          proxies.all().forEach(p -> response.addResources(Protos.pack(ClientConfigs.perType(p))));
      case CONFIG_DUMP ->
          single(client, request)
              .flatMap(proxies::byName)
              .ifPresentOrElse(
                  p ->
                      SentConfigDump.perType(p).forEach(d -> response.addResources(Protos.pack(d))),
                  () -> unknown(client, request));
      case CAPTURE ->
          single(client, request)
              .flatMap(name -> capturePlan(client, name))
              .ifPresent(plan -> response.addResources(plan));
      case PROBLEMS -> response.addResources(Protos.pack(ProblemReports.of(problems.get())));
      default -> response.addResources(internalPage(request));
    }
    return response.build();
  }

  private static Optional<String> single(ProxyNode client, DiscoveryRequest request) {
    if (request.getResourceNamesCount() != 1) {
      LOG.info(
          "debug client {} asked for {} with {} resource names (one pod.namespace expected); answered empty",
          client.id(),
          request.getTypeUrl(),
          request.getResourceNamesCount());
      return Optional.empty();
    }
    return Optional.of(request.getResourceNames(0));
  }

  private void unknown(ProxyNode client, DiscoveryRequest request) {
    if (request.getResourceNamesCount() == 1) {
      LOG.info(
          "debug client {} asked for {} of {}, which is not connected; answered empty",
          client.id(),
          request.getTypeUrl(),
          request.getResourceNames(0));
    }
  }

  private Optional<Any> capturePlan(ProxyNode client, String proxyName) {
    int dot = proxyName.lastIndexOf('.');
    Optional<MeshState> state = mesh.get();
    if (dot <= 0 || dot == proxyName.length() - 1 || state.isEmpty()) {
      LOG.info(
          "debug client {} asked for the capture plan of '{}': not pod.namespace, or no mesh yet; answered empty",
          client.id(),
          proxyName);
      return Optional.empty();
    }
    NamespacedName pod =
        new NamespacedName(proxyName.substring(dot + 1), proxyName.substring(0, dot));
    if (state.get().workload(pod).isEmpty()) {
      LOG.info(
          "debug client {} asked for the capture plan of {}, which is not in the mesh; answered empty",
          client.id(),
          pod);
      return Optional.empty();
    }
    try {
      Message plan = CapturePlanBuilder.forPod(state.get(), pod, false).toProto();
      return Optional.of(Protos.pack(plan));
    } catch (InvalidSettingException e) {
      LOG.info("capture plan of {} not built: {}", pod, e.getMessage());
      return Optional.empty();
    }
  }

  /** One page of {@code istio.io/debug}: exactly one name, as istiod insists. */
  private Any internalPage(DiscoveryRequest request) throws DebugRequestException {
    if (request.getResourceNamesCount() != 1) {
      throw new DebugRequestException(
          Status.INVALID_ARGUMENT.withDescription(
              "exactly one debug request is required (a page such as syncz, or list)"));
    }
    try {
      return Any.newBuilder()
          .setTypeUrl(InternalDebug.TYPE)
          .setValue(internal.page(request.getResourceNames(0)))
          .build();
    } catch (InvalidProtocolBufferException e) {
      throw new DebugRequestException(
          Status.INTERNAL.withDescription("a debug page could not be printed: " + e.getMessage()));
    }
  }
}

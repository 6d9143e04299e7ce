package io.telmesh.debug;

import com.google.protobuf.Any;
import com.google.protobuf.Message;
import io.envoyproxy.envoy.config.core.v3.ControlPlane;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryResponse;
import io.telmesh.capture.CapturePlanBuilder;
import io.telmesh.capture.InvalidSettingException;
import io.telmesh.envoy.Protos;
import io.telmesh.model.MeshState;
import io.telmesh.model.NamespacedName;
import io.telmesh.model.Problem;
import io.telmesh.model.ProblemReports;
import io.telmesh.node.ProxyNode;
import io.telmesh.xds.DebugResponder;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

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
 *   <li>{@code telmesh.io/debug/problems}: the {@code telmesh.v1.ProblemReport}.
 * </ul>
 *
 * An unknown pod is answered with no resources (and a log line), never with an error that would end
 * the stream. Every response names telmesh in {@code control_plane.identifier}.
 */
public final class DebugTypes implements DebugResponder {

  public static final String SYNCZ = "istio.io/debug/syncz";
  public static final String CONFIG_DUMP = "istio.io/debug/config_dump";
  public static final String CAPTURE = "telmesh.io/debug/capture";
  public static final String PROBLEMS = "telmesh.io/debug/problems";
  private static final Set<String> TYPES = Set.of(SYNCZ, CONFIG_DUMP, CAPTURE, PROBLEMS);
  private static final Logger LOG = LoggerFactory.getLogger(DebugTypes.class);

  private final ProxyViews proxies;
  private final Supplier<Optional<MeshState>> mesh;
  private final Supplier<List<Problem>> problems;
  private final ControlPlane controlPlane;

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
                String.format(
                    "{\"Component\":\"telmesh\",\"ID\":\"%s\",\"info\":{\"version\":\"%s\"}}",
                    json(instance), json(version)))
            .build();
  }

  @Override
  public boolean handles(String typeUrl) {
    return TYPES.contains(typeUrl)
        || typeUrl.startsWith("istio.io/debug")
        || typeUrl.startsWith("telmesh.io/debug");
  }

  @Override
  public DiscoveryResponse respond(ProxyNode client, DiscoveryRequest request) {
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
      default ->
          LOG.info(
              "debug client {} asked for unknown debug type {}; answered empty",
              client.id(),
              request.getTypeUrl());
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

  private static String json(String text) {
    return text.replace("\\", "\\\\").replace("\"", "\\\"");
  }
}

package io.telmesh.overview;

import io.telmesh.debug.ProxySync;
import io.telmesh.model.Problem;
import java.util.List;

/**
 * What {@code /api/v1/mesh} answers: the mesh by network and by pod, with the proxies' state.
 *
 * @param generation the mesh state's number (0 before the first one)
 * @param ready whether telmesh serves config (the first mesh state is built)
 * @param unmatchedProxies connected proxies whose pod is not in the mesh (they get minimal config)
 */
public record MeshOverview(
    String generatedAt,
    long generation,
    boolean ready,
    List<NetworkView> networks,
    List<PodView> pods,
    List<ProxySync> unmatchedProxies,
    List<Problem> problems) {

  public MeshOverview {
    networks = List.copyOf(networks);
    pods = List.copyOf(pods);
    unmatchedProxies = List.copyOf(unmatchedProxies);
    problems = List.copyOf(problems);
  }

  /**
   * One network: the cluster network ({@code default}) or a NetworkAttachmentDefinition.
   *
   * @param defined whether the NAD object is known (a pod can name a network whose NAD is missing)
   * @param cniType the NAD's CNI plugin; empty for the cluster network or when unknown
   * @param range the NAD's IPAM range, when it declares one
   */
  public record NetworkView(
      String name,
      boolean defined,
      String cniType,
      String range,
      List<Attachment> attachments,
      List<ServiceView> services) {

    public NetworkView {
      attachments = List.copyOf(attachments);
      services = List.copyOf(services);
    }
  }

  /** A pod's interface on a network. */
  public record Attachment(String pod, String interfaceName, List<String> addresses) {

    public Attachment {
      addresses = List.copyOf(addresses);
    }
  }

  /**
   * A Service whose endpoints are on a network.
   *
   * @param ports {@code name port/TRANSPORT protocol}, untouched ones included
   */
  public record ServiceView(String service, List<String> clusterIps, List<String> ports) {

    public ServiceView {
      clusterIps = List.copyOf(clusterIps);
      ports = List.copyOf(ports);
    }
  }

  /**
   * One pod: its interfaces and ports, what the sidecar catches, and its proxies.
   *
   * @param capture {@code REDIRECT}, {@code TPROXY}, {@code NONE}, or {@code REFUSED} when a
   *     capture annotation is invalid (no rules are built; the problem says which)
   */
  public record PodView(
      String pod,
      boolean ready,
      String capture,
      List<InterfaceView> interfaces,
      List<PortView> ports,
      List<ProxySync> proxies) {

    public PodView {
      interfaces = List.copyOf(interfaces);
      ports = List.copyOf(ports);
      proxies = List.copyOf(proxies);
    }
  }

  /**
   * One interface of a pod.
   *
   * @param inboundCaught whether inbound TCP on this interface reaches the sidecar
   * @param reason why not; empty when caught
   */
  public record InterfaceView(
      String name, String network, List<String> addresses, boolean inboundCaught, String reason) {

    public InterfaceView {
      addresses = List.copyOf(addresses);
    }
  }

  /**
   * One port of a pod and what happens to traffic that reaches it.
   *
   * @param transport TCP, UDP or SCTP
   * @param profile how the sidecar serves a caught port: {@code diameter} (long-lived
   *     pass-through), {@code http}, {@code tcp}, {@code auto} (HTTP detection, TCP fallback) or
   *     {@code passthrough} (no Service chose a protocol); empty when bypassed
   * @param service {@code ns/name:port} of the Service that declared it; empty for a container port
   * @param caught whether inbound traffic to it reaches the sidecar on at least one interface
   * @param caughtOn the interfaces on which it does
   * @param reason why it bypasses the sidecar; empty when caught
   */
  public record PortView(
      int port,
      String transport,
      String profile,
      String service,
      boolean caught,
      List<String> caughtOn,
      String reason) {

    public PortView {
      caughtOn = List.copyOf(caughtOn);
    }
  }
}

package io.telmesh.protocol;

import io.telmesh.model.AppProtocol;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Decides how a TCP port is served: Istio's rules (appProtocol, else the port name up to the first
 * {@code -}; unknown means sniffing, except on a few well-known ports) plus Diameter recognition.
 * UDP and SCTP never get here: they are untouched before any protocol is chosen.
 */
public final class ProtocolSelector {

  public static final int DIAMETER_PORT = 3868;
  public static final int DIAMETER_TLS_PORT = 5868;

  /** Istio defaults these unnamed ports to TCP instead of sniffing them. */
  private static final Set<Integer> WELL_KNOWN_TCP_PORTS = Set.of(25, 53, 3306, 27017);

  private static final Map<String, AppProtocol> ISTIO_NAMES =
      Map.ofEntries(
          Map.entry("http", AppProtocol.HTTP),
          Map.entry("http2", AppProtocol.HTTP2),
          Map.entry("grpc", AppProtocol.GRPC),
          Map.entry("grpc-web", AppProtocol.GRPC_WEB),
          Map.entry("https", AppProtocol.HTTPS),
          Map.entry("tls", AppProtocol.TLS),
          Map.entry("tcp", AppProtocol.TCP),
          Map.entry("mongo", AppProtocol.MONGO),
          Map.entry("redis", AppProtocol.REDIS),
          Map.entry("mysql", AppProtocol.MYSQL));

  /** Kubernetes' standard appProtocol values, honoured only as appProtocol (as Istio does). */
  private static final Map<String, AppProtocol> KUBERNETES_APP_PROTOCOLS =
      Map.of(
          "kubernetes.io/h2c", AppProtocol.HTTP2,
          "kubernetes.io/ws", AppProtocol.HTTP,
          "kubernetes.io/wss", AppProtocol.HTTPS);

  private static final Set<String> DIAMETER_APP_PROTOCOLS = Set.of("diameter", "diameters");

  private ProtocolSelector() {}

  /**
   * The protocol for a TCP port.
   *
   * @param portName the Service (or container) port name, possibly empty
   * @param appProtocol the port's appProtocol, if set
   * @param portNumber the number the decision is about: the Service port for outbound, the target
   *     port for inbound
   */
  public static AppProtocol select(String portName, Optional<String> appProtocol, int portNumber) {
    Optional<String> app =
        appProtocol.map(a -> a.strip().toLowerCase(Locale.ROOT)).filter(a -> !a.isEmpty());
    if (app.filter(DIAMETER_APP_PROTOCOLS::contains).isPresent()) {
      return AppProtocol.DIAMETER;
    }
    AppProtocol istio = istioProtocol(portName == null ? "" : portName, app, portNumber);
    boolean diameterHint =
        (app.isEmpty() && isDiameterName(portName)) || isDiameterPort(portNumber);
    if (diameterHint && !istio.isHttp() && istio != AppProtocol.HTTPS && istio != AppProtocol.TLS) {
      return AppProtocol.DIAMETER;
    }
    return istio;
  }

  /**
   * The protocol of a ServiceEntry port, whose {@code protocol} field says what a Service port's
   * name prefix says; a TCP port named or numbered as Diameter gets the Diameter profile.
   */
  public static AppProtocol forServiceEntry(String portName, String istioProtocol, int portNumber) {
    AppProtocol istio = istioProtocol(istioProtocol, Optional.empty(), portNumber);
    if (istio == AppProtocol.AUTO) {
      istio = AppProtocol.TCP;
    }
    boolean diameterHint = isDiameterName(portName) || isDiameterPort(portNumber);
    return diameterHint && istio == AppProtocol.TCP ? AppProtocol.DIAMETER : istio;
  }

  /** Istio's own choice, without telmesh's Diameter recognition. */
  public static AppProtocol istioProtocol(
      String portName, Optional<String> appProtocol, int portNumber) {
    String name = appProtocol.orElse(portName).toLowerCase(Locale.ROOT);
    if (appProtocol.isPresent() && KUBERNETES_APP_PROTOCOLS.containsKey(name)) {
      return KUBERNETES_APP_PROTOCOLS.get(name);
    }
    if (name.startsWith("grpc-web")) {
      return AppProtocol.GRPC_WEB;
    }
    int dash = name.indexOf('-');
    String prefix = dash >= 0 ? name.substring(0, dash) : name;
    AppProtocol known = ISTIO_NAMES.get(prefix);
    if (known != null) {
      return known;
    }
    return WELL_KNOWN_TCP_PORTS.contains(portNumber) ? AppProtocol.TCP : AppProtocol.AUTO;
  }

  static boolean isDiameterName(String portName) {
    if (portName == null) {
      return false;
    }
    String name = portName.toLowerCase(Locale.ROOT);
    return name.equals("diameter")
        || name.startsWith("diameter-")
        || name.startsWith("tcp-diameter");
  }

  static boolean isDiameterPort(int port) {
    return port == DIAMETER_PORT || port == DIAMETER_TLS_PORT;
  }
}

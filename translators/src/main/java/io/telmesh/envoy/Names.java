package io.telmesh.envoy;

import io.telmesh.model.IpAddress;
import io.telmesh.model.MeshService;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/** Istio's resource names, which istioctl-style tools and Istio users rely on. */
public final class Names {

  public static final String VIRTUAL_OUTBOUND = "virtualOutbound";
  public static final String VIRTUAL_INBOUND = "virtualInbound";
  public static final String VIRTUAL_OUTBOUND_BLACKHOLE_CHAIN = "virtualOutbound-blackhole";
  public static final String VIRTUAL_OUTBOUND_CATCHALL_CHAIN = "virtualOutbound-catchall-tcp";

  /**
   * virtualOutbound's pass-through for Diameter peers dialled by address: {@code
   * virtualOutbound-diameter-3868}.
   */
  public static String virtualOutboundDiameterChain(int port) {
    return VIRTUAL_OUTBOUND + "-diameter-" + port;
  }

  public static final String VIRTUAL_INBOUND_BLACKHOLE_CHAIN = "virtualInbound-blackhole";

  /** Istio names the TCP passthrough chain after the listener itself. */
  public static final String VIRTUAL_INBOUND_PASSTHROUGH_CHAIN = VIRTUAL_INBOUND;

  public static final String PASSTHROUGH_CLUSTER = "PassthroughCluster";

  /** Istio's name for a listener's chain to the original destination. */
  public static final String PASSTHROUGH_FILTER_CHAIN = "PassthroughFilterChain";

  public static final String INBOUND_PASSTHROUGH_CLUSTER = "InboundPassthroughCluster";
  public static final String BLACKHOLE_CLUSTER = "BlackHoleCluster";

  public static final int OUTBOUND_CAPTURE_PORT = 15001;
  public static final int INBOUND_CAPTURE_PORT = 15006;

  /** The address REDIRECT-mode inbound traffic is sent from, so iptables can tell it apart. */
  public static final String INBOUND_SOURCE_V4 = "127.0.0.6";

  public static final String INBOUND_SOURCE_V6 = "::6";
  public static final int PROXY_MARK = 1337;

  public static final String WILDCARD_V4 = "0.0.0.0";
  public static final String WILDCARD_V6 = "::";

  /** filter_metadata key under which telmesh records a chain's interface and network. */
  public static final String METADATA_NAMESPACE = "telmesh";

  private Names() {}

  public static String outboundCluster(int port, String fqdn) {
    return "outbound|" + port + "||" + fqdn;
  }

  /** A DestinationRule subset's cluster, as Istio names it. */
  public static String outboundCluster(int port, String subset, String fqdn) {
    return "outbound|" + port + "|" + subset + "|" + fqdn;
  }

  public static String inboundCluster(int targetPort) {
    return "inbound|" + targetPort + "||";
  }

  /**
   * A listener named after its address, Istio style: {@code 10.96.0.7_3868}, {@code 0.0.0.0_8080}.
   */
  public static String listener(String address, int port) {
    return address + "_" + port;
  }

  /** telmesh's per-interface inbound chain: {@code net1_3868}. */
  public static String interfaceChain(String interfaceName, int port) {
    return interfaceName + "_" + port;
  }

  /** The tcp_proxy stat prefix of a per-interface chain, so Envoy's stats split by interface. */
  public static String interfaceTcpStatPrefix(int port, String interfaceName) {
    return "inbound|" + port + "|" + interfaceName + "|";
  }

  /** Istio delimits HTTP stat prefixes with {@code ;} so stats tag extraction finds the end. */
  public static String delimited(String statPrefix) {
    return statPrefix + ";";
  }

  /** The HTTP route name Istio gives sidecar outbound routes: the port number. */
  public static String outboundRoute(int port) {
    return Integer.toString(port);
  }

  /** The host and port name proxyless gRPC clients use for listeners and routes. */
  public static String hostPort(String fqdn, int port) {
    return fqdn + ":" + port;
  }

  /**
   * The prefix of the listeners proxyless gRPC servers ask for: Istio's bootstrap sets {@code
   * server_listener_resource_name_template} to this plus {@code %s}, which the server fills with
   * the address it listens on.
   */
  public static final String GRPC_SERVER_LISTENER_PREFIX = "xds.istio.io/grpc/lds/inbound/";

  /**
   * A proxyless gRPC server's listener: {@code xds.istio.io/grpc/lds/inbound/0.0.0.0:50051}, with
   * the host as the server writes it ({@code [::]}, {@code [fd00::5]}).
   */
  public static String grpcServerListener(String host, int port) {
    return GRPC_SERVER_LISTENER_PREFIX + host + ":" + port;
  }

  /**
   * Every name an HTTP client may use for a Service port, each bare and with {@code :port}: the
   * fqdn, {@code name.namespace.svc}, {@code name.namespace}, the bare name when {@code
   * withShortName}, and the cluster IPs (IPv6 in brackets). No duplicates, in that order.
   */
  public static List<String> serviceDomains(MeshService service, int port, boolean withShortName) {
    return withPorts(hostNames(service, withShortName), port);
  }

  /**
   * The names a sidecar's HTTP client may use for a Service, without ports: the route configuration
   * ignores the port in host matching, as istiod's does for sidecars. In istiod's order: the fqdn,
   * the fqdn with a trailing dot (an absolute name is a valid Host header), the short forms (the
   * bare name only from the Service's own namespace), then the cluster IPs (IPv6 in brackets).
   */
  public static List<String> sidecarServiceDomains(MeshService service, boolean sameNamespace) {
    Set<String> hosts = new LinkedHashSet<>();
    if (service.external().isPresent()) {
      // A ServiceEntry host has no short names: the host as written, and its addresses.
      hosts.add(service.fqdn());
      service.clusterIps().forEach(vip -> hosts.add(bracketed(vip)));
      return List.copyOf(hosts);
    }
    hosts.add(service.fqdn());
    hosts.add(service.fqdn() + ".");
    String namespaced = service.name() + "." + service.namespace();
    if (sameNamespace) {
      hosts.add(service.name());
      hosts.add(namespaced + ".svc");
      hosts.add(namespaced);
    } else {
      hosts.add(namespaced);
      hosts.add(namespaced + ".svc");
    }
    for (IpAddress vip : service.clusterIps()) {
      hosts.add(bracketed(vip));
    }
    return List.copyOf(hosts);
  }

  private static List<String> hostNames(MeshService service, boolean withShortName) {
    List<String> hosts = new ArrayList<>();
    hosts.add(service.fqdn());
    hosts.add(service.name() + "." + service.namespace() + ".svc");
    hosts.add(service.name() + "." + service.namespace());
    if (withShortName) {
      hosts.add(service.name());
    }
    for (IpAddress vip : service.clusterIps()) {
      hosts.add(bracketed(vip));
    }
    return hosts;
  }

  private static List<String> withPorts(List<String> hosts, int port) {
    Set<String> domains = new LinkedHashSet<>();
    for (String host : hosts) {
      domains.add(host);
      domains.add(host + ":" + port);
    }
    return List.copyOf(domains);
  }

  /** An address as a host in {@code host:port}: IPv6 in brackets. */
  public static String bracketed(IpAddress address) {
    return address.v6() ? "[" + address.address() + "]" : address.address();
  }
}

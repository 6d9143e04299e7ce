package io.telmesh.outbound;

import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.core.v3.Address;
import io.telmesh.envoy.Addresses;
import io.telmesh.envoy.Clusters;
import io.telmesh.envoy.IstioMutualTls;
import io.telmesh.envoy.Names;
import io.telmesh.model.AppProtocol;
import io.telmesh.model.ExternalHost;
import io.telmesh.model.Locality;
import io.telmesh.model.ServicePort;
import io.telmesh.model.TargetPort;
import io.telmesh.model.TrafficPolicy;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * {@code outbound|<port>||<fqdn>}: EDS, or ORIGINAL_DST for headless Services (clients dial pod
 * addresses directly, as in Istio). Diameter clusters keep TCP keepalive on.
 */
final class OutboundClusterBuilder {

  private OutboundClusterBuilder() {}

  static Cluster build(OutboundPort port, ServiceIdentities identities) {
    return build(port, port.cluster(), "", port.service().trafficPolicy(), identities);
  }

  /** A DestinationRule subset's cluster: the Service port's, under its own name and policy. */
  static Cluster subset(
      OutboundPort port, TrafficPolicy.Subset subset, ServiceIdentities identities) {
    return build(
        port,
        Names.outboundCluster(port.number(), subset.name(), port.service().fqdn()),
        subset.name(),
        Optional.of(subset.policy()),
        identities);
  }

  private static Cluster build(
      OutboundPort port,
      String name,
      String subset,
      Optional<TrafficPolicy> policy,
      ServiceIdentities identities) {
    Optional<ExternalHost> external = port.service().external();
    Cluster.Builder cluster =
        port.service().originalDestination()
            ? Clusters.originalDestination(name)
            : external.filter(OutboundClusterBuilder::resolvedByDns).isPresent()
                ? dns(name, external.get(), port)
                : Clusters.eds(name);
    cluster.setAltStatName(Names.delimited(name));
    if (!port.service().originalDestination()) {
      // istiod's default since 1.14: fewer hot spots than round robin under uneven request costs.
      cluster.setLbPolicy(Cluster.LbPolicy.LEAST_REQUEST);
    }
    if (port.port().protocol() == AppProtocol.DIAMETER) {
      cluster.setUpstreamConnectionOptions(Clusters.keepalive());
    }
    if (port.port().protocol().isHttp2()) {
      Clusters.http2(cluster);
    }
    policy.ifPresent(
        p -> TrafficPolicies.apply(cluster, p.forPort(port.number()), port.port().protocol()));
    policy
        .flatMap(p -> p.forPort(port.number()).tls())
        .filter(tls -> tls.mode() == TrafficPolicy.TlsMode.ISTIO_MUTUAL)
        .ifPresent(
            tls ->
                cluster.setTransportSocket(
                    IstioMutualTls.upstream(
                        tls.sni().or(() -> defaultSni(port, subset)),
                        tls.subjectAltNames().isEmpty()
                            ? identities.of(port.service(), port.number())
                            : tls.subjectAltNames(),
                        port.port().protocol().isHttp2())));
    return cluster.build();
  }

  /**
   * istiod's SNI for mutual TLS: the cluster's DNS SRV form, {@code outbound_.<port>_.<subset>_.
   * <host>}. Envoy refuses a server name over 255 bytes, so such a (ServiceEntry) host sends none.
   */
  private static Optional<String> defaultSni(OutboundPort port, String subset) {
    String sni = "outbound_." + port.number() + "_." + subset + "_." + port.service().fqdn();
    return sni.length() <= 255 ? Optional.of(sni) : Optional.empty();
  }

  static boolean resolvedByDns(ExternalHost external) {
    return external.resolution() == ExternalHost.Resolution.DNS
        || external.resolution() == ExternalHost.Resolution.DNS_ROUND_ROBIN;
  }

  /** A DNS ServiceEntry's cluster: its endpoints' names, else its host, on the port's target. */
  private static Cluster.Builder dns(String name, ExternalHost external, OutboundPort port) {
    List<Map.Entry<Address, Locality>> targets =
        external.dnsTargets().isEmpty()
            ? List.of(
                Map.entry(
                    Addresses.socket(external.host(), targetOf(port.port())), Locality.UNKNOWN))
            : external.dnsTargets().stream()
                .map(
                    t ->
                        Map.entry(
                            Addresses.socket(t.address(), t.portFor(port.port())), t.locality()))
                .toList();
    return Clusters.dns(
        name, external.resolution() == ExternalHost.Resolution.DNS_ROUND_ROBIN, targets);
  }

  private static int targetOf(ServicePort port) {
    return port.targetPort() instanceof TargetPort.Numeric n ? n.port() : port.port();
  }

  static Cluster passthrough() {
    return Clusters.originalDestination(Names.PASSTHROUGH_CLUSTER).build();
  }
}

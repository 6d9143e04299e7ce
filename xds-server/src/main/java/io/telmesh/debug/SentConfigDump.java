package io.telmesh.debug;

import com.google.protobuf.Message;
import io.envoyproxy.envoy.admin.v3.ConfigDump;
import io.telmesh.envoy.ConfigDumps;
import io.telmesh.envoy.ConfigDumps.Entry;
import io.telmesh.snapshot.PreparedResource;
import io.telmesh.snapshot.Responded;
import io.telmesh.snapshot.TypeUrls;
import io.telmesh.status.ProxyStatusTracker.Sent;
import io.telmesh.status.ProxyStatusTracker.TypeStatus;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;

/**
 * What a proxy was last sent, per type, in Envoy's admin {@code /config_dump} layout, with the
 * versions and times it was sent at.
 */
final class SentConfigDump {

  private SentConfigDump() {}

  /**
   * The per-type dumps: listeners, clusters and routes always (empty when nothing of the type was
   * sent, as istiod's dump has every section and istioctl's diff looks each one up), endpoints when
   * sent.
   */
  static List<Message> perType(ProxyView proxy) {
    List<Message> dumps = new ArrayList<>();
    Optional<Sent> listeners = sent(proxy, TypeUrls.LISTENER);
    Optional<Sent> clusters = sent(proxy, TypeUrls.CLUSTER);
    dumps.add(
        ConfigDumps.listeners(
            listeners.map(Sent::version).orElse(""),
            listeners.map(SentConfigDump::entries).orElse(List.of())));
    dumps.add(
        ConfigDumps.clusters(
            clusters.map(Sent::version).orElse(""),
            clusters.map(SentConfigDump::entries).orElse(List.of())));
    dumps.add(
        ConfigDumps.routes(
            sent(proxy, TypeUrls.ROUTE).map(SentConfigDump::entries).orElse(List.of())));
    sent(proxy, TypeUrls.ENDPOINT).ifPresent(s -> dumps.add(ConfigDumps.endpoints(entries(s))));
    return dumps;
  }

  static ConfigDump of(ProxyView proxy) {
    return ConfigDumps.of(perType(proxy));
  }

  private static Optional<Sent> sent(ProxyView proxy, String type) {
    TypeStatus status = proxy.status().get(type);
    return status == null
        ? Optional.empty()
        : status.lastSent().filter(s -> s.content().isPresent());
  }

  private static List<Entry> entries(Sent sent) {
    Responded content = sent.content().orElseThrow();
    return content.snapshot().all().stream()
        .filter(r -> content.subscription().includes(r.name()))
        .sorted(Comparator.comparing(PreparedResource::name))
        .map(
            r ->
                new Entry(
                    r.name(),
                    r.any(),
                    r.version(),
                    Optional.of(ClientConfigs.timestamp(sent.at()))))
        .toList();
  }
}

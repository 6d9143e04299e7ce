package io.telmesh.debug;

import com.google.protobuf.Struct;
import com.google.protobuf.Timestamp;
import com.google.protobuf.Value;
import io.envoyproxy.envoy.admin.v3.ClientResourceStatus;
import io.envoyproxy.envoy.admin.v3.UpdateFailureState;
import io.envoyproxy.envoy.config.core.v3.Node;
import io.envoyproxy.envoy.service.status.v3.ClientConfig;
import io.envoyproxy.envoy.service.status.v3.ConfigStatus;
import io.telmesh.snapshot.PreparedResource;
import io.telmesh.snapshot.Responded;
import io.telmesh.snapshot.Subscription;
import io.telmesh.snapshot.TypeSnapshot;
import io.telmesh.snapshot.TypeUrls;
import io.telmesh.status.ProxyStatusTracker.Nack;
import io.telmesh.status.ProxyStatusTracker.Sent;
import io.telmesh.status.ProxyStatusTracker.TypeStatus;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.TreeSet;

/**
 * A proxy's status as {@code envoy.service.status.v3.ClientConfig}: per resource for CSDS, per type
 * for Istio's syncz. Computed on demand from references the tracker keeps (no copies).
 */
final class ClientConfigs {

  private ClientConfigs() {}

  /**
   * CSDS: one entry per resource the proxy subscribes to, with what it was sent and how it
   * answered.
   */
  static ClientConfig perResource(ProxyView proxy) {
    ClientConfig.Builder config = ClientConfig.newBuilder().setNode(proxy.connection().sent());
    for (String type : TypeUrls.PUSH_ORDER) {
      TypeStatus status = proxy.status().get(type);
      if (status == null) {
        continue; // the proxy never asked for this type
      }
      TypeSnapshot current = proxy.current().map(s -> s.type(type)).orElse(null);
      Optional<Responded> sent = status.lastSent().flatMap(Sent::content);
      Optional<Responded> acked = status.lastAcked().flatMap(Sent::content);
      Subscription subscription = sent.map(Responded::subscription).orElse(Subscription.WILDCARD);
      TreeSet<String> names = new TreeSet<>();
      sent.ifPresent(
          r ->
              r.snapshot().all().stream()
                  .map(PreparedResource::name)
                  .filter(subscription::includes)
                  .forEach(names::add));
      if (current != null) {
        current.all().stream()
            .map(PreparedResource::name)
            .filter(subscription::includes)
            .forEach(names::add);
      }
      subscription.names().ifPresent(names::addAll);
      for (String name : names) {
        config.addGenericXdsConfigs(resource(type, name, status, sent, acked, current));
      }
    }
    return config.build();
  }

  private static ClientConfig.GenericXdsConfig resource(
      String type,
      String name,
      TypeStatus status,
      Optional<Responded> sent,
      Optional<Responded> acked,
      TypeSnapshot current) {
    ClientConfig.GenericXdsConfig.Builder entry =
        ClientConfig.GenericXdsConfig.newBuilder().setTypeUrl(type).setName(name);
    PreparedResource sentResource = sent.map(r -> r.snapshot().get(name)).orElse(null);
    PreparedResource ackedResource = acked.map(r -> r.snapshot().get(name)).orElse(null);
    PreparedResource currentResource = current == null ? null : current.get(name);
    status.lastSent().ifPresent(s -> entry.setLastUpdated(timestamp(s.at())));
    if (sentResource == null) {
      if (currentResource == null) {
        entry.setClientStatus(ClientResourceStatus.DOES_NOT_EXIST);
      } else {
        entry
            .setConfigStatus(ConfigStatus.NOT_SENT)
            .setClientStatus(ClientResourceStatus.REQUESTED);
      }
      return entry.build();
    }
    if (status.nacked()) {
      Nack nack = status.lastNack().orElseThrow();
      entry
          .setConfigStatus(ConfigStatus.ERROR)
          .setClientStatus(ClientResourceStatus.NACKED)
          .setErrorState(
              UpdateFailureState.newBuilder()
                  .setDetails(nack.message())
                  .setVersionInfo(sentResource.version())
                  .setLastUpdateAttempt(timestamp(nack.at())));
      if (ackedResource != null) {
        entry.setVersionInfo(ackedResource.version()).setXdsConfig(ackedResource.any());
      }
      return entry.build();
    }
    if (status.synced()) {
      boolean latest =
          currentResource != null && currentResource.version().equals(sentResource.version());
      return entry
          .setVersionInfo(sentResource.version())
          .setXdsConfig(sentResource.any())
          .setClientStatus(ClientResourceStatus.ACKED)
          .setConfigStatus(latest ? ConfigStatus.SYNCED : ConfigStatus.STALE)
          .build();
    }
    // Sent, not answered yet: the proxy still runs what it ACKed before.
    entry.setConfigStatus(ConfigStatus.STALE).setClientStatus(ClientResourceStatus.REQUESTED);
    if (ackedResource != null) {
      entry.setVersionInfo(ackedResource.version()).setXdsConfig(ackedResource.any());
    }
    return entry.build();
  }

  /** Istio's syncz: one entry per type the proxy watches, with Istio's status rules. */
  static ClientConfig perType(ProxyView proxy) {
    Struct sentMetadata = proxy.connection().sent().getMetadata();
    Struct.Builder metadata = Struct.newBuilder();
    for (String key : List.of("CLUSTER_ID", "NAMESPACE", "ISTIO_VERSION")) {
      Value value = sentMetadata.getFieldsOrDefault(key, null);
      if (value != null) {
        metadata.putFields(key, value);
      }
    }
    ClientConfig.Builder config =
        ClientConfig.newBuilder()
            .setNode(Node.newBuilder().setId(proxy.name()).setMetadata(metadata));
    proxy.status().entrySet().stream()
        .sorted(java.util.Map.Entry.comparingByKey())
        .forEach(
            e -> {
              TypeStatus status = e.getValue();
              ClientConfig.GenericXdsConfig.Builder entry =
                  ClientConfig.GenericXdsConfig.newBuilder()
                      .setTypeUrl(e.getKey())
                      .setConfigStatus(syncStatus(status));
              status
                  .lastSent()
                  .ifPresent(
                      s -> entry.setVersionInfo(s.version()).setLastUpdated(timestamp(s.at())));
              if (status.nacked()) {
                Nack nack = status.lastNack().orElseThrow();
                entry.setErrorState(
                    UpdateFailureState.newBuilder()
                        .setDetails(nack.message())
                        .setVersionInfo(nack.version())
                        .setLastUpdateAttempt(timestamp(nack.at())));
              }
              config.addGenericXdsConfigs(entry);
            });
    return config.build();
  }

  /**
   * Istio: ERROR after a NACK, NOT_SENT before any response, SYNCED when the last one is ACKed,
   * else STALE.
   */
  static ConfigStatus syncStatus(TypeStatus status) {
    if (status.nacked()) {
      return ConfigStatus.ERROR;
    }
    if (status.lastSent().isEmpty()) {
      return ConfigStatus.NOT_SENT;
    }
    return status.synced() ? ConfigStatus.SYNCED : ConfigStatus.STALE;
  }

  static Timestamp timestamp(Instant at) {
    return Timestamp.newBuilder().setSeconds(at.getEpochSecond()).setNanos(at.getNano()).build();
  }
}

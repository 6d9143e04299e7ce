package io.telmesh.xds;

import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import io.envoyproxy.envoy.config.core.v3.Node;
import io.telmesh.node.ProxyNode;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The proxies connected right now, by node id, with how many streams each has open (Envoy uses one
 * ADS stream; per-type xDS clients use one per type).
 */
public final class ProxyRegistry {

  /**
   * Told when a proxy's first stream opens, when a further stream brings another node, and when its
   * last stream closes.
   */
  public interface Listener {
    void connected(ProxyNode node);

    /**
     * A further stream of a connected proxy sent a node that differs from the one before: Envoy's
     * hot restart, the new Envoy with new metadata beside the old one. Snapshots are per node id,
     * so both are served for the node as it is now, as the next mesh change would serve them.
     */
    void nodeChanged(ProxyNode node);

    void disconnected(ProxyNode node);
  }

  /**
   * A connected proxy, with the node it sent, serialized as it came: only CSDS and debug requests
   * read it, and an Istio node's few dozen metadata fields cost several times their wire size as
   * parsed objects, on every connected proxy.
   */
  public record Connection(ProxyNode node, ByteString nodeAsSent, Instant since, int streams) {

    /** The node as sent. */
    public Node sent() {
      try {
        return Node.parseFrom(nodeAsSent);
      } catch (InvalidProtocolBufferException e) {
        throw new IllegalStateException("a node serialized here parses", e);
      }
    }
  }

  private final Map<String, Connection> connections = new ConcurrentHashMap<>();
  private final List<Listener> listeners = new java.util.concurrent.CopyOnWriteArrayList<>();

  public void addListener(Listener listener) {
    listeners.add(listener);
  }

  void open(ProxyNode node, Node sent) {
    boolean[] changed = {false};
    Connection result =
        connections.compute(
            node.id(),
            (id, existing) -> {
              if (existing == null) {
                return new Connection(node, sent.toByteString(), Instant.now(), 1);
              }
              changed[0] = !existing.node().equals(node);
              return new Connection(
                  node, sent.toByteString(), existing.since(), existing.streams() + 1);
            });
    if (result.streams() == 1) {
      listeners.forEach(l -> l.connected(node));
    } else if (changed[0]) {
      listeners.forEach(l -> l.nodeChanged(node));
    }
  }

  void close(ProxyNode node) {
    boolean[] last = {false};
    connections.computeIfPresent(
        node.id(),
        (id, existing) -> {
          if (existing.streams() <= 1) {
            last[0] = true;
            return null;
          }
          return new Connection(
              existing.node(), existing.nodeAsSent(), existing.since(), existing.streams() - 1);
        });
    if (last[0]) {
      listeners.forEach(l -> l.disconnected(node));
    }
  }

  public Collection<Connection> connections() {
    return new ArrayList<>(connections.values());
  }

  public Optional<Connection> connection(String nodeId) {
    return Optional.ofNullable(connections.get(nodeId));
  }

  public int size() {
    return connections.size();
  }
}

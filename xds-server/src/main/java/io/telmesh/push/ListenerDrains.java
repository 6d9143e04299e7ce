package io.telmesh.push;

import com.google.protobuf.Any;
import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.InvalidProtocolBufferException;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.config.listener.v3.ListenerFilter;
import io.telmesh.snapshot.PreparedResource;
import io.telmesh.snapshot.ProxySnapshot;
import io.telmesh.snapshot.TypeSnapshot;
import io.telmesh.snapshot.TypeUrls;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;

/**
 * The listener-level changes between two snapshots of one proxy. Envoy updates a listener in place,
 * draining only the filter chains whose config differs, when nothing but its filter chains changed;
 * any other field (address, listener filters and their {@code filter_disabled} predicates, socket
 * options, {@code transparent}, {@code bind_to_port}, ...) makes it replace the listener and drain
 * every connection it holds. Those are what this finds, field by field.
 */
public final class ListenerDrains {

  /** One listener-level field of one listener that changed. */
  public record Drain(String listener, String field) {}

  /** Changed in place by Envoy, chain by chain: never a reason to drain the whole listener. */
  private static final Set<Integer> CHAIN_FIELDS =
      Set.of(Listener.FILTER_CHAINS_FIELD_NUMBER, Listener.DEFAULT_FILTER_CHAIN_FIELD_NUMBER);

  private ListenerDrains() {}

  /**
   * Listeners present in both snapshots whose listener-level fields differ. Added listeners drain
   * nothing; a removed listener goes with the Service or endpoint it served, which is no
   * listener-level change, and is not reported.
   */
  public static List<Drain> between(ProxySnapshot before, ProxySnapshot after) {
    TypeSnapshot earlier = before.type(TypeUrls.LISTENER);
    TypeSnapshot now = after.type(TypeUrls.LISTENER);
    List<Drain> drains = new ArrayList<>();
    for (String name : new TreeSet<>(now.changedSince(earlier))) {
      PreparedResource old = earlier.get(name);
      PreparedResource current = now.get(name);
      if (old != null && current != null) {
        changedFields(listener(old.any()), listener(current.any()))
            .forEach(f -> drains.add(new Drain(name, f)));
      }
    }
    return drains;
  }

  /**
   * The listener-level fields that differ, as proto field names; listener filters by filter name
   * (one added or removed), down to the field that differs (one changed): {@code
   * listener_filters[envoy.filters.listener.http_inspector].filter_disabled}.
   */
  static List<String> changedFields(Listener before, Listener after) {
    List<String> fields = new ArrayList<>();
    for (FieldDescriptor field : Listener.getDescriptor().getFields()) {
      if (CHAIN_FIELDS.contains(field.getNumber())
          || Objects.equals(value(before, field), value(after, field))) {
        continue;
      }
      if (field.getNumber() == Listener.LISTENER_FILTERS_FIELD_NUMBER) {
        fields.addAll(
            listenerFilterChanges(before.getListenerFiltersList(), after.getListenerFiltersList()));
      } else {
        fields.add(field.getName());
      }
    }
    return fields;
  }

  private static List<String> listenerFilterChanges(
      List<ListenerFilter> before, List<ListenerFilter> after) {
    Map<String, ListenerFilter> old = byName(before);
    Map<String, ListenerFilter> now = byName(after);
    Set<String> names = new LinkedHashSet<>(now.keySet());
    names.addAll(old.keySet());
    List<String> changes = new ArrayList<>();
    for (String name : names) {
      String path = "listener_filters[" + name + "]";
      ListenerFilter a = old.get(name);
      ListenerFilter b = now.get(name);
      if (a == null || b == null) {
        changes.add(path);
        continue;
      }
      for (FieldDescriptor field : ListenerFilter.getDescriptor().getFields()) {
        if (!Objects.equals(value(a, field), value(b, field))) {
          changes.add(path + "." + field.getName());
        }
      }
    }
    if (changes.isEmpty() || old.size() != before.size() || now.size() != after.size()) {
      // Same filters in another order, or several of one name: the whole list is what changed.
      return List.of("listener_filters");
    }
    return changes;
  }

  private static Map<String, ListenerFilter> byName(List<ListenerFilter> filters) {
    Map<String, ListenerFilter> byName = new LinkedHashMap<>();
    filters.forEach(f -> byName.putIfAbsent(f.getName(), f));
    return byName;
  }

  /** A field's value, with an unset message field told apart from one set to its defaults. */
  private static Object value(com.google.protobuf.Message message, FieldDescriptor field) {
    if (!field.isRepeated() && field.hasPresence() && !message.hasField(field)) {
      return null;
    }
    return message.getField(field);
  }

  private static Listener listener(Any any) {
    try {
      return Listener.parseFrom(any.getValue());
    } catch (InvalidProtocolBufferException e) {
      throw new IllegalStateException("a listener telmesh packed itself does not parse", e);
    }
  }
}

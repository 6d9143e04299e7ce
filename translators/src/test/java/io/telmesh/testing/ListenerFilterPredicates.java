package io.telmesh.testing;

import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.config.listener.v3.ListenerFilter;
import io.envoyproxy.envoy.config.listener.v3.ListenerFilterChainMatchPredicate;

/** Evaluates listener filters' {@code filter_disabled} predicates the way Envoy does, by port. */
public final class ListenerFilterPredicates {

  private ListenerFilterPredicates() {}

  /** Whether the named listener filter runs on a connection to this destination port. */
  public static boolean runsOn(Listener listener, String filterName, int port) {
    return listener.getListenerFiltersList().stream()
        .filter(f -> f.getName().equals(filterName))
        .anyMatch(f -> !disabledOn(f, port));
  }

  public static boolean disabledOn(ListenerFilter filter, int port) {
    return filter.hasFilterDisabled() && matches(filter.getFilterDisabled(), port);
  }

  static boolean matches(ListenerFilterChainMatchPredicate predicate, int port) {
    return switch (predicate.getRuleCase()) {
      case OR_MATCH ->
          predicate.getOrMatch().getRulesList().stream().anyMatch(r -> matches(r, port));
      case AND_MATCH ->
          predicate.getAndMatch().getRulesList().stream().allMatch(r -> matches(r, port));
      case NOT_MATCH -> !matches(predicate.getNotMatch(), port);
      case ANY_MATCH -> predicate.getAnyMatch();
      case DESTINATION_PORT_RANGE ->
          predicate.getDestinationPortRange().getStart() <= port
              && port < predicate.getDestinationPortRange().getEnd();
      case RULE_NOT_SET -> throw new AssertionError("a predicate without a rule: Envoy rejects it");
    };
  }
}

package io.telmesh.outbound;

import io.envoyproxy.envoy.config.core.v3.HeaderValue;
import io.envoyproxy.envoy.config.core.v3.HeaderValueOption;
import io.envoyproxy.envoy.config.route.v3.RouteAction;
import io.envoyproxy.envoy.extensions.filters.common.fault.v3.FaultDelay;
import io.envoyproxy.envoy.extensions.filters.http.fault.v3.FaultAbort;
import io.envoyproxy.envoy.extensions.filters.http.fault.v3.HTTPFault;
import io.envoyproxy.envoy.type.matcher.v3.RegexMatchAndSubstitute;
import io.envoyproxy.envoy.type.v3.FractionalPercent;
import io.telmesh.envoy.Protos;
import io.telmesh.model.Routing;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A VirtualService http rule's rewrite, fault injection and header operations in the Envoy fields
 * istiod writes for them.
 */
final class HttpRuleActions {

  private HttpRuleActions() {}

  /** {@code rewrite}: prefix_rewrite or regex_rewrite, and host_rewrite_literal. */
  static void rewrite(RouteAction.Builder action, Routing.Rewrite rewrite) {
    rewrite.uriPrefix().ifPresent(action::setPrefixRewrite);
    rewrite
        .uriRegex()
        .ifPresent(
            regex ->
                action.setRegexRewrite(
                    RegexMatchAndSubstitute.newBuilder()
                        .setPattern(VirtualServiceRoutes.regex(regex.match()))
                        .setSubstitution(regex.rewrite())));
    rewrite.authority().ifPresent(action::setHostRewriteLiteral);
  }

  /** Requests' headers to add: the set ones (overwriting), then the added ones, each by name. */
  static List<HeaderValueOption> requestToAdd(Routing.HeaderOperations headers) {
    return toAdd(headers.requestSet(), headers.requestAdd());
  }

  static List<HeaderValueOption> responseToAdd(Routing.HeaderOperations headers) {
    return toAdd(headers.responseSet(), headers.responseAdd());
  }

  private static List<HeaderValueOption> toAdd(Map<String, String> set, Map<String, String> add) {
    List<HeaderValueOption> options = new ArrayList<>();
    set.forEach(
        (name, value) ->
            options.add(
                option(
                    name, value, HeaderValueOption.HeaderAppendAction.OVERWRITE_IF_EXISTS_OR_ADD)));
    add.forEach(
        (name, value) ->
            options.add(
                option(name, value, HeaderValueOption.HeaderAppendAction.APPEND_IF_EXISTS_OR_ADD)));
    return options;
  }

  private static HeaderValueOption option(
      String name, String value, HeaderValueOption.HeaderAppendAction action) {
    return HeaderValueOption.newBuilder()
        .setHeader(HeaderValue.newBuilder().setKey(name).setValue(value))
        .setAppendAction(action)
        .build();
  }

  /** istiod's HTTPFault: a fixed delay and an HTTP or gRPC abort, each on its share. */
  static HTTPFault fault(Routing.Fault fault) {
    HTTPFault.Builder out = HTTPFault.newBuilder();
    fault
        .delay()
        .ifPresent(
            delay ->
                out.setDelay(
                    FaultDelay.newBuilder()
                        .setFixedDelay(Protos.fromJava(delay.fixedDelay()))
                        .setPercentage(share(delay.share()))));
    fault
        .abort()
        .ifPresent(
            abort -> {
              FaultAbort.Builder builder = FaultAbort.newBuilder();
              if (abort.kind() == Routing.AbortKind.HTTP) {
                builder.setHttpStatus(abort.status());
              } else {
                builder.setGrpcStatus(abort.status());
              }
              abort.share().ifPresent(s -> builder.setPercentage(share(s)));
              out.setAbort(builder);
            });
    return out.build();
  }

  private static FractionalPercent share(Routing.Share share) {
    return FractionalPercent.newBuilder()
        .setNumerator((int) share.numerator())
        .setDenominator(
            share.perMillion()
                ? FractionalPercent.DenominatorType.MILLION
                : FractionalPercent.DenominatorType.HUNDRED)
        .build();
  }
}

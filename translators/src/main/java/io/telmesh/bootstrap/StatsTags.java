package io.telmesh.bootstrap;

import com.google.protobuf.BoolValue;
import io.envoyproxy.envoy.config.metrics.v3.StatsConfig;
import io.envoyproxy.envoy.config.metrics.v3.TagSpecifier;
import java.util.List;

/**
 * The sidecar's tag extraction ({@code stats_config.stats_tags}): what turns the interface, port,
 * direction and Service that telmesh writes into its stat prefixes ({@code tcp.inbound|3868|net1|.
 * downstream_cx_total}, {@code
 * cluster.outbound|8080||amf.telco.svc.cluster.local;.upstream_cx_total}) into Prometheus labels on
 * Envoy's own metric names ({@code envoy_tcp_downstream_cx_total
 * {interface="net1",port="3868",direction="inbound",...}}).
 *
 * <p>Envoy's default extractors take a prefix or cluster name only up to its first dot, and
 * telmesh's Service names have dots, so they are switched off ({@code use_all_default_tags: false},
 * as Istio's bootstrap does) and their tags, under their own names, are given here. How Envoy
 * applies the list (read in its tag_producer_impl.cc and tag_extractor_impl.h): every extractor
 * runs on the original stat name, those without a {@code ^word\.} prefix first, then those whose
 * prefix is the name's first token, each in list order; a custom regex is a std::regex matched with
 * regex_search; group 1 is cut from the name, group 2 (else group 1) is the value; of several
 * extractors with one tag name the first that matches wins; the cuts are merged and applied once.
 * Every regex here also compiles as RE2, so nothing depends on the engine's dialect. {@code
 * StatsTagsTest} applies exactly that to every stat name telmesh produces.
 */
public final class StatsTags {

  /** Envoy's name for the tag of a TCP proxy's stat prefix. */
  public static final String TCP_PREFIX = "envoy.tcp_prefix";

  public static final String HTTP_PREFIX = "envoy.http_conn_manager_prefix";
  public static final String CLUSTER_NAME = "envoy.cluster_name";
  public static final String LISTENER_ADDRESS = "envoy.listener_address";
  public static final String RESPONSE_CODE = "envoy.response_code";
  public static final String RESPONSE_CODE_CLASS = "envoy.response_code_class";
  public static final String RDS_ROUTE_CONFIG = "envoy.rds_route_config";

  /** {@code inbound} or {@code outbound}. */
  public static final String DIRECTION = "direction";

  /** The pod interface a per-interface inbound chain serves ({@code eth0}, {@code net1}). */
  public static final String INTERFACE = "interface";

  /** The Service or container port. */
  public static final String PORT = "port";

  /** The Service's host name, for outbound chains and clusters. */
  public static final String SERVICE = "service";

  private static final List<TagSpecifier> TAGS =
      List.of(
          // Envoy's response-code tags, as its defaults define them (no prefix: any family).
          tag(RESPONSE_CODE, "_rq(_(\\d{3}))$"),
          tag(RESPONSE_CODE_CLASS, "_rq_((\\d))xx$"),
          // The telmesh parts of a prefix; the whole prefix is cut by the tags below.
          tag(DIRECTION, "^(?:tcp|cluster)\\.((inbound|outbound)\\|)"),
          tag(DIRECTION, "^http\\.((inbound|outbound)_)"),
          tag(PORT, "^(?:tcp|cluster)\\.(?:inbound|outbound)\\|((\\d+)\\|)"),
          tag(PORT, "^http\\.(?:inbound|outbound)_[^;]*_((\\d+));\\."),
          tag(PORT, "^tcp\\.virtual[A-Za-z]+-diameter-((\\d+))\\.\\w+$"),
          tag(INTERFACE, "^tcp\\.inbound\\|\\d+\\|(([^|.;]+)\\|)"),
          tag(INTERFACE, "^http\\.inbound_(([^_.;]+)_)\\d+;\\."),
          tag(SERVICE, "^tcp\\.outbound\\|\\d+\\|[^|]*\\|((.+))\\.\\w+$"),
          tag(SERVICE, "^cluster\\.outbound\\|\\d+\\|[^|]*\\|(([^;]+));\\."),
          // Envoy's own tags, for names with dots and telmesh's ';' ending.
          tag(TCP_PREFIX, "^tcp\\.((.+)\\.)\\w+$"),
          tag(HTTP_PREFIX, "^http\\.(([^;]+);\\.)"),
          tag(RDS_ROUTE_CONFIG, "^http\\.[^;]+;\\.rds\\.((.+)\\.)\\w+$"),
          // An HTTP connection manager's stats also live under its listener.
          tag(HTTP_PREFIX, "^listener\\..*?\\.http\\.(([^;]+);\\.)"),
          tag(CLUSTER_NAME, "^cluster\\.(([^;]+);\\.)"),
          tag(CLUSTER_NAME, "^cluster\\.(([^.;]+)\\.)"),
          tag(
              LISTENER_ADDRESS,
              "^listener\\.(((?:\\d{1,3}\\.\\d{1,3}\\.\\d{1,3}\\.\\d{1,3}|\\[[_0-9a-fA-F]+\\])_\\d+)\\.)"));

  private StatsTags() {}

  /** The tag extractors, in the order Envoy is given them. */
  public static List<TagSpecifier> tags() {
    return TAGS;
  }

  public static StatsConfig config() {
    return StatsConfig.newBuilder()
        .setUseAllDefaultTags(BoolValue.of(false))
        .addAllStatsTags(TAGS)
        .build();
  }

  private static TagSpecifier tag(String name, String regex) {
    return TagSpecifier.newBuilder().setTagName(name).setRegex(regex).build();
  }
}

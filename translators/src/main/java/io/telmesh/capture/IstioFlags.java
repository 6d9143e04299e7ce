package io.telmesh.capture;

import io.telmesh.kube.Cidr;
import io.telmesh.kube.ValueLists;
import io.telmesh.model.InterceptionMode;
import io.telmesh.model.IpAddress;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.BiConsumer;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * Reads istio-iptables' command line ({@code -p 15001 -b '*' --redirect-dns …}) into a {@link
 * CaptureConfig} starting from the binary's defaults. Spellings follow its flag library: {@code -b
 * 80}, {@code -b80}, {@code -b=80}, {@code --istio-inbound-ports 80}, {@code
 * --istio-inbound-ports=80}; booleans as {@code --drop-invalid[=true|false]}; the last occurrence
 * wins. Every value is validated first: a bad one is an error naming the flag, where Istio would
 * pass the string on to iptables.
 */
public final class IstioFlags {

  /** Linux group names (useradd's rule) or numeric gids. */
  private static final Pattern GROUP =
      Pattern.compile("^([A-Za-z_][A-Za-z0-9_.-]{0,31}\\$?|\\d{1,10})$");

  /** Istio's limit: all included groups share one rule, and iptables caps matches per rule. */
  private static final int MAX_OWNER_GROUPS_INCLUDE = 64;

  /**
   * Every flag telmesh understands; the ones without a short name are booleans or telmesh's own.
   */
  public enum Flag {
    ENVOY_PORT('p', "envoy-port", (b, v) -> b.proxyPort(port(v))),
    INBOUND_CAPTURE_PORT('z', "inbound-capture-port", (b, v) -> b.inboundCapturePort(port(v))),
    INBOUND_TUNNEL_PORT('e', "inbound-tunnel-port", (b, v) -> b.inboundTunnelPort(port(v))),
    PROXY_UID('u', "proxy-uid", (b, v) -> b.proxyUids(ids(v))),
    PROXY_GID('g', "proxy-gid", (b, v) -> b.proxyGids(ids(v))),
    INTERCEPTION_MODE('m', "istio-inbound-interception-mode", (b, v) -> b.mode(mode(v))),
    INBOUND_PORTS('b', "istio-inbound-ports", (b, v) -> b.inboundPorts(portSelection(v))),
    INBOUND_PORTS_EXCLUDE(
        'd', "istio-local-exclude-ports", (b, v) -> b.inboundPortsExclude(ValueLists.portList(v))),
    EXCLUDE_INTERFACES(
        'c',
        "istio-exclude-interfaces",
        (b, v) -> b.excludeInterfaces(ValueLists.interfaceList(v))),
    OUTBOUND_RANGES('i', "istio-service-cidr", (b, v) -> b.outboundIpRangesInclude(ranges(v))),
    OUTBOUND_RANGES_EXCLUDE(
        'x',
        "istio-service-exclude-cidr",
        (b, v) -> b.outboundIpRangesExclude(ValueLists.cidrs(v))),
    OUTBOUND_PORTS(
        'q', "istio-outbound-ports", (b, v) -> b.outboundPortsInclude(ValueLists.portList(v))),
    OUTBOUND_PORTS_EXCLUDE(
        'o',
        "istio-local-outbound-ports-exclude",
        (b, v) -> b.outboundPortsExclude(ValueLists.portList(v))),
    KUBE_VIRT_INTERFACES(
        'k', "kube-virt-interfaces", (b, v) -> b.kubeVirtInterfaces(ValueLists.interfaceList(v))),
    TPROXY_MARK('t', "istio-inbound-tproxy-mark", (b, v) -> b.tproxyMark(ValueLists.id(v))),
    TPROXY_ROUTE_TABLE(
        'r', "istio-inbound-tproxy-route-table", (b, v) -> b.tproxyRouteTable(routeTable(v))),
    REDIRECT_DNS("redirect-dns", (b, v) -> b.redirectDns(bool(v))),
    CAPTURE_ALL_DNS("capture-all-dns", (b, v) -> b.captureAllDns(bool(v))),
    DROP_INVALID("drop-invalid", (b, v) -> b.dropInvalid(bool(v))),
    // telmesh's names for what Istio detects or reads from its environment:
    IPV6("ipv6", (b, v) -> b.ipv6(bool(v))),
    DNS_SERVERS("dns-servers", false, (b, v) -> b.dnsServers(addresses(v))),
    OWNER_GROUPS("owner-groups", false, (b, v) -> {}),
    OWNER_GROUPS_EXCLUDE("owner-groups-exclude", false, (b, v) -> {}),
    IPV4_LOOPBACK_CIDR("ipv4-loopback-cidr", false, (b, v) -> b.ipv4LoopbackCidr(loopbackCidr(v)));

    private final char shortName;
    private final String longName;
    private final boolean bool;

    // Every value is a lambda that captures nothing: the enum is immutable whatever the field type
    // says.
    @SuppressWarnings("ImmutableEnumChecker")
    private final BiConsumer<CaptureConfig.Builder, String> apply;

    Flag(char shortName, String longName, BiConsumer<CaptureConfig.Builder, String> apply) {
      this.shortName = shortName;
      this.longName = longName;
      this.bool = false;
      this.apply = apply;
    }

    Flag(String longName, BiConsumer<CaptureConfig.Builder, String> apply) {
      this(longName, true, apply);
    }

    Flag(String longName, boolean bool, BiConsumer<CaptureConfig.Builder, String> apply) {
      this.shortName = 0;
      this.longName = longName;
      this.bool = bool;
      this.apply = apply;
    }

    /** {@code -b}, or {@code --drop-invalid} for flags without a short name. */
    public String display() {
      return shortName != 0 ? "-" + shortName : "--" + longName;
    }

    public String longName() {
      return longName;
    }

    public boolean isBoolean() {
      return bool;
    }
  }

  private IstioFlags() {}

  /**
   * Reads istio-iptables flags into a capture configuration, with the binary's defaults.
   *
   * @throws InvalidSettingException naming the flag, for an unknown flag, a missing value or a
   *     value that fails validation
   */
  public static CaptureConfig parse(List<String> args) {
    Map<Flag, String> values = new EnumMap<>(Flag.class);
    for (int i = 0; i < args.size(); i++) {
      String arg = args.get(i);
      Parsed parsed = split(arg);
      Flag flag = parsed.flag();
      String value = parsed.inlineValue();
      if (value == null) {
        if (flag.bool) {
          value = "true";
        } else if (i + 1 < args.size()) {
          value = args.get(++i);
        } else {
          throw new InvalidSettingException(
              flag.display(), "flag " + flag.display() + " needs a value");
        }
      }
      values.put(flag, value);
    }
    CaptureConfig.Builder builder = CaptureConfig.istioDefaults();
    for (Map.Entry<Flag, String> entry : values.entrySet()) {
      apply(entry.getKey(), entry.getValue(), builder);
    }
    builder.ownerGroups(ownerGroups(values));
    return builder.build();
  }

  /** The flags that were given, for callers that must refuse some of them. */
  public static List<Flag> flagsIn(List<String> args) {
    List<Flag> flags = new ArrayList<>();
    for (int i = 0; i < args.size(); i++) {
      Parsed parsed = split(args.get(i));
      flags.add(parsed.flag());
      if (parsed.inlineValue() == null && !parsed.flag().bool) {
        i++;
      }
    }
    return flags;
  }

  private record Parsed(Flag flag, String inlineValue) {}

  private static Parsed split(String arg) {
    if (arg.startsWith("--") && arg.length() > 2) {
      int eq = arg.indexOf('=');
      String name = eq < 0 ? arg.substring(2) : arg.substring(2, eq);
      Flag flag =
          Arrays.stream(Flag.values())
              .filter(f -> f.longName.equals(name))
              .findFirst()
              .orElseThrow(() -> unknown(arg));
      return new Parsed(flag, eq < 0 ? null : arg.substring(eq + 1));
    }
    if (arg.startsWith("-") && arg.length() >= 2 && arg.charAt(1) != '-') {
      char name = arg.charAt(1);
      Flag flag =
          Arrays.stream(Flag.values())
              .filter(f -> f.shortName == name)
              .findFirst()
              .orElseThrow(() -> unknown(arg));
      String rest = arg.substring(2);
      if (rest.startsWith("=")) {
        rest = rest.substring(1);
      } else if (rest.isEmpty()) {
        rest = null;
      }
      return new Parsed(flag, rest);
    }
    throw new InvalidSettingException(
        printable(arg),
        "unexpected argument '"
            + printable(arg)
            + "' (istio-iptables flags take the form -b VALUE or --name=VALUE)");
  }

  private static InvalidSettingException unknown(String arg) {
    String name = printable(arg.contains("=") ? arg.substring(0, arg.indexOf('=')) : arg);
    String known = Arrays.stream(Flag.values()).map(Flag::display).collect(Collectors.joining(" "));
    return new InvalidSettingException(name, "unknown flag " + name + " (known: " + known + ")");
  }

  private static void apply(Flag flag, String value, CaptureConfig.Builder builder) {
    try {
      flag.apply.accept(builder, value);
    } catch (IllegalArgumentException e) {
      throw new InvalidSettingException(
          flag.display(),
          "flag " + flag.display() + " (--" + flag.longName + "): " + e.getMessage());
    }
  }

  private static OwnerGroups ownerGroups(Map<Flag, String> values) {
    String include = values.getOrDefault(Flag.OWNER_GROUPS, "*");
    String exclude = values.getOrDefault(Flag.OWNER_GROUPS_EXCLUDE, "");
    List<String> excluded = groups(Flag.OWNER_GROUPS_EXCLUDE, exclude);
    if (include.strip().equals("*")) {
      return new OwnerGroups(true, excluded);
    }
    List<String> included = groups(Flag.OWNER_GROUPS, include);
    if (included.size() > MAX_OWNER_GROUPS_INCLUDE) {
      throw new InvalidSettingException(
          Flag.OWNER_GROUPS.display(),
          "flag "
              + Flag.OWNER_GROUPS.display()
              + ": at most "
              + MAX_OWNER_GROUPS_INCLUDE
              + " groups, got "
              + included.size());
    }
    return new OwnerGroups(false, included);
  }

  private static List<String> groups(Flag flag, String value) {
    List<String> groups = new ArrayList<>();
    for (String item : value.split(",", -1)) {
      String group = item.strip();
      if (group.isEmpty()) {
        continue;
      }
      if (!GROUP.matcher(group).matches()) {
        throw new InvalidSettingException(
            flag.display(),
            "flag " + flag.display() + ": '" + printable(group) + "' is not a group name or gid");
      }
      groups.add(group);
    }
    return groups;
  }

  private static int port(String value) {
    return ValueLists.port(value);
  }

  private static List<Long> ids(String value) {
    List<Long> ids = ValueLists.idList(value);
    if (ids.isEmpty()) {
      throw new IllegalArgumentException("needs at least one uid/gid number");
    }
    return ids;
  }

  private static InterceptionMode mode(String value) {
    return switch (value.strip()) {
      case "", "REDIRECT" -> InterceptionMode.REDIRECT;
      case "TPROXY" -> InterceptionMode.TPROXY;
      default ->
          throw new IllegalArgumentException(
              "'"
                  + printable(value)
                  + "' is not REDIRECT or TPROXY (istio-iptables would silently treat it as REDIRECT)");
    };
  }

  private static PortSelection portSelection(String value) {
    return value.strip().equals("*")
        ? PortSelection.ALL
        : PortSelection.of(ValueLists.portList(value));
  }

  private static IpRanges ranges(String value) {
    return value.strip().equals("*") ? IpRanges.ALL : IpRanges.of(ValueLists.cidrs(value));
  }

  private static long routeTable(String value) {
    long table = ValueLists.id(value);
    if (table == 0 || (table >= 253 && table <= 255)) {
      throw new IllegalArgumentException(
          "'" + value.strip() + "' is a reserved routing table (0, 253-255)");
    }
    return table;
  }

  private static List<String> addresses(String value) {
    List<String> addresses = new ArrayList<>();
    for (String item : value.split(",", -1)) {
      String text = item.strip();
      if (text.isEmpty()) {
        continue;
      }
      Optional<IpAddress> ip = text.contains("/") ? Optional.empty() : IpAddress.parse(text);
      if (ip.isEmpty()) {
        throw new IllegalArgumentException("'" + printable(text) + "' is not an IP address");
      }
      // Istio writes the resolver as /etc/resolv.conf spells it.
      addresses.add(text);
    }
    return addresses;
  }

  /** Istio's own check: an IPv4 loopback CIDR with a mask of 8 to 32 bits. */
  private static String loopbackCidr(String value) {
    String cidr =
        Cidr.parse(value)
            .filter(c -> !Cidr.isIpv6(c) && c.startsWith("127."))
            .orElseThrow(
                () ->
                    new IllegalArgumentException(
                        "'" + printable(value) + "' is not an IPv4 loopback CIDR"));
    int bits = Integer.parseInt(cidr.substring(cidr.indexOf('/') + 1));
    if (bits < 8 || !value.contains("/")) {
      throw new IllegalArgumentException("'" + printable(value) + "' needs a mask of 8 to 32 bits");
    }
    return cidr;
  }

  private static boolean bool(String value) {
    return switch (value.strip()) {
      case "1", "t", "T", "true", "TRUE", "True" -> true;
      case "0", "f", "F", "false", "FALSE", "False" -> false;
      default ->
          throw new IllegalArgumentException("'" + printable(value) + "' is not true or false");
    };
  }

  private static String printable(String text) {
    String clean = text.replaceAll("\\p{Cntrl}", "?");
    return clean.length() > 64 ? clean.substring(0, 64) + "…" : clean;
  }
}

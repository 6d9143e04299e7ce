package io.telmesh.kube;

import io.telmesh.model.PortSet;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.SortedSet;
import java.util.TreeSet;

/**
 * Comma lists from annotations and istio-iptables flags, validated entry by entry: ports 1-65535,
 * interface names, CIDRs. The first bad entry rejects the whole value, so a half-read list never
 * turns into rules.
 */
public final class ValueLists {

  private ValueLists() {}

  /** {@code true} or {@code false}, any case, surrounding blanks ignored. */
  public static boolean bool(String value) {
    return switch (value.strip().toLowerCase(Locale.ROOT)) {
      case "true" -> true;
      case "false" -> false;
      default ->
          throw new IllegalArgumentException(
              "'" + NetworkStatusParser.printable(value) + "' is not true or false");
    };
  }

  public static SortedSet<Integer> ports(String value) {
    return new TreeSet<>(portList(value));
  }

  /**
   * Ports in the order given, duplicates kept: istio-iptables emits one rule per list entry, so
   * reproducing its output needs the list as written.
   */
  public static List<Integer> portList(String value) {
    List<Integer> ports = new ArrayList<>();
    for (String item : items(value)) {
      ports.add(port(item));
    }
    return ports;
  }

  /** {@code *} for every port, otherwise a port list; an empty value is no port at all. */
  public static PortSet portSet(String value) {
    if (value.strip().equals("*")) {
      return PortSet.ALL;
    }
    return PortSet.of(ports(value));
  }

  public static int port(String item) {
    String text = item.strip();
    if (!text.matches("\\d{1,5}") || !Syntax.isPort(Long.parseLong(text))) {
      throw new IllegalArgumentException(
          "'" + NetworkStatusParser.printable(text) + "' is not a port (1-65535)");
    }
    return Integer.parseInt(text);
  }

  public static SortedSet<String> interfaces(String value) {
    return new TreeSet<>(interfaceList(value));
  }

  /** Interface names in the order given, duplicates kept (see {@link #portList}). */
  public static List<String> interfaceList(String value) {
    List<String> names = new ArrayList<>();
    for (String item : items(value)) {
      if (!Syntax.isInterfaceName(item)) {
        throw new IllegalArgumentException(
            "'"
                + NetworkStatusParser.printable(item)
                + "' is not an interface name ([A-Za-z0-9_.-]{1,15})");
      }
      names.add(item);
    }
    return names;
  }

  public static List<String> cidrs(String value) {
    List<String> cidrs = new ArrayList<>();
    for (String item : items(value)) {
      cidrs.add(
          Cidr.parse(item)
              .orElseThrow(
                  () ->
                      new IllegalArgumentException(
                          "'" + NetworkStatusParser.printable(item) + "' is not a CIDR")));
    }
    return cidrs;
  }

  /** A non-negative uid or gid. */
  public static long id(String item) {
    String text = item.strip();
    if (!text.matches("\\d{1,10}") || Long.parseLong(text) > 4294967294L) {
      throw new IllegalArgumentException(
          "'" + NetworkStatusParser.printable(text) + "' is not a uid/gid number");
    }
    return Long.parseLong(text);
  }

  /** A comma list of uid/gid numbers, in the order given. */
  public static List<Long> idList(String value) {
    List<Long> ids = new ArrayList<>();
    for (String item : items(value)) {
      ids.add(id(item));
    }
    return ids;
  }

  private static List<String> items(String value) {
    List<String> items = new ArrayList<>();
    for (String item : value.split(",", -1)) {
      String trimmed = item.strip();
      if (!trimmed.isEmpty()) {
        items.add(trimmed);
      }
    }
    return items;
  }
}

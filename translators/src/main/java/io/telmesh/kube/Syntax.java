package io.telmesh.kube;

import java.util.regex.Pattern;

/** The syntax rules telmesh enforces on names and numbers taken from objects and flags. */
public final class Syntax {

  /** Linux interface names as iptables accepts them (IFNAMSIZ - 1). */
  private static final Pattern INTERFACE_NAME = Pattern.compile("^[A-Za-z0-9_.-]{1,15}$");

  private static final Pattern DNS_LABEL = Pattern.compile("^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$");

  /** Kubernetes DNS-1123 subdomain: dot-separated labels, at most 253 characters. */
  private static final Pattern DNS_SUBDOMAIN =
      Pattern.compile(
          "(?=.{1,253}$)[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*");

  /**
   * Kubernetes IANA_SVC_NAME: at most 15 characters, lowercase, digits and inner dashes, one
   * letter.
   */
  private static final Pattern IANA_SVC_NAME =
      Pattern.compile("^(?=.*[a-z])[a-z0-9]([a-z0-9-]{0,13}[a-z0-9])?$");

  private static final Pattern LABEL_NAME =
      Pattern.compile("[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?");
  private static final Pattern LABEL_VALUE =
      Pattern.compile("(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?");

  private Syntax() {}

  public static boolean isInterfaceName(String name) {
    return name != null && INTERFACE_NAME.matcher(name).matches();
  }

  public static boolean isDnsLabel(String name) {
    return name != null && DNS_LABEL.matcher(name).matches();
  }

  public static boolean isDnsSubdomain(String name) {
    return name != null && DNS_SUBDOMAIN.matcher(name).matches();
  }

  public static boolean isPortName(String name) {
    return name != null && IANA_SVC_NAME.matcher(name).matches() && !name.contains("--");
  }

  /**
   * A {@code key: value} a label selector may hold: an optionally prefixed label name and a label
   * value, as Kubernetes validates them.
   */
  public static boolean isLabel(String key, String value) {
    if (key == null || value == null) {
      return false;
    }
    int slash = key.indexOf('/');
    String name = slash < 0 ? key : key.substring(slash + 1);
    String prefix = slash < 0 ? "" : key.substring(0, slash);
    return (slash < 0 || isDnsSubdomain(prefix))
        && name.length() <= 63
        && LABEL_NAME.matcher(name).matches()
        && value.length() <= 63
        && LABEL_VALUE.matcher(value).matches();
  }

  public static boolean isPort(long port) {
    return port >= 1 && port <= 65535;
  }
}

package io.telmesh.model;

import java.util.Comparator;
import java.util.Map;
import java.util.Optional;

/**
 * Where an endpoint runs, as Istio and Envoy see it: region, zone and subzone, each empty when
 * unknown. {@link #UNKNOWN} (all empty) is a locality too: strict xDS clients need every endpoint
 * group to name one, even an empty one.
 */
public record Locality(String region, String zone, String subZone) implements Comparable<Locality> {

  /** Istio's pod label, {@code region/zone/subzone} (Kubernetes forces {@code .} in practice). */
  public static final String LABEL = "topology.istio.io/locality";

  /** Istio's older pod label, {@code region.zone.subzone}. */
  public static final String LEGACY_LABEL = "istio-locality";

  public static final Locality UNKNOWN = new Locality("", "", "");

  private static final Comparator<Locality> ORDER =
      Comparator.comparing(Locality::region)
          .thenComparing(Locality::zone)
          .thenComparing(Locality::subZone);

  public Locality {
    region = region == null ? "" : region;
    zone = zone == null ? "" : zone;
    subZone = subZone == null ? "" : subZone;
  }

  /** A locality known only by its zone (an EndpointSlice endpoint's {@code zone}). */
  public static Locality ofZone(String zone) {
    return zone == null || zone.isEmpty() ? UNKNOWN : new Locality("", zone, "");
  }

  /**
   * A locality label value as Istio reads it: {@code region/zone/subzone}, or, when it holds no
   * {@code /}, the same with {@code .} (Kubernetes label values cannot hold {@code /}). Missing
   * trailing parts are empty; parts beyond the third are ignored.
   */
  public static Locality parse(String value) {
    if (value == null || value.isEmpty()) {
      return UNKNOWN;
    }
    String separator = value.contains("/") ? "/" : "\\.";
    String[] parts = value.split(separator, -1);
    return new Locality(
        parts[0], parts.length > 1 ? parts[1] : "", parts.length > 2 ? parts[2] : "");
  }

  /**
   * The locality a pod's labels set, as Istio reads them: {@link #LABEL} when the pod carries it,
   * else {@link #LEGACY_LABEL}; empty when neither gives a value.
   */
  public static Optional<Locality> fromLabels(Map<String, String> labels) {
    String value = labels.containsKey(LABEL) ? labels.get(LABEL) : labels.get(LEGACY_LABEL);
    return value == null || value.isEmpty() ? Optional.empty() : Optional.of(parse(value));
  }

  public boolean isUnknown() {
    return region.isEmpty() && zone.isEmpty() && subZone.isEmpty();
  }

  @Override
  public int compareTo(Locality other) {
    return ORDER.compare(this, other);
  }

  /** {@code region/zone/subzone}, as Istio writes a locality. */
  @Override
  public String toString() {
    return region + "/" + zone + "/" + subZone;
  }
}

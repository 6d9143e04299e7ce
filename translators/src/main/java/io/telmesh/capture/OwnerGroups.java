package io.telmesh.capture;

import java.util.List;

/**
 * Which groups' outbound traffic is captured (Istio's {@code ISTIO_OUTBOUND_OWNER_GROUPS} and
 * {@code ISTIO_OUTBOUND_OWNER_GROUPS_EXCLUDE}): all groups except some, or only some.
 *
 * @param except true for "every group but {@code values}", false for "only {@code values}"
 * @param values group names or numeric gids, in the order given
 */
public record OwnerGroups(boolean except, List<String> values) {

  /** Istio's default: every group, none excepted. */
  public static final OwnerGroups ALL = new OwnerGroups(true, List.of());

  public OwnerGroups {
    values = List.copyOf(values);
  }
}

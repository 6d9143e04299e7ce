package io.telmesh.capture;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.util.JsonFormat;

/** How plans are printed: the restore payload with its routing as comments, or the plan as JSON. */
public final class PlanText {

  private PlanText() {}

  /**
   * The family's {@code iptables-restore} payload, then its policy-routing commands as {@code # ip
   * …} comment lines (which iptables-restore ignores, so the text can be piped to it).
   */
  public static String payload(CapturePlan plan, IpFamily family) {
    if (plan.config().isEmpty()) {
      return "# interception mode NONE: no capture rules\n";
    }
    StringBuilder text = new StringBuilder(plan.rules().restorePayload(family));
    for (IpCommand command : plan.routing(family)) {
      text.append("# ").append(command.text()).append('\n');
    }
    return text.toString();
  }

  /** The plan as {@code telmesh.v1.CapturePlan} JSON, every field shown. */
  public static String json(CapturePlan plan) {
    try {
      return JsonFormat.printer().includingDefaultValueFields().print(plan.toProto()) + "\n";
    } catch (InvalidProtocolBufferException e) {
      throw new IllegalStateException("a capture plan holds only telmesh.v1 messages", e);
    }
  }
}

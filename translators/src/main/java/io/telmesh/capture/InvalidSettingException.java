package io.telmesh.capture;

/**
 * A capture setting (an istio-iptables flag or a pod annotation) whose value telmesh refuses: no
 * rule is built from it. The message names the setting.
 */
public final class InvalidSettingException extends IllegalArgumentException {

  private static final long serialVersionUID = 1L;

  private final String setting;

  public InvalidSettingException(String setting, String message) {
    super(message);
    this.setting = setting;
  }

  /** The flag ({@code -b}) or annotation key at fault. */
  public String setting() {
    return setting;
  }
}

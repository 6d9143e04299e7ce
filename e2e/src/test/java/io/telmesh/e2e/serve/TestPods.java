package io.telmesh.e2e.serve;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;

/** Pods that tests add to a running mesh, from the test resources. */
public final class TestPods {

  private TestPods() {}

  /** {@code telco/pcf-0}: eth0 10.244.2.23, net1 192.168.50.23 on the signaling network, 3868. */
  public static String pcf() {
    try (InputStream in = TestPods.class.getResourceAsStream("/pcf-0.yaml")) {
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}

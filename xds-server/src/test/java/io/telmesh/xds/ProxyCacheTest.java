package io.telmesh.xds;

import static org.assertj.core.api.Assertions.assertThat;

import io.telmesh.snapshot.ProxySnapshot;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ProxyCacheTest {

  private static ProxySnapshot generation(long number) {
    return new ProxySnapshot(number, Instant.EPOCH, Map.of());
  }

  @Test
  void aSnapshotOfAnEarlierGenerationArrivingLastIsNeitherInstalledNorTold() {
    ProxyCache cache = new ProxyCache();
    List<Long> told = new ArrayList<>();
    cache.listen("amf", snapshot -> told.add(snapshot.generation()));

    assertThat(cache.setSnapshot("amf", generation(2))).isTrue();
    assertThat(cache.setSnapshot("amf", generation(1)))
        .as("a connecting proxy's push, overtaken by the next generation's")
        .isFalse();
    assertThat(cache.setSnapshot("amf", generation(2))).as("the same generation again").isTrue();
    assertThat(cache.setSnapshot("amf", generation(3))).isTrue();

    assertThat(cache.snapshot("amf").orElseThrow().generation()).isEqualTo(3);
    assertThat(told).containsExactly(2L, 2L, 3L);
  }
}

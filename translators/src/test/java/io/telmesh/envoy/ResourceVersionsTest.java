package io.telmesh.envoy;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.common.hash.Hasher;
import com.google.common.hash.Hashing;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.SortedMap;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

class ResourceVersionsTest {

  /** The definition of a set version: UTF-8 of each name and version, each ended by a zero byte. */
  private static String reference(List<String> namesAndVersions) {
    Hasher hasher = Hashing.murmur3_128().newHasher();
    for (String text : namesAndVersions) {
      hasher.putString(text, StandardCharsets.UTF_8).putByte((byte) 0);
    }
    return hasher.hash().toString().substring(0, 16);
  }

  @Test
  void aSetVersionHashesEveryStringAsUtf8EndedByAZeroWhateverItsCharactersOrLength() {
    String longName = "outbound|3868||" + "hss.".repeat(200) + "svc.cluster.local";
    SortedMap<String, String> versions = new TreeMap<>();
    versions.put("outbound|8080||amf.telco.svc.cluster.local", "0123456789abcdef");
    versions.put("outbound|8080||ñandú.telco.svc.cluster.local", "fedcba9876543210");
    versions.put(longName, "v");
    versions.put("", "");

    List<String> flat =
        versions.entrySet().stream()
            .flatMap(e -> List.of(e.getKey(), e.getValue()).stream())
            .toList();
    assertThat(longName.length()).isGreaterThan(256);
    assertThat(ResourceVersions.ofSet(versions)).isEqualTo(reference(flat));
  }

  @Test
  void aSetVersionTellsSetsApartByNameAndByVersion() {
    String one = ResourceVersions.newSet().add("a", "1").add("b", "2").finish();
    assertThat(ResourceVersions.newSet().add("a", "1").add("b", "2").finish()).isEqualTo(one);
    assertThat(ResourceVersions.newSet().add("a", "1").add("b", "3").finish()).isNotEqualTo(one);
    assertThat(ResourceVersions.newSet().add("a", "1").add("c", "2").finish()).isNotEqualTo(one);
    // the zero byte keeps "ab"+"c" apart from "a"+"bc"
    assertThat(ResourceVersions.newSet().add("ab", "c").finish())
        .isNotEqualTo(ResourceVersions.newSet().add("a", "bc").finish());
  }
}

package io.telmesh.xds;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.Any;
import com.google.protobuf.ByteString;
import com.google.protobuf.UnknownFieldSet;
import com.google.protobuf.util.Durations;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryResponse;
import io.grpc.Drainable;
import io.grpc.KnownLength;
import io.telmesh.resources.ResourceSegment;
import io.telmesh.resources.ResourceType;
import io.telmesh.snapshot.PreparedResource;
import io.telmesh.snapshot.PreparedSegment;
import io.telmesh.snapshot.SotwEntries;
import io.telmesh.snapshot.TypeSnapshot;
import io.telmesh.snapshot.TypeUrls;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A state-of-the-world response put together from entries encoded once must be, byte for byte, the
 * response protobuf would write: proxies parse it as a {@link DiscoveryResponse}, and a byte out of
 * place is a NACK or a proxy that never gets config.
 */
class EncodedResponseTest {

  private static final PreparedSegment SHARED =
      segment(cluster("outbound|80||a.telco.svc.cluster.local", 300), cluster("b", 1));
  private static final PreparedSegment OWN = segment(cluster("inbound|3868||", 2));

  @Test
  void aWildcardAnswerFromJoinedSegmentsIsTheBytesProtobufWrites() {
    TypeSnapshot snapshot = new TypeSnapshot(TypeUrls.CLUSTER, List.of(SHARED, OWN));

    EncodedResponse response =
        EncodedResponse.of(TypeUrls.CLUSTER, "v1", "n7", snapshot.everything().resources());

    assertThat(response.bytes())
        .isEqualTo(
            message(
                    TypeUrls.CLUSTER,
                    "v1",
                    "n7",
                    snapshot.all().stream().map(r -> r.any()).toList())
                .toByteString());
    assertThat(snapshot.everything().resources().count()).isEqualTo(3);
  }

  @Test
  void aNamedAnswerHoldsTheNamesThatExistInTheOrderAskedFor() throws IOException {
    TypeSnapshot snapshot = new TypeSnapshot(TypeUrls.CLUSTER, List.of(SHARED, OWN));

    SotwEntries selected = snapshot.select(List.of("b", "inbound|3868||", "missing")).resources();

    assertThat(DiscoveryResponse.parseFrom(selected.bytes()).getResourcesList())
        .containsExactly(snapshot.get("b").any(), snapshot.get("inbound|3868||").any());
    assertThat(selected.count()).isEqualTo(2);
  }

  /**
   * The entry's length prefixes change width at 128 and 16384 bytes, the type URL's too; an empty
   * value is left out of an {@code Any} altogether; fields protobuf does not know are kept.
   */
  @Test
  void entriesOfUnusualAnysAreTheBytesProtobufWrites() {
    List<Any> anys =
        List.of(
            Any.newBuilder().setTypeUrl(TypeUrls.CLUSTER).build(),
            Any.newBuilder().setTypeUrl(TypeUrls.CLUSTER).setValue(bytes(1)).build(),
            Any.newBuilder().setTypeUrl(TypeUrls.CLUSTER).setValue(bytes(127)).build(),
            Any.newBuilder().setTypeUrl(TypeUrls.CLUSTER).setValue(bytes(200)).build(),
            Any.newBuilder().setTypeUrl(TypeUrls.CLUSTER).setValue(bytes(20_000)).build(),
            Any.newBuilder().setTypeUrl("type.googleapis.com/" + "x".repeat(200)).build(),
            Any.newBuilder()
                .setTypeUrl(TypeUrls.CLUSTER)
                .setValue(bytes(300))
                .setUnknownFields(
                    UnknownFieldSet.newBuilder()
                        .addField(9, UnknownFieldSet.Field.newBuilder().addVarint(42).build())
                        .build())
                .build());
    List<PreparedResource> prepared =
        anys.stream().map(any -> new PreparedResource("r", any, "1")).toList();

    EncodedResponse response = EncodedResponse.of("t", "", "", SotwEntries.of(prepared));

    assertThat(response.bytes()).isEqualTo(message("t", "", "", anys).toByteString());
  }

  @Test
  void gRpcDrainsTheWholeResponseAndKnowsItsLengthFirst() throws IOException {
    EncodedResponse response = wildcard();
    InputStream stream = EncodedResponse.MARSHALLER.stream(response);

    assertThat(stream).isInstanceOf(Drainable.class).isInstanceOf(KnownLength.class);
    assertThat(stream.available()).isEqualTo(response.size());
    ByteArrayOutputStream drained = new ByteArrayOutputStream();
    assertThat(((Drainable) stream).drainTo(drained)).isEqualTo(response.size());
    assertThat(ByteString.copyFrom(drained.toByteArray())).isEqualTo(response.bytes());
    assertThat(stream.available()).isZero();
    assertThat(stream.read()).isEqualTo(-1);
  }

  @Test
  void aStreamReadInPartsAndThenDrainedGivesEveryByteOnce() throws IOException {
    EncodedResponse response = wildcard();
    InputStream stream = EncodedResponse.MARSHALLER.stream(response);
    ByteArrayOutputStream out = new ByteArrayOutputStream();

    out.write(stream.read());
    byte[] part = new byte[100];
    int read = stream.read(part, 3, 90);
    out.write(part, 3, read);
    ((Drainable) stream).drainTo(out);

    assertThat(read).isEqualTo(90);
    assertThat(ByteString.copyFrom(out.toByteArray())).isEqualTo(response.bytes());
    assertThat(
            EncodedResponse.MARSHALLER.parse(EncodedResponse.MARSHALLER.stream(response)).bytes())
        .isEqualTo(response.bytes());
  }

  private static EncodedResponse wildcard() {
    return EncodedResponse.of(
        TypeUrls.CLUSTER,
        "v1",
        "n1",
        new TypeSnapshot(TypeUrls.CLUSTER, List.of(SHARED, OWN)).everything().resources());
  }

  private static DiscoveryResponse message(
      String typeUrl, String version, String nonce, List<Any> resources) {
    return DiscoveryResponse.newBuilder()
        .setVersionInfo(version)
        .addAllResources(resources)
        .setTypeUrl(typeUrl)
        .setNonce(nonce)
        .build();
  }

  private static ByteString bytes(int size) {
    byte[] bytes = new byte[size];
    for (int i = 0; i < size; i++) {
      bytes[i] = (byte) (i * 31 + 7);
    }
    return ByteString.copyFrom(bytes);
  }

  /** A cluster whose name makes it as large as asked, so entries go over 128 bytes. */
  private static Cluster cluster(String name, int padding) {
    return Cluster.newBuilder()
        .setName(name)
        .setAltStatName("p".repeat(padding))
        .setConnectTimeout(Durations.fromSeconds(1))
        .build();
  }

  private static PreparedSegment segment(Cluster... clusters) {
    return PreparedSegment.prepare(ResourceSegment.of(ResourceType.CLUSTER, List.of(clusters)));
  }
}

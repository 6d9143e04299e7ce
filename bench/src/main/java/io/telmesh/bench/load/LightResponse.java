package io.telmesh.bench.load;

import com.google.protobuf.ByteString;
import com.google.protobuf.CodedInputStream;
import com.google.protobuf.WireFormat;
import io.grpc.MethodDescriptor;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A DiscoveryResponse or DeltaDiscoveryResponse read without materializing its resources: the
 * simulated sidecars only need the type, version, nonce, sizes and (delta) resource names and
 * versions, and parsing megabytes of config per client would make the harness, not the server, the
 * bottleneck. A client that finds its names in what it is sent keeps each resource's bytes,
 * unparsed until it reads its clusters and listeners ({@link DiscoveredNames}).
 */
record LightResponse(
    String typeUrl,
    String version,
    String nonce,
    int resources,
    Map<String, String> resourceVersions,
    List<String> removed,
    List<ByteString> bodies,
    long bytes) {

  /**
   * Field numbers: SotW version_info=1, resources=2, type_url=4, nonce=5; delta
   * system_version_info=1, resources=2 (Resource: name=3, version=1), type_url=4, nonce=5,
   * removed_resources=6.
   */
  static LightResponse parse(byte[] data, boolean delta, boolean keepBodies) throws IOException {
    CodedInputStream in = CodedInputStream.newInstance(data);
    String type = "";
    String version = "";
    String nonce = "";
    int resources = 0;
    Map<String, String> resourceVersions = new LinkedHashMap<>();
    List<String> removed = new ArrayList<>();
    List<ByteString> bodies = new ArrayList<>();
    while (true) {
      int tag = in.readTag();
      if (tag == 0) {
        break;
      }
      switch (WireFormat.getTagFieldNumber(tag)) {
        case 1 -> version = in.readString();
        case 2 -> {
          resources++;
          if (delta) {
            readResource(
                in.readBytes().newCodedInput(), resourceVersions, keepBodies ? bodies : null);
          } else if (keepBodies) {
            bodies.add(in.readBytes());
          } else {
            in.skipField(tag);
          }
        }
        case 4 -> type = in.readString();
        case 5 -> nonce = in.readString();
        case 6 -> removed.add(in.readString());
        default -> in.skipField(tag);
      }
    }
    return new LightResponse(
        type, version, nonce, resources, resourceVersions, removed, bodies, data.length);
  }

  /** A delta Resource: name=3, version=1, resource=2 (the Any kept in {@code bodies} if given). */
  private static void readResource(
      CodedInputStream resource, Map<String, String> into, List<ByteString> bodies)
      throws IOException {
    String name = "";
    String version = "";
    while (true) {
      int tag = resource.readTag();
      if (tag == 0) {
        into.put(name, version);
        return;
      }
      switch (WireFormat.getTagFieldNumber(tag)) {
        case 3 -> name = resource.readString();
        case 1 -> version = resource.readString();
        case 2 -> {
          if (bodies != null) {
            bodies.add(resource.readBytes());
          } else {
            resource.skipField(tag);
          }
        }
        default -> resource.skipField(tag);
      }
    }
  }

  /** {@code keepBodies}: keep each resource's Any, for a client that reads what it was sent. */
  static MethodDescriptor.Marshaller<LightResponse> marshaller(boolean delta, boolean keepBodies) {
    return new MethodDescriptor.Marshaller<>() {
      @Override
      public InputStream stream(LightResponse value) {
        throw new UnsupportedOperationException("client side only");
      }

      @Override
      public LightResponse parse(InputStream stream) {
        try {
          return LightResponse.parse(stream.readAllBytes(), delta, keepBodies);
        } catch (IOException e) {
          throw new UncheckedIOException(e);
        }
      }
    };
  }
}

package io.telmesh.snapshot;

import com.google.protobuf.Any;
import com.google.protobuf.ByteString;
import com.google.protobuf.CodedOutputStream;
import com.google.protobuf.UnsafeByteOperations;
import com.google.protobuf.WireFormat;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryResponse;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Collection;
import java.util.List;

/**
 * Entries of a state-of-the-world response's {@code resources} field, already in wire form. A
 * protobuf message's encoding may be cut between its fields, and a repeated field between its
 * entries, and put back together; so a resource's entry is encoded once, when it is prepared, a
 * segment's entries are joined once, and a response to each proxy joins its header to them instead
 * of serializing a thousand resources again. Joining makes a rope of the pieces: the resources'
 * bytes are never copied.
 *
 * @param count how many resources
 * @param bytes their entries, each the field's tag and length and the packed resource
 */
public record SotwEntries(int count, ByteString bytes) {

  public static final SotwEntries NONE = new SotwEntries(0, ByteString.EMPTY);

  /**
   * The entry of one packed resource. Its value is not copied: the entry is a few bytes of tags,
   * lengths and type URL, joined to the value the {@code Any} holds already.
   */
  static ByteString entry(Any any) {
    ByteString value = any.getValue();
    int anySize = any.getSerializedSize();
    Any typeOnly = Any.newBuilder().setTypeUrl(any.getTypeUrl()).build();
    int valueHeader =
        value.isEmpty()
            ? 0
            : CodedOutputStream.computeTagSize(Any.VALUE_FIELD_NUMBER)
                + CodedOutputStream.computeUInt32SizeNoTag(value.size());
    if (anySize != typeOnly.getSerializedSize() + valueHeader + value.size()) {
      // Fields beyond type URL and value (unknown ones): protobuf encodes the whole entry.
      return DiscoveryResponse.newBuilder().addResources(any).build().toByteString();
    }
    byte[] header =
        new byte
            [CodedOutputStream.computeTagSize(DiscoveryResponse.RESOURCES_FIELD_NUMBER)
                + CodedOutputStream.computeUInt32SizeNoTag(anySize)
                + typeOnly.getSerializedSize()
                + valueHeader];
    CodedOutputStream out = CodedOutputStream.newInstance(header);
    try {
      out.writeTag(DiscoveryResponse.RESOURCES_FIELD_NUMBER, WireFormat.WIRETYPE_LENGTH_DELIMITED);
      out.writeUInt32NoTag(anySize);
      typeOnly.writeTo(out);
      if (!value.isEmpty()) {
        out.writeTag(Any.VALUE_FIELD_NUMBER, WireFormat.WIRETYPE_LENGTH_DELIMITED);
        out.writeUInt32NoTag(value.size());
      }
      out.checkNoSpaceLeft();
    } catch (IOException e) {
      throw new UncheckedIOException("encoding into an array of its exact size", e);
    }
    return UnsafeByteOperations.unsafeWrap(header).concat(value); // the array is ours alone
  }

  /** These resources' entries, in order. */
  public static SotwEntries of(Collection<PreparedResource> resources) {
    return new SotwEntries(
        resources.size(),
        ByteString.copyFrom(resources.stream().map(PreparedResource::sotw).toList()));
  }

  /** Entries of several groups, one after the other (a balanced rope: nothing is copied). */
  static SotwEntries join(List<SotwEntries> groups) {
    int count = 0;
    for (SotwEntries group : groups) {
      count += group.count;
    }
    return new SotwEntries(
        count, ByteString.copyFrom(groups.stream().map(SotwEntries::bytes).toList()));
  }
}

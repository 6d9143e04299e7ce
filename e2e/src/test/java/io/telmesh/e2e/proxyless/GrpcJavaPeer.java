package io.telmesh.e2e.proxyless;

import com.google.protobuf.ByteString;
import com.google.protobuf.UnknownFieldSet;
import io.grpc.CallOptions;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.ClientCalls;
import io.grpc.xds.XdsChannelCredentials;
import java.io.BufferedReader;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import tools.jackson.databind.json.JsonMapper;

/**
 * grpc-java's xDS client driven like the grpc-go peer's client mode (same input lines, same JSON
 * answers), run in its own JVM inside the mesh namespace with {@code GRPC_XDS_BOOTSTRAP} set: the
 * second proxyless client, which must agree with grpc-go on who answers each target.
 */
public final class GrpcJavaPeer {

  /** grpc.testing's SimpleRequest with fill_server_id (field 9) set, as the Go peer sends it. */
  private static final byte[] FILL_SERVER_ID =
      UnknownFieldSet.newBuilder()
          .addField(9, UnknownFieldSet.Field.newBuilder().addVarint(1).build())
          .build()
          .toByteArray();

  private static final int SERVER_ID_FIELD = 4;

  private static final MethodDescriptor<byte[], byte[]> UNARY_CALL =
      MethodDescriptor.<byte[], byte[]>newBuilder()
          .setType(MethodDescriptor.MethodType.UNARY)
          .setFullMethodName("grpc.testing.TestService/UnaryCall")
          .setRequestMarshaller(new Bytes())
          .setResponseMarshaller(new Bytes())
          .build();

  private final long started = System.nanoTime();
  private final Map<String, ManagedChannel> channels = new HashMap<>();
  private long firstOkMs;

  private GrpcJavaPeer() {}

  public static void main(String[] args) throws IOException {
    // stdout carries the answers only: whatever a library prints goes to stderr.
    java.io.PrintStream answers = System.out;
    System.setOut(System.err);
    GrpcJavaPeer peer = new GrpcJavaPeer();
    JsonMapper json = JsonMapper.builder().build();
    BufferedReader in =
        new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
    for (String line = in.readLine(); line != null; line = in.readLine()) {
      String[] fields = line.trim().split("\\s+");
      Map<String, Object> result;
      if (fields.length != 4 || !fields[0].equals("call")) {
        result = Map.of("error", "want: call TARGET COUNT TIMEOUT_MS");
      } else {
        result = peer.call(fields[1], Integer.parseInt(fields[2]), Integer.parseInt(fields[3]));
      }
      answers.println(json.writeValueAsString(result));
      answers.flush();
    }
    peer.channels.values().forEach(ManagedChannel::shutdownNow);
  }

  private Map<String, Object> call(String target, int count, int timeoutMs) {
    ManagedChannel channel =
        channels.computeIfAbsent(
            target,
            t ->
                Grpc.newChannelBuilder(
                        t, XdsChannelCredentials.create(InsecureChannelCredentials.create()))
                    .build());
    Map<String, Integer> servers = new TreeMap<>();
    Map<String, Integer> errors = new TreeMap<>();
    for (int i = 0; i < count; i++) {
      try {
        byte[] response =
            ClientCalls.blockingUnaryCall(
                channel,
                UNARY_CALL,
                CallOptions.DEFAULT
                    .withWaitForReady()
                    .withDeadlineAfter(timeoutMs, TimeUnit.MILLISECONDS),
                FILL_SERVER_ID);
        if (firstOkMs == 0) {
          firstOkMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);
        }
        servers.merge(serverId(response), 1, Integer::sum);
      } catch (StatusRuntimeException e) {
        Status status = e.getStatus();
        errors.merge(status.getCode() + ": " + status.getDescription(), 1, Integer::sum);
      }
    }
    Map<String, Object> result = new LinkedHashMap<>();
    result.put("target", target);
    result.put("servers", servers);
    result.put("errors", errors);
    result.put("first_ok_ms", firstOkMs);
    result.put("state", channel.getState(false).toString());
    return result;
  }

  /** SimpleResponse's server_id, read with protobuf's own wire-format parser. */
  private static String serverId(byte[] response) {
    try {
      UnknownFieldSet fields = UnknownFieldSet.parseFrom(response);
      return fields.hasField(SERVER_ID_FIELD)
          ? fields.getField(SERVER_ID_FIELD).getLengthDelimitedList().stream()
              .map(ByteString::toStringUtf8)
              .findFirst()
              .orElse("")
          : "";
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static final class Bytes implements MethodDescriptor.Marshaller<byte[]> {
    @Override
    public InputStream stream(byte[] value) {
      return new ByteArrayInputStream(value);
    }

    @Override
    public byte[] parse(InputStream stream) {
      try {
        return stream.readAllBytes();
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
  }
}

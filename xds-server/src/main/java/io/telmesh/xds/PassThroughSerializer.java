package io.telmesh.xds;

import com.google.protobuf.Any;
import com.google.protobuf.Message;
import io.envoyproxy.controlplane.cache.Resources.ApiVersion;
import io.envoyproxy.controlplane.server.serializer.ProtoResourcesSerializer;
import io.telmesh.envoy.Protos;
import io.telmesh.snapshot.PreparedResource;

/**
 * telmesh hands the library resources already packed ({@link PreparedResource#any()}), so
 * serializing is a no-op and every stream sends the same bytes. (The library's default serializer
 * re-packs each resource for each stream.)
 */
final class PassThroughSerializer implements ProtoResourcesSerializer {

  @Override
  public Any serialize(Message resource, ApiVersion apiVersion) {
    return resource instanceof Any any ? any : Protos.pack(resource);
  }
}

package io.telmesh.validate;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.Any;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager;
import io.envoyproxy.envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy;
import io.telmesh.envoy.Protos;
import org.junit.jupiter.api.Test;

class UnpackedTest {

  private static final TcpProxy PROXY =
      TcpProxy.newBuilder().setStatPrefix("inbound|3868||").setCluster("inbound|3868||").build();

  @Test
  void readsTheContentAsItsType() {
    assertThat(Unpacked.as(Protos.pack(PROXY), TcpProxy.class)).contains(PROXY);
  }

  @Test
  void anotherTypeOrBadBytesReadAsNothing() {
    assertThat(Unpacked.as(Protos.pack(PROXY), HttpConnectionManager.class)).isEmpty();
    Any broken =
        Protos.pack(PROXY).toBuilder()
            .setValue(com.google.protobuf.ByteString.copyFrom(new byte[] {(byte) 0xff}))
            .build();
    assertThat(Unpacked.as(broken, TcpProxy.class)).isEmpty();
  }

  /**
   * Any.unpack hands back the one message it keeps inside the Any; a plain parse leaves the Any as
   * it was, so each read is a new object that goes when the reader is done with it.
   */
  @Test
  void keepsNothingInsideTheAny() {
    Any any = Protos.pack(PROXY);
    TcpProxy one = Unpacked.as(any, TcpProxy.class).orElseThrow();
    TcpProxy two = Unpacked.as(any, TcpProxy.class).orElseThrow();
    assertThat(one).isEqualTo(two).isNotSameAs(two);
  }
}

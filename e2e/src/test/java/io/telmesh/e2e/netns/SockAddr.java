package io.telmesh.e2e.netns;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/** An IPv4 {@code sockaddr_in}: family in host order, port and address in network order. */
record SockAddr(String address, int port) {

  static final int LENGTH = 16;

  byte[] encode() {
    try {
      byte[] ip = InetAddress.getByName(address).getAddress();
      ByteBuffer buffer = ByteBuffer.allocate(LENGTH);
      buffer.order(ByteOrder.LITTLE_ENDIAN).putShort((short) Libc.AF_INET);
      buffer.order(ByteOrder.BIG_ENDIAN).putShort((short) port).put(ip);
      return buffer.array();
    } catch (UnknownHostException e) {
      throw new IllegalArgumentException("not an IPv4 literal: " + address, e);
    }
  }

  static SockAddr decode(byte[] raw) {
    int port = ((raw[2] & 0xff) << 8) | (raw[3] & 0xff);
    String address =
        (raw[4] & 0xff) + "." + (raw[5] & 0xff) + "." + (raw[6] & 0xff) + "." + (raw[7] & 0xff);
    return new SockAddr(address, port);
  }

  @Override
  public String toString() {
    return address + ":" + port;
  }
}

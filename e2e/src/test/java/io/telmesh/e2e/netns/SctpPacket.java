package io.telmesh.e2e.netns;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.concurrent.ThreadLocalRandom;
import java.util.zip.CRC32C;

/**
 * An SCTP packet holding one INIT chunk, built by hand because the kernel under test has no SCTP
 * sockets. With a correct CRC32c (stored little-endian, as the kernel computes it) conntrack sees a
 * NEW association; with a wrong one, an INVALID packet.
 */
final class SctpPacket {

  static final int LENGTH = 32;

  private SctpPacket() {}

  static byte[] init(int sourcePort, int destinationPort, boolean validChecksum) {
    ByteBuffer packet = ByteBuffer.allocate(LENGTH).order(ByteOrder.BIG_ENDIAN);
    packet.putShort((short) sourcePort).putShort((short) destinationPort);
    packet.putInt(0); // verification tag: 0 in an INIT
    packet.putInt(0); // checksum, filled in below
    packet.put((byte) 1).put((byte) 0).putShort((short) 20); // INIT, no flags, chunk length
    packet.putInt(ThreadLocalRandom.current().nextInt(1, Integer.MAX_VALUE)); // initiate tag
    packet.putInt(65535); // advertised receiver window
    packet.putShort((short) 10).putShort((short) 10); // outbound and inbound streams
    packet.putInt(1); // initial TSN
    byte[] bytes = packet.array();
    CRC32C crc = new CRC32C();
    crc.update(bytes);
    int checksum = (int) crc.getValue() ^ (validChecksum ? 0 : 0x5a5a5a5a);
    ByteBuffer.wrap(bytes, 8, 4).order(ByteOrder.LITTLE_ENDIAN).putInt(checksum);
    return bytes;
  }
}

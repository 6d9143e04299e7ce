package io.telmesh.e2e.netns;

import com.sun.jna.LastErrorException;
import com.sun.jna.ptr.IntByReference;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * The helper a test starts inside a network namespace ({@code ip netns exec NS java … NetnsAgent}),
 * since a JVM cannot change its own namespace. It reads one command per line on stdin and answers
 * {@code OK …} or {@code ERR …}; listeners report what they receive as {@code EVENT …} lines:
 *
 * <pre>
 * LISTEN_TCP port                 EVENT tcp listen=P local=A:P peer=A:P orig=A:P|none token=T
 * LISTEN_UDP address port         EVENT udp bound=A:P peer=A:P token=T
 * LISTEN_SCTP                     EVENT sctp src=A dst=A sport=P dport=P chunk=N
 * CONNECT address port token fsuid   (OK reply=…; the socket is created with that fsuid/fsgid)
 * SEND_UDP address port token
 * SEND_SCTP address sport dport valid|badcrc
 * </pre>
 *
 * TCP listeners set {@code IP_TRANSPARENT} (so TPROXY can hand them connections) and report the
 * {@code SO_ORIGINAL_DST} of each connection when NAT rewrote it.
 */
public final class NetnsAgent {

  private static final Libc C = Libc.C;
  private static final PrintStream OUT = new PrintStream(System.out, true, StandardCharsets.UTF_8);
  private static final int TIMEOUT_SECONDS = 5;

  private NetnsAgent() {}

  public static void main(String[] args) throws Exception {
    BufferedReader in =
        new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
    say("READY");
    String line;
    while ((line = in.readLine()) != null) {
      String[] words = line.strip().split(" ");
      try {
        say("OK " + handle(words));
      } catch (LastErrorException e) {
        say("ERR errno=" + e.getErrorCode() + " " + e.getMessage());
      } catch (Exception e) {
        say("ERR " + e);
      }
    }
    System.exit(0);
  }

  private static String handle(String[] w) throws Exception {
    return switch (w[0]) {
      case "LISTEN_TCP" -> listenTcp(Integer.parseInt(w[1]));
      case "LISTEN_UDP" -> listenUdp(w[1], Integer.parseInt(w[2]));
      case "LISTEN_SCTP" -> listenSctp();
      case "CONNECT" -> connect(w[1], Integer.parseInt(w[2]), w[3], Integer.parseInt(w[4]));
      case "SEND_UDP" -> sendUdp(w[1], Integer.parseInt(w[2]), w[3]);
      case "SEND_SCTP" ->
          sendSctp(w[1], Integer.parseInt(w[2]), Integer.parseInt(w[3]), w[4].equals("valid"));
      default -> throw new IllegalArgumentException("unknown command " + w[0]);
    };
  }

  private static synchronized void say(String line) {
    OUT.println(line);
  }

  private static byte[] intOption(int value) {
    return new byte[] {
      (byte) value, (byte) (value >> 8), (byte) (value >> 16), (byte) (value >> 24)
    };
  }

  /** A {@code struct timeval} of whole seconds. */
  private static byte[] seconds(int seconds) {
    byte[] timeval = new byte[16];
    timeval[0] = (byte) seconds;
    return timeval;
  }

  private static void timeouts(int fd) {
    C.setsockopt(fd, Libc.SOL_SOCKET, Libc.SO_RCVTIMEO, seconds(TIMEOUT_SECONDS), 16);
    C.setsockopt(fd, Libc.SOL_SOCKET, Libc.SO_SNDTIMEO, seconds(TIMEOUT_SECONDS), 16);
  }

  private static String listenTcp(int port) {
    int fd = C.socket(Libc.AF_INET, Libc.SOCK_STREAM, 0);
    C.setsockopt(fd, Libc.SOL_SOCKET, Libc.SO_REUSEADDR, intOption(1), 4);
    C.setsockopt(fd, Libc.SOL_IP, Libc.IP_TRANSPARENT, intOption(1), 4);
    C.bind(fd, new SockAddr("0.0.0.0", port).encode(), SockAddr.LENGTH);
    C.listen(fd, 64);
    Thread accepting = new Thread(() -> acceptLoop(fd, port), "tcp-" + port);
    accepting.setDaemon(true);
    accepting.start();
    return "listening tcp " + port;
  }

  private static void acceptLoop(int listener, int port) {
    while (true) {
      int fd;
      try {
        fd = C.accept(listener, new byte[SockAddr.LENGTH], new IntByReference(SockAddr.LENGTH));
      } catch (LastErrorException e) {
        say("EVENT error listen=" + port + " accept errno=" + e.getErrorCode());
        return;
      }
      try {
        timeouts(fd);
        String token = readLine(fd);
        String local = address(fd, true);
        String peer = address(fd, false);
        String orig;
        try {
          byte[] raw = new byte[SockAddr.LENGTH];
          C.getsockopt(
              fd, Libc.SOL_IP, Libc.SO_ORIGINAL_DST, raw, new IntByReference(SockAddr.LENGTH));
          orig = SockAddr.decode(raw).toString();
        } catch (LastErrorException e) {
          orig = "none"; // not NATed (TPROXY, or a direct connection)
        }
        byte[] reply = ("ok " + port + "\n").getBytes(StandardCharsets.US_ASCII);
        C.send(fd, reply, reply.length, 0);
        say(
            "EVENT tcp listen="
                + port
                + " local="
                + local
                + " peer="
                + peer
                + " orig="
                + orig
                + " token="
                + token);
      } catch (LastErrorException e) {
        say("EVENT error listen=" + port + " errno=" + e.getErrorCode());
      } finally {
        C.close(fd);
      }
    }
  }

  private static String address(int fd, boolean local) {
    byte[] raw = new byte[SockAddr.LENGTH];
    IntByReference length = new IntByReference(SockAddr.LENGTH);
    if (local) {
      C.getsockname(fd, raw, length);
    } else {
      C.getpeername(fd, raw, length);
    }
    return SockAddr.decode(raw).toString();
  }

  private static String readLine(int fd) {
    StringBuilder text = new StringBuilder();
    byte[] one = new byte[1];
    while (text.length() < 200) {
      long n = C.recv(fd, one, 1, 0);
      if (n <= 0 || one[0] == '\n') {
        break;
      }
      text.append((char) one[0]);
    }
    return text.toString();
  }

  private static String connect(String address, int port, String token, int fsuid) {
    // The owner match sees the credentials the socket was created with: create it as fsuid.
    C.setfsgid(fsuid);
    C.setfsuid(fsuid);
    int fd;
    try {
      fd = C.socket(Libc.AF_INET, Libc.SOCK_STREAM, 0);
    } finally {
      C.setfsuid(0);
      C.setfsgid(0);
    }
    try {
      timeouts(fd);
      C.connect(fd, new SockAddr(address, port).encode(), SockAddr.LENGTH);
      byte[] line = (token + "\n").getBytes(StandardCharsets.US_ASCII);
      C.send(fd, line, line.length, 0);
      return "reply=" + readLine(fd).replace(' ', '_');
    } finally {
      C.close(fd);
    }
  }

  private static String listenUdp(String address, int port) throws Exception {
    DatagramSocket socket =
        new DatagramSocket(new InetSocketAddress(InetAddress.getByName(address), port));
    Thread receiving =
        new Thread(
            () -> {
              byte[] buffer = new byte[512];
              while (true) {
                DatagramPacket packet = new DatagramPacket(buffer, buffer.length);
                try {
                  socket.receive(packet);
                } catch (Exception e) {
                  say("EVENT error udp " + e);
                  return;
                }
                String token =
                    new String(packet.getData(), 0, packet.getLength(), StandardCharsets.US_ASCII);
                say(
                    "EVENT udp bound="
                        + address
                        + ":"
                        + port
                        + " peer="
                        + packet.getAddress().getHostAddress()
                        + ":"
                        + packet.getPort()
                        + " token="
                        + token);
              }
            },
            "udp-" + port);
    receiving.setDaemon(true);
    receiving.start();
    return "listening udp " + address + ":" + port;
  }

  private static String sendUdp(String address, int port, String token) throws Exception {
    try (DatagramSocket socket = new DatagramSocket()) {
      byte[] payload = token.getBytes(StandardCharsets.US_ASCII);
      socket.send(
          new DatagramPacket(payload, payload.length, InetAddress.getByName(address), port));
    }
    return "sent";
  }

  private static String listenSctp() {
    int fd = C.socket(Libc.AF_INET, Libc.SOCK_RAW, Libc.IPPROTO_SCTP);
    Thread receiving =
        new Thread(
            () -> {
              byte[] buffer = new byte[2048];
              while (true) {
                long n;
                try {
                  n =
                      C.recvfrom(
                          fd,
                          buffer,
                          buffer.length,
                          0,
                          new byte[SockAddr.LENGTH],
                          new IntByReference(SockAddr.LENGTH));
                } catch (LastErrorException e) {
                  say("EVENT error sctp errno=" + e.getErrorCode());
                  return;
                }
                byte[] packet = Arrays.copyOf(buffer, (int) n);
                int header = (packet[0] & 0x0f) * 4;
                String src =
                    (packet[12] & 0xff)
                        + "."
                        + (packet[13] & 0xff)
                        + "."
                        + (packet[14] & 0xff)
                        + "."
                        + (packet[15] & 0xff);
                String dst =
                    (packet[16] & 0xff)
                        + "."
                        + (packet[17] & 0xff)
                        + "."
                        + (packet[18] & 0xff)
                        + "."
                        + (packet[19] & 0xff);
                int sport = ((packet[header] & 0xff) << 8) | (packet[header + 1] & 0xff);
                int dport = ((packet[header + 2] & 0xff) << 8) | (packet[header + 3] & 0xff);
                int chunk = packet[header + 12] & 0xff;
                say(
                    "EVENT sctp src="
                        + src
                        + " dst="
                        + dst
                        + " sport="
                        + sport
                        + " dport="
                        + dport
                        + " chunk="
                        + chunk);
              }
            },
            "sctp");
    receiving.setDaemon(true);
    receiving.start();
    return "listening sctp";
  }

  private static String sendSctp(
      String address, int sourcePort, int destinationPort, boolean valid) {
    int fd = C.socket(Libc.AF_INET, Libc.SOCK_RAW, Libc.IPPROTO_SCTP);
    try {
      byte[] packet = SctpPacket.init(sourcePort, destinationPort, valid);
      C.sendto(fd, packet, packet.length, 0, new SockAddr(address, 0).encode(), SockAddr.LENGTH);
      return "sent sctp " + sourcePort + ">" + destinationPort;
    } finally {
      C.close(fd);
    }
  }
}

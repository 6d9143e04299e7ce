package io.telmesh.e2e.netns;

import com.sun.jna.LastErrorException;
import com.sun.jna.Library;
import com.sun.jna.Native;
import com.sun.jna.ptr.IntByReference;

/**
 * The libc socket calls the JDK does not expose: {@code SO_ORIGINAL_DST}, {@code IP_TRANSPARENT},
 * raw IP sockets, and a per-thread filesystem uid for the socket owner match (x86-64 Linux).
 */
interface Libc extends Library {

  Libc C = Native.load("c", Libc.class);

  int AF_INET = 2;
  int SOCK_STREAM = 1;
  int SOCK_RAW = 3;
  int IPPROTO_SCTP = 132;
  int SOL_SOCKET = 1;
  int SO_REUSEADDR = 2;
  int SO_RCVTIMEO = 20;
  int SO_SNDTIMEO = 21;
  int SOL_IP = 0;
  int IP_TRANSPARENT = 19;
  int SO_ORIGINAL_DST = 80;

  int socket(int domain, int type, int protocol) throws LastErrorException;

  int setsockopt(int fd, int level, int name, byte[] value, int length) throws LastErrorException;

  int getsockopt(int fd, int level, int name, byte[] value, IntByReference length)
      throws LastErrorException;

  int bind(int fd, byte[] address, int length) throws LastErrorException;

  int listen(int fd, int backlog) throws LastErrorException;

  int accept(int fd, byte[] address, IntByReference length) throws LastErrorException;

  int connect(int fd, byte[] address, int length) throws LastErrorException;

  int getsockname(int fd, byte[] address, IntByReference length) throws LastErrorException;

  int getpeername(int fd, byte[] address, IntByReference length) throws LastErrorException;

  long send(int fd, byte[] buffer, long length, int flags) throws LastErrorException;

  long recv(int fd, byte[] buffer, long length, int flags) throws LastErrorException;

  long sendto(int fd, byte[] buffer, long length, int flags, byte[] address, int addressLength)
      throws LastErrorException;

  long recvfrom(
      int fd, byte[] buffer, long length, int flags, byte[] address, IntByReference addressLength)
      throws LastErrorException;

  int close(int fd);

  /**
   * Per thread; the socket owner match reads the fsuid of the credentials a socket was created
   * with.
   */
  int setfsuid(int uid);

  int setfsgid(int gid);
}

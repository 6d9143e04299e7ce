package io.telmesh.source;

import java.io.FilterReader;
import java.io.IOException;
import java.io.Reader;
import java.nio.charset.CharacterCodingException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;

/**
 * A manifest file's text as the YAML parser pulls it, with two guards: reading stops with an error
 * once the parse has taken longer than its limit (the YAML reader pulls text in small chunks as it
 * goes, so a pathological file is abandoned within a chunk of the limit rather than parsed for
 * minutes), and bytes that are not UTF-8 are an error in words rather than the decoder's.
 */
final class GuardedReader extends FilterReader {

  private final Clock clock;
  private final Duration limit;
  private final Instant deadline;
  private long chars;

  GuardedReader(Reader in, Clock clock, Duration limit) {
    super(in);
    this.clock = clock;
    this.limit = limit;
    this.deadline = clock.instant().plus(limit);
  }

  @Override
  public int read() throws IOException {
    char[] one = new char[1];
    return read(one, 0, 1) < 0 ? -1 : one[0];
  }

  @Override
  public int read(char[] buffer, int offset, int length) throws IOException {
    if (clock.instant().isAfter(deadline)) {
      throw new IOException(
          "parsing took longer than "
              + limit.toMillis()
              + " ms (serve --max-manifest-parse-time), "
              + chars
              + " characters in; abandoned");
    }
    try {
      int read = super.read(buffer, offset, length);
      chars += Math.max(0, read);
      return read;
    } catch (CharacterCodingException e) {
      throw new IOException("not UTF-8 text (a bad byte after character " + chars + ")", e);
    }
  }
}

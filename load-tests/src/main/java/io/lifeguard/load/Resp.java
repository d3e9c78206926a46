package io.lifeguard.load;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * A minimal RESP2 client over one socket: enough to SET tokens, PUBLISH and PSUBSCRIBE for the
 * bridge scenario without a Redis library. Not thread-safe; one owner thread per instance.
 */
final class Resp implements AutoCloseable {
  private final Socket socket;
  private final InputStream in;
  private final OutputStream out;

  Resp(int port) {
    try {
      socket = new Socket(InetAddress.getByName(LocalNode.HOST), port);
      socket.setTcpNoDelay(true);
      in = new BufferedInputStream(socket.getInputStream(), 64 * 1024);
      out = new BufferedOutputStream(socket.getOutputStream(), 64 * 1024);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Sends a command and returns its reply. */
  Object call(String... args) {
    write(args);
    flush();
    return read();
  }

  void write(String... args) {
    try {
      out.write(("*" + args.length + "\r\n").getBytes(StandardCharsets.US_ASCII));
      for (String arg : args) {
        byte[] bytes = arg.getBytes(StandardCharsets.UTF_8);
        out.write(("$" + bytes.length + "\r\n").getBytes(StandardCharsets.US_ASCII));
        out.write(bytes);
        out.write('\r');
        out.write('\n');
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  void flush() {
    try {
      out.flush();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  boolean hasBufferedInput() {
    try {
      return in.available() > 0;
    } catch (IOException e) {
      return false;
    }
  }

  /** Reads one reply: String for simple and bulk strings, Long, List, or an exception for errors. */
  Object read() {
    try {
      int type = in.read();
      if (type < 0) throw new IOException("connection closed");
      String line = readLine();
      return switch (type) {
        case '+' -> line;
        case '-' -> throw new IllegalStateException("redis: " + line);
        case ':' -> Long.parseLong(line);
        case '$' -> {
          int length = Integer.parseInt(line);
          if (length < 0) yield null;
          byte[] bytes = in.readNBytes(length);
          in.readNBytes(2);
          yield new String(bytes, StandardCharsets.UTF_8);
        }
        case '*' -> {
          int count = Integer.parseInt(line);
          List<Object> items = new ArrayList<>();
          for (int i = 0; i < count; i++) items.add(read());
          yield items;
        }
        default -> throw new IOException("unexpected RESP type " + (char) type);
      };
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private String readLine() throws IOException {
    StringBuilder line = new StringBuilder();
    int c;
    while ((c = in.read()) != '\r') {
      if (c < 0) throw new IOException("connection closed");
      line.append((char) c);
    }
    in.read();
    return line.toString();
  }

  @Override
  public void close() {
    try {
      socket.close();
    } catch (IOException e) {
      // already closed
    }
  }
}

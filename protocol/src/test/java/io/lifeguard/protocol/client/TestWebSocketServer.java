package io.lifeguard.protocol.client;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A deliberately tiny RFC 6455 server for tests: loopback only, at most {@link #MAX_CONNECTIONS}
 * connections, one thread per connection running a scripted {@link Handler}. Supports the
 * upgrade, binary/text/continuation frames, ping and close; no extensions.
 */
final class TestWebSocketServer implements AutoCloseable {
  static final int MAX_CONNECTIONS = 16;
  private static final String GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";

  interface Handler {
    void handle(Connection connection) throws Exception;
  }

  private final ServerSocket serverSocket;
  private final List<Connection> connections = new CopyOnWriteArrayList<>();
  private final AtomicInteger accepted = new AtomicInteger();
  private final Thread acceptor;

  TestWebSocketServer(Handler handler) throws IOException {
    serverSocket = new ServerSocket(0, 16, InetAddress.getLoopbackAddress());
    acceptor = new Thread(() -> acceptLoop(handler), "test-ws-accept");
    acceptor.setDaemon(true);
    acceptor.start();
  }

  URI uri() {
    return URI.create("ws://127.0.0.1:" + serverSocket.getLocalPort() + "/ws");
  }

  int acceptedConnections() {
    return accepted.get();
  }

  private void acceptLoop(Handler handler) {
    while (!serverSocket.isClosed()) {
      try {
        Socket socket = serverSocket.accept();
        if (accepted.incrementAndGet() > MAX_CONNECTIONS) {
          socket.close();
          continue;
        }
        Connection connection = new Connection(socket);
        connections.add(connection);
        Thread worker = new Thread(() -> connection.run(handler), "test-ws-conn");
        worker.setDaemon(true);
        worker.start();
      } catch (IOException e) {
        return;
      }
    }
  }

  @Override
  public void close() throws IOException {
    serverSocket.close();
    for (Connection connection : connections) {
      connection.closeSocket();
    }
  }

  /** One accepted connection; read and write from the handler thread. */
  static final class Connection {
    private final Socket socket;
    private DataInputStream in;
    private OutputStream out;
    volatile int receivedCloseCode = -1;

    Connection(Socket socket) {
      this.socket = socket;
    }

    private void run(Handler handler) {
      try (socket) {
        socket.setSoTimeout(20_000);
        in = new DataInputStream(socket.getInputStream());
        out = socket.getOutputStream();
        upgrade();
        handler.handle(this);
      } catch (Exception e) {
        // the client went away or the script ended; the test asserts on what it saw
      }
    }

    private void upgrade() throws IOException, NoSuchAlgorithmException {
      String key = null;
      for (String line = readLine(in); !line.isEmpty(); line = readLine(in)) {
        int colon = line.indexOf(':');
        if (colon > 0
            && line.substring(0, colon).trim().toLowerCase(Locale.ROOT).equals("sec-websocket-key")) {
          key = line.substring(colon + 1).trim();
        }
      }
      if (key == null) {
        throw new IOException("not a WebSocket upgrade");
      }
      byte[] digest =
          MessageDigest.getInstance("SHA-1").digest((key + GUID).getBytes(StandardCharsets.US_ASCII));
      String response =
          "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
              + "Sec-WebSocket-Accept: " + Base64.getEncoder().encodeToString(digest) + "\r\n\r\n";
      out.write(response.getBytes(StandardCharsets.US_ASCII));
      out.flush();
    }

    private static String readLine(InputStream in) throws IOException {
      StringBuilder line = new StringBuilder();
      for (int c = in.read(); c != '\n'; c = in.read()) {
        if (c < 0) {
          throw new EOFException();
        }
        if (c != '\r') {
          line.append((char) c);
        }
        if (line.length() > 8192) {
          throw new IOException("header line too long");
        }
      }
      return line.toString();
    }

    /** Next whole binary message; null when the client closed (code in receivedCloseCode). */
    byte[] readBinary() throws IOException {
      ByteArrayOutputStream message = new ByteArrayOutputStream();
      while (true) {
        int first = in.readUnsignedByte();
        int second = in.readUnsignedByte();
        boolean fin = (first & 0x80) != 0;
        int opcode = first & 0x0F;
        long length = second & 0x7F;
        if (length == 126) {
          length = in.readUnsignedShort();
        } else if (length == 127) {
          length = in.readLong();
        }
        if (length > 1 << 20) {
          throw new IOException("frame too large for the test server");
        }
        byte[] mask = new byte[4];
        if ((second & 0x80) != 0) {
          in.readFully(mask);
        }
        byte[] payload = new byte[(int) length];
        in.readFully(payload);
        for (int i = 0; i < payload.length; i++) {
          payload[i] ^= mask[i % 4];
        }
        switch (opcode) {
          case 0x8:
            receivedCloseCode =
                payload.length >= 2 ? ((payload[0] & 0xFF) << 8) | (payload[1] & 0xFF) : 1005;
            return null;
          case 0x9:
            writeFrame(0x8A, payload);
            continue;
          case 0xA:
            continue;
          default:
            message.write(payload);
            if (fin) {
              return message.toByteArray();
            }
        }
      }
    }

    synchronized void sendBinary(byte[] message) throws IOException {
      writeFrame(0x82, message);
    }

    /** Sends one binary message split into frames of at most {@code partSize} bytes. */
    synchronized void sendFragmented(byte[] message, int partSize) throws IOException {
      for (int offset = 0; offset < message.length; offset += partSize) {
        boolean first = offset == 0;
        boolean last = offset + partSize >= message.length;
        int header = (last ? 0x80 : 0) | (first ? 0x2 : 0x0);
        byte[] part =
            java.util.Arrays.copyOfRange(message, offset, Math.min(message.length, offset + partSize));
        writeFrame(header, part);
      }
    }

    synchronized void sendText(String text) throws IOException {
      writeFrame(0x81, text.getBytes(StandardCharsets.UTF_8));
    }

    synchronized void sendClose(int code, String reason) throws IOException {
      byte[] text = reason.getBytes(StandardCharsets.UTF_8);
      byte[] payload = new byte[2 + text.length];
      payload[0] = (byte) (code >>> 8);
      payload[1] = (byte) code;
      System.arraycopy(text, 0, payload, 2, text.length);
      writeFrame(0x88, payload);
    }

    void closeSocket() {
      try {
        socket.close();
      } catch (IOException e) {
        // already closed
      }
    }

    private synchronized void writeFrame(int firstByte, byte[] payload) throws IOException {
      ByteArrayOutputStream frame = new ByteArrayOutputStream();
      frame.write(firstByte);
      if (payload.length < 126) {
        frame.write(payload.length);
      } else if (payload.length <= 0xFFFF) {
        frame.write(126);
        frame.write(payload.length >>> 8);
        frame.write(payload.length);
      } else {
        frame.write(127);
        for (int shift = 56; shift >= 0; shift -= 8) {
          frame.write((int) ((long) payload.length >>> shift));
        }
      }
      frame.write(payload);
      out.write(frame.toByteArray());
      out.flush();
    }
  }
}

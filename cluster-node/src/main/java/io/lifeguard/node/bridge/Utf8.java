package io.lifeguard.node.bridge;

/** UTF-8 sizes of strings without encoding them. */
final class Utf8 {
  private Utf8() {}

  /** Bytes {@code text} takes in UTF-8, as Java's encoder writes it (an unpaired surrogate becomes '?'). */
  static int length(String text) {
    int n = text.length();
    int bytes = n;
    for (int i = 0; i < n; i++) {
      char c = text.charAt(i);
      if (c < 0x80) continue;
      if (c < 0x800) {
        bytes += 1;
      } else if (Character.isHighSurrogate(c) && i + 1 < n && Character.isLowSurrogate(text.charAt(i + 1))) {
        bytes += 2; // 4 bytes for the pair's 2 chars
        i++;
      } else if (!Character.isSurrogate(c)) {
        bytes += 2;
      }
    }
    return bytes;
  }
}

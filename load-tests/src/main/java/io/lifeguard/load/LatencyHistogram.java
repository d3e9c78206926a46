package io.lifeguard.load;

import java.util.concurrent.atomic.AtomicLongArray;

/**
 * A lock-free latency histogram in microseconds with about 1.6% resolution (64 linear
 * sub-buckets per power of two), from 1 µs to about 17 minutes. Enough for p50..p99.9 without a
 * dependency; recording is one atomic increment.
 */
final class LatencyHistogram {
  private static final int SUB_BITS = 6;
  private static final int SUB = 1 << SUB_BITS;
  private static final int MAGNITUDES = 31;
  private final AtomicLongArray counts = new AtomicLongArray(MAGNITUDES * SUB);
  private final java.util.concurrent.atomic.AtomicLong max = new java.util.concurrent.atomic.AtomicLong();

  void recordNanos(long nanos) {
    recordMicros(Math.max(0, nanos / 1000));
  }

  void recordMicros(long micros) {
    counts.incrementAndGet(index(micros));
    max.accumulateAndGet(micros, Math::max);
  }

  private static int index(long value) {
    if (value < SUB) return (int) value;
    int magnitude = 63 - Long.numberOfLeadingZeros(value) - SUB_BITS + 1;
    if (magnitude >= MAGNITUDES) return lastIndex();
    int sub = (int) (value >>> (magnitude - 1)) - SUB;
    return magnitude * SUB + sub;
  }

  private static int lastIndex() {
    return MAGNITUDES * SUB - 1;
  }

  /** The lowest value of a bucket; percentiles report the bucket's upper edge to stay on the safe side. */
  private static long upperEdge(int index) {
    int magnitude = index / SUB;
    int sub = index % SUB;
    if (magnitude == 0) return sub;
    return ((long) (sub + SUB + 1) << (magnitude - 1)) - 1;
  }

  long count() {
    long total = 0;
    for (int i = 0; i < counts.length(); i++) total += counts.get(i);
    return total;
  }

  /** Value in microseconds at or below which {@code percentile} percent of the samples lie; 0 when empty. */
  long percentileMicros(double percentile) {
    long total = count();
    if (total == 0) return 0;
    long rank = (long) Math.ceil(total * percentile / 100.0);
    long seen = 0;
    for (int i = 0; i < counts.length(); i++) {
      seen += counts.get(i);
      if (seen >= rank) return Math.min(upperEdge(i), max.get());
    }
    return max.get();
  }

  long maxMicros() {
    return max.get();
  }

  /** A snapshot, so a phase keeps its figures after the live histogram is reset. */
  LatencyHistogram copy() {
    LatencyHistogram out = new LatencyHistogram();
    for (int i = 0; i < counts.length(); i++) out.counts.set(i, counts.get(i));
    out.max.set(max.get());
    return out;
  }

  void reset() {
    for (int i = 0; i < counts.length(); i++) counts.set(i, 0);
    max.set(0);
  }

  /** p50/p95/p99/p999/max in milliseconds, for the JSON line. */
  java.util.Map<String, Object> summaryMillis() {
    java.util.Map<String, Object> out = new java.util.LinkedHashMap<>();
    out.put("count", count());
    out.put("p50_ms", millis(percentileMicros(50)));
    out.put("p95_ms", millis(percentileMicros(95)));
    out.put("p99_ms", millis(percentileMicros(99)));
    out.put("p999_ms", millis(percentileMicros(99.9)));
    out.put("max_ms", millis(maxMicros()));
    return out;
  }

  static double millis(long micros) {
    return Math.round(micros / 10.0) / 100.0;
  }
}

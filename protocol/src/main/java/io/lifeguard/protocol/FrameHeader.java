package io.lifeguard.protocol;

/**
 * The 8-byte header of a frame, read without copying the body so a relay can route on it.
 *
 * @param version header version byte
 * @param kind frame kind
 * @param payloadLength body length announced by the header (equals the bytes that follow)
 * @param seq unsigned 32-bit sequence number
 */
public record FrameHeader(int version, FrameKind kind, int payloadLength, long seq) {}

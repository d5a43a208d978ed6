/**
 * Internal: zero-copy static views over a {@code ByteBuf} at an offset — IPv6 header, extension-header chain, Fragment
 * header, IPv4 header, UDP header — and the Internet checksum. Public only so that netfrag's own packages, test kit and
 * benchmarks reach them; not API, and they may change in any release.
 */
package io.netfrag.internal.wire;

/**
 * Internal: the protocol-free reassembly core the IPv6 and IPv4 reassemblers plug into (Linux's {@code inet_frag}):
 * {@link io.netfrag.internal.reassembly.ReassemblyTable} and its parts, the queue type and the
 * {@link io.netfrag.internal.reassembly.ReassemblyProtocol} hooks. Public only so that netfrag's own packages and
 * benchmarks reach it; not API, and it may change in any release. Configure reassembly through
 * {@link io.netfrag.ReceivePath}, {@link io.netfrag.reassembly.CoalescePolicy} and
 * {@link io.netfrag.reassembly.ReassemblyLimits}.
 */
package io.netfrag.internal.reassembly;

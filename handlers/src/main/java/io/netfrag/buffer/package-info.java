/**
 * Buffers of netfrag's own. {@link io.netfrag.buffer.FragmentChainByteBuf} is the datagram the reassemblers deliver
 * when fragments are kept rather than copied: an ordered chain of the fragments' buffers behind one {@code ByteBuf},
 * recycled so that building it costs no allocation per fragment.
 *
 * <p>Ownership follows Netty's rule throughout: a method that takes a buffer either borrows it for the call or says
 * "ownership is transferred".
 */
package io.netfrag.buffer;

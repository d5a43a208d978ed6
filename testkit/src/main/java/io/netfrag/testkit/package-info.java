/**
 * A traffic kit for testing receive pipelines: builds UDP datagrams over IPv6 and IPv4 ({@link
 * io.netfrag.testkit.UdpDatagrams}) with checkable payloads ({@link io.netfrag.testkit.Payloads}), protects them with
 * ESP (through {@link io.netfrag.esp.EspEncoder}), fragments them as Linux does ({@link
 * io.netfrag.testkit.Fragmenter}) and damages the fragments reproducibly ({@link io.netfrag.testkit.Impairments}:
 * orders, reordering, loss, duplicates, overlaps); {@link io.netfrag.testkit.TrafficGenerator} chains it all.
 *
 * <p>Testing your own pipeline in an {@code EmbeddedChannel}: send 100 datagrams of 20,000 bytes, ESP-protected,
 * fragmented at MTU 1280, shuffled, 2 % of fragments lost, and check that exactly the completable ones arrive intact.
 *
 * <pre>{@code
 * String sa = "src fc00:1::1 dst fc00:2::1 proto esp spi 0x1000 mode transport "
 *         + "aead 'rfc4106(gcm(aes))' 0x0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b 128";
 * EmbeddedChannel ch = ReceivePath.builder().policy(CoalescePolicy.COPY).sas(SaDatabase.of(sa)).build()
 *         .newEmbeddedChannel(new MyUdpHandler());                 // the code under test
 * TrafficGenerator traffic = TrafficGenerator.builder()
 *         .addresses(InetAddress.getByName("fc00:1::1"), InetAddress.getByName("fc00:2::1"))
 *         .ports(40001, 5000).payloadLength(20000).seed(42).sa(sa).mtu(1280)
 *         .impairments(Impairments.builder().seed(42).order(Impairments.Order.SHUFFLED).loss(0.02).build())
 *         .allocator(PooledByteBufAllocator.DEFAULT)
 *         .build();
 * Set<Long> completable = new HashSet<>();
 * for (int i = 0; i < 100; i++) {
 *     long index = traffic.nextIndex();
 *     traffic.next(ch::writeInbound);                             // each fragment is owned by the channel
 *     if (traffic.lastCompletable()) {
 *         completable.add(index);
 *     }
 * }
 * Set<Long> delivered = new HashSet<>();
 * for (DatagramPacket d; (d = ch.readInbound()) != null; d.release()) {   // what MyUdpHandler passed on
 *     assertTrue(Payloads.verify(d.content(), traffic.seed()));
 *     delivered.add(Payloads.index(d.content()));
 * }
 * assertEquals(completable, delivered);
 * assertEquals(traffic.impairments().stats().completableDatagrams(), delivered.size());
 * ch.finishAndReleaseAll();
 * }</pre>
 *
 * <p>Ownership follows Netty's rule throughout: a method that takes a buffer either borrows it for the call or says
 * "release ownership is transferred", and every buffer handed to a {@code Consumer} belongs to that consumer. Nothing
 * here is thread-safe; use one generator per thread.
 */
package io.netfrag.testkit;

#!/usr/bin/python3
"""netfrag's own test captures: IPv6 (and some IPv4) UDP traffic, fragmented and mangled, plus manifest.json.

What it makes
-------------
One capture per case (nf6_*.pcap / nf4_*.pcap / *.pcapng) and a manifest.json in the same JSON format as the
third-party corpus in fixtures/manifest.json (repository root): per capture file, linktype, linktype_name, category, packets,
description, sas (always []), expected (the UDP datagrams a Linux-like receiver delivers, in delivery order:
src, dst, sport, dport, length = UDP payload length, sha256 of the UDP payload, frame = 1-based record number whose
arrival delivers it, role 'control' for the plain datagram appended after a negative case), dropped (what is
dropped and why), optional linux_specific, bytes and pcap_sha256.

Receiver model: one fresh receiver per capture, owning every destination address, a UDP socket on every port,
reassembly timeouts never fire. Expected outcomes follow Linux (net/ipv6/reassembly.c, net/ipv4/inet_fragment.c
inet_frag_queue_insert, ipv6frag_thdr_truncated, ip_frag_ecn_table, udp6 checks). Every capture's expectations
are written by hand below AND re-derived by an independent Linux-model receiver (class LinuxModel) from the
written files; the script fails if the two disagree, or if Scapy reads back different bytes than were written.

How to run (from the repository root; Debian's python3-scapy 2.5.0, i.e. /usr/bin/python3, not a pyenv python)
---------------------------------------------------------------------------------------------------------------
    apt-get install -y python3-scapy
    /usr/bin/python3 handlers-tests/src/test/scapy/make_captures.py handlers-tests/src/test/resources/captures

Optional, as root on Linux with unshare(1) and /dev/net/tun (a real kernel, not gVisor):
    /usr/bin/python3 handlers-tests/src/test/scapy/make_captures.py handlers-tests/src/test/resources/captures --kernel-check
also replays every written capture into the running kernel - one fresh network namespace per capture, a TUN device
owning the receiver addresses, UDP sockets on ports 5000/5001 - and compares what the sockets receive (and after
which record) with the manifest. Link layers are stripped by this script (the IP packet is written to the TUN device
with any trailing padding kept); non-IP frames are skipped. Nothing leaves the namespace.

Deterministic: fixed payloads (SHA-256 counter stream of a per-datagram label), fixed shuffle seeds, fixed
timestamps (1700000000 s + 1 ms per record); no clock, no randomness without a seed. Re-running it gives
byte-identical files. Packets are mostly built by hand (Scapy computes the UDP checksums on the unfragmented datagram,
cross-checked here, and builds the IPv4, ARP and ICMPv6 packets); files are written with Scapy's PcapWriter /
PcapNgWriter, except nf6_pcapng_be.pcapng, which is written by hand.
"""

import hashlib
import json
import logging
import os
import random
import socket
import struct
import sys
from decimal import Decimal

from scapy.all import (ARP, IP, UDP, ICMPv6EchoRequest, IPOption_NOP, IPv6, PcapNgWriter, PcapWriter,
                       RawPcapNgReader, RawPcapReader, Raw)
import scapy

SRC6 = 'fc00:1::1'
SRC6B = 'fc00:1::2'
DST6 = 'fc00:2::1'
DST6B = 'fc00:2::2'
SRC4 = '10.200.1.1'
DST4 = '10.200.1.2'
SPORT = 40001
DPORT = 5000
CONTROL_DPORT = 5001
BASE_TS = 1700000000
MAC_SRC = bytes.fromhex('020000000001')
MAC_DST = bytes.fromhex('020000000002')

LINKTYPE_NAMES = {1: 'LINKTYPE_ETHERNET', 101: 'LINKTYPE_RAW', 113: 'LINKTYPE_LINUX_SLL',
                  228: 'LINKTYPE_IPV4', 229: 'LINKTYPE_IPV6', 276: 'LINKTYPE_LINUX_SLL2'}

NH_HOP, NH_UDP, NH_FRAG, NH_DSTOPTS, NH_ICMP6 = 0, 17, 44, 60, 58
IP_PKTINFO = getattr(socket, 'IP_PKTINFO', 8)  # Linux value; Python's socket module may lack the name


# ----------------------------------------------------------------------------------------------------------------
# bytes
# ----------------------------------------------------------------------------------------------------------------

def payload(label, n):
    """n bytes: SHA-256('netfrag/<label>/<i>') for i = 0, 1, ... concatenated."""
    out = bytearray()
    i = 0
    while len(out) < n:
        out += hashlib.sha256(('netfrag/%s/%d' % (label, i)).encode()).digest()
        i += 1
    return bytes(out[:n])


def ones_sum(data, start=0):
    if len(data) % 2:
        data += b'\0'
    s = start
    for (w,) in struct.iter_unpack('!H', data):
        s += w
    while s >> 16:
        s = (s & 0xffff) + (s >> 16)
    return s


def pseudo6(src, dst, length, nh=NH_UDP):
    return socket.inet_pton(socket.AF_INET6, src) + socket.inet_pton(socket.AF_INET6, dst) + struct.pack('!IxxxB', length, nh)


def pseudo4(src, dst, length, proto=NH_UDP):
    return socket.inet_aton(src) + socket.inet_aton(dst) + struct.pack('!xBH', proto, length)


def udp6_bytes(src, dst, sport, dport, data):
    """UDP header + data with the checksum computed by Scapy on the unfragmented IPv6 datagram (cross-checked)."""
    raw = bytes(IPv6(src=src, dst=dst, hlim=64) / UDP(sport=sport, dport=dport) / Raw(data))[40:]
    mine = struct.pack('!HHHH', sport, dport, 8 + len(data), 0) + data
    ck = (~ones_sum(pseudo6(src, dst, len(mine)) + mine)) & 0xffff
    assert raw[:6] + b'\0\0' + raw[8:] == mine and struct.unpack('!H', raw[6:8])[0] == (ck or 0xffff), 'udp6 checksum'
    return raw


def udp4_bytes(src, dst, sport, dport, data):
    raw = bytes(IP(src=src, dst=dst) / UDP(sport=sport, dport=dport) / Raw(data))[20:]
    mine = struct.pack('!HHHH', sport, dport, 8 + len(data), 0) + data
    ck = (~ones_sum(pseudo4(src, dst, len(mine)) + mine)) & 0xffff
    assert struct.unpack('!H', raw[6:8])[0] == (ck or 0xffff), 'udp4 checksum'
    return raw


def with_udp_check(udp, check):
    return udp[:6] + struct.pack('!H', check) + udp[8:]


def ip6(src, dst, nh, body, tc=0, flow=0, hlim=64, plen=None):
    plen = len(body) if plen is None else plen
    return (struct.pack('!IHBB', (6 << 28) | (tc << 20) | flow, plen, nh, hlim)
            + socket.inet_pton(socket.AF_INET6, src) + socket.inet_pton(socket.AF_INET6, dst) + body)


def opts8(nh):
    """An 8-byte Hop-by-Hop / Destination Options header holding one PadN option (4 zero bytes)."""
    return bytes([nh, 0, 1, 4, 0, 0, 0, 0])


def chain(types, final_nh):
    """8-byte option headers of the given types, in order; returns (next header value for the header before
    them, their bytes)."""
    if not types:
        return final_nh, b''
    out = b''
    for i, _ in enumerate(types):
        out += opts8(types[i + 1] if i + 1 < len(types) else final_nh)
    return types[0], out


def fraghdr(nh, off, more, fid, res8=0, res2=0):
    assert off % 8 == 0 and 0 <= off <= 65528
    return struct.pack('!BBHI', nh, res8, off | (res2 << 1) | (1 if more else 0), fid)


def frag6(src, dst, fid, nh, data, off, more, pre=(), tc=0, res8=0, res2=0):
    """One fragment: IPv6 header, unfragmentable option headers `pre`, Fragment header, data."""
    first_nh, pre_bytes = chain(pre, NH_FRAG)
    return ip6(src, dst, first_nh, pre_bytes + fraghdr(nh, off, more, fid, res8, res2) + data, tc=tc)


def ip4(src, dst, body, proto=NH_UDP, ident=0, options=None, ttl=64):
    pkt = IP(src=src, dst=dst, id=ident, flags=0, ttl=ttl, proto=proto, options=options or [])
    return bytes(pkt / Raw(body))


class Dgram:
    """A UDP datagram: addresses, ports, payload and its UDP bytes (header + payload, checksum set)."""

    def __init__(self, label, n, src=SRC6, dst=DST6, sport=SPORT, dport=DPORT, data=None):
        self.src, self.dst, self.sport, self.dport = src, dst, sport, dport
        self.data = payload(label, n) if data is None else data
        self.v4 = ':' not in src
        self.udp = (udp4_bytes if self.v4 else udp6_bytes)(src, dst, sport, dport, self.data)

    def fragable(self, post=()):
        """The fragmentable part: Destination Options headers `post` (after the Fragment header) + UDP."""
        return chain(post, NH_UDP)[1] + self.udp

    def first_nh(self, post=()):
        return chain(post, NH_UDP)[0]

    def packet(self, pre=(), tc=0):
        """Unfragmented IPv6 packet (optionally with option headers before UDP)."""
        nh, ext = chain(pre, NH_UDP)
        return ip6(self.src, self.dst, nh, ext + self.udp, tc=tc)

    def packet4(self, ident=0, options=None):
        return ip4(self.src, self.dst, self.udp, ident=ident, options=options)

    def frags(self, fid, mtu=1280, pre=(), post=(), tc=0, res8=0, res2=0, maxdata=None):
        """Fragments in offset order, RFC 8200 style: every fragment carries the unfragmentable part `pre`,
        each non-last fragment carries a multiple of 8 bytes as large as the MTU allows."""
        body = self.fragable(post)
        nh = self.first_nh(post)
        if maxdata is None:
            maxdata = (mtu - 40 - 8 * len(pre) - 8) // 8 * 8
        out, off = [], 0
        while off < len(body):
            n = min(maxdata, len(body) - off)
            out.append(frag6(self.src, self.dst, fid, nh, body[off:off + n], off, off + n < len(body), pre,
                             tc=tc, res8=res8, res2=res2))
            off += n
        return out

    def exp(self, frame, role=None):
        e = {'src': self.src, 'dst': self.dst, 'sport': self.sport, 'dport': self.dport, 'length': len(self.data),
             'sha256': hashlib.sha256(self.data).hexdigest(), 'frame': frame}
        if role:
            e['role'] = role
        return e


# ----------------------------------------------------------------------------------------------------------------
# link layers
# ----------------------------------------------------------------------------------------------------------------

def ethertype_of(ip):
    return 0x86DD if ip[0] >> 4 == 6 else 0x0800


def ether(ip, tags=(), ethertype=None, trailer=b''):
    """Ethernet II; tags = [(tpid, vid), ...] outermost first."""
    out = MAC_DST + MAC_SRC
    for tpid, vid in tags:
        out += struct.pack('!HH', tpid, vid)
    return out + struct.pack('!H', ethertype or ethertype_of(ip)) + ip + trailer


def sll(ip, proto=None):
    """LINKTYPE_LINUX_SLL: packet type 0 (to us), ARPHRD_ETHER, 6-byte address."""
    return struct.pack('!HHH8sH', 0, 1, 6, MAC_SRC, proto or ethertype_of(ip)) + ip


def sll2(ip, proto=None):
    """LINKTYPE_LINUX_SLL2: protocol, reserved, ifindex 3, ARPHRD_ETHER, packet type 0 (to us), 6-byte address."""
    return struct.pack('!HHIHBB8s', proto or ethertype_of(ip), 0, 3, 1, 0, 6, MAC_SRC) + ip


def arp_request():
    return bytes(ARP(op=1, hwsrc='02:00:00:00:00:01', psrc=SRC4, hwdst='00:00:00:00:00:00', pdst=DST4))


# ----------------------------------------------------------------------------------------------------------------
# captures
# ----------------------------------------------------------------------------------------------------------------

class Capture:
    def __init__(self, file, linktype, category, description, dropped, fmt='pcap', wrap=None,
                 linux_specific=False, mtu=None):
        self.file, self.linktype, self.category = file, linktype, category
        self.description, self.dropped, self.fmt = description, dropped, fmt
        self.wrap = wrap or (lambda ip: ip)
        self.linux_specific, self.mtu = linux_specific, mtu
        self.records = []
        self.expected = []
        self.controls = 0

    def add(self, ip, delivers=(), raw=False):
        """Append one record (IP packet, wrapped in this capture's link layer unless raw); the datagrams in
        `delivers` are expected to be delivered by this record's arrival. Returns the frame number."""
        self.records.append(ip if raw else self.wrap(ip))
        frame = len(self.records)
        for d in delivers:
            self.expected.append(d.exp(frame))
        return frame

    def add_all(self, ips, delivers_last=()):
        for i, ip in enumerate(ips):
            self.add(ip, delivers_last if i == len(ips) - 1 else ())

    def control(self, v4=False):
        """A plain unfragmented datagram to dport 5001, appended after a negative case."""
        self.controls += 1
        label = '%s/control/%d' % (self.file, self.controls)
        if v4:
            d = Dgram(label, 64, src=SRC4, dst=DST4, dport=CONTROL_DPORT)
            ip = d.packet4(ident=0x7000 + self.controls)
        else:
            d = Dgram(label, 64, dport=CONTROL_DPORT)
            ip = d.packet()
        self.records.append(self.wrap(ip))
        self.expected.append(d.exp(len(self.records), role='control'))
        return len(self.records)


def timestamp(frame):
    """(seconds, microseconds) of 1-based record `frame`: 1 ms apart."""
    us = frame * 1000
    return BASE_TS + us // 1000000, us % 1000000


def timestamp_ns(frame):
    """(seconds, nanoseconds): 1 ms + 789 ns apart, so sub-microsecond digits are present."""
    ns = frame * 1000789
    return BASE_TS + ns // 1000000000, ns % 1000000000


def write_capture(cap, path):
    if cap.fmt in ('pcap', 'pcap-nano', 'pcap-be'):
        nano = cap.fmt == 'pcap-nano'
        w = PcapWriter(path, linktype=cap.linktype, nano=nano, endianness='>' if cap.fmt == 'pcap-be' else '<',
                       sync=False, snaplen=262144)
        w.write_header(None)
        for i, rec in enumerate(cap.records, 1):
            sec, frac = timestamp_ns(i) if nano else timestamp(i)
            w.write_packet(rec, sec=sec, usec=frac)
        w.close()
    elif cap.fmt == 'pcapng':
        w = PcapNgWriter(path)
        w.linktype = cap.linktype  # Scapy 2.5's pcapng writer otherwise declares Ethernet
        w.write_header(None)
        for i, rec in enumerate(cap.records, 1):
            sec, us = timestamp(i)
            w.write_packet(rec, sec=Decimal(sec) + Decimal(us) / Decimal(1000000))
        w.close()
    elif cap.fmt == 'pcapng-be':
        with open(path, 'wb') as f:
            f.write(pcapng_be(cap))
    else:
        raise ValueError(cap.fmt)


def _opt(code, value, e='>'):
    return struct.pack(e + 'HH', code, len(value)) + value + b'\0' * (-len(value) % 4)


def _block(btype, body, e='>'):
    body += b'\0' * (-len(body) % 4)
    n = 12 + len(body)
    return struct.pack(e + 'II', btype, n) + body + struct.pack(e + 'I', n)


def pcapng_be(cap):
    """Hand-written big-endian pcapng: SHB (shb_userappl), IDB (if_name, if_tsresol = 10^-9), a Name Resolution
    Block, one Enhanced Packet Block per record (every third with an opt_comment), and an Interface Statistics
    Block at the end. Readers must honour the byte order and if_tsresol and skip the NRB/ISB."""
    e = '>'
    out = _block(0x0A0D0D0A, struct.pack(e + 'IHHq', 0x1A2B3C4D, 1, 0, -1)
                 + _opt(4, b'netfrag make_captures.py') + _opt(0, b''))
    out += _block(1, struct.pack(e + 'HHI', cap.linktype, 0, 262144)
                  + _opt(2, b'veth-nf0') + _opt(9, bytes([9])) + _opt(0, b''))
    nrb = (struct.pack(e + 'HH', 2, 16 + 10) + socket.inet_pton(socket.AF_INET6, DST6) + b'receiver\0\0'
           + b'\0' * (-(16 + 10) % 4) + struct.pack(e + 'HH', 0, 0))
    out += _block(4, nrb)
    for i, rec in enumerate(cap.records, 1):
        sec, ns = timestamp_ns(i)
        t = sec * 1000000000 + ns
        opts = b''
        if i % 3 == 0:
            opts = _opt(1, ('record %d' % i).encode()) + _opt(0, b'')
        body = struct.pack(e + 'IIIII', 0, t >> 32, t & 0xffffffff, len(rec), len(rec)) + rec
        body += b'\0' * (-len(body) % 4)
        out += _block(6, body + opts)
    sec, ns = timestamp_ns(len(cap.records) + 1)
    t = sec * 1000000000 + ns
    out += _block(5, struct.pack(e + 'III', 0, t >> 32, t & 0xffffffff)
                  + _opt(4, struct.pack(e + 'Q', len(cap.records))) + _opt(0, b''))
    return out


def read_back(path, fmt):
    """Records as Scapy reads them back (bytes)."""
    reader = RawPcapNgReader(path) if fmt.startswith('pcapng') else RawPcapReader(path)
    log = logging.getLogger('scapy.runtime')
    level = log.level
    log.setLevel(logging.ERROR)  # Scapy 2.5 warns about opt_comment values without a trailing newline
    try:
        return [bytes(data) for data, _meta in reader]
    finally:
        reader.close()
        log.setLevel(level)


# ----------------------------------------------------------------------------------------------------------------
# an independent Linux-model receiver (used to check the hand-written expectations)
# ----------------------------------------------------------------------------------------------------------------

OK, DUP, OVERLAP = 0, 1, 2


class FragQueue:
    """inet_frag_queue as far as delivery is concerned: flags, len, meat, runs (inet_frag_queue_insert)."""

    def __init__(self):
        self.first = self.last = False
        self.len = 0
        self.meat = 0
        self.ecn = 0
        self.frags = {}  # offset -> bytes
        self.runs = []  # [start, end] of fragment runs
        self.tail = None  # (offset, end) of fragments_tail
        self.tail_run = None  # the run fragments_tail belongs to (last_run_head)
        self.head = None  # (packet bytes before the Fragment header, nexthdr of the Fragment header)

    def insert(self, offset, end):
        if self.tail is None:
            run = [offset, end]
            self.runs.append(run)
            self.tail, self.tail_run = (offset, end), run
        elif self.tail[1] < end:
            if offset < self.tail[1]:
                return OVERLAP
            if offset == self.tail[1]:
                self.tail_run[1] = end
            else:
                run = [offset, end]
                self.runs.append(run)
                self.tail_run = run
            self.tail = (offset, end)
        else:
            hit = [r for r in self.runs if offset < r[1] and end > r[0]]
            if not hit:
                self.runs.append([offset, end])
            elif len(hit) == 1 and offset >= hit[0][0] and end <= hit[0][1]:
                return DUP
            else:
                return OVERLAP
        return OK


class LinuxModel:
    def __init__(self):
        self.q6 = {}
        self.delivered = []

    # link layer
    def rx(self, linktype, frame):
        if linktype == 1:
            et, off = struct.unpack('!H', frame[12:14])[0], 14
            while et in (0x8100, 0x88A8, 0x9100):
                et, off = struct.unpack('!H', frame[off + 2:off + 4])[0], off + 4
            ip = frame[off:]
        elif linktype == 113:
            et, ip = struct.unpack('!H', frame[14:16])[0], frame[16:]
        elif linktype == 276:
            et, ip = struct.unpack('!H', frame[0:2])[0], frame[20:]
        elif linktype == 228:
            et, ip = 0x0800, frame
        elif linktype == 229:
            et, ip = 0x86DD, frame
        elif linktype == 101:
            et, ip = {4: 0x0800, 6: 0x86DD}.get(frame[0] >> 4, 0), frame
        else:
            raise ValueError(linktype)
        if et == 0x86DD:
            self.ipv6_rcv(ip)
        elif et == 0x0800:
            self.ipv4_rcv(ip)

    # IPv6
    def ipv6_rcv(self, pkt):
        if len(pkt) < 40 or pkt[0] >> 4 != 6:
            return
        plen = struct.unpack('!H', pkt[4:6])[0]
        if 40 + plen > len(pkt):
            return  # truncated
        pkt = pkt[:40 + plen]
        src = socket.inet_ntop(socket.AF_INET6, pkt[8:24])
        dst = socket.inet_ntop(socket.AF_INET6, pkt[24:40])
        tc = (struct.unpack('!I', pkt[0:4])[0] >> 20) & 0xff
        self.walk6(pkt, pkt[6], 40, src, dst, tc, False)

    def tlv_ok(self, pkt, off):
        end = off + (pkt[off + 1] + 1) * 8
        if end > len(pkt):
            return False
        i, pad = off + 2, 0
        while i < end:
            t = pkt[i]
            if t == 0:
                pad += 1
                i += 1
            else:
                if i + 2 > end or i + 2 + pkt[i + 1] > end:
                    return False
                n = pkt[i + 1]
                if t == 1:
                    pad += n + 2
                    if any(pkt[i + 2:i + 2 + n]):
                        return False
                else:
                    pad = 0
                    if t >> 6:
                        return False
                i += 2 + n
            if pad > 7:
                return False
        return True

    def walk6(self, pkt, nh, off, src, dst, tc, fragmented):
        while True:
            if nh in (NH_HOP, NH_DSTOPTS):
                if nh == NH_HOP and off != 40:
                    return
                if off + 2 > len(pkt) or not self.tlv_ok(pkt, off):
                    return
                nh, off = pkt[off], off + (pkt[off + 1] + 1) * 8
            elif nh == NH_FRAG:
                if fragmented:
                    return
                return self.frag6_rcv(pkt, off, src, dst, tc)
            elif nh == NH_UDP:
                return self.udp_rcv(pkt[off:], src, dst, True)
            else:
                return

    def thdr_truncated(self, pkt, nh):
        """ipv6frag_thdr_truncated(skb, network offset + 40, &hdr->nexthdr) via ipv6_skip_exthdr."""
        off = 40
        while nh in (NH_HOP, 43, NH_DSTOPTS, 51, NH_FRAG):
            if off + 2 > len(pkt):
                return False
            if nh == NH_FRAG:
                if off + 4 > len(pkt):
                    return False
                if struct.unpack('!H', pkt[off + 2:off + 4])[0] & ~7 & 0xffff:
                    return False
                hdrlen = 8
            elif nh == 51:
                hdrlen = (pkt[off + 1] + 2) * 4
            else:
                hdrlen = (pkt[off + 1] + 1) * 8
            nh, off = pkt[off], off + hdrlen
        off += {6: 20, NH_UDP: 8, NH_ICMP6: 8}.get(nh, 1)
        return off > len(pkt)

    def frag6_rcv(self, pkt, off, src, dst, tc):
        if off + 8 > len(pkt):
            return
        fnh, _res, fo, fid = struct.unpack('!BBHI', pkt[off:off + 8])
        if not fo & 0xFFF9:  # atomic fragment
            return self.walk6(pkt, fnh, off + 8, src, dst, tc, True)
        if self.thdr_truncated(pkt, pkt[6]):
            return  # RFC 7112: ICMP parameter problem, before any queue lookup
        key = (src, dst, fid)
        q = self.q6.setdefault(key, FragQueue())
        offset = fo & 0xFFF8
        end = offset + len(pkt) - (off + 8)
        more = fo & 1
        if end > 65535:
            return  # ICMP parameter problem, queue unaffected
        if not more:
            if end < q.len or (q.last and end != q.len):
                return self.kill(key)
            q.last, q.len = True, end
        else:
            if end & 7:
                return  # ICMP parameter problem, queue unaffected
            if end > q.len:
                if q.last:
                    return self.kill(key)
                q.len = end
        if end == offset:
            return self.kill(key)
        r = q.insert(offset, end)
        if r == DUP:
            return
        if r == OVERLAP:
            return self.kill(key)
        q.frags[offset] = pkt[off + 8:]
        q.meat += end - offset
        q.ecn |= 1 << (tc & 3)
        if offset == 0:
            q.first = True
            q.head = (pkt[:off], fnh)
        if q.first and q.last and q.meat == q.len:
            self.kill(key)
            if q.ecn & 1 and q.ecn & 0xe:
                return  # ip_frag_ecn_table: Not-ECT mixed with ECT/CE
            head, hnh = q.head
            if len(head) - 40 + q.len > 65535:
                return  # ip6_frag_reasm: oversize
            data = b''.join(q.frags[o] for o in sorted(q.frags))
            assert len(data) == q.len
            return self.walk6(head + data, hnh, len(head), src, dst, tc, True)

    def kill(self, key):
        del self.q6[key]

    # IPv4 (no fragments in these captures)
    def ipv4_rcv(self, pkt):
        if len(pkt) < 20 or pkt[0] >> 4 != 4 or pkt[0] & 15 < 5:
            return
        ihl = (pkt[0] & 15) * 4
        if len(pkt) < ihl or ones_sum(pkt[:ihl]) != 0xffff:
            return
        tot = struct.unpack('!H', pkt[2:4])[0]
        if tot > len(pkt) or tot < ihl:
            return
        pkt = pkt[:tot]
        assert not struct.unpack('!H', pkt[6:8])[0] & 0x3fff, 'model has no IPv4 reassembly'
        if pkt[9] == NH_UDP:
            self.udp_rcv(pkt[ihl:], socket.inet_ntoa(pkt[12:16]), socket.inet_ntoa(pkt[16:20]), False)

    def udp_rcv(self, seg, src, dst, v6):
        if len(seg) < 8:
            return
        sport, dport, ulen, check = struct.unpack('!HHHH', seg[:8])
        if ulen > len(seg) or ulen < 8:
            return
        seg = seg[:ulen]
        if check == 0:
            if v6:
                return  # zero checksum is not allowed over IPv6
        else:
            ph = pseudo6(src, dst, ulen) if v6 else pseudo4(src, dst, ulen)
            if ones_sum(ph + seg) != 0xffff:
                return
        self.delivered.append((src, dst, sport, dport, seg[8:]))


def model_expected(cap, records):
    m = LinuxModel()
    out = []
    for i, rec in enumerate(records, 1):
        m.delivered = []
        m.rx(cap.linktype, rec)
        for src, dst, sport, dport, data in m.delivered:
            out.append({'src': src, 'dst': dst, 'sport': sport, 'dport': dport, 'length': len(data),
                        'sha256': hashlib.sha256(data).hexdigest(), 'frame': i})
    return out


# ----------------------------------------------------------------------------------------------------------------
# the cases
# ----------------------------------------------------------------------------------------------------------------

def build():
    caps = []

    # 1. shuffled 20000-byte datagram at MTU 1280
    c = Capture('nf6_shuffled_mtu1280.pcap', 229, 'ipv6-frag',
                'IPv6 UDP fc00:1::1:40001 -> fc00:2::1:5000, one datagram with a 20000-byte payload cut into 17 '
                'fragments for MTU 1280 (16 x 1232 + 296 bytes of fragmentable data, Fragment id 0x4e460001), sent in '
                'the order random.Random(20000).shuffle(range(17)) gives: %s (0-based fragment indices).',
                'nothing dropped; delivered when the last missing fragment arrives (the last record).', mtu=1280)
    d = Dgram('shuffled/20000', 20000)
    fr = d.frags(0x4e460001)
    order = list(range(len(fr)))
    random.Random(20000).shuffle(order)
    c.description %= order
    c.add_all([fr[i] for i in order], [d])
    caps.append(c)

    # 2. odd-then-even
    c = Capture('nf6_odd_even.pcap', 229, 'ipv6-frag',
                'Two IPv6 UDP datagrams at MTU 1280. A: 10000-byte payload, 9 fragments (id 0x4e460002) sent odd '
                'first then even (1,3,5,7,9,2,4,6,8 counting from 1), frames 1-9. B: 7000-byte payload, 6 fragments '
                '(id 0x4e460003) sent even first then odd (2,4,6,1,3,5), frames 10-15.',
                'nothing dropped; A delivered at frame 9, B at frame 15.', mtu=1280)
    a = Dgram('odd_even/A', 10000)
    fa = a.frags(0x4e460002)
    c.add_all([fa[i] for i in (0, 2, 4, 6, 8, 1, 3, 5, 7)], [a])
    b = Dgram('odd_even/B', 7000)
    fb = b.frags(0x4e460003)
    c.add_all([fb[i] for i in (1, 3, 5, 0, 2, 4)], [b])
    caps.append(c)

    # 3. interleaved datagrams, ids differing only in bit 31 or bit 16, same addresses and ports
    c = Capture('nf6_interleaved.pcap', 229, 'ipv6-frag',
                'Three IPv6 UDP datagrams with the same addresses and ports (fc00:1::1:40001 -> fc00:2::1:5000), '
                'MTU 1280, told apart only by the Fragment id: A id 0x00000001 (6000 bytes, 5 fragments), B id '
                '0x80000001 (4000 bytes, 4 fragments), C id 0x00010001 (2500 bytes, 3 fragments), interleaved '
                'A1 B1 C1 A2 B2 C2 A3 B3 C3 A4 B4 A5 (ids that differ only in the top bit or in the upper 16 bits '
                'catch signed or truncated id handling).',
                'nothing dropped; C delivered at frame 9, B at frame 11, A at frame 12.', mtu=1280)
    a, b, cc = Dgram('interleaved/A', 6000), Dgram('interleaved/B', 4000), Dgram('interleaved/C', 2500)
    fa, fb, fc = a.frags(0x00000001), b.frags(0x80000001), cc.frags(0x00010001)
    seq = [(fa, 0), (fb, 0), (fc, 0), (fa, 1), (fb, 1), (fc, 1), (fa, 2), (fb, 2), (fc, 2), (fa, 3), (fb, 3), (fa, 4)]
    done = {id(fa): a, id(fb): b, id(fc): cc}
    for lst, i in seq:
        c.add(lst[i], [done[id(lst)]] if i == len(lst) - 1 else ())
    caps.append(c)

    # 4. same id, different source or destination address
    c = Capture('nf6_same_id_addrs.pcap', 229, 'ipv6-frag',
                'Three fragmented IPv6 UDP datagrams that all use Fragment id 0x0000abcd and the same ports: '
                'D1 fc00:1::1 -> fc00:2::1 (3000-byte payload), D2 fc00:1::2 -> fc00:2::1 (3001 bytes), '
                'D3 fc00:1::1 -> fc00:2::2 (3002 bytes); 3 fragments each at MTU 1280, interleaved '
                'D1f1 D2f1 D3f1 D1f2 D2f2 D3f2 D3f3 D2f3 D1f3. The reassembly key is (src, dst, id): three separate '
                'datagrams. The receiver owns both fc00:2::1 and fc00:2::2.',
                'nothing dropped; D3 delivered at frame 7, D2 at 8, D1 at 9.', mtu=1280)
    d1 = Dgram('same_id/D1', 3000)
    d2 = Dgram('same_id/D2', 3001, src=SRC6B)
    d3 = Dgram('same_id/D3', 3002, dst=DST6B)
    f1, f2, f3 = d1.frags(0xabcd), d2.frags(0xabcd), d3.frags(0xabcd)
    for i in range(2):
        c.add(f1[i]), c.add(f2[i]), c.add(f3[i])
    c.add(f3[2], [d3]), c.add(f2[2], [d2]), c.add(f1[2], [d1])
    caps.append(c)

    # 5. extension headers
    c = Capture('nf6_exthdrs.pcap', 229, 'ipv6-frag',
                'Extension headers around the Fragment header (all option headers are 8 bytes holding one PadN). '
                'A (frames 1-4): IPv6 -> Hop-by-Hop -> Destination Options -> Fragment (id 0x4e460005) -> '
                'Destination Options -> UDP, 4000-byte payload; the HBH+DestOpts unfragmentable part is repeated in '
                'every fragment, the DestOpts after the Fragment header is the first 8 bytes of fragmentable data; '
                '4 fragments (1216 bytes of data each at MTU 1280), in order. '
                'B (frame 5): unfragmented IPv6 -> HBH -> DestOpts -> UDP, 200-byte payload. '
                'C (frames 6-8): 3000-byte payload, Fragment id 0x4e460006; only the first fragment carries '
                'HBH+DestOpts before the Fragment header (and a DestOpts after it), the other fragments carry none '
                '(RFC 8200: the unfragmentable part is taken from the first fragment); sent last-to-first. '
                'D (frame 9): atomic fragment (offset 0, M=0, id 0x4e460007) with a DestOpts before and after the '
                'Fragment header, 100-byte payload.',
                'nothing dropped; A delivered at frame 4, B at 5, C at 8 (when its first fragment arrives), D at 9.',
                mtu=1280)
    a = Dgram('exthdrs/A', 4000)
    c.add_all(a.frags(0x4e460005, pre=(NH_HOP, NH_DSTOPTS), post=(NH_DSTOPTS,)), [a])
    b = Dgram('exthdrs/B', 200)
    c.add(b.packet(pre=(NH_HOP, NH_DSTOPTS)), [b])
    cc = Dgram('exthdrs/C', 3000)
    body = cc.fragable((NH_DSTOPTS,))
    pieces = [(0, 1216), (1216, 1216), (2432, len(body) - 2432)]
    fr = []
    for off, n in pieces:
        pre = (NH_HOP, NH_DSTOPTS) if off == 0 else ()
        fr.append(frag6(cc.src, cc.dst, 0x4e460006, NH_DSTOPTS, body[off:off + n], off, off + n < len(body), pre))
    c.add(fr[2]), c.add(fr[1]), c.add(fr[0], [cc])
    dd = Dgram('exthdrs/D', 100)
    c.add(frag6(dd.src, dd.dst, 0x4e460007, NH_DSTOPTS, dd.fragable((NH_DSTOPTS,)), 0, False, (NH_DSTOPTS,)), [dd])
    caps.append(c)

    # 6. RFC 7112
    c = Capture('nf6_rfc7112.pcap', 229, 'ipv6-frag-negative',
                'First fragments and the upper-layer header (RFC 8200 4.5 / RFC 7112). '
                '(a) frames 1-2, id 0x4e460008, 200-byte payload: the Fragment header is followed by an 8-byte '
                'Destination Options header; the first fragment (offset 0, M=1) carries only that DestOpts header, '
                'so the UDP header is pushed into the second fragment (offset 8, M=0); frame 3 is a control. '
                '(b) frames 4-5, id 0x4e460009, 300-byte payload: same layout but the first fragment carries the '
                'DestOpts header and the complete 8-byte UDP header (16 bytes, M=1) - the boundary that is accepted. '
                '(c) frames 6-8, id 0x4e46000a, 2000-byte payload without extension headers: the last fragment '
                '(offset 1232) arrives, then a bogus first fragment with the same id carrying 0 bytes of data '
                '(offset 0, M=1, next header UDP), then the real first fragment; frame 9 is a control.',
                '(a) frame 1 dropped: first fragment does not contain the whole UDP header (Linux '
                'ipv6frag_thdr_truncated, ICMPv6 parameter problem code 3); frame 2 waits in a queue that never '
                'completes; A never delivered. (b) delivered at frame 5. (c) frame 7 is dropped by the same '
                'RFC 7112 check, which Linux runs before looking up the reassembly queue, so the pending queue is '
                'untouched (it is not treated as a zero-length fragment that would discard the queue) and the '
                'datagram is delivered at frame 8. Controls at frames 3 and 9.',
                linux_specific=True, mtu=1280)
    a = Dgram('rfc7112/A', 200)
    body = a.fragable((NH_DSTOPTS,))
    c.add(frag6(a.src, a.dst, 0x4e460008, NH_DSTOPTS, body[:8], 0, True))
    c.add(frag6(a.src, a.dst, 0x4e460008, NH_DSTOPTS, body[8:], 8, False))
    c.control()
    b = Dgram('rfc7112/B', 300)
    body = b.fragable((NH_DSTOPTS,))
    c.add(frag6(b.src, b.dst, 0x4e460009, NH_DSTOPTS, body[:16], 0, True))
    c.add(frag6(b.src, b.dst, 0x4e460009, NH_DSTOPTS, body[16:], 16, False), [b])
    cc = Dgram('rfc7112/C', 2000)
    fr = cc.frags(0x4e46000a)
    c.add(fr[1])
    c.add(frag6(cc.src, cc.dst, 0x4e46000a, NH_UDP, b'', 0, True))
    c.add(fr[0], [cc])
    c.control()
    caps.append(c)

    # 7. atomic fragments
    c = Capture('nf6_atomic.pcap', 229, 'ipv6-frag',
                'Atomic fragments (RFC 6946: Fragment header with offset 0 and M=0). (a) frame 1: first fragment of '
                'A (2000-byte payload, id 0x4e46000b, M=1); frame 2: an atomic fragment with the same id 0x4e46000b '
                'carrying a complete 100-byte datagram; frame 3: last fragment of A. (b) frame 4: atomic fragment '
                '(id 0x4e46000c, 50-byte payload) whose Fragment header has its reserved byte = 0xff and the two '
                'reserved bits = 11. (c) frames 5-6: datagram C (2000 bytes, id 0x4e46000d, 2 fragments) whose '
                'Fragment headers have reserved byte 0x5a and reserved bits 10. (d) frame 7: atomic fragment (id 0) '
                'with an empty UDP payload.',
                'nothing dropped. The atomic fragment is delivered at once (frame 2) and does not touch the pending '
                'queue with the same id, A completes at frame 3. Reserved fields are ignored on receipt (RFC 8200; '
                'Linux masks frag_off with 0xFFF9): delivered at 4 and 6. Empty datagram at 7.',
                mtu=1280)
    a = Dgram('atomic/A', 2000)
    fa = a.frags(0x4e46000b)
    at = Dgram('atomic/AT', 100)
    c.add(fa[0])
    c.add(frag6(at.src, at.dst, 0x4e46000b, NH_UDP, at.udp, 0, False), [at])
    c.add(fa[1], [a])
    b = Dgram('atomic/B', 50)
    c.add(frag6(b.src, b.dst, 0x4e46000c, NH_UDP, b.udp, 0, False, res8=0xff, res2=3), [b])
    cc = Dgram('atomic/C', 2000)
    c.add_all(cc.frags(0x4e46000d, res8=0x5a, res2=2), [cc])
    dd = Dgram('atomic/D', 0)
    c.add(frag6(dd.src, dd.dst, 0, NH_UDP, dd.udp, 0, False), [dd])
    caps.append(c)

    # 8. non-last fragment whose length is not a multiple of 8
    c = Capture('nf6_not_mult8.pcap', 229, 'ipv6-frag-negative',
                'Non-last fragments (M=1) whose data length is not a multiple of 8. (a) A: 3000-byte payload, id '
                '0x4e46000e: frame 1 fragment [0,1232); frame 2 bogus fragment [1232,2233) M=1 (1001 bytes); frame 3 '
                'fragment [1232,2464); frame 4 last fragment [2464,3008); frame 5 control. (b) B: 3000-byte payload, '
                'id 0x4e46000f: frame 6 bogus first fragment [0,1236) M=1; frames 7-9 the three correct fragments; '
                'frame 10 control. Had a bogus fragment been queued, the correct fragments would overlap it and the '
                'datagram would be lost.',
                'frames 2 and 6 dropped (ICMPv6 parameter problem, Linux ip6_frag_queue end & 7), the queue is '
                'unaffected; A delivered at frame 4, B at frame 9; controls at 5 and 10.', mtu=1280)
    a = Dgram('not_mult8/A', 3000)
    fa = a.frags(0x4e46000e)
    body = a.fragable()
    c.add(fa[0])
    c.add(frag6(a.src, a.dst, 0x4e46000e, NH_UDP, body[1232:2233], 1232, True))
    c.add(fa[1]), c.add(fa[2], [a])
    c.control()
    b = Dgram('not_mult8/B', 3000)
    fb = b.frags(0x4e46000f)
    c.add(frag6(b.src, b.dst, 0x4e46000f, NH_UDP, b.fragable()[:1236], 0, True))
    c.add_all(fb, [b])
    c.control()
    caps.append(c)

    # 9a. fragment beyond 65535
    c = Capture('nf6_oversize.pcap', 229, 'ipv6-frag-negative',
                'Fragments that end beyond 65535 bytes of fragmentable data. A: 2000-byte payload, id 0x4e460010. '
                'Frame 1: fragment [0,1232) M=1. Frame 2: last fragment (M=0) at offset 65528 with 16 bytes '
                '(end 65544). Frame 3: fragment at offset 65528 with 8 bytes, M=1 (end 65536). Frame 4: the real last '
                'fragment [1232,2008). Frame 5: control. Had frame 2 or 3 been queued, frame 4 would conflict with '
                'the recorded end and discard the datagram.',
                'frames 2 and 3 dropped (ICMPv6 parameter problem pointing at the fragment offset; Linux '
                'ip6_frag_queue end > IPV6_MAXPLEN), the queue is unaffected; A delivered at frame 4; control at 5.',
                mtu=1280)
    a = Dgram('oversize/A', 2000)
    fa = a.frags(0x4e460010)
    junk = payload('oversize/junk', 16)
    c.add(fa[0])
    c.add(frag6(a.src, a.dst, 0x4e460010, NH_UDP, junk, 65528, False))
    c.add(frag6(a.src, a.dst, 0x4e460010, NH_UDP, junk[:8], 65528, True))
    c.add(fa[1], [a])
    c.control()
    caps.append(c)

    # 9b. maximum-size datagrams
    c = Capture('nf6_maxsize.pcap', 229, 'ipv6-frag',
                'Largest datagrams, MTU 9000. M1 (frames 1-8): 65527-byte UDP '
                'payload, UDP length 65535, fragmentable part exactly 65535 bytes in 7 x 8952 + 2871 (last fragment '
                'ends at 65535), id 0x4e460011. M2 (frames 9-16): the same size with an 8-byte Destination Options header before the '
                'Fragment header (unfragmentable), 7 x 8944 + 2927 bytes, id 0x4e460012: every fragment ends at or below 65535, but the '
                'reassembled packet would have a payload length of 8 + 65535 = 65543. Frame 17: control.',
                'M1 delivered at frame 8. M2 dropped when its last fragment arrives (Linux ip6_frag_reasm: payload '
                'len > IPV6_MAXPLEN, queue discarded; RFC 8200 4.5 likewise forbids a reassembled payload length '
                'over 65535). Control at frame 17.', mtu=9000)
    m1 = Dgram('maxsize/M1', 65527)
    c.add_all(m1.frags(0x4e460011, mtu=9000), [m1])
    m2 = Dgram('maxsize/M2', 65527)
    c.add_all(m2.frags(0x4e460012, mtu=9000, pre=(NH_DSTOPTS,)))
    c.control()
    caps.append(c)

    # 10. partial overlaps with different bytes
    c = Capture('nf6_overlap_partial.pcap', 229, 'ipv6-frag-negative',
                'Partial overlaps whose overlapping bytes differ (RFC 5722). A: 3000-byte payload, id 0x4e460013, '
                'fragments A1 [0,1232) A2 [1232,2464) A3 [2464,3008). Frame 1 A1; frame 2 a bogus fragment '
                '[1224,2456) M=1 whose bytes differ from A (overlaps A1 by 8 bytes); frame 3 A2; frame 4 A3; frame 5 '
                'control; frame 6 A1 again. B: 3000-byte payload, id 0x4e460014. Frame 7 B3 [2464,3008) (last); '
                'frame 8 a bogus fragment [1240,2472) M=1 with different bytes (overlaps B3 by 8 bytes, found by the '
                'tree search rather than at the tail); frame 9 control; frames 10-12 B1 B2 B3.',
                'Frame 2: overlap -> the whole queue (A1 and the bogus fragment) is discarded (Linux '
                'inet_frag_queue_insert IPFRAG_OVERLAP, inet_frag_kill). Frames 3-4 start a fresh queue with the '
                'same key, which lacks a first fragment until A1 is retransmitted at frame 6: A is delivered at '
                'frame 6 with the correct bytes. Frame 8: overlap -> queue with B3 discarded; frames 10-12 form a '
                'fresh queue: B delivered at frame 12. linux_specific: RFC 5722 says the fragments of such a '
                'datagram not yet received must be discarded too; Linux forgets the datagram and reassembles '
                'later fragments with the same id afresh. Controls at 5 and 9.',
                linux_specific=True, mtu=1280)
    a = Dgram('overlap/A', 3000)
    fa = a.frags(0x4e460013)
    bogus = payload('overlap/A/bogus', 1232)
    c.add(fa[0])
    c.add(frag6(a.src, a.dst, 0x4e460013, NH_UDP, bogus, 1224, True))
    c.add(fa[1]), c.add(fa[2])
    c.control()
    c.add(fa[0], [a])
    b = Dgram('overlap/B', 3000)
    fb = b.frags(0x4e460014)
    c.add(fb[2])
    c.add(frag6(b.src, b.dst, 0x4e460014, NH_UDP, payload('overlap/B/bogus', 1232), 1240, True))
    c.control()
    c.add_all(fb, [b])
    caps.append(c)

    # 11. duplicates
    c = Capture('nf6_dup.pcap', 229, 'ipv6-frag',
                'Exact duplicates. A: 3000-byte payload, id 0x4e460015: frames 1-3 A1 A2 A3 in order, frame 4 a '
                'copy of A3 arriving after A was delivered; frame 5 control. B: 3000-byte payload, id 0x4e460016: '
                'frame 6 B1, frame 7 B3 (last), frame 8 B3 again, frame 9 B1 again, frame 10 B2; frame 11 control.',
                'A delivered once, at frame 3; frame 4 starts a fresh queue (the completed one is gone) that never '
                'completes - no second delivery. Frames 8 and 9 are duplicates (Linux IPFRAG_DUP): dropped, queue '
                'kept; B delivered once at frame 10. Controls at 5 and 11.', mtu=1280)
    a = Dgram('dup/A', 3000)
    fa = a.frags(0x4e460015)
    c.add_all(fa, [a])
    c.add(fa[2])
    c.control()
    b = Dgram('dup/B', 3000)
    fb = b.frags(0x4e460016)
    c.add(fb[0]), c.add(fb[2]), c.add(fb[2]), c.add(fb[0]), c.add(fb[1], [b])
    c.control()
    caps.append(c)

    # 12. inconsistent ends and zero-length fragments
    c = Capture('nf6_last_conflict.pcap', 229, 'ipv6-frag-negative',
                'Fragments inconsistent with the datagram end, 3000-byte payloads (fragments X1 [0,1232) X2 '
                '[1232,2464) X3 [2464,3008) last). (a) id 0x4e460017: frame 1 A1, frame 2 A3, frame 3 a second last '
                'fragment at offset 2464 with 552 bytes (end 3016 != 3008), frame 4 A2, frame 5 control. '
                '(b) id 0x4e460018: frame 6 B1, frame 7 B3, frame 8 a fragment [3008,3016) M=1 beyond the known '
                'end, frame 9 B2, frame 10 control. (c) id 0x4e460019: frame 11 C1, frame 12 C2, frame 13 a last '
                'fragment [1232,1240) ending before data already received (2464), frame 14 C3, frame 15 control. '
                '(d) id 0x4e46001a: frame 16 D1, frame 17 a zero-length fragment (offset 1232, M=1), frames 18-19 '
                'D2 D3, frame 20 control.',
                'Frames 3, 8, 13 and 17 each discard their whole queue (Linux ip6_frag_queue: last fragment with a '
                'different end or ending before received data, data beyond a known end, end == offset -> '
                'discard_fq). The remaining fragments (frames 4, 9, 14, 18-19) land in fresh queues without a '
                'first fragment: none of A-D is delivered. Only the controls (5, 10, 15, 20) are.', mtu=1280)
    for lbl, fid, kind in (('A', 0x4e460017, 'end'), ('B', 0x4e460018, 'beyond'), ('C', 0x4e460019, 'short'),
                           ('D', 0x4e46001a, 'zero')):
        x = Dgram('last_conflict/' + lbl, 3000)
        fx = x.frags(fid)
        body = x.fragable()
        if kind == 'end':
            c.add(fx[0]), c.add(fx[2])
            c.add(frag6(x.src, x.dst, fid, NH_UDP, body[2464:] + payload('last_conflict/A/extra', 8), 2464, False))
            c.add(fx[1])
        elif kind == 'beyond':
            c.add(fx[0]), c.add(fx[2])
            c.add(frag6(x.src, x.dst, fid, NH_UDP, payload('last_conflict/B/extra', 8), 3008, True))
            c.add(fx[1])
        elif kind == 'short':
            c.add(fx[0]), c.add(fx[1])
            c.add(frag6(x.src, x.dst, fid, NH_UDP, body[1232:1240], 1232, False))
            c.add(fx[2])
        else:
            c.add(fx[0])
            c.add(frag6(x.src, x.dst, fid, NH_UDP, b'', 1232, True))
            c.add(fx[1]), c.add(fx[2])
        c.control()
    caps.append(c)

    # 13. zero UDP checksum over IPv6
    c = Capture('nf6_udp_csum_zero.pcap', 229, 'ipv6-udp-negative',
                'UDP checksum 0 over IPv6 (RFC 8200 8.1). Frame 1: unfragmented datagram (100-byte payload) with '
                'checksum field 0; frame 2 control. Frames 3-5: 3000-byte datagram with checksum field 0 in 3 '
                'fragments (id 0x4e46001b); frame 6 control. Frame 7: a datagram (98-byte payload, last two bytes '
                'chosen so) whose computed checksum is 0, sent as 0xFFFF (RFC 768) - valid.',
                'frame 1 dropped and the datagram of frames 3-5 dropped after reassembly (IPv6 UDP with zero '
                'checksum, Linux udp6: no UDP_NO_CHECK6_RX); frame 7 delivered; controls at 2 and 6.', mtu=1280)
    a = Dgram('csum_zero/A', 100)
    c.add(ip6(a.src, a.dst, NH_UDP, with_udp_check(a.udp, 0)))
    c.control()
    b = Dgram('csum_zero/B', 3000)
    b.udp = with_udp_check(b.udp, 0)
    c.add_all(b.frags(0x4e46001b))
    c.control()
    data = payload('csum_zero/C', 98)[:96] + b'\0\0'
    hdr = struct.pack('!HHHH', SPORT, DPORT, 8 + len(data), 0)
    fix = (~ones_sum(pseudo6(SRC6, DST6, 8 + len(data)) + hdr + data)) & 0xffff
    cc = Dgram('csum_zero/C', 0, data=data[:96] + struct.pack('!H', fix))
    assert cc.udp[6:8] == b'\xff\xff'
    c.add(cc.packet(), [cc])
    caps.append(c)

    # 14. bad UDP checksums
    c = Capture('nf6_udp_csum_bad.pcap', 229, 'ipv6-udp-negative',
                'Bad UDP checksums. Frames 1-3: 3000-byte datagram (id 0x4e46001c, 3 fragments) whose checksum field '
                'is XORed with 0x5555; frame 4 control. Frames 5-7: 3000-byte datagram (id 0x4e46001d) with a correct '
                'checksum but one payload bit flipped in the second fragment (fragmentable byte 1500); frame 8 '
                'control. Frame 9: unfragmented 100-byte datagram with checksum field + 1; frame 10 control.',
                'all three datagrams dropped by the UDP checksum check (after reassembly for the fragmented ones); '
                'controls at 4, 8 and 10.', mtu=1280)
    a = Dgram('csum_bad/A', 3000)
    a.udp = with_udp_check(a.udp, struct.unpack('!H', a.udp[6:8])[0] ^ 0x5555)
    c.add_all(a.frags(0x4e46001c))
    c.control()
    b = Dgram('csum_bad/B', 3000)
    u = bytearray(b.udp)
    u[1500] ^= 0x01
    b.udp = bytes(u)
    c.add_all(b.frags(0x4e46001d))
    c.control()
    cc = Dgram('csum_bad/C', 100)
    c.add(ip6(cc.src, cc.dst, NH_UDP, with_udp_check(cc.udp, (struct.unpack('!H', cc.udp[6:8])[0] + 1) & 0xffff)))
    c.control()
    caps.append(c)

    # 15. Ethernet: VLAN, QinQ, trailers, non-IP frames
    v100 = [(0x8100, 100)]
    qinq = [(0x88A8, 200), (0x8100, 100)]
    c = Capture('nf6_ether_vlan.pcap', 1, 'linktype',
                'Ethernet II (link type 1). Frame 1: untagged IPv6 UDP (100-byte payload). Frame 2: ARP request '
                '(not IP, padded to 60 bytes). Frame 3: 802.1Q VLAN 100 tagged IPv6 UDP (100 bytes). Frame 4: '
                'QinQ - 802.1ad tag (TPID 0x88a8, VLAN 200) then 802.1Q tag (VLAN 100) - IPv6 UDP (100 bytes). '
                'Frames 5-7: 3000-byte datagram (id 0x4e46001e) fragmented for MTU 1500 (1448+1448+112 bytes of '
                'data), VLAN 100. Frame 8: untagged IPv6 UDP with an empty payload followed by 8 bytes of trailing '
                'link-layer padding (0xa5) after the IPv6 payload. Frame 9: VLAN 100 IPv6 UDP (1-byte payload) with '
                '12 trailing padding bytes. Frame 10: ICMPv6 echo request (not UDP). Frames 11-12: 2000-byte datagram '
                '(id 0x4e46001f, 2 fragments for MTU 1280) where each frame ends with 4 extra bytes (like a captured '
                'FCS); Frame 13: control.',
                'nothing that is UDP is dropped: ARP (frame 2) and ICMPv6 (frame 10) are not UDP deliveries; the '
                'trailing bytes of frames 8, 9, 11 and 12 are trimmed to the IPv6 payload length (a receiver that '
                'kept them would compute wrong fragment ends). Deliveries at frames 1, 3, 4, 7, 8, 9, 12, 13.',
                wrap=lambda ip: ether(ip), mtu=1500)
    d = Dgram('ether/plain', 100)
    c.add(d.packet(), [d])
    c.add(ether(arp_request(), ethertype=0x0806, trailer=b'\0' * 18), raw=True)
    d = Dgram('ether/vlan', 100)
    c.add(ether(d.packet(), v100), [d], raw=True)
    d = Dgram('ether/qinq', 100)
    c.add(ether(d.packet(), qinq), [d], raw=True)
    d = Dgram('ether/frag', 3000)
    fr = d.frags(0x4e46001e, mtu=1500)
    for i, f in enumerate(fr):
        c.add(ether(f, v100), [d] if i == len(fr) - 1 else (), raw=True)
    d = Dgram('ether/pad0', 0)
    c.add(ether(d.packet(), trailer=b'\xa5' * 8), [d], raw=True)
    d = Dgram('ether/pad1', 1)
    c.add(ether(d.packet(), v100, trailer=b'\xa5' * 12), [d], raw=True)
    c.add(bytes(IPv6(src=SRC6, dst=DST6, hlim=64) / ICMPv6EchoRequest(id=7, seq=1, data=payload('ether/ping', 32))))
    d = Dgram('ether/fcs', 2000)
    fr = d.frags(0x4e46001f)
    c.add(ether(fr[0], trailer=b'\x12\x34\x56\x78'), raw=True)
    c.add(ether(fr[1], trailer=b'\x9a\xbc\xde\xf0'), [d], raw=True)
    c.control()
    caps.append(c)

    # 15b. Ethernet padding on small IPv4 frames
    c = Capture('nf4_ether_padding.pcap', 1, 'ipv4',
                'Ethernet II, IPv4 UDP 10.200.1.1:40001 -> 10.200.1.2:5000 in frames shorter than the 60-byte '
                'Ethernet minimum, padded as a NIC would. Frame 1: empty UDP payload (42-byte frame + 18 zero '
                'bytes). Frame 2: 1-byte payload + 17 bytes of 0xff padding. Frame 3: VLAN 100 tagged, 5-byte '
                'payload, padded to 64 bytes with 0xa5. Frame 4: 100-byte payload, no padding.',
                'nothing dropped; the padding after the IPv4 total length is trimmed; deliveries at frames 1-4.',
                wrap=lambda ip: ether(ip))
    for i, (n, tags, fill, size) in enumerate(((0, (), 0x00, 60), (1, (), 0xff, 60), (5, v100, 0xa5, 64),
                                                (100, (), 0, 0))):
        d = Dgram('ether4/%d' % n, n, src=SRC4, dst=DST4)
        f = ether(d.packet4(ident=0x100 + i), tags)
        c.add(f + bytes([fill]) * max(0, size - len(f)), [d], raw=True)
    caps.append(c)

    # 16. Linux cooked captures
    for file, lt, wrap, name in (('nf6_sll.pcap', 113, sll, 'LINUX_SLL (113, 16-byte header)'),
                                 ('nf6_sll2.pcap', 276, sll2, 'LINUX_SLL2 (276, 20-byte header)')):
        c = Capture(file, lt, 'linktype',
                    'Linux cooked capture %s, packet type 0 (to us), ARPHRD_ETHER. Frame 1: IPv6 UDP (100-byte '
                    'payload). Frame 2: ARP (protocol 0x0806). Frames 3-5: 3000-byte datagram (id 0x4e460020) in 3 '
                    'fragments for MTU 1280, sent last-to-first.' % name,
                    'nothing dropped; ARP is not UDP; deliveries at frames 1 and 5.', wrap=wrap, mtu=1280)
        d = Dgram(file + '/small', 100)
        c.add(d.packet(), [d])
        c.add(wrap(arp_request(), 0x0806), raw=True)
        d = Dgram(file + '/frag', 3000)
        fr = d.frags(0x4e460020)
        c.add(fr[2]), c.add(fr[1]), c.add(fr[0], [d])
        caps.append(c)

    # 17. pcapng
    c = Capture('nf6_pcapng.pcapng', 229, 'file-format',
                'pcapng written by Scapy 2.5 PcapNgWriter (little-endian, SHB + IDB with link type 229 and the default '
                'microsecond resolution + EPBs). Frames 1-5: 5000-byte datagram (id 0x4e460021, 5 fragments at MTU '
                '1280) in the order random.Random(5000).shuffle gives: %s. Frame 6: 100-byte datagram.',
                'nothing dropped; deliveries at frames 5 and 6.', fmt='pcapng', mtu=1280)
    d = Dgram('pcapng/frag', 5000)
    fr = d.frags(0x4e460021)
    order = list(range(len(fr)))
    random.Random(5000).shuffle(order)
    c.description %= order
    c.add_all([fr[i] for i in order], [d])
    d = Dgram('pcapng/small', 100)
    c.add(d.packet(), [d])
    caps.append(c)

    c = Capture('nf6_pcapng_be.pcapng', 229, 'file-format',
                'Hand-written BIG-ENDIAN pcapng: SHB (with shb_userappl), IDB (link type 229, if_name, if_tsresol = 9 '
                'i.e. nanosecond timestamps), a Name Resolution Block, EPBs (every third carries an opt_comment) and '
                'an Interface Statistics Block after the last packet - readers must honour the byte-order magic and '
                'skip the non-packet blocks. Frames 1-6: datagrams A (2500 bytes, id 0x4e460022) and B (2600 bytes, '
                'id 0x4e460023), 3 fragments each at MTU 1280, sent A1 B1 A2 B2 B3 A3. Frame 7: 100-byte datagram.',
                'nothing dropped; B delivered at frame 5, A at 6, the small datagram at 7.', fmt='pcapng-be', mtu=1280)
    a, b = Dgram('pcapng_be/A', 2500), Dgram('pcapng_be/B', 2600)
    fa, fb = a.frags(0x4e460022), b.frags(0x4e460023)
    c.add(fa[0]), c.add(fb[0]), c.add(fa[1]), c.add(fb[1]), c.add(fb[2], [b]), c.add(fa[2], [a])
    d = Dgram('pcapng_be/small', 100)
    c.add(d.packet(), [d])
    caps.append(c)

    # 18. nanosecond and big-endian pcap
    c = Capture('nf6_nanosecond.pcap', 229, 'file-format',
                'Classic pcap with nanosecond timestamps (magic 0xa1b23c4d, little-endian; Scapy PcapWriter '
                'nano=True); records 1.000789 ms apart. Frames 1-4: 4000-byte datagram (id 0x4e460024, 4 fragments '
                'at MTU 1280) sent last-to-first. Frame 5: 100-byte datagram.',
                'nothing dropped; deliveries at frames 4 and 5.', fmt='pcap-nano', mtu=1280)
    d = Dgram('nano/frag', 4000)
    fr = d.frags(0x4e460024)
    c.add_all(fr[::-1], [d])
    d = Dgram('nano/small', 100)
    c.add(d.packet(), [d])
    caps.append(c)

    c = Capture('nf6_bigendian.pcap', 229, 'file-format',
                'Classic pcap written BIG-ENDIAN (magic a1 b2 c3 d4 in file order, microsecond timestamps). '
                'Frames 1-3: 3000-byte datagram (id 0x4e460025, 3 fragments at MTU 1280) sent 1,3,2. Frame 4: 100-byte '
                'datagram.',
                'nothing dropped; deliveries at frames 3 and 4.', fmt='pcap-be', mtu=1280)
    d = Dgram('bigendian/frag', 3000)
    fr = d.frags(0x4e460025)
    c.add(fr[0]), c.add(fr[2]), c.add(fr[1], [d])
    d = Dgram('bigendian/small', 100)
    c.add(d.packet(), [d])
    caps.append(c)

    # 19. unfragmented IPv4
    c = Capture('nf4_udp.pcap', 228, 'ipv4',
                'Unfragmented IPv4 UDP 10.200.1.1:40001 -> 10.200.1.2:5000 (link type 228). Frame 1: 100-byte '
                'payload. Frame 2: empty payload. Frame 3: 77-byte payload with UDP checksum 0 (no checksum, valid '
                'over IPv4). Frame 4: 100-byte payload with a wrong IPv4 header checksum; frame 5 control. Frame 6: '
                '100-byte payload with a wrong UDP checksum; frame 7 control. Frame 8: IPv4 header with 4 bytes of '
                'options (4 x NOP, IHL 6), 60-byte payload. Frame 9: 50-byte payload with 4 extra bytes after the '
                'IPv4 total length. Frame 10: total length 20 bytes larger than the packet; frame 11 control.',
                'frame 4 dropped (bad IPv4 header checksum), frame 6 dropped (bad UDP checksum), frame 10 dropped '
                '(total length exceeds the received bytes); the options of frame 8 are skipped; the surplus bytes '
                'of frame 9 are trimmed. Deliveries at 1, 2, 3, 5, 7, 8, 9, 11 (controls are IPv4, dport 5001).')
    d = Dgram('ipv4/100', 100, src=SRC4, dst=DST4)
    c.add(d.packet4(ident=1), [d])
    d = Dgram('ipv4/0', 0, src=SRC4, dst=DST4)
    c.add(d.packet4(ident=2), [d])
    d = Dgram('ipv4/csum0', 77, src=SRC4, dst=DST4)
    d.udp = with_udp_check(d.udp, 0)
    c.add(d.packet4(ident=3), [d])
    d = Dgram('ipv4/badhdr', 100, src=SRC4, dst=DST4)
    p = bytearray(d.packet4(ident=4))
    p[10] ^= 0x01
    c.add(bytes(p))
    c.control(v4=True)
    d = Dgram('ipv4/badudp', 100, src=SRC4, dst=DST4)
    d.udp = with_udp_check(d.udp, (struct.unpack('!H', d.udp[6:8])[0] + 1) & 0xffff)
    c.add(d.packet4(ident=5))
    c.control(v4=True)
    d = Dgram('ipv4/options', 60, src=SRC4, dst=DST4)
    pkt = d.packet4(ident=6, options=[IPOption_NOP()] * 4)
    assert pkt[0] == 0x46
    c.add(pkt, [d])
    d = Dgram('ipv4/trailer', 50, src=SRC4, dst=DST4)
    c.add(d.packet4(ident=7) + b'\xee' * 4, [d])
    d = Dgram('ipv4/short', 100, src=SRC4, dst=DST4)
    c.add(bytes(IP(src=SRC4, dst=DST4, id=8, flags=0, ttl=64, proto=17, len=20 + 8 + 100 + 20) / Raw(d.udp)))
    c.control(v4=True)
    caps.append(c)

    # 20. many small two-fragment datagrams
    c = Capture('nf6_small_2frag.pcap', 229, 'ipv6-frag',
                'Fifty IPv6 UDP datagrams with payload sizes 1..50, each cut into exactly 2 fragments at an 8-byte '
                'boundary k = max(8, ((8 + n) // 2) // 8 * 8) of the UDP datagram (so the first fragment always '
                'holds the whole UDP header; a 1-byte payload gives fragments of 8 and 1 bytes); Fragment id '
                '0x20000000 + n. Even n: first fragment then last; odd n: last fragment then first. 100 records.',
                'nothing dropped; datagram n is delivered at frame 2n.')
    for n in range(1, 51):
        d = Dgram('small2/%d' % n, n)
        k = max(8, ((8 + n) // 2) // 8 * 8)
        f1 = frag6(d.src, d.dst, 0x20000000 + n, NH_UDP, d.udp[:k], 0, True)
        f2 = frag6(d.src, d.dst, 0x20000000 + n, NH_UDP, d.udp[k:], k, False)
        if n % 2 == 0:
            c.add(f1), c.add(f2, [d])
        else:
            c.add(f2), c.add(f1, [d])
    caps.append(c)

    # 21. ECN
    c = Capture('nf6_ecn.pcap', 229, 'ipv6-frag',
                'ECN codepoints (low 2 bits of the Traffic Class) across fragments; 3000-byte datagrams, 3 fragments '
                'at MTU 1280. A (id 0x4e460026, frames 1-3): ECT(0) with DSCP EF, CE, ECT(0) with DSCP AF11. B '
                '(id 0x4e460027, frames 4-6): ECT(0), ECT(1), ECT(0). C (id 0x4e460028, frames 7-9): Not-ECT, CE, '
                'Not-ECT; frame 10 control. D (id 0x4e460029, frames 11-13): Not-ECT, ECT(0), ECT(0); frame 14 '
                'control.',
                'A and B delivered (at 3 and 6; A\'s reassembled packet carries CE). C and D dropped when they '
                'complete (frames 9 and 13): Linux ip_frag_ecn_table rejects a mix of Not-ECT with ECT/CE (RFC 3168 '
                '5.3), the queue is discarded. Controls at 10 and 14.', linux_specific=True, mtu=1280)
    for lbl, fid, tcs, ok in (('A', 0x4e460026, (0xb8 | 2, 3, 0x28 | 2), True), ('B', 0x4e460027, (2, 1, 2), True),
                              ('C', 0x4e460028, (0, 3, 0), False), ('D', 0x4e460029, (0, 2, 2), False)):
        x = Dgram('ecn/' + lbl, 3000)
        fx = x.frags(fid)
        for i, f in enumerate(fx):
            f = ip6(x.src, x.dst, f[6], f[40:], tc=tcs[i])
            c.add(f, [x] if ok and i == len(fx) - 1 else ())
        if not ok:
            c.control()
    caps.append(c)

    # 22. IPv6 payload length vs captured bytes
    c = Capture('nf6_length.pcap', 229, 'ipv6-length',
                'IPv6 Payload Length versus the bytes received. Frame 1: 100-byte datagram followed by 6 surplus '
                'bytes after the IPv6 payload. Frame 2: 100-byte datagram whose Payload Length claims 10 more bytes '
                'than are present; frame 3 control. Frames 4-5: 2000-byte datagram (id 0x4e46002a, 2 fragments) where '
                'the first fragment is followed by 8 surplus bytes (if they were counted the fragment would end at '
                '1240, overlap the second fragment and kill the datagram).',
                'frame 2 dropped (Payload Length exceeds the packet, Linux ipv6_rcv truncated); surplus bytes of '
                'frames 1 and 4 are trimmed; deliveries at 1, 3 (control) and 5.', mtu=1280)
    d = Dgram('length/trailer', 100)
    c.add(d.packet() + b'\x5a' * 6, [d])
    d = Dgram('length/short', 100)
    c.add(ip6(d.src, d.dst, NH_UDP, d.udp, plen=len(d.udp) + 10))
    c.control()
    d = Dgram('length/frag', 2000)
    fr = d.frags(0x4e46002a)
    c.add(fr[0] + payload('length/frag/junk', 8)), c.add(fr[1], [d])
    caps.append(c)

    # 23. UDP length field
    c = Capture('nf6_udp_len.pcap', 229, 'ipv6-udp-negative',
                'UDP Length versus the IPv6 payload. Frame 1: UDP Length 58 (50-byte payload, checksum over those 58 '
                'bytes) inside an IPv6 payload of 78 bytes (20 surplus bytes after the UDP datagram). Frame 2: UDP '
                'Length 20 bytes larger than the IPv6 payload; frame 3 control. Frame 4: UDP Length 7; frame 5 '
                'control.',
                'frame 1 delivered with the 50 bytes the UDP Length covers (Linux udp6: pskb_trim_rcsum to ulen); '
                'frames 2 and 4 dropped (Linux udp6: short packet); controls at 3 and 5.',
                linux_specific=True)
    d = Dgram('udplen/surplus', 50)
    c.add(ip6(d.src, d.dst, NH_UDP, d.udp + payload('udplen/surplus/extra', 20)), [d])
    d = Dgram('udplen/long', 100)
    u = bytearray(d.udp)
    u[4:6] = struct.pack('!H', len(d.udp) + 20)
    u[6:8] = b'\0\0'
    ck = (~ones_sum(pseudo6(d.src, d.dst, len(d.udp) + 20) + bytes(u))) & 0xffff
    u[6:8] = struct.pack('!H', ck or 0xffff)
    c.add(ip6(d.src, d.dst, NH_UDP, bytes(u)))
    c.control()
    d = Dgram('udplen/tiny', 100)
    u = bytearray(d.udp)
    u[4:6] = struct.pack('!H', 7)
    c.add(ip6(d.src, d.dst, NH_UDP, bytes(u)))
    c.control()
    caps.append(c)

    # 24. LINKTYPE_RAW (101): IPv6 and IPv4 by version nibble
    c = Capture('nf_raw101.pcap', 101, 'linktype',
                'LINKTYPE_RAW (101): raw IP, version told by the first nibble. Frames 1-3: IPv6 3000-byte datagram '
                '(id 0x4e46002b, 3 fragments at MTU 1280) in order. Frame 4: IPv6 100-byte datagram. Frame 5: IPv4 '
                'UDP 10.200.1.1:40001 -> 10.200.1.2:5000, 100-byte payload.',
                'nothing dropped; deliveries at frames 3, 4 and 5.', mtu=1280)
    d = Dgram('raw101/frag', 3000)
    c.add_all(d.frags(0x4e46002b), [d])
    d = Dgram('raw101/small6', 100)
    c.add(d.packet(), [d])
    d = Dgram('raw101/small4', 100, src=SRC4, dst=DST4)
    c.add(d.packet4(ident=9), [d])
    caps.append(c)

    return caps


# ----------------------------------------------------------------------------------------------------------------
# optional: replay into the running Linux kernel
# ----------------------------------------------------------------------------------------------------------------

def strip_link(linktype, frame):
    """The IP packet (with any trailing bytes) of a record, or None for non-IP frames."""
    if linktype == 1:
        et, off = struct.unpack('!H', frame[12:14])[0], 14
        while et in (0x8100, 0x88A8, 0x9100):
            et, off = struct.unpack('!H', frame[off + 2:off + 4])[0], off + 4
    elif linktype == 113:
        et, off = struct.unpack('!H', frame[14:16])[0], 16
    elif linktype == 276:
        et, off = struct.unpack('!H', frame[0:2])[0], 20
    else:
        return frame
    return frame[off:] if et in (0x0800, 0x86DD) else None


def kernel_child(outdir, file):
    """Runs inside `unshare -n`: prints the JSON list of datagrams the kernel delivered, with record numbers."""
    import fcntl
    import select
    import subprocess
    import time
    manifest = json.load(open(os.path.join(outdir, 'manifest.json')))
    cap = [c for c in manifest['captures'] if c['file'] == file][0]
    tun = os.open('/dev/net/tun', os.O_RDWR)
    fcntl.ioctl(tun, 0x400454ca, struct.pack('16sH', b'nf0', 0x0001 | 0x1000))  # TUNSETIFF, IFF_TUN | IFF_NO_PI
    for cmd in ('ip link set lo up', 'ip link set nf0 mtu 65535 up',
                'sysctl -qw net.ipv4.conf.all.rp_filter=0 net.ipv4.conf.nf0.rp_filter=0',
                'ip -6 addr add %s/64 dev nf0 nodad' % DST6, 'ip -6 addr add %s/64 dev nf0 nodad' % DST6B,
                'ip addr add %s/24 dev nf0' % DST4, 'ip -6 route add fc00:1::/64 dev nf0'):
        subprocess.run(cmd.split(), check=True)
    socks = {}
    for fam, host in ((socket.AF_INET6, '::'), (socket.AF_INET, '0.0.0.0')):
        for port in (DPORT, CONTROL_DPORT):
            s = socket.socket(fam, socket.SOCK_DGRAM)
            if fam == socket.AF_INET6:
                s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
                s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_RECVPKTINFO, 1)
            else:
                s.setsockopt(socket.IPPROTO_IP, IP_PKTINFO, 1)
            s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4 << 20)
            s.bind((host, port))
            s.setblocking(False)
            socks[s] = port
    time.sleep(0.2)
    fmt = 'pcapng' if file.endswith('.pcapng') else 'pcap'
    got = []
    for i, rec in enumerate(read_back(os.path.join(outdir, file), fmt), 1):
        ip = strip_link(cap['linktype'], rec)
        if ip is not None:
            os.write(tun, ip)
        deadline = time.time() + 0.05
        while True:
            ready, _, _ = select.select(list(socks), [], [], max(0.0, deadline - time.time()))
            if not ready:
                break
            for s in ready:
                try:
                    data, anc, _flags, addr = s.recvmsg(70000, 256)
                except BlockingIOError:
                    continue  # a queued datagram whose checksum fails is discarded at recv time
                dst = None
                for level, typ, val in anc:
                    if s.family == socket.AF_INET6 and typ == socket.IPV6_PKTINFO:
                        dst = socket.inet_ntop(socket.AF_INET6, val[:16])
                    elif s.family == socket.AF_INET and typ == IP_PKTINFO:
                        dst = socket.inet_ntoa(val[8:12])
                got.append({'src': addr[0], 'dst': dst, 'sport': addr[1], 'dport': socks[s], 'length': len(data),
                            'sha256': hashlib.sha256(data).hexdigest(), 'frame': i})
    print(json.dumps(got))


def kernel_check(outdir):
    import platform
    import subprocess
    manifest = json.load(open(os.path.join(outdir, 'manifest.json')))
    failures = 0
    for c in manifest['captures']:
        out = subprocess.run(['unshare', '-n', sys.executable, os.path.abspath(__file__), '--kernel-child', outdir,
                              c['file']], capture_output=True, text=True)
        if out.returncode:
            failures += 1
            sys.stderr.write('%s: kernel replay failed\n%s' % (c['file'], out.stderr[-2000:]))
            continue
        got = json.loads(out.stdout.strip().splitlines()[-1])
        want = [{k: v for k, v in e.items() if k != 'role'} for e in c['expected']]
        ok = got == want
        failures += not ok
        print('kernel %s %-28s %s' % (platform.release(), c['file'], 'agrees' if ok else 'DIFFERS'))
        if not ok:
            sys.stderr.write('  manifest: %s\n  kernel:   %s\n' % (json.dumps(want), json.dumps(got)))
    return failures


CONVENTIONS = {
    'file': 'path relative to the directory holding this manifest',
    'linktype': 'pcap link-layer header type: 1 = Ethernet (802.1Q / 802.1ad tags possible), 101 = LINKTYPE_RAW '
                '(IPv4/IPv6 by version nibble), 113 = LINKTYPE_LINUX_SLL, 228 = LINKTYPE_IPV4, 229 = LINKTYPE_IPV6, '
                '276 = LINKTYPE_LINUX_SLL2. Files are classic pcap (microsecond, or nanosecond magic 0xa1b23c4d, '
                'either byte order) or pcapng (.pcapng).',
    'receiver': 'each capture is processed independently by a fresh receiver (empty reassembly queues) that owns '
                'every destination address used here [\'fc00:2::1\', \'fc00:2::2\', \'10.200.1.2\'] and has a UDP '
                'socket on every destination port. Reassembly timeouts never fire (all captures are short).',
    'expected': 'UDP datagrams delivered by a Linux-like receiver, in delivery order; a datagram is delivered when '
                'its last missing fragment arrives. src/dst/sport/dport are those of the delivered UDP datagram. '
                'length = UDP payload length in bytes (UDP length field - 8). sha256 = hex SHA-256 of the UDP '
                'payload. frame = 1-based record number whose arrival delivers it. Optional: role \'control\' (an '
                'extra plain datagram to dport 5001 appended after a negative case, so that a stalled receiver is '
                'noticed).',
    'sas': 'always empty here (no ESP in these captures)',
    'linux_specific': 'true where the outcome follows Linux\'s implementation rather than an RFC MUST',
    'generator': 'handlers-tests/src/test/scapy/make_captures.py (Debian python3-scapy 2.5.0); regenerate with '
                 '/usr/bin/python3 handlers-tests/src/test/scapy/make_captures.py handlers-tests/src/test/resources/captures. '
                 'Each capture\'s expectations are written by hand and re-derived from the written file by an '
                 'independent Linux-model receiver in the same script; generation fails if they differ. '
                 'With --kernel-check the script also replays every capture into the running kernel (fresh network '
                 'namespace per capture, TUN device, UDP sockets); this set agreed with Linux 6.18.44 on every '
                 'delivery (src, dst, ports, payload, record).',
}


def main(argv):
    if len(argv) == 4 and argv[1] == '--kernel-child':
        kernel_child(argv[2], argv[3])
        return 0
    if len(argv) not in (2, 3) or (len(argv) == 3 and argv[2] != '--kernel-check'):
        sys.stderr.write('usage: %s OUTPUT_DIR [--kernel-check]\n' % argv[0])
        return 2
    outdir = argv[1]
    os.makedirs(outdir, exist_ok=True)
    if scapy.VERSION != '2.5.0':
        sys.stderr.write('warning: Scapy %s, the committed files were made with 2.5.0\n' % scapy.VERSION)
    caps = build()
    manifest_caps = []
    failures = 0
    total = 0
    for cap in caps:
        path = os.path.join(outdir, cap.file)
        write_capture(cap, path)
        back = read_back(path, cap.fmt)
        if back != cap.records:
            sys.stderr.write('%s: Scapy reads back different records\n' % cap.file)
            failures += 1
        got = model_expected(cap, back)
        want = [{k: v for k, v in e.items() if k != 'role'} for e in cap.expected]
        if got != want:
            failures += 1
            sys.stderr.write('%s: expectations differ from the Linux model\n  hand:  %s\n  model: %s\n'
                             % (cap.file, json.dumps(want), json.dumps(got)))
        with open(path, 'rb') as f:
            blob = f.read()
        total += len(blob)
        entry = {'file': cap.file, 'linktype': cap.linktype, 'linktype_name': LINKTYPE_NAMES[cap.linktype],
                 'category': cap.category, 'packets': len(cap.records)}
        if cap.mtu:
            entry['mtu'] = cap.mtu
        entry.update({'description': cap.description, 'sas': [], 'expected': cap.expected, 'dropped': cap.dropped})
        if cap.linux_specific:
            entry['linux_specific'] = True
        entry.update({'bytes': len(blob), 'pcap_sha256': hashlib.sha256(blob).hexdigest()})
        manifest_caps.append(entry)
        print('%-28s %4d records %3d deliveries %7d bytes' % (cap.file, len(cap.records), len(cap.expected),
                                                               len(blob)))
    manifest = {
        'corpus': 'netfrag\'s own Scapy-generated IPv6/IPv4 fragment reassembly + UDP delivery test captures '
                  '(complements fixtures/)',
        'root': '.',
        'conventions': CONVENTIONS,
        'captures': manifest_caps,
    }
    with open(os.path.join(outdir, 'manifest.json'), 'w') as f:
        json.dump(manifest, f, indent=1)
        f.write('\n')
    print('%d captures, %d bytes of captures' % (len(caps), total))
    if len(argv) == 3:
        failures += kernel_check(outdir)
    if failures:
        sys.stderr.write('%d check(s) failed\n' % failures)
        return 1
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv))

/*
 * A sender for netfrag's `server` that costs next to nothing per fragment, so a receiver's figure is the receiver's:
 * one 60000-byte UDP datagram (fc00:1::1 -> fc00:2::1 for IPv6, 10.1.0.1 -> 10.2.0.1 for IPv4, payload zeros),
 * fragmented once at MTU 1500 (42 IPv6 fragments of 1448 payload bytes, 41 IPv4 ones of 1480), each fragment carried
 * in one outer UDP datagram; every send(2) carries a whole datagram's fragments with UDP GSO (UDP_SEGMENT), the
 * fragment identification incremented per datagram (and the IPv4 header checksums redone).
 * Usage: frag-send ADDRESS PORT 6|4 SECONDS [esp]   (prints the offered goodput, Gbit/s of inner UDP payload)
 *
 * With `esp` each datagram is first protected as Linux's output path does (ESP in transport mode, then fragmented):
 * rfc4106(gcm(aes)), SPI 0x1000, key and salt 0x0b0b…0b (20 bytes), ICV 16 bytes, sequence number and IV counting
 * from 1 — the SA perf/per-fragment.sh gives the server, with replay-window 0. OpenSSL's libcrypto seals.
 *
 * With `raw SOURCE DESTINATION PORT SECONDS` the same fragments (between those addresses, to that UDP port) go out
 * bare through a raw socket, a datagram's fragments per sendmmsg(2): the kernel's own reassembly fed as cheaply.
 * Written in C for the same reason as gso-send.c: the sender must not be the limit on a 2-core machine.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include <openssl/evp.h>
#ifndef UDP_SEGMENT
#define UDP_SEGMENT 103
#endif

#define PAYLOAD 60000
#define UDP_LEN (PAYLOAD + 8)

static uint32_t sum16(const uint8_t *p, size_t n, uint32_t s) {
    for (size_t i = 0; i + 1 < n; i += 2) s += (uint32_t) (p[i] << 8 | p[i + 1]);
    if (n & 1) s += (uint32_t) p[n - 1] << 8;
    return s;
}

static uint16_t fold(uint32_t s) {
    while (s >> 16) s = (s & 0xffff) + (s >> 16);
    return (uint16_t) ~s;
}

static double since(const struct timespec *t0) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double) (t.tv_sec - t0->tv_sec) + (double) (t.tv_nsec - t0->tv_nsec) / 1e9;
}

int main(int argc, char **argv) {
    int raw = argc == 6 && strcmp(argv[1], "raw") == 0;
    int esp = argc == 6 && strcmp(argv[5], "esp") == 0;
    if (argc != 5 && !raw && !esp) {
        fprintf(stderr, "usage: frag-send ADDRESS PORT 6|4 SECONDS [esp] | frag-send raw SOURCE DESTINATION PORT SECONDS\n");
        return 2;
    }
    const char *host = raw ? argv[3] : argv[1];
    int port = atoi(raw ? argv[4] : argv[2]), v6 = raw ? strchr(host, ':') != NULL : atoi(argv[3]) == 6;
    double seconds = atof(argv[raw ? 5 : 4]);
    /* the inner datagram: UDP header + zeros, checksum over the pseudo-header */
    uint8_t *udp = calloc(1, UDP_LEN);
    udp[0] = 0x30; udp[1] = 0x39;                       /* source port 12345 */
    udp[2] = 0x30; udp[3] = 0x3a;                       /* destination port 12346 */
    udp[4] = UDP_LEN >> 8; udp[5] = UDP_LEN & 0xff;
    uint8_t src6[16] = {0xfc, 0, 0, 1}, dst6[16] = {0xfc, 0, 0, 2}, src4[4] = {10, 1, 0, 1}, dst4[4] = {10, 2, 0, 1};
    src6[15] = 1; dst6[15] = 1;
    if (raw) {
        int ok = v6 ? inet_pton(AF_INET6, argv[2], src6) == 1 && inet_pton(AF_INET6, argv[3], dst6) == 1
                    : inet_pton(AF_INET, argv[2], src4) == 1 && inet_pton(AF_INET, argv[3], dst4) == 1;
        if (!ok) { fprintf(stderr, "frag-send: bad addresses %s %s\n", argv[2], argv[3]); return 2; }
        udp[2] = (uint8_t) (port >> 8); udp[3] = (uint8_t) port;
    }
    uint32_t s = 0;
    if (v6) { s = sum16(src6, 16, s); s = sum16(dst6, 16, s); s += UDP_LEN >> 16; s += UDP_LEN & 0xffff; s += 17; }
    else { s = sum16(src4, 4, s); s = sum16(dst4, 4, s); s += 17; s += UDP_LEN; }
    s = sum16(udp, UDP_LEN, s);
    uint16_t c = fold(s);
    if (c == 0) c = 0xffff;
    udp[6] = c >> 8; udp[7] = c & 0xff;
    /* what is fragmented: the UDP datagram, or its ESP packet (header 16, UDP + 2 padding + trailer 2, ICV 16) */
    const int ESP_LEN = 16 + UDP_LEN + 4 + 16;
    int length = esp ? ESP_LEN : UDP_LEN;
    uint8_t *body = esp ? calloc(1, (size_t) ESP_LEN) : udp;
    uint8_t key[16], salt[4];
    memset(key, 0x0b, sizeof key);
    memset(salt, 0x0b, sizeof salt);
    EVP_CIPHER_CTX *gcm = EVP_CIPHER_CTX_new();
    if (esp) {
        body[2] = 0x10;                                  /* SPI 0x1000 */
        memcpy(body + 16, udp, UDP_LEN);
        body[16 + UDP_LEN] = 1; body[16 + UDP_LEN + 1] = 2; /* padding 1, 2 */
        body[16 + UDP_LEN + 2] = 2;                      /* pad length */
        body[16 + UDP_LEN + 3] = 17;                     /* next header: UDP */
        if (EVP_EncryptInit_ex(gcm, EVP_aes_128_gcm(), NULL, NULL, NULL) != 1) { fprintf(stderr, "frag-send: no AES-GCM\n"); return 1; }
    }
    uint8_t *plain = esp ? malloc((size_t) UDP_LEN + 4) : NULL;
    if (esp) memcpy(plain, body + 16, (size_t) UDP_LEN + 4);
    /* fragments: equal-sized but the last, laid out back to back as GSO wants them */
    int header = v6 ? 48 : 20, per = v6 ? 1448 : 1480;
    int count = (length + per - 1) / per, segment = header + per;
    uint8_t *msg = calloc((size_t) count, (size_t) segment);
    size_t total = 0;
    for (int i = 0; i < count; i++) {
        int off = i * per, len = length - off < per ? length - off : per, more = i < count - 1;
        uint8_t *f = msg + total;
        if (v6) {
            f[0] = 0x60;
            f[4] = (uint8_t) ((len + 8) >> 8); f[5] = (uint8_t) ((len + 8) & 0xff);
            f[6] = 44; f[7] = 64;
            memcpy(f + 8, src6, 16); memcpy(f + 24, dst6, 16);
            f[40] = esp ? 50 : 17; f[42] = (uint8_t) (off >> 8); f[43] = (uint8_t) ((off & 0xf8) | more);
        } else {
            f[0] = 0x45;
            f[2] = (uint8_t) ((len + 20) >> 8); f[3] = (uint8_t) ((len + 20) & 0xff);
            f[6] = (uint8_t) (((off / 8) >> 8) | (more ? 0x20 : 0)); f[7] = (uint8_t) ((off / 8) & 0xff);
            f[8] = 64; f[9] = esp ? 50 : 17;
            memcpy(f + 12, src4, 4); memcpy(f + 16, dst4, 4);
        }
        memcpy(f + header, body + off, (size_t) len);
        total += (size_t) (header + len);
    }
    struct sockaddr_storage ss;
    memset(&ss, 0, sizeof ss);
    socklen_t alen;
    if (raw) port = 0; /* the raw socket's address names the destination only */
    int family = strchr(host, ':') ? AF_INET6 : AF_INET;
    if (family == AF_INET6) {
        struct sockaddr_in6 *a = (struct sockaddr_in6 *) &ss;
        a->sin6_family = AF_INET6; a->sin6_port = htons(port); alen = sizeof *a;
        if (inet_pton(AF_INET6, host, &a->sin6_addr) != 1) { fprintf(stderr, "frag-send: bad address %s\n", host); return 2; }
    } else {
        struct sockaddr_in *a = (struct sockaddr_in *) &ss;
        a->sin_family = AF_INET; a->sin_port = htons(port); alen = sizeof *a;
        if (inet_pton(AF_INET, host, &a->sin_addr) != 1) { fprintf(stderr, "frag-send: bad address %s\n", host); return 2; }
    }
    int fd = raw ? socket(family, SOCK_RAW, IPPROTO_RAW) : socket(family, SOCK_DGRAM, 0);
    if (fd < 0 || connect(fd, (struct sockaddr *) &ss, alen) != 0) { perror("frag-send: socket"); return 1; }
    if (!raw && setsockopt(fd, IPPROTO_UDP, UDP_SEGMENT, &segment, sizeof segment) != 0) { perror("frag-send: UDP_SEGMENT"); return 1; }
    struct mmsghdr msgs[64];
    struct iovec iov[64];
    memset(msgs, 0, sizeof msgs);
    for (int i = 0, at = 0; i < count; i++) {
        int len = i < count - 1 ? segment : (int) total - at;
        iov[i].iov_base = msg + at;
        iov[i].iov_len = (size_t) len;
        msgs[i].msg_hdr.msg_iov = &iov[i];
        msgs[i].msg_hdr.msg_iovlen = 1;
        at += len;
    }
    struct timespec t0;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    long long sent = 0;
    for (uint32_t id = 1;; id++) {
        if (esp) { /* sequence number and IV = id; seal into the body, then copy it into the fragments */
            uint8_t nonce[12], *seq = body + 4, *iv = body + 8;
            seq[0] = (uint8_t) (id >> 24); seq[1] = (uint8_t) (id >> 16); seq[2] = (uint8_t) (id >> 8); seq[3] = (uint8_t) id;
            memset(iv, 0, 4); memcpy(iv + 4, seq, 4);
            memcpy(nonce, salt, 4); memcpy(nonce + 4, iv, 8);
            int out = 0;
            if (EVP_EncryptInit_ex(gcm, NULL, NULL, key, nonce) != 1
                    || EVP_EncryptUpdate(gcm, NULL, &out, body, 8) != 1
                    || EVP_EncryptUpdate(gcm, body + 16, &out, plain, UDP_LEN + 4) != 1
                    || EVP_EncryptFinal_ex(gcm, body + 16 + out, &out) != 1
                    || EVP_CIPHER_CTX_ctrl(gcm, EVP_CTRL_GCM_GET_TAG, 16, body + ESP_LEN - 16) != 1) {
                fprintf(stderr, "frag-send: sealing failed\n");
                return 1;
            }
            for (int i = 0; i < count; i++) {
                int off = i * per, len = length - off < per ? length - off : per;
                memcpy(msg + (size_t) i * (size_t) segment + header, body + off, (size_t) len);
            }
        }
        for (int i = 0; i < count; i++) {
            uint8_t *f = msg + (size_t) i * (size_t) segment;
            if (v6) {
                f[44] = (uint8_t) (id >> 24); f[45] = (uint8_t) (id >> 16); f[46] = (uint8_t) (id >> 8); f[47] = (uint8_t) id;
            } else {
                uint16_t id16 = (uint16_t) (id % 65535 + 1); /* never 0: a raw socket would pick one per fragment */
                f[4] = (uint8_t) (id16 >> 8); f[5] = (uint8_t) id16;
                f[10] = f[11] = 0;
                uint16_t h = fold(sum16(f, 20, 0));
                f[10] = h >> 8; f[11] = h & 0xff;
            }
        }
        if (raw ? sendmmsg(fd, msgs, (unsigned) count, 0) == count : send(fd, msg, total, 0) > 0) sent++;
        if ((id & 63) == 0 && since(&t0) >= seconds) break;
    }
    printf("%.3f\n", (double) sent * PAYLOAD * 8 / since(&t0) / 1e9);
    return 0;
}

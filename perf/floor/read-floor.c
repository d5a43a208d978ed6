/*
 * The reader of perf/read-floor.sh: the least a user-space receiver can do with one datagram per read — read it and
 * count its bytes. MODE: recv (no source address), recvmsg (with the source address, as Netty's datagram read), or
 * recvmmsg (64 datagrams with their addresses per call). Reads into 2 KiB buffers (64 KiB with `big`, for datagrams
 * the kernel reassembled) for SECONDS from the first datagram.
 * Usage: read-floor 4|6 PORT MODE SECONDS RCVBUF [big]   (prints Gbit/s of payload and datagrams per second)
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define BATCH 64

int main(int argc, char **argv) {
    if (argc != 6 && argc != 7) {
        fprintf(stderr, "usage: read-floor 4|6 PORT recv|recvmsg|recvmmsg SECONDS RCVBUF [big]\n");
        return 2;
    }
    const size_t SLOT = argc == 7 ? 65536 : 2048;
    int family = atoi(argv[1]) == 6 ? AF_INET6 : AF_INET, port = atoi(argv[2]);
    const char *mode = argv[3];
    double seconds = atof(argv[4]);
    int rcvbuf = atoi(argv[5]);
    int fd = socket(family, SOCK_DGRAM, 0);
    if (fd < 0) { perror("read-floor: socket"); return 1; }
    setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &rcvbuf, sizeof rcvbuf);
    struct sockaddr_storage ss;
    memset(&ss, 0, sizeof ss);
    socklen_t len;
    if (family == AF_INET6) {
        struct sockaddr_in6 *a = (struct sockaddr_in6 *) &ss;
        a->sin6_family = AF_INET6;
        a->sin6_port = htons(port);
        len = sizeof *a;
    } else {
        struct sockaddr_in *a = (struct sockaddr_in *) &ss;
        a->sin_family = AF_INET;
        a->sin_port = htons(port);
        len = sizeof *a;
    }
    if (bind(fd, (struct sockaddr *) &ss, len) != 0) { perror("read-floor: bind"); return 1; }
    struct timeval idle = {0, 300000}; /* the run ends 0.3 s after the sender stops */
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &idle, sizeof idle);
    int batch = strcmp(mode, "recvmmsg") == 0 ? BATCH : 1;
    char *buffers = malloc((size_t) BATCH * SLOT);
    struct mmsghdr msgs[BATCH];
    struct iovec iov[BATCH];
    struct sockaddr_storage from[BATCH];
    memset(msgs, 0, sizeof msgs);
    for (int i = 0; i < BATCH; i++) {
        iov[i].iov_base = buffers + (size_t) i * SLOT;
        iov[i].iov_len = SLOT;
        msgs[i].msg_hdr.msg_iov = &iov[i];
        msgs[i].msg_hdr.msg_iovlen = 1;
        msgs[i].msg_hdr.msg_name = &from[i];
    }
    long long bytes = 0, datagrams = 0;
    struct timespec t0 = {0, 0}, t;
    double elapsed = 0;
    for (;;) {
        int n = 0;
        if (strcmp(mode, "recv") == 0) {
            ssize_t r = recv(fd, buffers, SLOT, 0);
            if (r >= 0) { n = 1; msgs[0].msg_len = (unsigned) r; }
        } else {
            for (int i = 0; i < batch; i++) msgs[i].msg_hdr.msg_namelen = sizeof from[i];
            if (batch == 1) {
                ssize_t r = recvmsg(fd, &msgs[0].msg_hdr, 0);
                if (r >= 0) { n = 1; msgs[0].msg_len = (unsigned) r; }
            } else {
                n = recvmmsg(fd, msgs, batch, 0, NULL);
            }
        }
        if (n > 0 && datagrams == 0) clock_gettime(CLOCK_MONOTONIC, &t0);
        for (int i = 0; i < n; i++) bytes += msgs[i].msg_len;
        datagrams += n > 0 ? n : 0;
        if (datagrams > 0) {
            if (n <= 0) break; /* the sender stopped: the rate is over first to last read */
            clock_gettime(CLOCK_MONOTONIC, &t);
            elapsed = (double) (t.tv_sec - t0.tv_sec) + (double) (t.tv_nsec - t0.tv_nsec) / 1e9;
            if (elapsed >= seconds) break;
        }
    }
    printf("%.3f %.0f\n", elapsed > 0 ? (double) bytes * 8 / elapsed / 1e9 : 0.0, elapsed > 0 ? (double) datagrams / elapsed : 0.0);
    return 0;
}

/*
 * The sender of perf/read-floor.sh: UDP datagrams of SEGMENT bytes (a 60000-byte datagram's fragment payload) sent as
 * fast as one thread can, 60000 bytes per send(2) with UDP GSO (UDP_SEGMENT), so the sender is not the limit.
 * Usage: gso-send ADDRESS PORT SEGMENT SECONDS   (prints the offered rate)
 * Written in C because the point is a reader and a sender with nothing between them and the system call.
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
#ifndef UDP_SEGMENT
#define UDP_SEGMENT 103
#endif

static double since(const struct timespec *t0) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double) (t.tv_sec - t0->tv_sec) + (double) (t.tv_nsec - t0->tv_nsec) / 1e9;
}

int main(int argc, char **argv) {
    if (argc != 5) {
        fprintf(stderr, "usage: gso-send ADDRESS PORT SEGMENT SECONDS\n");
        return 2;
    }
    const char *host = argv[1];
    int port = atoi(argv[2]), segment = atoi(argv[3]);
    double seconds = atof(argv[4]);
    struct sockaddr_storage ss;
    memset(&ss, 0, sizeof ss);
    socklen_t len;
    int family = strchr(host, ':') ? AF_INET6 : AF_INET;
    if (family == AF_INET6) {
        struct sockaddr_in6 *a = (struct sockaddr_in6 *) &ss;
        a->sin6_family = AF_INET6;
        a->sin6_port = htons(port);
        len = sizeof *a;
        if (inet_pton(AF_INET6, host, &a->sin6_addr) != 1) { fprintf(stderr, "gso-send: bad address %s\n", host); return 2; }
    } else {
        struct sockaddr_in *a = (struct sockaddr_in *) &ss;
        a->sin_family = AF_INET;
        a->sin_port = htons(port);
        len = sizeof *a;
        if (inet_pton(AF_INET, host, &a->sin_addr) != 1) { fprintf(stderr, "gso-send: bad address %s\n", host); return 2; }
    }
    int fd = socket(family, SOCK_DGRAM, 0);
    if (fd < 0 || connect(fd, (struct sockaddr *) &ss, len) != 0) { perror("gso-send: socket"); return 1; }
    if (setsockopt(fd, IPPROTO_UDP, UDP_SEGMENT, &segment, sizeof segment) != 0) { perror("gso-send: UDP_SEGMENT"); return 1; }
    size_t message = (size_t) (60000 / segment) * (size_t) segment;
    char *buffer = calloc(1, message);
    struct timespec t0;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    long long bytes = 0;
    for (long calls = 1;; calls++) {
        if (send(fd, buffer, message, 0) > 0) bytes += (long long) message;
        if ((calls & 255) == 0 && since(&t0) >= seconds) break;
    }
    printf("%.3f\n", (double) bytes * 8 / since(&t0) / 1e9);
    return 0;
}

/*
 * nodelay-shim: LD_PRELOAD library that sets TCP_NODELAY on every TCP socket a program accepts or connects.
 *
 * Debian's DCMTK never sets TCP_NODELAY, so a stock storescp answers each C-STORE only after the sender's
 * delayed ACK (~40 ms): about 21 instances a second. Preloading this into the receiver (accept side) or the
 * sender (connect side) shows what the same binaries do without Nagle. Benchmark use only.
 *
 *   gcc -shared -fPIC -O2 -o nodelay-shim.so nodelay-shim.c -ldl
 *   LD_PRELOAD=$PWD/nodelay-shim.so storescp ...
 *
 * Environment:
 *   NODELAY_SHIM_NODELAY=0    leave TCP_NODELAY alone (default: set it)
 *   NODELAY_SHIM_LOOPBACK=1   a bind() to the wildcard address (0.0.0.0 or ::) binds to loopback instead;
 *                             storescp 3.6.7 has no option to choose its listening address
 *   NODELAY_SHIM_VERBOSE=1    one line on stderr per socket changed
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

typedef int (*accept_fn)(int, struct sockaddr *, socklen_t *);
typedef int (*accept4_fn)(int, struct sockaddr *, socklen_t *, int);
typedef int (*connect_fn)(int, const struct sockaddr *, socklen_t);
typedef int (*bind_fn)(int, const struct sockaddr *, socklen_t);

static int env_is(const char *name, char value)
{
    const char *v = getenv(name);
    return v != NULL && v[0] == value;
}

/* Sets TCP_NODELAY when fd is an IPv4/IPv6 stream socket; leaves Unix sockets and UDP alone. */
static void set_nodelay(int fd, const char *where)
{
    if (fd < 0 || env_is("NODELAY_SHIM_NODELAY", '0'))
        return;
    int type = 0;
    socklen_t len = sizeof type;
    if (getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &len) != 0 || type != SOCK_STREAM)
        return;
    struct sockaddr_storage addr;
    len = sizeof addr;
    if (getsockname(fd, (struct sockaddr *)&addr, &len) != 0
        || (addr.ss_family != AF_INET && addr.ss_family != AF_INET6))
        return;
    int on = 1;
    int rc = setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof on);
    if (env_is("NODELAY_SHIM_VERBOSE", '1'))
        fprintf(stderr, "nodelay-shim: %s fd %d TCP_NODELAY %s\n", where, fd, rc == 0 ? "on" : "failed");
}

int accept(int fd, struct sockaddr *addr, socklen_t *addrlen)
{
    static accept_fn real;
    if (real == NULL)
        real = (accept_fn)dlsym(RTLD_NEXT, "accept");
    int s = real(fd, addr, addrlen);
    set_nodelay(s, "accept");
    return s;
}

int accept4(int fd, struct sockaddr *addr, socklen_t *addrlen, int flags)
{
    static accept4_fn real;
    if (real == NULL)
        real = (accept4_fn)dlsym(RTLD_NEXT, "accept4");
    int s = real(fd, addr, addrlen, flags);
    set_nodelay(s, "accept4");
    return s;
}

/* Before the handshake (an unbound socket already reports its family), so also right for a non-blocking connect. */
int connect(int fd, const struct sockaddr *addr, socklen_t addrlen)
{
    static connect_fn real;
    if (real == NULL)
        real = (connect_fn)dlsym(RTLD_NEXT, "connect");
    set_nodelay(fd, "connect");
    return real(fd, addr, addrlen);
}

int bind(int fd, const struct sockaddr *addr, socklen_t addrlen)
{
    static bind_fn real;
    if (real == NULL)
        real = (bind_fn)dlsym(RTLD_NEXT, "bind");
    if (addr == NULL || !env_is("NODELAY_SHIM_LOOPBACK", '1'))
        return real(fd, addr, addrlen);
    if (addr->sa_family == AF_INET && addrlen >= (socklen_t)sizeof(struct sockaddr_in))
    {
        struct sockaddr_in in4;
        memcpy(&in4, addr, sizeof in4);
        if (in4.sin_addr.s_addr == htonl(INADDR_ANY))
        {
            in4.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
            if (env_is("NODELAY_SHIM_VERBOSE", '1'))
                fprintf(stderr, "nodelay-shim: bind fd %d to 127.0.0.1\n", fd);
            return real(fd, (const struct sockaddr *)&in4, sizeof in4);
        }
    }
    else if (addr->sa_family == AF_INET6 && addrlen >= (socklen_t)sizeof(struct sockaddr_in6))
    {
        struct sockaddr_in6 in6;
        memcpy(&in6, addr, sizeof in6);
        if (memcmp(&in6.sin6_addr, &in6addr_any, sizeof in6addr_any) == 0)
        {
            in6.sin6_addr = in6addr_loopback;
            if (env_is("NODELAY_SHIM_VERBOSE", '1'))
                fprintf(stderr, "nodelay-shim: bind fd %d to ::1\n", fd);
            return real(fd, (const struct sockaddr *)&in6, sizeof in6);
        }
    }
    return real(fd, addr, addrlen);
}

/* io/loop.c — epoll + deadlines + signal stop (see loop.h). */
#include "io/loop.h"

#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <time.h>
#include <unistd.h>

#include "io/clock.h"

typedef struct loop_fd {
    int fd; /* -1 = free slot */
    unsigned events;
    uint32_t gen; /* bumped on every reuse, so stale epoll events are ignored */
    l4_loop_fd_fn fn;
    void *user;
} loop_fd;

typedef struct loop_timer {
    int used;
    l4_time at; /* L4_TIME_NONE = disarmed */
    l4_loop_timer_fn fn;
    void *user;
} loop_timer;

struct l4_loop {
    int epfd;
    int sigfd; /* -1 unless l4_loop_catch_signals */
    sigset_t old_mask;
    int stopped;
    int stop_signal;
    int no_pwait2; /* the kernel lacks epoll_pwait2: fall back to ms waits */
    loop_fd fds[L4_LOOP_MAX_FDS];
    loop_timer timers[L4_LOOP_MAX_TIMERS];
};

/* Tag carried in epoll_event.data for the signalfd (never a slot index). */
#define LOOP_SIG_TAG UINT64_MAX

l4_loop *l4_loop_new(void)
{
    l4_loop *loop = calloc(1, sizeof *loop);
    if (!loop)
        return NULL;
    loop->epfd = epoll_create1(EPOLL_CLOEXEC);
    if (loop->epfd < 0) {
        int e = errno;
        free(loop);
        errno = e;
        return NULL;
    }
    loop->sigfd = -1;
    for (int i = 0; i < L4_LOOP_MAX_FDS; i++)
        loop->fds[i].fd = -1;
    return loop;
}

void l4_loop_del(l4_loop *loop)
{
    if (!loop)
        return;
    if (loop->sigfd >= 0) {
        close(loop->sigfd);
        /* A signal that arrived after the stop is still pending; unblocking
           would deliver it with its default action, so drop it first. */
        sigset_t set;
        sigemptyset(&set);
        sigaddset(&set, SIGINT);
        sigaddset(&set, SIGTERM);
        struct timespec zero = {0, 0};
        while (sigtimedwait(&set, NULL, &zero) > 0) {
        }
        sigprocmask(SIG_SETMASK, &loop->old_mask, NULL);
    }
    close(loop->epfd);
    free(loop);
}

static uint32_t loop_epoll_events(unsigned events)
{
    uint32_t ev = 0;
    if (events & L4_LOOP_READ)
        ev |= EPOLLIN;
    if (events & L4_LOOP_WRITE)
        ev |= EPOLLOUT;
    return ev;
}

static loop_fd *loop_find_fd(l4_loop *loop, int fd)
{
    for (int i = 0; i < L4_LOOP_MAX_FDS; i++)
        if (loop->fds[i].fd == fd)
            return &loop->fds[i];
    return NULL;
}

int l4_loop_add_fd(l4_loop *loop, int fd, unsigned events, l4_loop_fd_fn fn, void *user)
{
    if (fd < 0 || !fn || !(events & (L4_LOOP_READ | L4_LOOP_WRITE)))
        return L4_ERR_INVALID_ARGUMENT;
    if (loop_find_fd(loop, fd))
        return L4_ERR_STATE;
    loop_fd *slot = loop_find_fd(loop, -1);
    if (!slot)
        return L4_ERR_LIMIT;
    slot->gen++;
    struct epoll_event ev;
    memset(&ev, 0, sizeof ev);
    ev.events = loop_epoll_events(events);
    ev.data.u64 = ((uint64_t)slot->gen << 32) | (uint64_t)(slot - loop->fds);
    if (epoll_ctl(loop->epfd, EPOLL_CTL_ADD, fd, &ev) != 0)
        return L4_ERR_IO;
    slot->fd = fd;
    slot->events = events;
    slot->fn = fn;
    slot->user = user;
    return 0;
}

int l4_loop_mod_fd(l4_loop *loop, int fd, unsigned events)
{
    loop_fd *slot = fd >= 0 ? loop_find_fd(loop, fd) : NULL;
    if (!slot)
        return L4_ERR_NOT_FOUND;
    if (!(events & (L4_LOOP_READ | L4_LOOP_WRITE)))
        return L4_ERR_INVALID_ARGUMENT;
    struct epoll_event ev;
    memset(&ev, 0, sizeof ev);
    ev.events = loop_epoll_events(events);
    ev.data.u64 = ((uint64_t)slot->gen << 32) | (uint64_t)(slot - loop->fds);
    if (epoll_ctl(loop->epfd, EPOLL_CTL_MOD, fd, &ev) != 0)
        return L4_ERR_IO;
    slot->events = events;
    return 0;
}

int l4_loop_remove_fd(l4_loop *loop, int fd)
{
    loop_fd *slot = fd >= 0 ? loop_find_fd(loop, fd) : NULL;
    if (!slot)
        return L4_ERR_NOT_FOUND;
    epoll_ctl(loop->epfd, EPOLL_CTL_DEL, fd, NULL);
    slot->fd = -1;
    slot->gen++; /* events already returned for this slot in this turn are stale */
    return 0;
}

int l4_loop_timer_add(l4_loop *loop, l4_loop_timer_fn fn, void *user)
{
    if (!fn)
        return L4_ERR_INVALID_ARGUMENT;
    for (int i = 0; i < L4_LOOP_MAX_TIMERS; i++) {
        loop_timer *t = &loop->timers[i];
        if (!t->used) {
            t->used = 1;
            t->at = L4_TIME_NONE;
            t->fn = fn;
            t->user = user;
            return i;
        }
    }
    return L4_ERR_LIMIT;
}

int l4_loop_timer_set(l4_loop *loop, int id, l4_time at)
{
    if (id < 0 || id >= L4_LOOP_MAX_TIMERS || !loop->timers[id].used)
        return L4_ERR_NOT_FOUND;
    loop->timers[id].at = at;
    return 0;
}

int l4_loop_timer_remove(l4_loop *loop, int id)
{
    if (id < 0 || id >= L4_LOOP_MAX_TIMERS || !loop->timers[id].used)
        return L4_ERR_NOT_FOUND;
    memset(&loop->timers[id], 0, sizeof loop->timers[id]);
    return 0;
}

int l4_loop_catch_signals(l4_loop *loop)
{
    if (loop->sigfd >= 0)
        return L4_ERR_STATE;
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    if (sigprocmask(SIG_BLOCK, &set, &loop->old_mask) != 0)
        return L4_ERR_IO;
    int fd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
    if (fd < 0) {
        int e = errno;
        sigprocmask(SIG_SETMASK, &loop->old_mask, NULL);
        errno = e;
        return L4_ERR_IO;
    }
    struct epoll_event ev;
    memset(&ev, 0, sizeof ev);
    ev.events = EPOLLIN;
    ev.data.u64 = LOOP_SIG_TAG;
    if (epoll_ctl(loop->epfd, EPOLL_CTL_ADD, fd, &ev) != 0) {
        int e = errno;
        close(fd);
        sigprocmask(SIG_SETMASK, &loop->old_mask, NULL);
        errno = e;
        return L4_ERR_IO;
    }
    loop->sigfd = fd;
    return 0;
}

static void loop_read_signals(l4_loop *loop)
{
    struct signalfd_siginfo si;
    while (read(loop->sigfd, &si, sizeof si) == (ssize_t)sizeof si) {
        if (!loop->stop_signal)
            loop->stop_signal = (int)si.ssi_signo;
        loop->stopped = 1;
    }
}

static l4_time loop_next_deadline(const l4_loop *loop)
{
    l4_time next = L4_TIME_NONE;
    for (int i = 0; i < L4_LOOP_MAX_TIMERS; i++)
        if (loop->timers[i].used)
            next = l4_time_min(next, loop->timers[i].at);
    return next;
}

/* Waits for events until `until` (absolute); returns epoll's count or -1. */
static int loop_wait(l4_loop *loop, struct epoll_event *evs, int max, l4_time until)
{
    if (until == L4_TIME_NONE)
        return epoll_wait(loop->epfd, evs, max, -1);
    l4_time now = l4_io_now();
    l4_time left = until > now ? until - now : 0;
    if (!loop->no_pwait2) {
        struct timespec ts = {(time_t)(left / L4_S), (long)(left % L4_S)};
        int n = epoll_pwait2(loop->epfd, evs, max, &ts, NULL);
        if (n >= 0 || errno != ENOSYS)
            return n;
        loop->no_pwait2 = 1;
    }
    /* Round up so that a timer never fires before its deadline. */
    l4_time ms = (left + L4_MS - 1) / L4_MS;
    return epoll_wait(loop->epfd, evs, max, ms > 1000000 ? 1000000 : (int)ms);
}

int l4_loop_run_once(l4_loop *loop, l4_time until)
{
    struct epoll_event evs[L4_LOOP_MAX_FDS + 1];
    l4_time deadline = l4_time_min(until, loop_next_deadline(loop));
    int n = loop_wait(loop, evs, L4_LOOP_MAX_FDS + 1, deadline);
    if (n < 0) {
        if (errno == EINTR)
            return 0;
        return L4_ERR_IO;
    }
    l4_time now = l4_io_now();
    int calls = 0;
    for (int i = 0; i < n; i++) {
        if (evs[i].data.u64 == LOOP_SIG_TAG) {
            loop_read_signals(loop);
            continue;
        }
        uint32_t idx = (uint32_t)(evs[i].data.u64 & 0xffffffffu);
        uint32_t gen = (uint32_t)(evs[i].data.u64 >> 32);
        if (idx >= L4_LOOP_MAX_FDS)
            continue;
        loop_fd *slot = &loop->fds[idx];
        if (slot->fd < 0 || slot->gen != gen)
            continue; /* removed by an earlier callback of this turn */
        unsigned got = 0;
        if (evs[i].events & EPOLLIN)
            got |= L4_LOOP_READ;
        if (evs[i].events & EPOLLOUT)
            got |= L4_LOOP_WRITE;
        if (evs[i].events & (EPOLLERR | EPOLLHUP))
            got |= L4_LOOP_ERROR;
        slot->fn(slot->user, slot->fd, got, now);
        calls++;
    }
    for (int i = 0; i < L4_LOOP_MAX_TIMERS; i++) {
        loop_timer *t = &loop->timers[i];
        if (t->used && t->at != L4_TIME_NONE && t->at <= now) {
            t->at = L4_TIME_NONE; /* one-shot; the callback re-arms */
            t->fn(t->user, now);
            calls++;
        }
    }
    return calls;
}

int l4_loop_run(l4_loop *loop)
{
    while (!loop->stopped) {
        int rc = l4_loop_run_once(loop, L4_TIME_NONE);
        if (rc < 0)
            return rc;
    }
    return 0;
}

void l4_loop_stop(l4_loop *loop)
{
    loop->stopped = 1;
}

int l4_loop_stopped(const l4_loop *loop)
{
    return loop->stopped;
}

int l4_loop_stop_signal(const l4_loop *loop)
{
    return loop->stop_signal;
}

/* tests/netem/loop_test.c — io/loop: fd readiness, deadlines, stop, signals, errors. */
#include <signal.h>
#include <unistd.h>

#include "check.h"
#include "io/clock.h"
#include "io/loop.h"

typedef struct rec {
    int calls;
    int fd;
    unsigned events;
    l4_time now;
    l4_loop *loop;
    int remove_fd; /* fd to remove from inside the callback, -1 none */
    int stop;      /* stop the loop from inside the callback */
} rec;

static void rec_fd(void *user, int fd, unsigned events, l4_time now)
{
    rec *r = user;
    r->calls++;
    r->fd = fd;
    r->events = events;
    r->now = now;
    if (r->remove_fd >= 0)
        l4_loop_remove_fd(r->loop, r->remove_fd);
    if (r->stop)
        l4_loop_stop(r->loop);
}

static void rec_timer(void *user, l4_time now)
{
    rec *r = user;
    r->calls++;
    r->now = now;
    if (r->stop)
        l4_loop_stop(r->loop);
}

static void test_fd_readiness(void)
{
    l4_loop *loop = l4_loop_new();
    CHECK(loop);
    int p[2];
    CHECK_EQ(pipe(p), 0);
    rec r = {.remove_fd = -1, .loop = loop};
    CHECK_EQ(l4_loop_add_fd(loop, p[0], L4_LOOP_READ, rec_fd, &r), 0);
    /* Nothing ready, the limit already past: returns at once with no call. */
    CHECK_EQ(l4_loop_run_once(loop, 0), 0);
    CHECK_EQ(r.calls, 0);
    CHECK_EQ(write(p[1], "x", 1), 1);
    l4_time before = l4_io_now();
    CHECK_EQ(l4_loop_run_once(loop, L4_TIME_NONE), 1);
    CHECK_EQ(r.calls, 1);
    CHECK_EQ(r.fd, p[0]);
    CHECK_EQU(r.events, L4_LOOP_READ);
    CHECK(r.now >= before && r.now <= l4_io_now());
    /* Level-triggered: still readable until drained. */
    CHECK_EQ(l4_loop_run_once(loop, 0), 1);
    char c;
    CHECK_EQ(read(p[0], &c, 1), 1);
    CHECK_EQ(l4_loop_run_once(loop, 0), 0);
    CHECK_EQ(r.calls, 2);
    /* Watching for writes on the write end: ready at once. */
    rec w = {.remove_fd = -1, .loop = loop};
    CHECK_EQ(l4_loop_add_fd(loop, p[1], L4_LOOP_WRITE, rec_fd, &w), 0);
    CHECK_EQ(l4_loop_run_once(loop, 0), 1);
    CHECK_EQU(w.events, L4_LOOP_WRITE);
    CHECK_EQ(l4_loop_mod_fd(loop, p[1], L4_LOOP_READ), 0);
    CHECK_EQ(l4_loop_run_once(loop, 0), 0);
    /* The read end closed: the write end reports an error. */
    CHECK_EQ(l4_loop_remove_fd(loop, p[0]), 0);
    close(p[0]);
    CHECK_EQ(l4_loop_mod_fd(loop, p[1], L4_LOOP_WRITE), 0);
    CHECK_EQ(l4_loop_run_once(loop, 0), 1);
    CHECK(w.events & L4_LOOP_ERROR);
    close(p[1]);
    l4_loop_del(loop);
}

static void test_remove_inside_callback_drops_pending(void)
{
    l4_loop *loop = l4_loop_new();
    int a[2], b[2];
    CHECK_EQ(pipe(a), 0);
    CHECK_EQ(pipe(b), 0);
    rec ra = {.loop = loop}, rb = {.loop = loop};
    /* Whichever runs first removes the other; exactly one call happens. */
    ra.remove_fd = b[0];
    rb.remove_fd = a[0];
    CHECK_EQ(l4_loop_add_fd(loop, a[0], L4_LOOP_READ, rec_fd, &ra), 0);
    CHECK_EQ(l4_loop_add_fd(loop, b[0], L4_LOOP_READ, rec_fd, &rb), 0);
    CHECK_EQ(write(a[1], "x", 1), 1);
    CHECK_EQ(write(b[1], "x", 1), 1);
    CHECK_EQ(l4_loop_run_once(loop, L4_TIME_NONE), 1);
    CHECK_EQ(ra.calls + rb.calls, 1);
    for (int i = 0; i < 2; i++) {
        close(a[i]);
        close(b[i]);
    }
    l4_loop_del(loop);
}

static void test_timer_never_early_and_one_shot(void)
{
    l4_loop *loop = l4_loop_new();
    rec r = {.loop = loop, .remove_fd = -1};
    rec late = {.loop = loop, .remove_fd = -1};
    rec off = {.loop = loop, .remove_fd = -1};
    int id = l4_loop_timer_add(loop, rec_timer, &r);
    int id_late = l4_loop_timer_add(loop, rec_timer, &late);
    int id_off = l4_loop_timer_add(loop, rec_timer, &off);
    CHECK(id >= 0 && id_late >= 0 && id_off >= 0);
    CHECK(id != id_late && id != id_off && id_late != id_off);
    l4_time at = l4_io_now() + 3 * L4_MS;
    CHECK_EQ(l4_loop_timer_set(loop, id, at), 0);
    CHECK_EQ(l4_loop_timer_set(loop, id_late, at + 200 * L4_MS), 0);
    CHECK_EQ(l4_loop_timer_set(loop, id_off, at), 0);
    CHECK_EQ(l4_loop_timer_set(loop, id_off, L4_TIME_NONE), 0); /* disarmed */
    int turns = 0;
    while (r.calls == 0 && turns++ < 100)
        CHECK(l4_loop_run_once(loop, L4_TIME_NONE) >= 0);
    l4_time woke = l4_io_now();
    CHECK_EQ(r.calls, 1);
    CHECK_MSG(r.now >= at, "fired %lld ns early", (long long)(at - r.now));
    /* Nanosecond waits: well under a scheduler tick late on an idle machine. */
    CHECK_MSG(woke - at < 20 * L4_MS, "fired %.3f ms late", (double)(woke - at) / 1e6);
    CHECK_EQ(late.calls, 0);
    CHECK_EQ(off.calls, 0);
    /* One-shot: nothing more within 20 ms (the late timer is 200 ms away). */
    CHECK_EQ(l4_loop_run_once(loop, l4_io_now() + 20 * L4_MS), 0);
    CHECK_EQ(r.calls, 1);
    /* A deadline in the past fires on the next turn without waiting. */
    CHECK_EQ(l4_loop_timer_set(loop, id, 1), 0);
    CHECK_EQ(l4_loop_run_once(loop, L4_TIME_NONE), 1);
    CHECK_EQ(r.calls, 2);
    CHECK_EQ(l4_loop_timer_remove(loop, id_late), 0);
    CHECK_EQ(l4_loop_timer_set(loop, id_late, 1), L4_ERR_NOT_FOUND);
    l4_loop_del(loop);
}

static void test_run_until_stop(void)
{
    l4_loop *loop = l4_loop_new();
    rec r = {.loop = loop, .remove_fd = -1, .stop = 1};
    int id = l4_loop_timer_add(loop, rec_timer, &r);
    CHECK_EQ(l4_loop_timer_set(loop, id, l4_io_now() + L4_MS), 0);
    CHECK(!l4_loop_stopped(loop));
    CHECK_EQ(l4_loop_run(loop), 0);
    CHECK_EQ(r.calls, 1);
    CHECK(l4_loop_stopped(loop));
    CHECK_EQ(l4_loop_stop_signal(loop), 0);
    l4_loop_del(loop);
}

static void test_signal_stops_cleanly(void)
{
    l4_loop *loop = l4_loop_new();
    CHECK_EQ(l4_loop_catch_signals(loop), 0);
    CHECK_EQ(l4_loop_catch_signals(loop), L4_ERR_STATE);
    CHECK_EQ(raise(SIGTERM), 0); /* blocked: queued for the signalfd, not fatal */
    CHECK_EQ(l4_loop_run(loop), 0);
    CHECK_EQ(l4_loop_stop_signal(loop), SIGTERM);
    CHECK_EQ(raise(SIGINT), 0); /* after the stop: dropped by l4_loop_del */
    l4_loop_del(loop);
    sigset_t cur;
    CHECK_EQ(sigprocmask(SIG_BLOCK, NULL, &cur), 0);
    CHECK(!sigismember(&cur, SIGTERM));
    CHECK(!sigismember(&cur, SIGINT));
    sigset_t pend;
    CHECK_EQ(sigpending(&pend), 0);
    CHECK(!sigismember(&pend, SIGINT));
}

static void test_errors(void)
{
    l4_loop *loop = l4_loop_new();
    int p[2];
    CHECK_EQ(pipe(p), 0);
    rec r = {.loop = loop, .remove_fd = -1};
    CHECK_EQ(l4_loop_add_fd(loop, -1, L4_LOOP_READ, rec_fd, &r), L4_ERR_INVALID_ARGUMENT);
    CHECK_EQ(l4_loop_add_fd(loop, p[0], 0, rec_fd, &r), L4_ERR_INVALID_ARGUMENT);
    CHECK_EQ(l4_loop_add_fd(loop, p[0], L4_LOOP_READ, NULL, &r), L4_ERR_INVALID_ARGUMENT);
    CHECK_EQ(l4_loop_add_fd(loop, p[0], L4_LOOP_READ, rec_fd, &r), 0);
    CHECK_EQ(l4_loop_add_fd(loop, p[0], L4_LOOP_READ, rec_fd, &r), L4_ERR_STATE);
    CHECK_EQ(l4_loop_mod_fd(loop, p[1], L4_LOOP_READ), L4_ERR_NOT_FOUND);
    CHECK_EQ(l4_loop_mod_fd(loop, p[0], 0), L4_ERR_INVALID_ARGUMENT);
    CHECK_EQ(l4_loop_remove_fd(loop, p[1]), L4_ERR_NOT_FOUND);
    CHECK_EQ(l4_loop_remove_fd(loop, p[0]), 0);
    CHECK_EQ(l4_loop_remove_fd(loop, p[0]), L4_ERR_NOT_FOUND);
    /* A closed descriptor cannot be watched. */
    close(p[0]);
    CHECK_EQ(l4_loop_add_fd(loop, p[0], L4_LOOP_READ, rec_fd, &r), L4_ERR_IO);
    close(p[1]);
    CHECK_EQ(l4_loop_timer_add(loop, NULL, NULL), L4_ERR_INVALID_ARGUMENT);
    for (int i = 0; i < L4_LOOP_MAX_TIMERS; i++)
        CHECK_EQ(l4_loop_timer_add(loop, rec_timer, &r), i);
    CHECK_EQ(l4_loop_timer_add(loop, rec_timer, &r), L4_ERR_LIMIT);
    CHECK_EQ(l4_loop_timer_set(loop, -1, 0), L4_ERR_NOT_FOUND);
    CHECK_EQ(l4_loop_timer_set(loop, L4_LOOP_MAX_TIMERS, 0), L4_ERR_NOT_FOUND);
    CHECK_EQ(l4_loop_timer_remove(loop, 3), 0);
    CHECK_EQ(l4_loop_timer_add(loop, rec_timer, &r), 3); /* the freed slot is reused */
    l4_loop_del(loop);
    l4_loop_del(NULL);
}

static const l4_test TESTS[] = {
    TEST(test_fd_readiness),
    TEST(test_remove_inside_callback_drops_pending),
    TEST(test_timer_never_early_and_one_shot),
    TEST(test_run_until_stop),
    TEST(test_signal_stops_cleanly),
    TEST(test_errors),
    TEST_END,
};

int main(int argc, char **argv)
{
    return l4_test_main(argc, argv, TESTS);
}

/*
 * io/loop.h — a small event loop: epoll for descriptors, deadlines on
 * CLOCK_MONOTONIC (io/clock.h) in nanoseconds, and a clean stop on SIGINT /
 * SIGTERM.
 *
 * The loop is single-threaded and level-triggered. Each turn it waits until
 * a registered descriptor is ready or the earliest armed timer is due (the
 * wait has nanosecond resolution with epoll_pwait2, millisecond rounded up
 * otherwise; a timer never fires early), then calls the callbacks of the
 * ready descriptors and then of the due timers, each with the time read once
 * after the wait. Timers are one-shot: a callback re-arms its timer with
 * l4_loop_timer_set. This is the shape the engines want: after handling
 * input, arm a timer at the engine's next_timeout.
 *
 * Callbacks may register and remove descriptors and timers, arm timers and
 * stop the loop. Not thread-safe.
 */
#ifndef L4_IO_LOOP_H
#define L4_IO_LOOP_H

#include <stdint.h>

#include "util/err.h"
#include "util/time.h"

typedef struct l4_loop l4_loop;

/** Readiness bits for l4_loop_add_fd and the fd callback. */
#define L4_LOOP_READ  1u
#define L4_LOOP_WRITE 2u
#define L4_LOOP_ERROR 4u /* error or hang-up (reported, never asked for) */

/** Called when `fd` is ready; `events` is a set of L4_LOOP_* bits. */
typedef void (*l4_loop_fd_fn)(void *user, int fd, unsigned events, l4_time now);

/** Called when a timer is due (`now` >= its deadline). */
typedef void (*l4_loop_timer_fn)(void *user, l4_time now);

/** Most descriptors and timers one loop holds. */
#define L4_LOOP_MAX_FDS    64
#define L4_LOOP_MAX_TIMERS 64

/**
 * Creates a loop (with its epoll descriptor). Returns NULL when out of
 * memory or descriptors (errno says which). Free with l4_loop_del.
 */
l4_loop *l4_loop_new(void);

/**
 * Frees the loop; when l4_loop_catch_signals was used, closes the signalfd
 * and restores the signal mask it changed. Descriptors registered are not
 * closed (the caller owns them). NULL is allowed.
 */
void l4_loop_del(l4_loop *loop);

/**
 * Watches `fd` for `events` (L4_LOOP_READ and/or L4_LOOP_WRITE) and calls
 * `fn(user, ...)` when ready. The caller keeps owning fd.
 * Returns 0. Errors: L4_ERR_INVALID_ARGUMENT (fd < 0, fn NULL, no events),
 * L4_ERR_STATE (fd already registered), L4_ERR_LIMIT (L4_LOOP_MAX_FDS
 * reached), L4_ERR_IO (epoll_ctl failed, errno kept).
 */
int l4_loop_add_fd(l4_loop *loop, int fd, unsigned events, l4_loop_fd_fn fn, void *user);

/**
 * Changes the events watched on a registered fd. Returns 0. Errors:
 * L4_ERR_NOT_FOUND (fd not registered), L4_ERR_INVALID_ARGUMENT (no
 * events), L4_ERR_IO (epoll_ctl failed).
 */
int l4_loop_mod_fd(l4_loop *loop, int fd, unsigned events);

/**
 * Stops watching `fd` (call it before closing fd). A pending readiness of
 * fd in the current turn is dropped. Returns 0, or L4_ERR_NOT_FOUND.
 */
int l4_loop_remove_fd(l4_loop *loop, int fd);

/**
 * Adds a disarmed timer calling `fn(user, now)`. Returns the timer id
 * (>= 0). Errors: L4_ERR_INVALID_ARGUMENT (fn NULL), L4_ERR_LIMIT (too many).
 */
int l4_loop_timer_add(l4_loop *loop, l4_loop_timer_fn fn, void *user);

/**
 * Arms timer `id` to fire once at `at` (CLOCK_MONOTONIC ns, see
 * l4_io_now); L4_TIME_NONE disarms it. A time already past fires on the
 * next turn without waiting. Returns 0, or L4_ERR_NOT_FOUND.
 */
int l4_loop_timer_set(l4_loop *loop, int id, l4_time at);

/** Removes timer `id`. Returns 0, or L4_ERR_NOT_FOUND. */
int l4_loop_timer_remove(l4_loop *loop, int id);

/**
 * Makes SIGINT and SIGTERM stop the loop instead of killing the process:
 * blocks them in the calling thread and reads them through a signalfd
 * watched by the loop. After the stop l4_loop_stop_signal tells which
 * arrived. Returns 0. Errors: L4_ERR_STATE (already done), L4_ERR_IO.
 */
int l4_loop_catch_signals(l4_loop *loop);

/**
 * Runs turns until l4_loop_stop (from a callback) or a caught signal.
 * Returns 0 when stopped. Errors: L4_ERR_IO (epoll_wait failed other than by
 * EINTR; errno kept).
 */
int l4_loop_run(l4_loop *loop);

/**
 * Runs one turn, waiting at most until `until` (CLOCK_MONOTONIC ns;
 * L4_TIME_NONE = no limit other than the timers; a past time polls).
 * Returns the number of callbacks called (fd and timer), 0 on a plain
 * timeout. Errors: L4_ERR_IO as l4_loop_run.
 */
int l4_loop_run_once(l4_loop *loop, l4_time until);

/** Asks l4_loop_run to return after the current turn. Safe from any callback. */
void l4_loop_stop(l4_loop *loop);

/** Nonzero once l4_loop_stop was called or a caught signal arrived. */
int l4_loop_stopped(const l4_loop *loop);

/** The signal number that stopped the loop (SIGINT, SIGTERM) or 0. */
int l4_loop_stop_signal(const l4_loop *loop);

#endif

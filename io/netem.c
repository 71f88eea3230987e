/* io/netem.c — the real-time bridge between two TUN devices (see netem.h). */
#include "io/netem.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "io/clock.h"
#include "sim/sim.h"

/* One side: a device and the sim node that stands for it. */
typedef struct netem_side {
    l4_netem *ne;
    int index; /* 0 = A, 1 = B */
    int node;  /* sim node id */
    l4_tun tun;
    uint8_t *pkt; /* the packet read and not yet taken by the link (one at a time) */
    size_t pkt_len;
} netem_side;

struct l4_netem {
    l4_sim *sim;
    l4_loop *loop;
    netem_side side[2];
    uint8_t *rbuf; /* read buffer, L4_SIM_MAX_PKT bytes */
    int link;      /* sim link id */
    int timer;     /* loop timer: the sim's next event */
    int end_timer; /* loop timer: the end of --duration */
    l4_time start; /* CLOCK_MONOTONIC at the start of the run; virtual 0 */
    l4_time end;   /* CLOCK_MONOTONIC when the run returned, 0 before */
    l4_time wall0; /* CLOCK_REALTIME at the start, for the tap */
    l4_time duration;
    int catch_signals;
    int ran;
    l4_netem_tap_fn tap;
    void *tap_user;
    /* bridge counters per direction (index = direction = source side) */
    uint64_t read_pkts[2], read_bytes[2];
    uint64_t written_pkts[2], written_bytes[2], write_errors[2];
    uint64_t late_max[2], late_sum[2];
    char err[256];
};

/* Virtual time now: real monotonic time since the start. */
static l4_time netem_vnow(const l4_netem *ne)
{
    l4_time now = l4_io_now();
    return now > ne->start ? now - ne->start : 0;
}

/* ---- the sim node of one device ------------------------------------------ */

/* The link delivers a packet to this side: it goes into the device now. */
static void netem_node_input(void *user, int ifindex, const uint8_t *pkt, size_t len, l4_time now)
{
    (void)ifindex;
    netem_side *s = user;
    l4_netem *ne = s->ne;
    int dir = 1 - s->index; /* packets arriving at B travel A->B */
    l4_time vnow = netem_vnow(ne);
    l4_time late = vnow > now ? vnow - now : 0;
    if (late > ne->late_max[dir])
        ne->late_max[dir] = late;
    ne->late_sum[dir] += late;
    l4_ssize n = l4_tun_write(&s->tun, pkt, len);
    if (n < 0) {
        ne->write_errors[dir]++; /* a lost packet, as a full receive queue would lose it */
        return;
    }
    ne->written_pkts[dir]++;
    ne->written_bytes[dir] += len;
}

/* Hands the packet just read to the link (called by l4_sim_wake). */
static l4_ssize netem_node_output(void *user, int *ifindex, uint8_t *buf, size_t cap, l4_time now)
{
    (void)now;
    netem_side *s = user;
    if (!s->pkt)
        return 0;
    const uint8_t *pkt = s->pkt;
    size_t len = s->pkt_len;
    s->pkt = NULL;
    if (len > cap)
        return L4_ERR_NOBUF;
    memcpy(buf, pkt, len);
    *ifindex = 0;
    return (l4_ssize)len;
}

static l4_time netem_node_next_timeout(void *user)
{
    (void)user;
    return L4_TIME_NONE;
}

static void netem_node_handle_timeout(void *user, l4_time now)
{
    (void)user;
    (void)now;
}

static const l4_sim_node_ops netem_node_ops = {
    netem_node_input,
    netem_node_output,
    netem_node_next_timeout,
    netem_node_handle_timeout,
};

static void netem_tap(void *user, int link, int dir, int event, l4_time now, const uint8_t *pkt,
                      size_t len)
{
    (void)link;
    l4_netem *ne = user;
    ne->tap(ne->tap_user, dir, event, ne->wall0 + now, pkt, len);
}

/* ---- driving the simulation from the loop -------------------------------- */

/* Runs the simulation up to the present and arms the timer at its next event. */
static void netem_sync(l4_netem *ne)
{
    l4_sim_run_until(ne->sim, netem_vnow(ne));
    l4_time next = l4_sim_next_event(ne->sim);
    l4_loop_timer_set(ne->loop, ne->timer, next == L4_TIME_NONE ? L4_TIME_NONE : ne->start + next);
}

static void netem_on_timer(void *user, l4_time now)
{
    (void)now;
    netem_sync(user);
}

static void netem_on_end(void *user, l4_time now)
{
    (void)now;
    l4_netem_stop(user);
}

static void netem_on_readable(void *user, int fd, unsigned events, l4_time now)
{
    (void)fd;
    (void)events;
    (void)now;
    netem_side *s = user;
    l4_netem *ne = s->ne;
    for (int i = 0; i < L4_NETEM_BATCH; i++) {
        l4_ssize n = l4_tun_read(&s->tun, ne->rbuf, L4_SIM_MAX_PKT);
        if (n == L4_ERR_AGAIN)
            break;
        if (n < 0) {
            snprintf(ne->err, sizeof ne->err, "device %c: %s", 'A' + s->index, s->tun.errmsg);
            l4_loop_stop(ne->loop);
            return;
        }
        ne->read_pkts[s->index]++;
        ne->read_bytes[s->index] += (uint64_t)n;
        /* Bring the link up to date first, so the packet enters it at the
           present: serialization behind the packets sent before it. */
        l4_sim_run_until(ne->sim, netem_vnow(ne));
        s->pkt = ne->rbuf;
        s->pkt_len = (size_t)n;
        l4_sim_wake(ne->sim, s->node);
        s->pkt = NULL;
    }
    netem_sync(ne);
}

/* ---- lifecycle ------------------------------------------------------------ */

static l4_time netem_wall_now(void)
{
    struct timespec ts;
    if (clock_gettime(CLOCK_REALTIME, &ts) != 0)
        return 0;
    return (l4_time)ts.tv_sec * L4_S + (l4_time)ts.tv_nsec;
}

static int netem_fail(l4_netem *ne, int rc, char *err, size_t errcap, const char *what)
{
    if (err && errcap)
        snprintf(err, errcap, "%s", what);
    l4_netem_del(ne);
    return rc;
}

static void netem_describe(char *buf, size_t cap, char side, const l4_tun_config *c,
                           const char *why)
{
    snprintf(buf, cap, "device %c (ns '%s', tun '%s'): %s", side,
             c->netns && c->netns[0] ? c->netns : "(current)", c->name ? c->name : "", why);
}

int l4_netem_new(l4_netem **out, const l4_netem_config *cfg, char *err, size_t errcap)
{
    char why[320];
    if (!out || !cfg) {
        if (err && errcap)
            snprintf(err, errcap, "no configuration");
        return L4_ERR_INVALID_ARGUMENT;
    }
    *out = NULL;
    l4_netem *ne = calloc(1, sizeof *ne);
    if (!ne)
        return netem_fail(NULL, L4_ERR_NOMEM, err, errcap, "out of memory");
    ne->timer = ne->end_timer = -1;
    ne->duration = cfg->duration;
    ne->catch_signals = cfg->catch_signals;
    ne->tap = cfg->tap;
    ne->tap_user = cfg->tap_user;
    for (int i = 0; i < 2; i++) {
        ne->side[i].ne = ne;
        ne->side[i].index = i;
        l4_tun_init(&ne->side[i].tun);
    }
    ne->rbuf = malloc(L4_SIM_MAX_PKT);
    ne->sim = l4_sim_new(cfg->seed);
    ne->loop = l4_loop_new();
    if (!ne->rbuf || !ne->sim || !ne->loop)
        return netem_fail(ne, L4_ERR_NOMEM, err, errcap, "out of memory (or descriptors)");

    const l4_tun_config *tc[2] = {&cfg->a, &cfg->b};
    for (int i = 0; i < 2; i++) {
        netem_side *s = &ne->side[i];
        int rc = l4_tun_create(&s->tun, tc[i]);
        if (rc != 0) {
            netem_describe(why, sizeof why, (char)('A' + i), tc[i], s->tun.errmsg);
            return netem_fail(ne, rc, err, errcap, why);
        }
        s->node = l4_sim_add_node(ne->sim, &netem_node_ops, s);
        if (s->node < 0)
            return netem_fail(ne, s->node, err, errcap, "out of memory");
        rc = l4_loop_add_fd(ne->loop, s->tun.fd, L4_LOOP_READ, netem_on_readable, s);
        if (rc != 0)
            return netem_fail(ne, rc, err, errcap, "cannot watch the device descriptors");
    }
    ne->link = l4_sim_connect(ne->sim, ne->side[0].node, 0, ne->side[1].node, 0, &cfg->a_to_b,
                              &cfg->b_to_a);
    if (ne->link < 0)
        return netem_fail(ne, ne->link, err, errcap, "cannot create the link");
    ne->timer = l4_loop_timer_add(ne->loop, netem_on_timer, ne);
    ne->end_timer = l4_loop_timer_add(ne->loop, netem_on_end, ne);
    if (ne->timer < 0 || ne->end_timer < 0)
        return netem_fail(ne, L4_ERR_LIMIT, err, errcap, "no loop timers left");
    if (ne->tap)
        l4_sim_set_tap(ne->sim, netem_tap, ne);
    if (ne->catch_signals && l4_loop_catch_signals(ne->loop) != 0)
        return netem_fail(ne, L4_ERR_IO, err, errcap, "cannot catch SIGINT/SIGTERM (signalfd)");
    *out = ne;
    return 0;
}

void l4_netem_del(l4_netem *ne)
{
    if (!ne)
        return;
    l4_loop_del(ne->loop);
    for (int i = 0; i < 2; i++)
        l4_tun_close(&ne->side[i].tun);
    l4_sim_del(ne->sim);
    free(ne->rbuf);
    free(ne);
}

int l4_netem_run(l4_netem *ne)
{
    if (ne->ran)
        return L4_ERR_STATE;
    ne->ran = 1;
    /* Virtual 0 is "now"; anything the kernel queued on the devices before
       the start enters the link at 0. */
    ne->start = l4_io_now();
    ne->wall0 = netem_wall_now();
    if (ne->duration)
        l4_loop_timer_set(ne->loop, ne->end_timer, ne->start + ne->duration);
    int rc = l4_loop_run(ne->loop);
    ne->end = l4_io_now();
    if (rc < 0) {
        snprintf(ne->err, sizeof ne->err, "event loop: wait failed");
        return rc;
    }
    return ne->err[0] ? L4_ERR_IO : 0;
}

void l4_netem_stop(l4_netem *ne)
{
    l4_loop_stop(ne->loop);
}

l4_loop *l4_netem_loop(l4_netem *ne)
{
    return ne->loop;
}

void l4_netem_stats(const l4_netem *ne, int dir, l4_netem_dir_stats *out)
{
    memset(out, 0, sizeof *out);
    if (dir != L4_NETEM_A_TO_B && dir != L4_NETEM_B_TO_A)
        return;
    const l4_link_stats *ls = l4_sim_link_stats(ne->sim, ne->link, dir);
    if (ls)
        out->link = *ls;
    out->read_pkts = ne->read_pkts[dir];
    out->read_bytes = ne->read_bytes[dir];
    out->written_pkts = ne->written_pkts[dir];
    out->written_bytes = ne->written_bytes[dir];
    out->write_errors = ne->write_errors[dir];
    out->late_max_ns = ne->late_max[dir];
    out->late_sum_ns = ne->late_sum[dir];
}

int l4_netem_stop_signal(const l4_netem *ne)
{
    return l4_loop_stop_signal(ne->loop);
}

double l4_netem_elapsed(const l4_netem *ne)
{
    if (!ne->start)
        return 0;
    l4_time end = ne->end ? ne->end : l4_io_now();
    return (double)(end - ne->start) / 1e9;
}

const l4_tun *l4_netem_tun(const l4_netem *ne, int side)
{
    return side == 0 || side == 1 ? &ne->side[side].tun : NULL;
}

const char *l4_netem_error(const l4_netem *ne)
{
    return ne->err;
}

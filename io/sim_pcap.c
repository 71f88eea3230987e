/* io/sim_pcap.c — emulator tap → pcap file. */
#include "io/sim_pcap.h"

#include <stdlib.h>

#include "io/pcap.h"

struct l4_sim_pcap {
    l4_pcap_writer *w;
    unsigned events;
    int link;
    int failed;
};

int l4_sim_pcap_open(l4_sim_pcap **out, const char *path, unsigned events, int link, char *err,
                     size_t errcap)
{
    if (!out || !path || !events || link < -1)
        return L4_ERR_INVALID_ARGUMENT;
    *out = NULL;
    l4_sim_pcap *c = calloc(1, sizeof *c);
    if (!c)
        return L4_ERR_NOMEM;
    int rc = l4_pcap_writer_open(&c->w, path, err, errcap);
    if (rc) {
        free(c);
        return rc;
    }
    c->events = events;
    c->link = link;
    *out = c;
    return 0;
}

void l4_sim_pcap_tap(void *user, int link, int dir, int event, l4_time now, const uint8_t *pkt,
                     size_t len)
{
    (void)dir;
    l4_sim_pcap *c = user;
    if (!c || event < 0 || event > 31 || !(c->events & (1u << event)))
        return;
    if (c->link >= 0 && link != c->link)
        return;
    if (l4_pcap_writer_write(c->w, now, pkt, len) != 0)
        c->failed = 1;
}

uint64_t l4_sim_pcap_count(const l4_sim_pcap *c)
{
    return c ? l4_pcap_writer_count(c->w) : 0;
}

int l4_sim_pcap_close(l4_sim_pcap *c)
{
    if (!c)
        return 0;
    int rc = l4_pcap_writer_close(c->w);
    if (c->failed)
        rc = L4_ERR_IO;
    free(c);
    return rc;
}

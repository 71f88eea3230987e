/* io/pcap.c — pcap writing and reading through libpcap. */
#include "io/pcap.h"

#include <errno.h>
#include <pcap/pcap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct l4_pcap_writer {
    pcap_t *dead;
    pcap_dumper_t *dump;
    uint64_t count;
    int failed;
};

struct l4_pcap_reader {
    pcap_t *p;
    uint64_t count; /* records read so far */
    int err;        /* sticky error, 0 when none */
    char msg[L4_PCAP_ERRBUF];
};

static void pcap_set_err(char *err, size_t errcap, const char *msg)
{
    if (err && errcap > 0)
        snprintf(err, errcap, "%s", msg);
}

int l4_pcap_writer_open(l4_pcap_writer **pw, const char *path, char *err, size_t errcap)
{
    if (!pw || !path)
        return L4_ERR_INVALID_ARGUMENT;
    *pw = NULL;
    l4_pcap_writer *w = calloc(1, sizeof *w);
    if (!w)
        return L4_ERR_NOMEM;
    /* DLT_RAW is written to the file as LINKTYPE_RAW (101); the nanosecond
     * precision selects the 0xa1b23c4d magic, so tv_usec carries ns. */
    w->dead =
        pcap_open_dead_with_tstamp_precision(DLT_RAW, L4_PCAP_SNAPLEN, PCAP_TSTAMP_PRECISION_NANO);
    if (!w->dead) {
        free(w);
        pcap_set_err(err, errcap, "libpcap: cannot create a capture handle");
        return L4_ERR_NOMEM;
    }
    w->dump = pcap_dump_open(w->dead, path);
    if (!w->dump) {
        pcap_set_err(err, errcap, pcap_geterr(w->dead));
        pcap_close(w->dead);
        free(w);
        return L4_ERR_IO;
    }
    *pw = w;
    return 0;
}

int l4_pcap_writer_write(l4_pcap_writer *w, l4_time now, const uint8_t *pkt, size_t len)
{
    if (!w || (!pkt && len > 0))
        return L4_ERR_INVALID_ARGUMENT;
    struct pcap_pkthdr h;
    memset(&h, 0, sizeof h);
    h.ts.tv_sec = (time_t)(now / L4_S);
    h.ts.tv_usec = (suseconds_t)(now % L4_S); /* nanoseconds: see the open call */
    h.len = len > UINT32_MAX ? UINT32_MAX : (bpf_u_int32)len;
    h.caplen = len > L4_PCAP_SNAPLEN ? L4_PCAP_SNAPLEN : (bpf_u_int32)len;
    static const uint8_t empty[1] = {0};
    pcap_dump((u_char *)w->dump, &h, pkt ? pkt : empty);
    w->count++;
    FILE *f = pcap_dump_file(w->dump);
    if (f && ferror(f)) {
        w->failed = 1;
        return L4_ERR_IO;
    }
    return 0;
}

uint64_t l4_pcap_writer_count(const l4_pcap_writer *w)
{
    return w ? w->count : 0;
}

int l4_pcap_writer_flush(l4_pcap_writer *w)
{
    if (!w)
        return L4_ERR_INVALID_ARGUMENT;
    if (pcap_dump_flush(w->dump) != 0) {
        w->failed = 1;
        return L4_ERR_IO;
    }
    return 0;
}

int l4_pcap_writer_close(l4_pcap_writer *w)
{
    if (!w)
        return 0;
    int rc = w->failed ? L4_ERR_IO : 0;
    if (pcap_dump_flush(w->dump) != 0)
        rc = L4_ERR_IO;
    FILE *f = pcap_dump_file(w->dump);
    if (f && ferror(f))
        rc = L4_ERR_IO;
    pcap_dump_close(w->dump);
    pcap_close(w->dead);
    free(w);
    return rc;
}

int l4_pcap_reader_open(l4_pcap_reader **pr, const char *path, char *err, size_t errcap)
{
    if (!pr || !path)
        return L4_ERR_INVALID_ARGUMENT;
    *pr = NULL;
    l4_pcap_reader *r = calloc(1, sizeof *r);
    if (!r)
        return L4_ERR_NOMEM;
    char ebuf[PCAP_ERRBUF_SIZE];
    ebuf[0] = 0;
    r->p = pcap_open_offline_with_tstamp_precision(path, PCAP_TSTAMP_PRECISION_NANO, ebuf);
    if (!r->p) {
        pcap_set_err(err, errcap, ebuf[0] ? ebuf : "libpcap cannot open it");
        free(r);
        return L4_ERR_IO;
    }
    *pr = r;
    return 0;
}

int l4_pcap_reader_linktype(const l4_pcap_reader *r)
{
    return pcap_datalink(r->p);
}

int l4_pcap_reader_next(l4_pcap_reader *r, l4_pcap_record *rec)
{
    if (!r || !rec)
        return L4_ERR_INVALID_ARGUMENT;
    if (r->err)
        return r->err;
    /* libpcap reads through its own FILE, so its position before the read is
     * where this record (its pcap record header or pcapng block) begins. */
    FILE *f = pcap_file(r->p);
    long off = f ? ftell(f) : -1;
    struct pcap_pkthdr *h = NULL;
    const u_char *data = NULL;
    int rc = pcap_next_ex(r->p, &h, &data);
    if (rc == PCAP_ERROR_BREAK)
        return 0;
    if (rc != 1) {
        const char *why = pcap_geterr(r->p);
        r->err = strstr(why, "truncated") ? L4_ERR_TRUNCATED : L4_ERR_MALFORMED;
        if (off >= 0)
            snprintf(r->msg, sizeof r->msg, "record %llu at byte offset %ld: %s",
                     (unsigned long long)r->count + 1, off, why);
        else
            snprintf(r->msg, sizeof r->msg, "record %llu: %s", (unsigned long long)r->count + 1,
                     why);
        return r->err;
    }
    r->count++;
    rec->index = r->count;
    rec->ts = (l4_time)h->ts.tv_sec * L4_S + (l4_time)h->ts.tv_usec;
    rec->caplen = h->caplen;
    rec->origlen = h->len;
    rec->data = data;
    rec->linktype = pcap_datalink(r->p);
    rec->offset = off;
    return 1;
}

const char *l4_pcap_reader_error(const l4_pcap_reader *r)
{
    return r ? r->msg : "";
}

void l4_pcap_reader_close(l4_pcap_reader *r)
{
    if (!r)
        return;
    pcap_close(r->p);
    free(r);
}

/*
 * fuzz/fuzz_quic_cid_table.c — the connection-ID table (quic/cid_table.h)
 * under arbitrary operations and datagrams. Bytes are read as commands:
 * add / delete / delete-by-connection of IDs cut from the input, and
 * routing of the rest of the input as a datagram. Invariants: the table
 * agrees with a plain array model after every step (route finds exactly
 * the modelled connection, count matches), routing never reads outside
 * the datagram, and nothing leaks or crashes.
 */
#include <stdlib.h>

#include "fuzz/fuzz.h"
#include "quic/cid_table.h"

#define FZ_MAX 64

typedef struct fz_ent {
    l4_quic_cid cid;
    void *conn;
} fz_ent;

static fz_ent fz_model[FZ_MAX];
static size_t fz_n;

static void *fz_model_find(const uint8_t *p, size_t n)
{
    for (size_t i = 0; i < fz_n; i++)
        if (fz_model[i].cid.len == n && !memcmp(fz_model[i].cid.data, p, n))
            return fz_model[i].conn;
    return NULL;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const uint8_t key[16] = {1, 2, 3};
    static char conns[4];
    if (size < 1)
        return 0;
    l4_quic_cid_table *t;
    size_t short_len = data[0] % (L4_QUIC_MAX_CID_LEN + 1);
    FUZZ_CHECK(l4_quic_cid_table_new(&t, key, short_len) == 0);
    fz_n = 0;
    size_t off = 1;
    while (off + 2 <= size) {
        uint8_t op = data[off], arg = data[off + 1];
        off += 2;
        void *conn = &conns[arg & 3];
        size_t len = 1 + (size_t)(arg >> 2) % L4_QUIC_MAX_CID_LEN;
        if ((op & 3) == 3) {                     /* route the remaining bytes */
            uint8_t *d = malloc(size - off + 1); /* exact size: ASan sees overreads */
            memcpy(d, data + off, size - off);
            void *got = (void *)1;
            int rc = l4_quic_cid_table_route(t, d, size - off, &got);
            FUZZ_CHECK(rc == 1 || rc == 0 || rc == L4_ERR_MALFORMED);
            FUZZ_CHECK((rc == 1) == (got != NULL));
            if (rc >= 0 && size - off > 0) {
                const uint8_t *p = d[0] & 0x80 ? d + 6 : d + 1;
                size_t n = d[0] & 0x80 ? d[5] : short_len;
                FUZZ_CHECK(got == fz_model_find(p, n));
            }
            free(d);
            break;
        }
        if (off + len > size)
            break;
        l4_quic_cid cid;
        cid.len = (uint8_t)len;
        memcpy(cid.data, data + off, len);
        off += len;
        void *had = fz_model_find(cid.data, cid.len);
        if ((op & 3) == 0) {
            int rc = l4_quic_cid_table_add(t, &cid, conn);
            if (had)
                FUZZ_CHECK(rc == (had == conn ? 0 : L4_ERR_STATE));
            else if (fz_n < FZ_MAX && rc == 0)
                fz_model[fz_n++] = (fz_ent){cid, conn};
            else if (rc == 0)
                (void)l4_quic_cid_table_del(t, &cid);
        } else if ((op & 3) == 1) {
            int rc = l4_quic_cid_table_del(t, &cid);
            FUZZ_CHECK(rc == (had ? 0 : L4_ERR_NOT_FOUND));
            for (size_t i = 0; had && i < fz_n; i++)
                if (fz_model[i].cid.len == cid.len && !memcmp(fz_model[i].cid.data, cid.data, len))
                    fz_model[i] = fz_model[--fz_n];
        } else {
            size_t k = 0;
            for (size_t i = 0; i < fz_n;)
                if (fz_model[i].conn == conn) {
                    fz_model[i] = fz_model[--fz_n];
                    k++;
                } else {
                    i++;
                }
            FUZZ_CHECK(l4_quic_cid_table_del_conn(t, conn) == k);
        }
        FUZZ_CHECK(l4_quic_cid_table_count(t) == fz_n);
        FUZZ_CHECK(l4_quic_cid_table_find(t, cid.data, cid.len) ==
                   fz_model_find(cid.data, cid.len));
    }
    l4_quic_cid_table_free(t);
    return 0;
}

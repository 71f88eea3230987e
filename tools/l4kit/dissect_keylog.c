/* tools/l4kit/dissect_keylog.c — NSS key log files for `l4kit dissect --keylog`. */
#include "dissect_keylog.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/hex.h"

static const char *const kl_labels[DIS_KL_N] = {
    "CLIENT_EARLY_TRAFFIC_SECRET", "CLIENT_HANDSHAKE_TRAFFIC_SECRET",
    "SERVER_HANDSHAKE_TRAFFIC_SECRET", "CLIENT_TRAFFIC_SECRET_0", "SERVER_TRAFFIC_SECRET_0"};

/* Other labels of the format (NSS's list): valid lines, nothing QUIC needs. */
static const char *const kl_other[] = {"CLIENT_RANDOM",
                                       "EXPORTER_SECRET",
                                       "EARLY_EXPORTER_SECRET",
                                       "CLIENT_TRAFFIC_SECRET_1",
                                       "SERVER_TRAFFIC_SECRET_1",
                                       "ECH_SECRET",
                                       "ECH_CONFIG"};

const char *dis_keylog_label(int which)
{
    return which >= 0 && which < DIS_KL_N ? kl_labels[which] : "?";
}

/* Decodes exactly `n` hex digits into n / 2 bytes; -1 when one is not hex. */
static int kl_hex(uint8_t *out, const char *s, size_t n)
{
    for (size_t i = 0; i + 1 < n; i += 2) {
        int hi = l4_hex_digit((unsigned char)s[i]), lo = l4_hex_digit((unsigned char)s[i + 1]);
        if (hi < 0 || lo < 0)
            return -1;
        out[i / 2] = (uint8_t)(hi << 4 | lo);
    }
    return 0;
}

const dis_kl_entry *dis_keylog_find(const dis_keylog *kl, const uint8_t *random)
{
    for (size_t i = 0; kl && i < kl->n; i++)
        if (!memcmp(kl->e[i].random, random, DIS_KL_RANDOM_LEN))
            return &kl->e[i];
    return NULL;
}

/* One line (without its end); 0 kept or skipped, 1 malformed, <0 error. */
static int kl_line(dis_keylog *kl, const char *s, size_t n)
{
    /* Split into whitespace-separated fields. */
    const char *f[4];
    size_t fl[4], nf = 0, i = 0;
    while (i < n) {
        while (i < n && (s[i] == ' ' || s[i] == '\t' || s[i] == '\r'))
            i++;
        if (i == n || (nf == 0 && s[i] == '#'))
            break; /* the end, or a comment */
        if (nf == 4)
            return 1;
        f[nf] = s + i;
        while (i < n && s[i] != ' ' && s[i] != '\t' && s[i] != '\r')
            i++;
        fl[nf] = (size_t)(s + i - f[nf]);
        nf++;
    }
    if (nf == 0)
        return 0;
    if (nf != 3)
        return 1;
    int which = -1;
    for (int k = 0; k < DIS_KL_N; k++)
        if (fl[0] == strlen(kl_labels[k]) && !memcmp(f[0], kl_labels[k], fl[0]))
            which = k;
    if (which < 0) {
        for (size_t k = 0; k < sizeof kl_other / sizeof kl_other[0]; k++)
            if (fl[0] == strlen(kl_other[k]) && !memcmp(f[0], kl_other[k], fl[0]))
                return 0;
        return 1;
    }
    uint8_t random[DIS_KL_RANDOM_LEN], secret[L4_QUIC_MAX_SECRET_LEN];
    if (fl[1] != 2 * DIS_KL_RANDOM_LEN || kl_hex(random, f[1], fl[1]) < 0)
        return 1;
    if ((fl[2] != 64 && fl[2] != 96) || kl_hex(secret, f[2], fl[2]) < 0)
        return 1;
    dis_kl_entry *e = (dis_kl_entry *)dis_keylog_find(kl, random);
    if (!e) {
        if (kl->n == kl->cap) {
            size_t cap = kl->cap ? kl->cap * 2 : 8;
            dis_kl_entry *ne = realloc(kl->e, cap * sizeof *ne);
            if (!ne)
                return L4_ERR_NOMEM;
            kl->e = ne;
            kl->cap = cap;
        }
        e = &kl->e[kl->n++];
        memset(e, 0, sizeof *e);
        memcpy(e->random, random, sizeof random);
    }
    if (!e->len[which])
        kl->secrets++;
    memcpy(e->secret[which], secret, fl[2] / 2);
    e->len[which] = (uint8_t)(fl[2] / 2);
    return 0;
}

int dis_keylog_parse(dis_keylog *kl, const char *text, size_t len, size_t line_base)
{
    size_t line = line_base, i = 0;
    while (i < len) {
        size_t j = i;
        while (j < len && text[j] != '\n')
            j++;
        line++;
        int rc = kl_line(kl, text + i, j - i);
        if (rc < 0)
            return rc;
        if (rc > 0) {
            if (!kl->lines_ignored)
                kl->first_bad = line;
            kl->lines_ignored++;
        }
        i = j + 1;
    }
    return 0;
}

int dis_keylog_load(dis_keylog *kl, const char *path)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return L4_ERR_IO;
    char buf[1024];
    size_t line = 0;
    int rc = 0;
    /* Line by line, so a file of any size needs no more than a line of memory;
     * a line longer than the buffer is malformed anyway. */
    while (fgets(buf, sizeof buf, f)) {
        size_t n = strlen(buf);
        int whole = n > 0 && buf[n - 1] == '\n';
        if (!whole && !feof(f)) {
            int c;
            while ((c = fgetc(f)) != EOF && c != '\n')
                ;
            line++;
            if (!kl->lines_ignored)
                kl->first_bad = line;
            kl->lines_ignored++;
            continue;
        }
        if ((rc = dis_keylog_parse(kl, buf, n - (size_t)whole, line)) < 0)
            break;
        line++;
    }
    if (!rc && ferror(f))
        rc = L4_ERR_IO;
    fclose(f);
    return rc;
}

void dis_keylog_free(dis_keylog *kl)
{
    if (!kl)
        return;
    if (kl->e) {
        volatile uint8_t *p = (volatile uint8_t *)kl->e;
        for (size_t i = 0; i < kl->n * sizeof *kl->e; i++)
            p[i] = 0;
    }
    free(kl->e);
    memset(kl, 0, sizeof *kl);
}

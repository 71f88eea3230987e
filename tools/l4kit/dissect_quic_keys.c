/*
 * tools/l4kit/dissect_quic_keys.c — removing a QUIC packet's protection for
 * `l4kit dissect` (quic/protect.h does the work): which keys a packet needs
 * (Initial from the client's first DCID, RFC 9001 §5.2; Handshake, 0-RTT
 * and 1-RTT from the key log's secrets, §5.1), finding a connection's
 * secrets without its ClientHello, the AEAD when the ServerHello was not
 * seen, and 1-RTT key generations across key updates (§6).
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "dissect_quic_internal.h"
#include "quic/protect.h"

void dq_why(disq_pkt *p, int dec, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    p->dec = dec;
    vsnprintf(p->why, sizeof p->why, fmt, ap);
    va_end(ap);
}

static const char *dq_level_name(int type)
{
    return type == L4_QUIC_PKT_INITIAL     ? "Initial"
           : type == L4_QUIC_PKT_HANDSHAKE ? "Handshake"
           : type == L4_QUIC_PKT_0RTT      ? "0-RTT"
                                           : "1-RTT";
}

/*
 * Tries the candidates of `s` on packet p (a fresh copy each time, since a
 * failed attempt leaves the bytes after the packet number unspecified).
 * Returns 0 and fills p, L4_ERR_CHECKSUM when none authenticates, or
 * another error of l4_quic_unprotect().
 */
static int dq_try(dis_quic *q, dq_conn *c, disq_pkt *p, const uint8_t *data, dq_slot *s,
                  uint64_t largest)
{
    int rc = L4_ERR_CHECKSUM;
    for (int i = 0; i < s->n; i++) {
        uint8_t *w = q->work + p->off;
        memcpy(w, data + p->off, p->len);
        uint64_t pn;
        size_t hlen;
        l4_ssize n = l4_quic_unprotect(&s->k[i], w, p->len, p->h.pn_offset, largest, &pn, &hlen);
        if (n < 0) {
            rc = (int)n;
            if (rc != L4_ERR_CHECKSUM)
                break;
            continue;
        }
        if (s->n > 1) { /* this AEAD it is */
            l4_quic_keys keep = s->k[i];
            s->k[i] = s->k[0];
            s->k[0] = keep;
            for (int j = 1; j < s->n; j++)
                l4_quic_keys_free(&s->k[j]);
            s->n = 1;
            if (c->aead < 0)
                c->aead = (int)s->k[0].aead;
        }
        p->first = w[0];
        p->pn = pn;
        p->pn_len = hlen - p->h.pn_offset;
        p->payload = w + hlen;
        p->payload_len = (size_t)n;
        p->aead = dis_quic_aead_name((int)s->k[0].aead);
        p->dec = DISQ_DEC_OK;
        return 0;
    }
    memcpy(q->work + p->off, data + p->off, p->len);
    return rc;
}

/* The key log secret `which` for c, set up in slot s (tried on p when c's
 * entry is not known yet). Returns 1 when p was decrypted by the search,
 * 0 when s is ready, -1 when there are no keys (p->why says why). */
static int dq_secret_slot(dis_quic *q, dq_conn *c, disq_pkt *p, const uint8_t *data, dq_slot *s,
                          int which, uint64_t largest)
{
    if (s->ready)
        return 0;
    const dis_keylog *kl = q->kl;
    const char *label = dis_keylog_label(which);
    if (!kl || kl->n == 0) {
        dq_why(p, DISQ_DEC_NO_KEYS, "no key log (--keylog FILE gives the TLS secrets)");
        return -1;
    }
    if (!c->kl && c->have_random) {
        char r[24];
        snprintf(r, sizeof r, "%02x%02x%02x%02x%02x%02x...", c->random[0], c->random[1],
                 c->random[2], c->random[3], c->random[4], c->random[5]);
        dq_why(p, DISQ_DEC_NO_KEYS,
               "the key log has no secrets for this connection (client random %s)", r);
        return -1;
    }
    if (!c->kl) {
        /* No ClientHello seen: find the entry whose secret authenticates this packet. */
        if (c->trials >= DQ_TRIALS) {
            dq_why(p, DISQ_DEC_NO_KEYS,
                   "no %s in the key log authenticates this connection's packets (its ClientHello "
                   "was not seen)",
                   label);
            return -1;
        }
        c->trials++;
        for (size_t i = 0; i < kl->n; i++) {
            const dis_kl_entry *e = &kl->e[i];
            if (!e->len[which] || dq_slot_init(s, c->aead, e->secret[which], e->len[which]) < 0)
                continue;
            if (dq_try(q, c, p, data, s, largest) == 0) {
                c->kl = e;
                return 1;
            }
            dq_slot_free(s);
        }
        dq_why(p, DISQ_DEC_NO_KEYS,
               "no %s in the key log authenticates it (the connection's ClientHello was not seen)",
               label);
        return -1;
    }
    if (!c->kl->len[which]) {
        dq_why(p, DISQ_DEC_NO_KEYS, "the key log has no %s for this connection", label);
        return -1;
    }
    int rc = dq_slot_init(s, c->aead, c->kl->secret[which], c->kl->len[which]);
    if (rc < 0) {
        dq_why(p, DISQ_DEC_NO_KEYS, "cannot set up the keys of %s: %s", label, l4_strerror(rc));
        return -1;
    }
    return 0;
}

/* The next 1-RTT generation's keys from the current one's (RFC 9001 §6.1). */
static int dq_next_gen(dq_side *d)
{
    if (d->next.ready)
        return 0;
    dq_slot *cur = &d->cur, *nx = &d->next;
    uint8_t secret[L4_QUIC_MAX_SECRET_LEN];
    int rc = l4_quic_secret_update(cur->k[0].aead, secret, cur->secret, cur->secret_len);
    if (rc < 0)
        return rc;
    for (int i = 0; i < cur->n; i++)
        if ((rc = l4_quic_keys_init_update(&nx->k[i], &cur->k[i], secret, cur->secret_len)) < 0) {
            dq_slot_free(nx);
            return rc;
        }
    nx->n = cur->n;
    memcpy(nx->secret, secret, cur->secret_len);
    nx->secret_len = cur->secret_len;
    nx->ready = 1;
    return 0;
}

/* A 1-RTT packet: the current keys, or on a key phase flip the next
 * generation (then it becomes current) or the previous one. */
static int dq_app(dis_quic *q, dq_conn *c, disq_pkt *p, const uint8_t *data, dq_side *d)
{
    uint64_t largest = d->largest[DQ_SP_APP];
    int which = d == &c->side[DQ_CLIENT] ? DIS_KL_CLIENT_APP : DIS_KL_SERVER_APP;
    int rc = dq_secret_slot(q, c, p, data, &d->cur, which, largest), old = 0;
    if (rc < 0)
        return rc;
    if (rc == 0) {
        int phase = (int)(d->gen & 1);
        if (d->cur.n == 1 && p->len >= p->h.pn_offset + 4 + L4_QUIC_HP_SAMPLE_LEN) {
            /* The key phase bit is under header protection (RFC 9001 §5.4.1). */
            uint8_t mask[L4_QUIC_HP_MASK_LEN];
            if (l4_quic_hp_mask(&d->cur.k[0], data + p->off + p->h.pn_offset + 4, mask) == 0)
                phase = ((data[p->off] ^ mask[0]) & L4_QUIC_HDR_KEY_PHASE) ? 1 : 0;
        }
        rc = L4_ERR_CHECKSUM;
        if (phase == (int)(d->gen & 1)) {
            rc = dq_try(q, c, p, data, &d->cur, largest);
        } else {
            if (dq_next_gen(d) == 0 && (rc = dq_try(q, c, p, data, &d->next, largest)) == 0) {
                dq_slot_free(&d->prev);
                d->prev = d->cur;
                d->cur = d->next;
                memset(&d->next, 0, sizeof d->next);
                d->gen++;
            } else if (d->prev.ready && (rc = dq_try(q, c, p, data, &d->prev, largest)) == 0) {
                p->key_gen = d->gen - 1;
                old = 1;
            }
        }
        if (rc < 0)
            return rc;
    }
    if (!old)
        p->key_gen = d->gen;
    p->key_phase = (p->first & L4_QUIC_HDR_KEY_PHASE) ? 1 : 0;
    return 0;
}

/* Removes the protection of a long- or short-header packet of c sent by `sender`. */
void dq_unprotect(dis_quic *q, dq_conn *c, int sender, disq_pkt *p, const uint8_t *data)
{
    dq_side *d = &c->side[sender];
    int type = p->h.type, sp, rc, which = -1;
    dq_slot *s;
    if (p->len < p->h.pn_offset + 4 + L4_QUIC_HP_SAMPLE_LEN) {
        dq_why(p, DISQ_DEC_SHORT,
               "too short for header protection: %zu bytes from the packet number on, 20 needed",
               p->len - p->h.pn_offset);
        return;
    }
    switch (type) {
    case L4_QUIC_PKT_INITIAL:
        sp = DQ_SP_INITIAL;
        s = &d->initial;
        if (!s->ready) {
            l4_quic_keys *ck = &c->side[DQ_CLIENT].initial.k[0];
            l4_quic_keys *sk = &c->side[DQ_SERVER].initial.k[0];
            dq_slot_free(&c->side[DQ_CLIENT].initial);
            dq_slot_free(&c->side[DQ_SERVER].initial);
            if (l4_quic_keys_init_initial(ck, sk, c->idcid, c->idcid_len) < 0) {
                dq_why(p, DISQ_DEC_NO_KEYS, "cannot derive the Initial keys");
                return;
            }
            for (int i = 0; i < 2; i++)
                c->side[i].initial.n = c->side[i].initial.ready = 1;
        }
        break;
    case L4_QUIC_PKT_HANDSHAKE:
        sp = DQ_SP_HANDSHAKE;
        s = &d->hs;
        which = sender == DQ_CLIENT ? DIS_KL_CLIENT_HS : DIS_KL_SERVER_HS;
        break;
    case L4_QUIC_PKT_0RTT:
        sp = DQ_SP_APP;
        s = &d->early;
        which = DIS_KL_CLIENT_EARLY;
        if (sender != DQ_CLIENT) {
            dq_why(p, DISQ_DEC_FAILED, "a 0-RTT packet from the server (RFC 9000 §17.2.3)");
            return;
        }
        break;
    default:
        sp = DQ_SP_APP;
        rc = dq_app(q, c, p, data, d);
        if (rc < 0 && p->dec == DISQ_DEC_OK) {
            dq_why(p, DISQ_DEC_FAILED,
                   "the 1-RTT keys (generation %llu and its neighbours, from the key log's %s) "
                   "do not authenticate it",
                   (unsigned long long)d->gen,
                   dis_keylog_label(sender == DQ_CLIENT ? DIS_KL_CLIENT_APP : DIS_KL_SERVER_APP));
        }
        goto done;
    }
    if (which >= 0) {
        rc = dq_secret_slot(q, c, p, data, s, which, d->largest[sp]);
        if (rc < 0)
            return;
        if (rc == 1)
            goto done;
    }
    rc = dq_try(q, c, p, data, s, d->largest[sp]);
    if (rc < 0) {
        if (type == L4_QUIC_PKT_INITIAL)
            dq_why(p, DISQ_DEC_FAILED,
                   "the Initial keys (from the client's first DCID) do not authenticate it");
        else
            dq_why(p, DISQ_DEC_FAILED, "the %s keys (from the key log's %s) do not authenticate it",
                   dq_level_name(type), dis_keylog_label(which));
    }
done:
    if (p->dec != DISQ_DEC_OK)
        return;
    if (d->largest[sp] == L4_QUIC_PN_NONE || p->pn > d->largest[sp])
        d->largest[sp] = p->pn;
}

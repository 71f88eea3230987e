/*
 * tcp/syncookie.c — the SYN-cookie codec (see syncookie.h): the ISN layout
 * of RFC 4987 §3.6 with a SipHash-2-4 MAC, the MSS table, and the options
 * carried in the low bits of the SYN-ACK's TSval.
 */
#include "tcp/syncookie.h"

#include <string.h>

#include "util/siphash.h"

/* Common MSS values, ascending: small links, the IPv4 default (RFC 9293
   §3.7.1), the IPv6 minimum-MTU MSS, tunnels / PPPoE, Ethernet less options,
   Ethernet, jumbo frames. */
static const uint16_t syncookie_mss_tab[L4_SYNCOOKIE_NMSS] = {256,  536,  1220, 1300,
                                                              1380, 1440, 1460, 8960};

uint16_t l4_syncookie_mss(unsigned idx)
{
    return idx < L4_SYNCOOKIE_NMSS ? syncookie_mss_tab[idx] : 0;
}

unsigned l4_syncookie_mss_index(uint16_t peer_mss)
{
    unsigned i = L4_SYNCOOKIE_NMSS - 1;
    while (i > 0 && syncookie_mss_tab[i] > peer_mss)
        i--;
    return i;
}

void l4_syncookie_key(const uint8_t secret[16], uint8_t key[16])
{
    static const char label0[] = "l4kit SYN cookie MAC key, half 0";
    static const char label1[] = "l4kit SYN cookie MAC key, half 1";
    uint64_t a = l4_siphash24(secret, label0, sizeof label0 - 1);
    uint64_t b = l4_siphash24(secret, label1, sizeof label1 - 1);
    for (int i = 0; i < 8; i++) {
        key[i] = (uint8_t)(a >> (8 * i));
        key[8 + i] = (uint8_t)(b >> (8 * i));
    }
}

/* The 24-bit MAC of the tuple, the peer's ISN, the full counter and the
   MSS index (so the index bits cannot be changed either). */
static uint32_t syncookie_mac(const uint8_t key[16], const l4_syncookie_tuple *t, uint32_t peer_isn,
                              uint64_t count, unsigned mss_idx)
{
    uint8_t m[16 + 16 + 2 + 2 + 4 + 8 + 1];
    memcpy(m, t->laddr.bytes, 16);
    memcpy(m + 16, t->raddr.bytes, 16);
    m[32] = (uint8_t)(t->lport >> 8);
    m[33] = (uint8_t)t->lport;
    m[34] = (uint8_t)(t->rport >> 8);
    m[35] = (uint8_t)t->rport;
    for (int i = 0; i < 4; i++)
        m[36 + i] = (uint8_t)(peer_isn >> (24 - 8 * i));
    for (int i = 0; i < 8; i++)
        m[40 + i] = (uint8_t)(count >> (56 - 8 * i));
    m[48] = (uint8_t)(mss_idx & 7u);
    return (uint32_t)l4_siphash24(key, m, sizeof m) & 0x00ffffffu;
}

uint32_t l4_syncookie_make(const uint8_t key[16], const l4_syncookie_tuple *t, uint32_t peer_isn,
                           unsigned mss_idx, l4_time now)
{
    uint64_t count = now / L4_SYNCOOKIE_PERIOD;
    return (uint32_t)(count & 31u) << 27 | (uint32_t)(mss_idx & 7u) << 24 |
           syncookie_mac(key, t, peer_isn, count, mss_idx);
}

int l4_syncookie_check(const uint8_t key[16], const l4_syncookie_tuple *t, uint32_t peer_isn,
                       uint32_t cookie, l4_time now, unsigned *mss_idx)
{
    if (!key || !t || !mss_idx)
        return L4_ERR_INVALID_ARGUMENT;
    uint64_t cur = now / L4_SYNCOOKIE_PERIOD;
    /* The cookie holds t mod 32: its age is the distance back to it. */
    uint64_t age = (cur - (cookie >> 27)) & 31u;
    if (age >= L4_SYNCOOKIE_MAX_AGE || age > cur)
        return L4_ERR_LIMIT;
    unsigned idx = (cookie >> 24) & 7u;
    if (syncookie_mac(key, t, peer_isn, cur - age, idx) != (cookie & 0x00ffffffu))
        return L4_ERR_CHECKSUM;
    *mss_idx = idx;
    return 0;
}

#define SYNCOOKIE_TS_MASK ((1u << L4_SYNCOOKIE_TS_BITS) - 1u)
#define SYNCOOKIE_TS_SACK (1u << 4)
#define SYNCOOKIE_TS_ECN  (1u << 5)

uint32_t l4_syncookie_ts_encode(uint32_t ts_now, const l4_syncookie_opts *o)
{
    uint32_t bits = o->ws_ok ? (o->snd_wscale > 14 ? 14u : o->snd_wscale) : L4_SYNCOOKIE_NO_WSCALE;
    if (o->sack_ok)
        bits |= SYNCOOKIE_TS_SACK;
    if (o->ecn_ok)
        bits |= SYNCOOKIE_TS_ECN;
    uint32_t ts = (ts_now & ~SYNCOOKIE_TS_MASK) | bits;
    if ((int32_t)(ts - ts_now) > 0)
        ts -= SYNCOOKIE_TS_MASK + 1u;
    return ts;
}

int l4_syncookie_ts_decode(uint32_t tsecr, uint32_t ts_now, l4_syncookie_opts *o)
{
    /* A 1 ms timestamp clock: a cookie lives at most MAX_AGE periods. */
    uint32_t oldest =
        (uint32_t)(L4_SYNCOOKIE_MAX_AGE * (L4_SYNCOOKIE_PERIOD / L4_MS)) + SYNCOOKIE_TS_MASK + 1u;
    if ((int32_t)(tsecr - ts_now) > 0 || ts_now - tsecr > oldest)
        return L4_ERR_MALFORMED;
    uint32_t ws = tsecr & 0x0fu;
    o->ws_ok = ws != L4_SYNCOOKIE_NO_WSCALE;
    o->snd_wscale = o->ws_ok ? (uint8_t)(ws > 14 ? 14 : ws) : 0;
    o->sack_ok = (tsecr & SYNCOOKIE_TS_SACK) != 0;
    o->ecn_ok = (tsecr & SYNCOOKIE_TS_ECN) != 0;
    return 0;
}

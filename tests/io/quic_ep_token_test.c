/* tests/io/quic_ep_token_test.c — address validation on a server endpoint
 * (io/quic_ep.h with a validator, RFC 9000 §8.1) over loopback: a new
 * client gets a Retry and then a NEW_TOKEN token; the same client host on
 * a new port with that token is accepted at once; an altered token counts
 * as none (a Retry again); a forged Retry token gets
 * CONNECTION_CLOSE(INVALID_TOKEN), which ends the client's attempt. */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "check.h"
#include "io/clock.h"
#include "io/quic_ep.h"
#include "io/quic_tls_gnutls.h"

typedef struct side {
    int hs, closed, by_peer;
    uint64_t err;
} side;

static l4_quic_tls_creds *g_creds;

static void cb_hs(l4_quic_conn *c, void *u)
{
    (void)c;
    ((side *)u)->hs = 1;
}

static void cb_closed(l4_quic_conn *c, int bp, int app, uint64_t e, const char *r, size_t rl,
                      void *u)
{
    (void)c;
    (void)app;
    (void)r;
    (void)rl;
    side *s = u;
    s->closed = 1;
    s->by_peer = bp;
    s->err = e;
}

static l4_quic_conn *accept_cb(void *user, const uint8_t *d, size_t len, const l4_io_udp_addr *from,
                               l4_time now, void **app)
{
    (void)user;
    (void)from;
    l4_quic_tls_config tc;
    memset(&tc, 0, sizeof tc);
    tc.is_server = 1;
    tc.creds = g_creds;
    l4_quic_tls *tls;
    if (l4_quic_tls_gnutls_new(&tls, &tc) < 0)
        return NULL;
    static uint64_t seed;
    l4_quic_settings set;
    l4_quic_settings_default(&set);
    set.max_datagram = 1452;
    set.seed = ++seed; /* distinct connection IDs: the endpoint routes by them */
    l4_quic_conn *c;
    if (l4_quic_conn_new_server(&c, &set, NULL, NULL, tls, d, len, now) < 0)
        return NULL;
    *app = NULL;
    return c;
}

/* A client endpoint with one connection to 127.0.0.1:port, carrying `tok`. */
static l4_io_quic_ep *client(uint16_t port, side *s, const uint8_t *tok, size_t tok_len,
                             l4_quic_conn **out)
{
    l4_io_quic_ep_config ec;
    memset(&ec, 0, sizeof ec);
    ec.addr = "127.0.0.1";
    l4_io_quic_ep *ep;
    CHECK_EQ(l4_io_quic_ep_open(&ep, &ec), 0);
    l4_quic_tls_config tc;
    memset(&tc, 0, sizeof tc);
    tc.insecure = 1;
    l4_quic_tls *tls;
    CHECK_EQ(l4_quic_tls_gnutls_new(&tls, &tc), 0);
    l4_quic_callbacks cb;
    memset(&cb, 0, sizeof cb);
    cb.handshake_done = cb_hs;
    cb.closed = cb_closed;
    l4_quic_settings set;
    l4_quic_settings_default(&set);
    set.seed = (uint64_t)(uintptr_t)s;
    l4_quic_conn *c;
    CHECK_EQ(l4_quic_conn_new_client(&c, &set, &cb, s, tls, l4_io_now()), 0);
    if (tok)
        CHECK_EQ(l4_quic_conn_set_token(c, tok, tok_len), 0);
    l4_io_udp_addr peer;
    l4_io_udp_addr_parse(&peer, "127.0.0.1", port);
    CHECK_EQ(l4_io_quic_ep_add(ep, c, s, &peer), 0);
    *out = c;
    return ep;
}

/* Steps both endpoints until `done` or 3 s. */
static void run(l4_io_quic_ep *sv, l4_io_quic_ep *cl, const int *done)
{
    l4_time t0 = l4_io_now();
    while (!*done && l4_io_now() - t0 < 3 * L4_S) {
        l4_io_quic_ep_step(cl, 0);
        l4_io_quic_ep_step(sv, L4_MS / 10);
    }
}

static void test_retry_and_tokens(void)
{
    uint8_t *cert, *key;
    size_t cl, kl;
    CHECK_EQ(l4_quic_tls_selfsigned("localhost", (long)time(NULL) - 3600, 2, &cert, &cl, &key, &kl),
             0);
    l4_quic_tls_config tc;
    memset(&tc, 0, sizeof tc);
    tc.is_server = 1;
    tc.cert_pem = cert;
    tc.cert_pem_len = cl;
    tc.key_pem = key;
    tc.key_pem_len = kl;
    CHECK_EQ(l4_quic_tls_creds_new(&g_creds, &tc), 0);
    free(cert);
    free(key);
    l4_quic_validator v;
    memset(&v, 0, sizeof v); /* a random key */
    v.retry = 1;
    l4_io_quic_ep_config ec;
    memset(&ec, 0, sizeof ec);
    ec.addr = "127.0.0.1";
    ec.is_server = 1;
    ec.ops.accept = accept_cb;
    ec.validator = &v;
    l4_io_quic_ep *sv;
    CHECK_EQ(l4_io_quic_ep_open(&sv, &ec), 0);
    uint16_t port = l4_io_quic_ep_port(sv);
    l4_io_quic_ep_stats st;

    /* 1. a new client: Retry, then a NEW_TOKEN token */
    side a;
    memset(&a, 0, sizeof a);
    l4_quic_conn *ca;
    l4_io_quic_ep *ea = client(port, &a, NULL, 0, &ca);
    run(sv, ea, &a.hs);
    CHECK(a.hs);
    uint8_t tok[512];
    size_t tok_len = 0;
    l4_time t0 = l4_io_now();
    while (!l4_quic_conn_new_token(ca, &tok_len) && l4_io_now() - t0 < 2 * L4_S) {
        l4_io_quic_ep_step(ea, 0);
        l4_io_quic_ep_step(sv, L4_MS / 10);
    }
    const uint8_t *t = l4_quic_conn_new_token(ca, &tok_len);
    CHECK(t && tok_len > 0 && tok_len <= sizeof tok);
    memcpy(tok, t, tok_len);
    l4_io_quic_ep_get_stats(sv, &st);
    CHECK_EQU(st.retries, 1);
    CHECK_EQU(st.tokens_valid, 1);
    CHECK_EQU(st.tokens_sent, 1);
    CHECK_EQU(st.accepted, 1);
    l4_io_quic_ep_free(ea);

    /* 2. the same host on another port with the token: no Retry */
    side b;
    memset(&b, 0, sizeof b);
    l4_quic_conn *cb;
    l4_io_quic_ep *eb = client(port, &b, tok, tok_len, &cb);
    run(sv, eb, &b.hs);
    CHECK(b.hs);
    l4_io_quic_ep_get_stats(sv, &st);
    CHECK_EQU(st.retries, 1);
    CHECK_EQU(st.tokens_valid, 2);
    l4_io_quic_ep_free(eb);

    /* 3. an altered token is no token: a Retry again, then it goes on */
    side c;
    memset(&c, 0, sizeof c);
    tok[tok_len - 1] ^= 0x40;
    l4_quic_conn *cc;
    l4_io_quic_ep *ec3 = client(port, &c, tok, tok_len, &cc);
    run(sv, ec3, &c.hs);
    CHECK(c.hs);
    l4_io_quic_ep_get_stats(sv, &st);
    CHECK_EQU(st.retries, 2);
    CHECK_EQU(st.tokens_valid, 3);
    l4_io_quic_ep_free(ec3);

    /* 4. a forged Retry token: INVALID_TOKEN, no connection made */
    side d;
    memset(&d, 0, sizeof d);
    uint8_t forged[60];
    memset(forged, 0x33, sizeof forged);
    forged[0] = L4_QUIC_TOKEN_RETRY;
    l4_quic_conn *cd;
    l4_io_quic_ep *ed = client(port, &d, forged, sizeof forged, &cd);
    run(sv, ed, &d.closed);
    CHECK(d.closed && !d.hs);
    CHECK_EQ(d.by_peer, 1);
    CHECK_EQU(d.err, L4_QUIC_ERR_INVALID_TOKEN);
    l4_io_quic_ep_get_stats(sv, &st);
    CHECK_EQU(st.invalid_tokens, 1);
    CHECK_EQU(st.accepted, 3);
    l4_io_quic_ep_free(ed);
    l4_io_quic_ep_free(sv);
    l4_quic_tls_creds_free(g_creds);
    g_creds = NULL;
}

static const l4_test TESTS[] = {
    TEST(test_retry_and_tokens),
    TEST_END,
};

int main(int argc, char **argv)
{
    return l4_test_main(argc, argv, TESTS);
}

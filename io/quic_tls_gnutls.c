/*
 * io/quic_tls_gnutls.c — quic/tls.h over GnuTLS's QUIC API (RFC 9001 §4).
 *
 * GnuTLS hands each outgoing handshake message to a "read function" with
 * its encryption level, installs traffic secrets through a "secret
 * function", and consumes incoming handshake bytes through
 * gnutls_handshake_write(); gnutls_handshake() then advances the state
 * machine (a non-fatal error means "needs more"). The transport parameters
 * travel in extension 0x39 registered on the session (RFC 9001 §8.2).
 */
#include "io/quic_tls_gnutls.h"

#include <arpa/inet.h>

#include <gnutls/crypto.h>
#include <gnutls/gnutls.h>
#include <gnutls/x509.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "util/siphash.h"

#define QTLS_EXT_QUIC_TP 0x39

/* RFC 9001 §8.4: no middlebox-compatibility ChangeCipherSpec in QUIC; TLS
 * 1.3 only. The AEADs (those quic/crypto.h implements) follow, each one
 * in the configured set (qtls_priority). */
#define QTLS_PRIORITY_BASE "%DISABLE_TLS13_COMPAT_MODE:NORMAL:-VERS-ALL:+VERS-TLS1.3:-CIPHER-ALL"

typedef struct qtls {
    l4_quic_tls base;
    gnutls_session_t session;
    gnutls_certificate_credentials_t cred;
    int shared_cred; /* cred belongs to an l4_quic_tls_creds */
    const l4_quic_tls_events *ev;
    void *conn;
    int is_server;
    int complete;
    int cb_err; /* first error an engine callback returned */
    uint8_t alert;
    int has_alert;
    char alpn[256];
    l4_quic_keylog_fn keylog;
    void *keylog_user;
    /* resumption (RFC 9001 §4.6): client — where new tickets go; server —
       a ticket is sent once the handshake completes */
    void (*ticket)(void *user, const uint8_t *data, size_t len);
    void *ticket_user;
    int send_ticket;
} qtls;

#define QTLS_REPLAY_SLOTS 4096 /* ClientHellos with early data remembered per window */

/* One remembered ClientHello (the SipHash of its PSK binder) and when it may go. */
typedef struct qtls_seen {
    uint64_t h;
    time_t exp;
} qtls_seen;

struct l4_quic_tls_creds {
    gnutls_certificate_credentials_t cred;
    int is_server;
    /* server: session tickets and 0-RTT anti-replay (RFC 8446 §8) */
    gnutls_datum_t ticket_key;
    gnutls_anti_replay_t ar;
    uint8_t seen_key[16];
    qtls_seen *seen;
};

static qtls *qtls_of(gnutls_session_t s)
{
    return gnutls_session_get_ptr(s);
}

static int qtls_level(gnutls_record_encryption_level_t l)
{
    switch (l) {
    case GNUTLS_ENCRYPTION_LEVEL_INITIAL:
        return L4_QUIC_LEVEL_INITIAL;
    case GNUTLS_ENCRYPTION_LEVEL_EARLY:
        return L4_QUIC_LEVEL_EARLY;
    case GNUTLS_ENCRYPTION_LEVEL_HANDSHAKE:
        return L4_QUIC_LEVEL_HANDSHAKE;
    default:
        return L4_QUIC_LEVEL_APP;
    }
}

static gnutls_record_encryption_level_t qtls_gnutls_level(l4_quic_level l)
{
    switch (l) {
    case L4_QUIC_LEVEL_INITIAL:
        return GNUTLS_ENCRYPTION_LEVEL_INITIAL;
    case L4_QUIC_LEVEL_EARLY:
        return GNUTLS_ENCRYPTION_LEVEL_EARLY;
    case L4_QUIC_LEVEL_HANDSHAKE:
        return GNUTLS_ENCRYPTION_LEVEL_HANDSHAKE;
    default:
        return GNUTLS_ENCRYPTION_LEVEL_APPLICATION;
    }
}

static int qtls_read_func(gnutls_session_t s, gnutls_record_encryption_level_t level,
                          gnutls_handshake_description_t htype, const void *data, size_t len)
{
    qtls *t = qtls_of(s);
    if (htype == GNUTLS_HANDSHAKE_CHANGE_CIPHER_SPEC)
        return 0; /* never sent in QUIC */
    int rc = t->ev->send_crypto(t->conn, (l4_quic_level)qtls_level(level), data, len);
    if (rc < 0) {
        if (!t->cb_err)
            t->cb_err = rc;
        return -1;
    }
    return 0;
}

static int qtls_aead(gnutls_cipher_algorithm_t c, l4_quic_aead *out)
{
    switch (c) {
    case GNUTLS_CIPHER_AES_128_GCM:
        *out = L4_QUIC_AEAD_AES_128_GCM;
        return 0;
    case GNUTLS_CIPHER_AES_256_GCM:
        *out = L4_QUIC_AEAD_AES_256_GCM;
        return 0;
    case GNUTLS_CIPHER_CHACHA20_POLY1305:
        *out = L4_QUIC_AEAD_CHACHA20_POLY1305;
        return 0;
    default:
        return L4_ERR_UNSUPPORTED;
    }
}

static int qtls_secret_func(gnutls_session_t s, gnutls_record_encryption_level_t level,
                            const void *rx, const void *tx, size_t len)
{
    qtls *t = qtls_of(s);
    l4_quic_aead aead = L4_QUIC_AEAD_AES_128_GCM;
    gnutls_cipher_algorithm_t c =
        level == GNUTLS_ENCRYPTION_LEVEL_EARLY ? gnutls_early_cipher_get(s) : gnutls_cipher_get(s);
    int rc = qtls_aead(c, &aead);
    l4_quic_level l = (l4_quic_level)qtls_level(level);
    if (rc == 0 && rx)
        rc = t->ev->secret(t->conn, l, 0, aead, rx, len);
    if (rc == 0 && tx)
        rc = t->ev->secret(t->conn, l, 1, aead, tx, len);
    if (rc < 0) {
        if (!t->cb_err)
            t->cb_err = rc;
        return -1;
    }
    return 0;
}

static int qtls_alert_func(gnutls_session_t s, gnutls_record_encryption_level_t level,
                           gnutls_alert_level_t alert_level, gnutls_alert_description_t desc)
{
    (void)level;
    (void)alert_level;
    qtls *t = qtls_of(s);
    if (!t->has_alert) {
        t->alert = (uint8_t)desc;
        t->has_alert = 1;
    }
    return 0;
}

static int qtls_tp_recv(gnutls_session_t s, const unsigned char *data, size_t len)
{
    qtls *t = qtls_of(s);
    int rc = t->ev->remote_tp(t->conn, data, len);
    if (rc < 0) {
        if (!t->cb_err)
            t->cb_err = rc;
        /* RFC 9001 §8.2: a bad extension is a TRANSPORT_PARAMETER_ERROR,
         * which the engine reports itself; GnuTLS just stops. */
        return GNUTLS_E_RECEIVED_ILLEGAL_EXTENSION;
    }
    return 0;
}

static int qtls_tp_send(gnutls_session_t s, gnutls_buffer_t extdata)
{
    qtls *t = qtls_of(s);
    uint8_t buf[512];
    l4_ssize n = t->ev->local_tp(t->conn, buf, sizeof buf);
    if (n < 0)
        return GNUTLS_E_INTERNAL_ERROR;
    if (gnutls_buffer_append_data(extdata, buf, (size_t)n) < 0)
        return GNUTLS_E_MEMORY_ERROR;
    return (int)n;
}

static void qtls_hex(char *dst, const uint8_t *p, size_t n)
{
    static const char hex[] = "0123456789abcdef";
    for (size_t i = 0; i < n; i++) {
        dst[2 * i] = hex[p[i] >> 4];
        dst[2 * i + 1] = hex[p[i] & 15];
    }
    dst[2 * n] = 0;
}

/* The NSS key log format: LABEL <client random hex> <secret hex>. */
static int qtls_keylog_func(gnutls_session_t s, const char *label, const gnutls_datum_t *secret)
{
    qtls *t = qtls_of(s);
    if (!t->keylog || secret->size > 64)
        return 0;
    gnutls_datum_t crand, srand;
    gnutls_session_get_random(s, &crand, &srand);
    if (crand.size != 32)
        return 0;
    char line[64 + 1 + 64 + 1 + 128 + 1];
    char rh[65], sh[129];
    qtls_hex(rh, crand.data, 32);
    qtls_hex(sh, secret->data, secret->size);
    snprintf(line, sizeof line, "%s %s %s", label, rh, sh);
    t->keylog(t->keylog_user, line);
    return 0;
}

/* Client: each NewSessionTicket updates the session worth keeping. */
static int qtls_ticket_hook(gnutls_session_t s, unsigned htype, unsigned when, unsigned incoming,
                            const gnutls_datum_t *msg)
{
    (void)when;
    (void)incoming;
    (void)msg;
    qtls *t = qtls_of(s);
    if (htype != GNUTLS_HANDSHAKE_NEW_SESSION_TICKET || !t->ticket)
        return 0;
    gnutls_datum_t d;
    if (gnutls_session_get_data2(s, &d) < 0)
        return 0;
    t->ticket(t->ticket_user, d.data, d.size);
    gnutls_free(d.data);
    return 0;
}

/* Server: GnuTLS asks whether a ClientHello with early data (its binder,
 * `key`) was seen within the anti-replay window; it refuses the early data
 * of one that was (RFC 8446 §8.2). A full cache forgets its oldest entry. */
static int qtls_replay_add(void *ptr, time_t exp, const gnutls_datum_t *key,
                           const gnutls_datum_t *data)
{
    (void)data;
    l4_quic_tls_creds *c = ptr;
    uint64_t h = l4_siphash24(c->seen_key, key->data, key->size);
    time_t now = time(NULL);
    size_t slot = QTLS_REPLAY_SLOTS, oldest = 0;
    for (size_t i = 0; i < QTLS_REPLAY_SLOTS; i++) {
        qtls_seen *e = &c->seen[i];
        if (e->exp && e->exp < now)
            e->exp = 0;
        if (e->exp && e->h == h)
            return GNUTLS_E_DB_ENTRY_EXISTS;
        if (!e->exp && slot == QTLS_REPLAY_SLOTS)
            slot = i;
        if (e->exp < c->seen[oldest].exp)
            oldest = i;
    }
    if (slot == QTLS_REPLAY_SLOTS)
        slot = oldest;
    c->seen[slot].h = h;
    c->seen[slot].exp = exp > now ? exp : now + 1;
    return 0;
}

static int qtls_bind(l4_quic_tls *tls, const l4_quic_tls_events *ev, void *conn)
{
    qtls *t = tls->impl;
    t->ev = ev;
    t->conn = conn;
    return 0;
}

/* Runs gnutls_handshake once; 1 complete, 0 more needed, <0 error. */
static int qtls_step(qtls *t, uint8_t *alert)
{
    if (t->complete)
        return 1;
    int rv = gnutls_handshake(t->session);
    if (t->cb_err) {
        if (alert)
            *alert = t->has_alert ? t->alert : GNUTLS_A_INTERNAL_ERROR;
        return t->cb_err == L4_ERR_MALFORMED ? L4_ERR_MALFORMED : L4_ERR_STATE;
    }
    if (rv == 0) {
        t->complete = 1;
        if (t->send_ticket) /* RFC 9001 §4.6.1: the ticket goes in 1-RTT CRYPTO frames */
            gnutls_session_ticket_send(t->session, 1, 0);
        return 1;
    }
    if (!gnutls_error_is_fatal(rv))
        return 0;
    gnutls_alert_send_appropriate(t->session, rv);
    if (alert) {
        if (t->has_alert) {
            *alert = t->alert;
        } else {
            int lvl;
            int a = gnutls_error_to_alert(rv, &lvl);
            *alert = (uint8_t)(a < 0 ? GNUTLS_A_INTERNAL_ERROR : a);
        }
    }
    return L4_ERR_STATE;
}

static int qtls_start(l4_quic_tls *tls)
{
    qtls *t = tls->impl;
    if (t->is_server)
        return 0;
    int rc = qtls_step(t, NULL);
    return rc < 0 ? rc : 0;
}

static int qtls_provide(l4_quic_tls *tls, l4_quic_level level, const uint8_t *data, size_t len,
                        uint8_t *alert)
{
    qtls *t = tls->impl;
    if (len) {
        int rv = gnutls_handshake_write(t->session, qtls_gnutls_level(level), data, len);
        if (rv < 0) {
            if (t->complete && level == L4_QUIC_LEVEL_APP)
                return 1; /* e.g. an unexpected post-handshake message: ignore */
            *alert = t->has_alert ? t->alert : GNUTLS_A_UNEXPECTED_MESSAGE;
            return t->cb_err == L4_ERR_MALFORMED ? L4_ERR_MALFORMED : L4_ERR_STATE;
        }
    }
    return qtls_step(t, alert);
}

static const uint8_t *qtls_alpn(l4_quic_tls *tls, size_t *len)
{
    qtls *t = tls->impl;
    gnutls_datum_t p;
    if (gnutls_alpn_get_selected_protocol(t->session, &p) < 0 || p.size >= sizeof t->alpn) {
        *len = 0;
        return NULL;
    }
    memcpy(t->alpn, p.data, p.size);
    *len = p.size;
    return (const uint8_t *)t->alpn;
}

static void qtls_free(l4_quic_tls *tls)
{
    if (!tls)
        return;
    qtls *t = tls->impl;
    if (t->session)
        gnutls_deinit(t->session);
    if (t->cred && !t->shared_cred)
        gnutls_certificate_free_credentials(t->cred);
    free(t);
}

static unsigned qtls_session_flags(l4_quic_tls *tls)
{
    qtls *t = tls->impl;
    if (!t->complete)
        return 0;
    unsigned f = gnutls_session_is_resumed(t->session) ? L4_QUIC_TLS_RESUMED : 0;
    if (gnutls_session_get_flags(t->session) & GNUTLS_SFLAGS_EARLY_DATA)
        f |= L4_QUIC_TLS_EARLY_ACCEPTED;
    return f;
}

static const l4_quic_tls_ops QTLS_OPS = {
    .bind = qtls_bind,
    .start = qtls_start,
    .provide = qtls_provide,
    .alpn = qtls_alpn,
    .free = qtls_free,
    .session_flags = qtls_session_flags,
};

/* Loads what the configuration names (server: certificate and key;
 * client: trust anchors) into freshly allocated credentials. */
static int qtls_load_cred(gnutls_certificate_credentials_t *out, const l4_quic_tls_config *cfg)
{
    gnutls_certificate_credentials_t cred;
    if (gnutls_certificate_allocate_credentials(&cred) < 0)
        return L4_ERR_NOMEM;
    int rc = 0;
    if (cfg->is_server) {
        gnutls_datum_t c = {(unsigned char *)cfg->cert_pem, (unsigned)cfg->cert_pem_len};
        gnutls_datum_t k = {(unsigned char *)cfg->key_pem, (unsigned)cfg->key_pem_len};
        if (!cfg->cert_pem || !cfg->key_pem ||
            gnutls_certificate_set_x509_key_mem2(cred, &c, &k, GNUTLS_X509_FMT_PEM, NULL, 0) < 0)
            rc = L4_ERR_INVALID_ARGUMENT;
    } else if (!cfg->insecure) {
        if (!cfg->server_name) {
            rc = L4_ERR_INVALID_ARGUMENT;
        } else if (cfg->ca_pem) {
            gnutls_datum_t ca = {(unsigned char *)cfg->ca_pem, (unsigned)cfg->ca_pem_len};
            if (gnutls_certificate_set_x509_trust_mem(cred, &ca, GNUTLS_X509_FMT_PEM) <= 0)
                rc = L4_ERR_INVALID_ARGUMENT;
        } else if (gnutls_certificate_set_x509_system_trust(cred) < 0) {
            rc = L4_ERR_UNSUPPORTED;
        }
    }
    if (rc < 0) {
        gnutls_certificate_free_credentials(cred);
        return rc;
    }
    *out = cred;
    return 0;
}

int l4_quic_tls_creds_new(l4_quic_tls_creds **out, const l4_quic_tls_config *cfg)
{
    if (!out || !cfg)
        return L4_ERR_INVALID_ARGUMENT;
    *out = NULL;
    l4_quic_tls_creds *c = calloc(1, sizeof *c);
    if (!c)
        return L4_ERR_NOMEM;
    int rc = qtls_load_cred(&c->cred, cfg);
    if (rc < 0) {
        free(c);
        return rc;
    }
    c->is_server = cfg->is_server;
    if (c->is_server) {
        c->seen = calloc(QTLS_REPLAY_SLOTS, sizeof *c->seen);
        if (!c->seen || gnutls_session_ticket_key_generate(&c->ticket_key) < 0 ||
            gnutls_anti_replay_init(&c->ar) < 0 ||
            gnutls_rnd(GNUTLS_RND_RANDOM, c->seen_key, sizeof c->seen_key) < 0) {
            l4_quic_tls_creds_free(c);
            return L4_ERR_NOMEM;
        }
        gnutls_anti_replay_set_add_function(c->ar, qtls_replay_add);
        gnutls_anti_replay_set_ptr(c->ar, c);
    }
    *out = c;
    return 0;
}

void l4_quic_tls_creds_free(l4_quic_tls_creds *c)
{
    if (!c)
        return;
    gnutls_certificate_free_credentials(c->cred);
    if (c->ticket_key.data) {
        gnutls_memset(c->ticket_key.data, 0, c->ticket_key.size);
        gnutls_free(c->ticket_key.data);
    }
    if (c->ar)
        gnutls_anti_replay_deinit(c->ar);
    free(c->seen);
    free(c);
}

/* The priority string for the suites in `set` (0: all), in the order
 * AES-128-GCM, AES-256-GCM, ChaCha20-Poly1305 (GnuTLS's own preference). */
static int qtls_priority(char *buf, size_t cap, unsigned set)
{
    static const struct {
        l4_quic_aead aead;
        const char *gnutls;
    } names[] = {
        {L4_QUIC_AEAD_AES_128_GCM, ":+AES-128-GCM"},
        {L4_QUIC_AEAD_AES_256_GCM, ":+AES-256-GCM"},
        {L4_QUIC_AEAD_CHACHA20_POLY1305, ":+CHACHA20-POLY1305"},
    };
    if (!set)
        set = L4_QUIC_SUITES_ALL;
    if (set & ~(unsigned)L4_QUIC_SUITES_ALL)
        return L4_ERR_INVALID_ARGUMENT;
    size_t n = strlen(QTLS_PRIORITY_BASE);
    if (n + 1 > cap)
        return L4_ERR_INVALID_ARGUMENT;
    memcpy(buf, QTLS_PRIORITY_BASE, n + 1);
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        size_t k = strlen(names[i].gnutls);
        if (!(set & L4_QUIC_SUITE(names[i].aead)))
            continue;
        if (n + k + 1 > cap)
            return L4_ERR_INVALID_ARGUMENT;
        memcpy(buf + n, names[i].gnutls, k + 1);
        n += k;
    }
    return 0;
}

static int qtls_setup(qtls *t, const l4_quic_tls_config *cfg)
{
    char prio[256];
    if (qtls_priority(prio, sizeof prio, cfg->ciphers) < 0)
        return L4_ERR_INVALID_ARGUMENT;
    if (cfg->creds) {
        if (cfg->creds->is_server != !!cfg->is_server ||
            (!cfg->is_server && !cfg->insecure && !cfg->server_name))
            return L4_ERR_INVALID_ARGUMENT;
        t->cred = cfg->creds->cred;
        t->shared_cred = 1;
    } else {
        int rc = qtls_load_cred(&t->cred, cfg);
        if (rc < 0)
            return rc;
    }
    /* RFC 9001 §8.3: no EndOfEarlyData in QUIC; a server sends its ticket
     * itself once the handshake is complete (qtls_step), and only when the
     * credentials hold a ticket key that outlives the connection. */
    const l4_quic_tls_creds *cr = cfg->creds;
    int tickets = cfg->is_server && cr && cr->ticket_key.data;
    int early = !cfg->no_early_data && (cfg->is_server ? tickets : cfg->session != NULL);
    unsigned flags = (cfg->is_server ? GNUTLS_SERVER : GNUTLS_CLIENT) | GNUTLS_NO_END_OF_EARLY_DATA;
    if (cfg->is_server)
        flags |= tickets ? GNUTLS_NO_AUTO_SEND_TICKET : GNUTLS_NO_TICKETS;
    if (early)
        flags |= GNUTLS_ENABLE_EARLY_DATA;
    if (gnutls_init(&t->session, flags) < 0)
        return L4_ERR_NOMEM;
    if (tickets) {
        if (gnutls_session_ticket_enable_server(t->session, &cr->ticket_key) < 0)
            return L4_ERR_UNSUPPORTED;
        t->send_ticket = 1;
        if (early) {
            gnutls_anti_replay_enable(t->session, cr->ar);
            /* RFC 9001 §4.6.1: 0xffffffff in the ticket says 0-RTT is allowed */
            if (gnutls_record_set_max_early_data_size(t->session, 0xffffffffu) < 0)
                return L4_ERR_UNSUPPORTED;
        }
    }
    gnutls_session_set_ptr(t->session, t);
    if (gnutls_priority_set_direct(t->session, prio, NULL) < 0)
        return L4_ERR_UNSUPPORTED;
    if (gnutls_credentials_set(t->session, GNUTLS_CRD_CERTIFICATE, t->cred) < 0)
        return L4_ERR_UNSUPPORTED;
    gnutls_handshake_set_read_function(t->session, qtls_read_func);
    gnutls_handshake_set_secret_function(t->session, qtls_secret_func);
    gnutls_alert_set_read_function(t->session, qtls_alert_func);
    gnutls_session_set_keylog_function(t->session, qtls_keylog_func);
    if (gnutls_session_ext_register(t->session, "QUIC Transport Parameters", QTLS_EXT_QUIC_TP,
                                    GNUTLS_EXT_TLS, qtls_tp_recv, qtls_tp_send, NULL, NULL, NULL,
                                    GNUTLS_EXT_FLAG_TLS | GNUTLS_EXT_FLAG_CLIENT_HELLO |
                                        GNUTLS_EXT_FLAG_EE) < 0)
        return L4_ERR_UNSUPPORTED;
    const char *alpn = cfg->alpn ? cfg->alpn : "h3";
    gnutls_datum_t p = {(unsigned char *)alpn, (unsigned)strlen(alpn)};
    /* RFC 9001 §8.1: ALPN is mandatory for QUIC. */
    if (gnutls_alpn_set_protocols(t->session, &p, 1, GNUTLS_ALPN_MANDATORY) < 0)
        return L4_ERR_UNSUPPORTED;
    if (!cfg->is_server) {
        /* RFC 6066 §3: no IP literals in server_name (the certificate is
         * still checked against the address). */
        unsigned char ip[16];
        int literal = cfg->server_name && (inet_pton(AF_INET, cfg->server_name, ip) == 1 ||
                                           inet_pton(AF_INET6, cfg->server_name, ip) == 1);
        if (cfg->server_name && !literal &&
            gnutls_server_name_set(t->session, GNUTLS_NAME_DNS, cfg->server_name,
                                   strlen(cfg->server_name)) < 0)
            return L4_ERR_UNSUPPORTED;
        if (!cfg->insecure)
            gnutls_session_set_verify_cert(t->session, cfg->server_name, 0);
        if (cfg->session) {
            if (cfg->session_len > UINT32_MAX)
                return L4_ERR_INVALID_ARGUMENT;
            if (gnutls_session_set_data(t->session, cfg->session, cfg->session_len) < 0)
                return L4_ERR_INVALID_ARGUMENT;
        }
        t->ticket = cfg->ticket;
        t->ticket_user = cfg->ticket_user;
        if (cfg->ticket)
            gnutls_handshake_set_hook_function(t->session, GNUTLS_HANDSHAKE_NEW_SESSION_TICKET,
                                               GNUTLS_HOOK_POST, qtls_ticket_hook);
    }
    return 0;
}

int l4_quic_tls_gnutls_new(l4_quic_tls **out, const l4_quic_tls_config *cfg)
{
    if (!out || !cfg)
        return L4_ERR_INVALID_ARGUMENT;
    qtls *t = calloc(1, sizeof *t);
    if (!t)
        return L4_ERR_NOMEM;
    t->base.ops = &QTLS_OPS;
    t->base.impl = t;
    t->is_server = cfg->is_server;
    t->keylog = cfg->keylog;
    t->keylog_user = cfg->keylog_user;
    int rc = qtls_setup(t, cfg);
    if (rc < 0) {
        qtls_free(&t->base);
        return rc;
    }
    *out = &t->base;
    return 0;
}

static int qtls_dup(const gnutls_datum_t *d, uint8_t **out, size_t *len)
{
    *out = malloc(d->size);
    if (!*out)
        return L4_ERR_NOMEM;
    memcpy(*out, d->data, d->size);
    *len = d->size;
    return 0;
}

int l4_quic_tls_selfsigned(const char *name, long not_before, unsigned days, uint8_t **cert_pem,
                           size_t *cert_len, uint8_t **key_pem, size_t *key_len)
{
    if (!name || !cert_pem || !key_pem || !cert_len || !key_len)
        return L4_ERR_INVALID_ARGUMENT;
    gnutls_x509_privkey_t key = NULL;
    gnutls_x509_crt_t crt = NULL;
    gnutls_datum_t kd = {NULL, 0}, cd = {NULL, 0};
    int rc = L4_ERR_UNSUPPORTED;
    *cert_pem = *key_pem = NULL;
    if (gnutls_x509_privkey_init(&key) < 0 || gnutls_x509_crt_init(&crt) < 0)
        goto out;
    if (gnutls_x509_privkey_generate(key, GNUTLS_PK_ECDSA,
                                     GNUTLS_CURVE_TO_BITS(GNUTLS_ECC_CURVE_SECP256R1), 0) < 0)
        goto out;
    unsigned char serial[8] = {0x01, 0x4c, 0x34, 0x6b, 0x69, 0x74, 0x00, 0x01};
    time_t nb = (time_t)not_before;
    if (gnutls_x509_crt_set_version(crt, 3) < 0 ||
        gnutls_x509_crt_set_serial(crt, serial, sizeof serial) < 0 ||
        gnutls_x509_crt_set_activation_time(crt, nb) < 0 ||
        gnutls_x509_crt_set_expiration_time(crt, nb + (time_t)days * 86400) < 0 ||
        gnutls_x509_crt_set_dn_by_oid(crt, GNUTLS_OID_X520_COMMON_NAME, 0, name,
                                      (unsigned)strlen(name)) < 0 ||
        gnutls_x509_crt_set_subject_alt_name(crt, GNUTLS_SAN_DNSNAME, name, (unsigned)strlen(name),
                                             GNUTLS_FSAN_SET) < 0 ||
        gnutls_x509_crt_set_key(crt, key) < 0 ||
        gnutls_x509_crt_set_basic_constraints(crt, 1, -1) < 0 ||
        gnutls_x509_crt_set_key_usage(crt, GNUTLS_KEY_DIGITAL_SIGNATURE |
                                               GNUTLS_KEY_KEY_CERT_SIGN) < 0 ||
        gnutls_x509_crt_set_key_purpose_oid(crt, GNUTLS_KP_TLS_WWW_SERVER, 0) < 0 ||
        gnutls_x509_crt_sign2(crt, crt, key, GNUTLS_DIG_SHA256, 0) < 0)
        goto out;
    if (gnutls_x509_crt_export2(crt, GNUTLS_X509_FMT_PEM, &cd) < 0 ||
        gnutls_x509_privkey_export2(key, GNUTLS_X509_FMT_PEM, &kd) < 0)
        goto out;
    rc = qtls_dup(&cd, cert_pem, cert_len);
    if (rc == 0)
        rc = qtls_dup(&kd, key_pem, key_len);
    if (rc < 0) {
        free(*cert_pem);
        *cert_pem = NULL;
    }
out:
    gnutls_free(cd.data);
    gnutls_free(kd.data);
    if (crt)
        gnutls_x509_crt_deinit(crt);
    if (key)
        gnutls_x509_privkey_deinit(key);
    return rc;
}

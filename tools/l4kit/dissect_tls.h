/*
 * tools/l4kit/dissect_tls.h — the TLS 1.3 handshake messages QUIC carries
 * in CRYPTO frames (RFC 9001 §4), as `l4kit dissect` names them: the
 * message type and length (RFC 8446 §4), and from a ClientHello its random
 * (to find the connection's secrets in a key log), server name (RFC 6066
 * §3) and offered ALPN protocols (RFC 7301 §3.1); from a ServerHello the
 * cipher suite (which AEAD protects the Handshake and 1-RTT packets) or that
 * it is a HelloRetryRequest; from EncryptedExtensions the chosen ALPN; from
 * both the quic_transport_parameters extension (RFC 9001 §8.2), decoded
 * with wire/quic_tp.h. Nothing here prints or allocates.
 */
#ifndef L4_TOOLS_DISSECT_TLS_H
#define L4_TOOLS_DISSECT_TLS_H

#include <stddef.h>
#include <stdint.h>

#include "wire/quic_tp.h"

/* Handshake message types (RFC 8446 §4). */
#define DIS_TLS_CLIENT_HELLO         1
#define DIS_TLS_SERVER_HELLO         2
#define DIS_TLS_NEW_SESSION_TICKET   4
#define DIS_TLS_END_OF_EARLY_DATA    5
#define DIS_TLS_ENCRYPTED_EXTENSIONS 8
#define DIS_TLS_CERTIFICATE          11
#define DIS_TLS_CERTIFICATE_REQUEST  13
#define DIS_TLS_CERTIFICATE_VERIFY   15
#define DIS_TLS_FINISHED             20
#define DIS_TLS_KEY_UPDATE           24
#define DIS_TLS_HRR                  0x102 /* a ServerHello that is a HelloRetryRequest (§4.1.3) */

#define DIS_TLS_HDR 4 /* type (1) + 24-bit length */

/** What one handshake message says that `l4kit dissect` shows. */
typedef struct dis_tls_msg {
    int type;     /* the message type, or DIS_TLS_HRR */
    uint32_t len; /* body length */
    int parsed;   /* the fields below were read (the body is well formed as far as read) */
    uint8_t random[32];
    uint16_t cipher; /* ServerHello: the chosen cipher suite */
    char sni[256];   /* ClientHello: host_name, printable ASCII ('?' for other bytes); "" none */
    char alpn[128];  /* ClientHello: offered, comma-separated; EncryptedExtensions: chosen */
    int has_tp;      /* a quic_transport_parameters extension: */
    size_t tp_len;   /* its length */
    int tp_err;      /* 0, or l4_quic_tp_decode's error */
    l4_quic_tp tp;   /* decoded (ClientHello: a client's; EncryptedExtensions: a server's);
                        tp.preferred_addr is not kept (NULL) */
} dis_tls_msg;

/**
 * Reads the complete handshake message at `msg` (`len` bytes: the 4-byte
 * header and the body it announces, exactly). Fills `m`; for a message
 * whose body does not decode, `parsed` is 0 (type and len still set).
 * Returns 0, or -1 when `len` is not 4 + the announced length.
 * Never reads outside msg[0..len).
 */
int dis_tls_parse(dis_tls_msg *m, const uint8_t *msg, size_t len);

/** "ClientHello", "ServerHello", "HelloRetryRequest", "Finished", ...; NULL when unknown. */
const char *dis_tls_msg_name(int type);

/** "TLS_AES_128_GCM_SHA256", ...; NULL for a suite QUIC does not use. */
const char *dis_tls_cipher_name(uint16_t suite);

#endif

/*
 * fuzz/fuzz_quic_session.c — quic-get's session-file parser
 * (tools/l4kit/quic_session.h) on arbitrary text. Invariants: it accepts or
 * refuses with a reason, never reads outside the input; what it accepts
 * has a server and a ticket, and transport parameters that decode.
 */
#include "fuzz/fuzz.h"
#include "tools/l4kit/quic_session.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    qt_session s;
    char why[160] = "";
    if (qt_session_parse((const char *)data, size, &s, why, sizeof why) < 0) {
        FUZZ_CHECK(why[0] != 0 && s.ticket == NULL && s.token == NULL && s.tp == NULL);
        return 0;
    }
    FUZZ_CHECK(s.server[0] && s.ticket && s.ticket_len > 0);
    l4_quic_tp tp;
    FUZZ_CHECK(!s.tp || qt_session_tp(&s, &tp) == 0);
    qt_session_free(&s);
    return 0;
}

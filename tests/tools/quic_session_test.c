/* tests/tools/quic_session_test.c — quic-get's session file
 * (tools/l4kit/quic_session.h): what is written reads back the same, the
 * transport parameters decode, and each kind of bad file is refused with
 * the line and the reason. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"
#include "tools/l4kit/quic_session.h"

static void test_roundtrip(void)
{
    char path[] = "/tmp/l4sessXXXXXX";
    int fd = mkstemp(path);
    CHECK(fd >= 0);
    close(fd);
    qt_session s;
    memset(&s, 0, sizeof s);
    snprintf(s.server, sizeof s.server, "example.org:4433");
    static const uint8_t ticket[5] = {0, 1, 0xab, 0xff, 7}, token[3] = {0xa2, 0, 9};
    l4_quic_tp tp;
    l4_quic_tp_default(&tp);
    tp.initial_max_data = 123456;
    tp.initial_max_streams_bidi = 77;
    tp.active_connection_id_limit = 4;
    uint8_t tpb[256];
    l4_ssize tl = l4_quic_tp_encode(tpb, sizeof tpb, &tp, 1);
    CHECK(tl > 0);
    CHECK_EQ(qt_session_set(&s.ticket, &s.ticket_len, ticket, sizeof ticket), 0);
    CHECK_EQ(qt_session_set(&s.token, &s.token_len, token, sizeof token), 0);
    CHECK_EQ(qt_session_set(&s.tp, &s.tp_len, tpb, (size_t)tl), 0);
    CHECK_EQ(qt_session_save(path, &s), 0);
    struct stat st;
    CHECK_EQ(stat(path, &st), 0);
    CHECK_EQU(st.st_mode & 0777, 0600); /* a ticket is a secret */
    qt_session r;
    char why[160];
    CHECK_EQ(qt_session_load(path, &r, why, sizeof why), 0);
    CHECK(!strcmp(r.server, "example.org:4433"));
    CHECK_EQU(r.ticket_len, sizeof ticket);
    CHECK_MEM(r.ticket, ticket, sizeof ticket);
    CHECK_EQU(r.token_len, sizeof token);
    CHECK_MEM(r.token, token, sizeof token);
    l4_quic_tp back;
    CHECK_EQ(qt_session_tp(&r, &back), 0);
    CHECK_EQU(back.initial_max_data, 123456);
    CHECK_EQU(back.initial_max_streams_bidi, 77);
    qt_session_free(&r);
    qt_session_free(&s);
    unlink(path);
    CHECK_EQ(qt_session_load(path, &r, why, sizeof why), 1); /* no file: nothing, no error */
    CHECK(r.ticket == NULL);
}

static void bad(const char *text, const char *reason)
{
    qt_session s;
    char why[160] = "";
    CHECK_MSG(qt_session_parse(text, strlen(text), &s, why, sizeof why) == -1, "accepted: %s",
              text);
    CHECK_MSG(strstr(why, reason) != NULL, "'%s' gave '%s', want '%s'", text, why, reason);
    CHECK(s.ticket == NULL && s.token == NULL && s.tp == NULL);
}

static void test_bad_files(void)
{
    bad("", "empty file");
    bad("# only a comment\n", "empty file");
    bad("l4kit-quic-session 2\n", "line 1: not an l4kit session file");
    bad("l4kit-quic-session 1\nserver a:1\n", "no server or no ticket");
    bad("l4kit-quic-session 1\nticket 00\n", "no server or no ticket");
    bad("l4kit-quic-session 1\nserver a:1\nticket\n", "line 3: want 'KEY VALUE'");
    bad("l4kit-quic-session 1\nserver a:1\nticket 0\n", "line 3: 'ticket' is not hex");
    bad("l4kit-quic-session 1\nserver a:1\nticket zz\n", "line 3: 'ticket' is not hex");
    bad("l4kit-quic-session 1\nserver a:1\nticket \n", "line 3: want 'KEY VALUE'");
    bad("l4kit-quic-session 1\nserver a:1\nserver b:2\nticket 00\n", "line 3: bad or repeated");
    bad("l4kit-quic-session 1\nserver a:1\ntoken 00\ntoken 01\nticket 00\n", "given twice");
    bad("l4kit-quic-session 1\nserver a:1\nticket 00\nfoo 00\n", "line 4: unknown key 'foo'");
    bad("l4kit-quic-session 1\nserver a:1\nticket 00\ntp 0402\n", "transport parameters");
    char big[400];
    memset(big, 'x', sizeof big);
    big[sizeof big - 1] = 0;
    char text[600];
    snprintf(text, sizeof text, "l4kit-quic-session 1\nserver %s\nticket 00\n", big);
    bad(text, "line 2: bad or repeated server");
    /* comments, blank lines, CRLF and trailing blanks are fine */
    const char *ok = "# hi\r\n\r\nl4kit-quic-session 1\r\nserver h:1  \r\n# x\nticket 0A0b\r\n";
    qt_session s;
    char why[160];
    CHECK_EQ(qt_session_parse(ok, strlen(ok), &s, why, sizeof why), 0);
    CHECK(!strcmp(s.server, "h:1"));
    CHECK_EQU(s.ticket_len, 2);
    CHECK_EQU(s.ticket[0], 0x0a);
    CHECK_EQU(s.ticket[1], 0x0b);
    qt_session_free(&s);
}

static const l4_test TESTS[] = {
    TEST(test_roundtrip),
    TEST(test_bad_files),
    TEST_END,
};

int main(int argc, char **argv)
{
    return l4_test_main(argc, argv, TESTS);
}

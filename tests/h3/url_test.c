/* tests/h3/url_test.c — https URL parsing (h3/url.h): what quic-get sends
 * as :authority and :path, and the reason it gives for bad URLs. */
#include <string.h>

#include "check.h"
#include "h3/url.h"

static void ok(const char *text, const char *host, unsigned port, const char *auth,
               const char *path, int v6)
{
    l4_h3_url u;
    const char *why = NULL;
    CHECK_MSG(l4_h3_url_parse(&u, text, &why) == 0, "%s: %s", text, why ? why : "?");
    CHECK_MSG(!strcmp(u.host, host), "%s: host '%s'", text, u.host);
    CHECK_EQ(u.port, port);
    CHECK_MSG(!strcmp(u.authority, auth), "%s: authority '%s'", text, u.authority);
    CHECK_MSG(!strcmp(u.path, path), "%.100s: path %.100s", text, u.path);
    CHECK_EQ(u.ipv6, v6);
}

static void bad(const char *text, const char *reason)
{
    l4_h3_url u;
    const char *why = NULL;
    CHECK_MSG(l4_h3_url_parse(&u, text, &why) == L4_ERR_MALFORMED, "%s accepted", text);
    CHECK_MSG(why && strstr(why, reason), "%s: reason '%s', want '%s'", text, why ? why : "",
              reason);
}

static void test_good(void)
{
    ok("https://example.com/a/b.txt", "example.com", 443, "example.com", "/a/b.txt", 0);
    ok("https://127.0.0.1:4433/1M", "127.0.0.1", 4433, "127.0.0.1:4433", "/1M", 0);
    ok("HTTPS://Host", "Host", 443, "Host", "/", 0);                /* scheme any case */
    ok("https://h:443/", "h", 443, "h", "/", 0);                    /* default port not repeated */
    ok("https://h:/x", "h", 443, "h", "/x", 0);                     /* empty port = default */
    ok("https://h?q=1", "h", 443, "h", "/?q=1", 0);                 /* query without path */
    ok("https://h/p?q=1#frag", "h", 443, "h", "/p?q=1", 0);         /* fragment not sent */
    ok("https://[::1]:8443/f", "::1", 8443, "[::1]:8443", "/f", 1); /* IPv6 literal */
    ok("https://[2001:db8::1]/", "2001:db8::1", 443, "[2001:db8::1]", "/", 1);
    ok("https://h/../etc/passwd", "h", 443, "h", "/../etc/passwd", 0); /* sent as written */
    ok("https://a-b_c.d/%41", "a-b_c.d", 443, "a-b_c.d", "/%41", 0);
    ok("https://h:65535/", "h", 65535, "h:65535", "/", 0);
}

static void test_bad(void)
{
    bad("http://h/", "https");
    bad("ftp://h/", "https");
    bad("h/path", "https");
    bad("https:/h", "https");
    bad("", "https");
    bad("https://", "empty host");
    bad("https:///path", "empty host");
    bad("https://:443/", "empty host");
    bad("https://user@h/", "user info");
    bad("https://h:0/", "port");
    bad("https://h:65536/", "port");
    bad("https://h:123456/", "port");
    bad("https://h:44x/", "port");
    bad("https://h:-1/", "port");
    bad("https://[::1/", "unclosed");
    bad("https://[]/", "empty host");
    bad("https://[1.2.3.4]/", "IPv6");
    bad("https://[::1%eth0]/", "IPv6");
    bad("https://[::1]x/", "after ']'");
    bad("https://h h/", "host");
    bad("https://h/a b", "space");
    bad("https://h/a\tb", "control");
    bad("https://h\x01/", "host");
}

static void test_limits(void)
{
    char text[L4_H3_URL_PATH_MAX + 64];
    l4_h3_url u;
    const char *why;
    strcpy(text, "https://h/");
    size_t n = strlen(text);
    memset(text + n, 'a', L4_H3_URL_PATH_MAX - 1);
    text[n + L4_H3_URL_PATH_MAX - 1] = 0;
    CHECK_EQ(l4_h3_url_parse(&u, text, &why), 0); /* exactly the limit */
    CHECK_EQ(strlen(u.path), L4_H3_URL_PATH_MAX);
    strcat(text, "a");
    CHECK_EQ(l4_h3_url_parse(&u, text, &why), L4_ERR_MALFORMED);
    char host[L4_H3_URL_HOST_MAX + 32] = "https://";
    memset(host + 8, 'h', L4_H3_URL_HOST_MAX + 1);
    host[8 + L4_H3_URL_HOST_MAX + 1] = 0;
    CHECK_EQ(l4_h3_url_parse(&u, host, &why), L4_ERR_MALFORMED);
    host[8 + L4_H3_URL_HOST_MAX] = 0;
    CHECK_EQ(l4_h3_url_parse(&u, host, &why), 0);
    CHECK_EQ(l4_h3_url_parse(NULL, "https://h/", &why), L4_ERR_INVALID_ARGUMENT);
    CHECK_EQ(l4_h3_url_parse(&u, NULL, &why), L4_ERR_INVALID_ARGUMENT);
    CHECK_EQ(l4_h3_url_parse(&u, "https://h:1/", NULL), 0);
}

static const l4_test TESTS[] = {
    TEST(test_good),
    TEST(test_bad),
    TEST(test_limits),
    TEST_END,
};

int main(int argc, char **argv)
{
    return l4_test_main(argc, argv, TESTS);
}

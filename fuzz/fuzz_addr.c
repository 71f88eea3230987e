/*
 * fuzz/fuzz_addr.c — l4_addr_parse on arbitrary text, checked against the C
 * library's inet_pton/inet_ntop. Invariants: whatever parses formats to at
 * most 46 characters, and that text parses back to the same address and
 * formats to itself (the RFC 5952 form is canonical). l4kit accepts exactly
 * what inet_pton accepts, and formats as inet_ntop does (outside ::/96,
 * where glibc still prints the deprecated IPv4-compatible form).
 */
#include <arpa/inet.h>
#include <stdlib.h>

#include "fuzz/fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 128)
        return 0;
    char text[129];
    memcpy(text, data, size);
    text[size] = '\0';

    l4_addr a;
    int rc = l4_addr_parse(&a, text);
    uint8_t ref[16];
    int is6 = strchr(text, ':') != NULL;
    int ok_ref = inet_pton(is6 ? AF_INET6 : AF_INET, text, ref) == 1;
    FUZZ_CHECK((rc == 0) == ok_ref);
    if (rc != 0) {
        FUZZ_CHECK(rc == L4_ERR_MALFORMED);
        return 0;
    }
    FUZZ_CHECK(a.family == (is6 ? L4_AF_INET6 : L4_AF_INET4));
    FUZZ_CHECK(memcmp(a.bytes, ref, l4_addr_len(&a)) == 0);

    char out[64], again[64];
    int n = l4_addr_format(&a, out, sizeof out);
    FUZZ_CHECK(n > 0 && n <= 46 && (size_t)n == strlen(out));
    l4_addr b;
    FUZZ_CHECK(l4_addr_parse(&b, out) == 0 && l4_addr_eq(&a, &b));
    FUZZ_CHECK(l4_addr_format(&b, again, sizeof again) == n && strcmp(out, again) == 0);
    /* Too small a buffer: NOBUF and a NUL-terminated prefix. */
    FUZZ_CHECK(l4_addr_format(&a, again, (size_t)n) == L4_ERR_NOBUF);
    FUZZ_CHECK(strlen(again) == (size_t)n - 1 && memcmp(again, out, (size_t)n - 1) == 0);

    static const uint8_t zero12[12] = {0};
    if (a.family == L4_AF_INET4 || memcmp(a.bytes, zero12, 12) != 0) {
        char ntop[64];
        FUZZ_CHECK(inet_ntop(is6 ? AF_INET6 : AF_INET, a.bytes, ntop, sizeof ntop) != NULL);
        FUZZ_CHECK(strcmp(ntop, out) == 0);
    }
    return 0;
}

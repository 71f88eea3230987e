/*
 * fuzz/fuzz_quic_suites.c — the --ciphers list parser
 * (l4_quic_suites_parse) on arbitrary text.
 *
 * Invariants: never crashes; a rejection is L4_ERR_MALFORMED with `bad`
 * inside the input at the start of an item; an accepted list gives a
 * non-empty set of known suites, and the list rebuilt from the set's IANA
 * names parses back to the same set.
 */
#include <stdio.h>
#include <stdlib.h>

#include "fuzz.h"
#include "quic/suites.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = fuzz_cstr(data, size);
    if (!text)
        return 0;
    unsigned set = 0;
    const char *bad = NULL;
    size_t len = strlen(text);
    int rc = l4_quic_suites_parse(text, &set, &bad);
    if (rc != 0) {
        FUZZ_CHECK(rc == L4_ERR_MALFORMED && bad >= text && bad <= text + len);
        FUZZ_CHECK(bad == text || bad[-1] == ',');
        free(text);
        return 0;
    }
    free(text);
    FUZZ_CHECK(set && !(set & ~(unsigned)L4_QUIC_SUITES_ALL));
    char again[128] = "";
    for (int a = 0; a < 3; a++)
        if (set & L4_QUIC_SUITE(a)) {
            if (again[0])
                strcat(again, ",");
            strcat(again, l4_quic_suite_name((l4_quic_aead)a));
        }
    unsigned set2 = 0;
    FUZZ_CHECK(l4_quic_suites_parse(again, &set2, NULL) == 0 && set2 == set);
    return 0;
}

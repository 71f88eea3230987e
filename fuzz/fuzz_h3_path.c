/*
 * fuzz/fuzz_h3_path.c — quic-server's request-path handling on arbitrary
 * bytes: the file name under the root and the generated-object size.
 *
 * Invariants: never crashes; an accepted file name is relative, has no
 * empty, "." or ".." segment and no NUL, fits the buffer and has the
 * returned length; an accepted size is at most L4_H3_GEN_MAX.
 */
#include <stdlib.h>

#include "fuzz.h"
#include "h3/path.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *req = fuzz_cstr(data, size);
    if (!req)
        return 0;
    char out[512];
    l4_ssize n = l4_h3_path_file(req, out, sizeof out);
    if (n >= 0) {
        FUZZ_CHECK((size_t)n < sizeof out && strlen(out) == (size_t)n && n > 0);
        FUZZ_CHECK(out[0] != '/');
        const char *seg = out;
        for (;;) {
            const char *end = strchr(seg, '/');
            size_t len = end ? (size_t)(end - seg) : strlen(seg);
            FUZZ_CHECK(len > 0);
            FUZZ_CHECK(!(len == 1 && seg[0] == '.') &&
                       !(len == 2 && seg[0] == '.' && seg[1] == '.'));
            if (!end)
                break;
            seg = end + 1;
        }
    } else {
        FUZZ_CHECK(n == L4_ERR_MALFORMED || n == L4_ERR_NOBUF);
    }
    uint64_t len;
    if (l4_h3_path_size(req, &len) == 0)
        FUZZ_CHECK(len <= L4_H3_GEN_MAX);
    free(req);
    return 0;
}

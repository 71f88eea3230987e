/* util/err.c — names for L4_ERR_* codes. */
#include "util/err.h"

const char *l4_strerror(int err)
{
    switch (err) {
    case L4_OK:
        return "success";
    case L4_ERR_INVALID_ARGUMENT:
        return "invalid argument";
    case L4_ERR_TRUNCATED:
        return "truncated input";
    case L4_ERR_MALFORMED:
        return "malformed input";
    case L4_ERR_CHECKSUM:
        return "bad checksum";
    case L4_ERR_NOBUF:
        return "output buffer too small";
    case L4_ERR_UNSUPPORTED:
        return "unsupported";
    case L4_ERR_AGAIN:
        return "try again";
    case L4_ERR_STATE:
        return "invalid in current state";
    case L4_ERR_LIMIT:
        return "limit exceeded";
    case L4_ERR_NOT_FOUND:
        return "not found";
    case L4_ERR_IO:
        return "i/o error";
    case L4_ERR_NOMEM:
        return "out of memory";
    case L4_ERR_CALLBACK_FAILURE:
        return "callback failed";
    default:
        return "unknown error";
    }
}

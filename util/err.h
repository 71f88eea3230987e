/*
 * util/err.h — error codes shared by every l4kit layer.
 *
 * Functions that can fail return an int (or l4_ssize) that is 0 / a byte count
 * on success and one of the negative L4_ERR_* codes below on failure. Codes at
 * or below L4_ERR_FATAL mean the object that returned them must be discarded.
 * Protocol error codes that travel on the wire (a QUIC CONNECTION_CLOSE code,
 * an ICMP type) are never packed into these values; they are separate fields.
 */
#ifndef L4_UTIL_ERR_H
#define L4_UTIL_ERR_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/** Signed byte count or negative L4_ERR_* code. */
typedef ptrdiff_t l4_ssize;

#define L4_OK                   0
#define L4_ERR_INVALID_ARGUMENT -201 /* a caller passed something impossible */
#define L4_ERR_TRUNCATED        -202 /* input shorter than its format requires */
#define L4_ERR_MALFORMED        -203 /* a field has a value its format forbids */
#define L4_ERR_CHECKSUM         -204 /* checksum does not verify */
#define L4_ERR_NOBUF            -205 /* caller's output buffer is too small */
#define L4_ERR_UNSUPPORTED      -206 /* valid, but not something l4kit handles */
#define L4_ERR_AGAIN            -207 /* nothing to do now; try later (EAGAIN) */
#define L4_ERR_STATE            -208 /* operation not valid in the object's state */
#define L4_ERR_LIMIT            -209 /* a configured limit would be exceeded */
#define L4_ERR_NOT_FOUND        -210 /* no such name / entry */
#define L4_ERR_IO               -211 /* an io/ driver call failed (see errno) */
#define L4_ERR_FATAL            -500
#define L4_ERR_NOMEM            -501 /* allocation failed */
#define L4_ERR_CALLBACK_FAILURE -502 /* an application callback returned failure */

/** Returns nonzero when err is in the fatal band (<= L4_ERR_FATAL). */
static inline int l4_err_is_fatal(int err)
{
    return err <= L4_ERR_FATAL;
}

/**
 * Returns a short, static, human-readable description of an L4_ERR_* code
 * ("truncated input", ...). Unknown codes give "unknown error". Never NULL.
 */
const char *l4_strerror(int err);

#endif

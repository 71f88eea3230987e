/*
 * tools/l4kit/json.h — the little JSON writing the subcommands share: strings
 * escaped per RFC 8259 §7. Objects and arrays are written by the callers.
 */
#ifndef L4_TOOLS_JSON_H
#define L4_TOOLS_JSON_H

#include <stdio.h>

/** Writes `s` as a JSON string literal (quotes included) to `f`; NULL writes null. */
void json_str(FILE *f, const char *s);

#endif

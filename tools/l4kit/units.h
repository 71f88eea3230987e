/*
 * tools/l4kit/units.h — the one parser of sizes and times on l4kit's command
 * line, so every subcommand accepts the same spellings (DESIGN.md: sizes
 * take suffixes, times take units).
 */
#ifndef L4_TOOLS_UNITS_H
#define L4_TOOLS_UNITS_H

#include <stdint.h>

#include "util/time.h"

/**
 * A byte count: a number (fractions allowed: "1.5M") with an optional
 * 1024-based suffix, case-insensitive: b, k/kb/kib, m/mb/mib, g/gb/gib,
 * t/tb/tib ("10M" = 10485760). Returns 0, or -1 for anything else (empty,
 * negative, unknown suffix, more than 2^62 bytes).
 */
int units_parse_size(const char *text, uint64_t *out);

/**
 * A duration: a number with a unit ns, us, ms, s or m (minutes): "100ms",
 * "1.5s", "2m". A bare "0" is 0; any other number needs its unit. Returns 0,
 * or -1 (callers that need a positive time check for 0 themselves).
 */
int units_parse_time(const char *text, l4_time *out);

#endif

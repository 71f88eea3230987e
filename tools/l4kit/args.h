/*
 * tools/l4kit/args.h — the pieces of the argument loop the subcommands
 * share: taking an option's value, whole numbers in a range, HOST PORT style
 * positional words, and the one-line reasons for bad usage (cmd.h: printed
 * as "l4kit CMD: ...", exit status 2).
 *
 * Option groups (stack_opt in stack_run.h, qt_opt in quic_tool.h) answer
 * ARGS_OTHER, ARGS_TAKEN or the exit status to stop with, so a loop reads:
 *
 *     int r = stack_opt(cmd, usage, &o, argc, argv, &i);
 *     if (r == ARGS_TAKEN)
 *         continue;
 *     if (r != ARGS_OTHER) {
 *         rc = r;
 *         goto out;
 *     }
 */
#ifndef L4_TOOLS_ARGS_H
#define L4_TOOLS_ARGS_H

/** argv[*i] is not one of the group's options: the caller looks at it. */
#define ARGS_OTHER (-1)
/** argv[*i] (and its value, *i advanced past it) was taken. */
#define ARGS_TAKEN (-2)

/**
 * When `a` is --help or -h: prints `usage` on stdout with its one "%s"
 * replaced by `opts_help` (the option group's help lines) and returns 0, the
 * exit status. Otherwise ARGS_OTHER.
 */
int args_help(const char *a, const char *usage, const char *opts_help);

/**
 * The value of option argv[*i]: advances *i to it and returns it (a string
 * of argv). NULL, after printing "l4kit CMD: OPT needs a value", when argv
 * ends first.
 */
const char *args_value(const char *cmd, int argc, char **argv, int *i);

/**
 * `text` as a whole decimal number from lo to hi into *out: 0, or -1 (and
 * *out untouched) for an empty text, anything after the digits, or a value
 * outside the range or outside a long.
 */
int args_long(const char *text, long lo, long hi, long *out);

/** Prints "l4kit CMD: unknown option 'A' (see --help)"; returns 2. */
int args_unknown(const char *cmd, const char *a);

/**
 * A word that is not an option of the command: a word starting with '-'
 * (other than "-" itself) is an unknown option; else it is stored in
 * pos[*npos] when fewer than `max` are there. Returns 0, or 2 after printing
 * the reason ("unknown option", or "unexpected argument 'A'" followed by
 * " (HINT)" when `hint` is not NULL).
 */
int args_positional(const char *cmd, const char *a, const char **pos, int *npos, int max,
                    const char *hint);

#endif

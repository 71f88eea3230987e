/* tests/tools/args_test.c — the shared pieces of the subcommands' argument loops. */
#include <limits.h>
#include <stdio.h>
#include <unistd.h>

#include "check.h"
#include "tools/l4kit/args.h"

/* What `fn` writes on stdout (fd 1), or on stderr with which = 2, into buf. */
static void capture(int which, void (*fn)(void *), void *arg, char *buf, size_t cap)
{
    FILE *tmp = tmpfile();
    CHECK(tmp != NULL);
    fflush(which == 2 ? stderr : stdout);
    int saved = dup(which);
    dup2(fileno(tmp), which);
    fn(arg);
    fflush(which == 2 ? stderr : stdout);
    dup2(saved, which);
    close(saved);
    rewind(tmp);
    size_t n = fread(buf, 1, cap - 1, tmp);
    buf[n] = '\0';
    fclose(tmp);
}

static void test_long(void)
{
    long v = -7;
    CHECK_EQ(args_long("5201", 1, 65535, &v), 0);
    CHECK_EQ(v, 5201);
    CHECK_EQ(args_long("0", 0, 65535, &v), 0);
    CHECK_EQ(v, 0);
    CHECK_EQ(args_long("65535", 1, 65535, &v), 0);
    CHECK_EQ(v, 65535);
    v = 42;
    const char *bad[] = {"", "0", "65536", "-1", "5x", "x5", "1e3", "99999999999999999999", NULL};
    for (int i = 0; bad[i]; i++)
        CHECK_MSG(args_long(bad[i], 1, 65535, &v) == -1, "'%s' accepted", bad[i]);
    CHECK_EQ(v, 42); /* untouched on failure */
    /* no upper bound but what a long holds */
    CHECK_EQ(args_long("9223372036854775807", 1, LONG_MAX, &v), 0);
    CHECK_EQ(v, LONG_MAX);
    CHECK_EQ(args_long("9223372036854775808", 1, LONG_MAX, &v), -1);
}

typedef struct value_case {
    int argc, i;
    char **argv;
    const char *got;
} value_case;

static void run_value(void *arg)
{
    value_case *c = arg;
    c->got = args_value("cmd", c->argc, c->argv, &c->i);
}

static void test_value(void)
{
    char *argv[] = {"cmd", "--port", "80", "--json", NULL};
    value_case c = {3, 1, argv, NULL};
    char err[256];
    capture(2, run_value, &c, err, sizeof err);
    CHECK_STR(c.got, "80");
    CHECK_EQ(c.i, 2);
    CHECK_STR(err, "");
    c = (value_case){2, 1, argv, "x"}; /* "--port" is the last word */
    capture(2, run_value, &c, err, sizeof err);
    CHECK(c.got == NULL);
    CHECK_EQ(c.i, 1);
    CHECK_STR(err, "l4kit cmd: --port needs a value\n");
}

typedef struct pos_case {
    const char *a;
    const char *pos[2];
    int npos, rc;
    const char *hint;
} pos_case;

static void run_pos(void *arg)
{
    pos_case *c = arg;
    c->rc = args_positional("cmd", c->a, c->pos, &c->npos, 2, c->hint);
}

static void test_positional(void)
{
    pos_case c = {.a = "10.0.0.1"};
    char err[256];
    capture(2, run_pos, &c, err, sizeof err);
    CHECK_EQ(c.rc, 0);
    c.a = "-"; /* a lone dash is a word, not an option */
    capture(2, run_pos, &c, err, sizeof err);
    CHECK_EQ(c.rc, 0);
    CHECK_EQ(c.npos, 2);
    CHECK_STR(c.pos[0], "10.0.0.1");
    CHECK_STR(c.pos[1], "-");
    c.a = "7";
    capture(2, run_pos, &c, err, sizeof err);
    CHECK_EQ(c.rc, 2);
    CHECK_EQ(c.npos, 2);
    CHECK_STR(err, "l4kit cmd: unexpected argument '7'\n");
    c.hint = "ADDR PORT";
    capture(2, run_pos, &c, err, sizeof err);
    CHECK_STR(err, "l4kit cmd: unexpected argument '7' (ADDR PORT)\n");
    c.a = "--bogus";
    c.npos = 0;
    capture(2, run_pos, &c, err, sizeof err);
    CHECK_EQ(c.rc, 2);
    CHECK_EQ(c.npos, 0);
    CHECK_STR(err, "l4kit cmd: unknown option '--bogus' (see --help)\n");
}

typedef struct help_case {
    const char *a;
    int rc;
} help_case;

static void run_help(void *arg)
{
    help_case *c = arg;
    c->rc = args_help(c->a, "usage: x [opts]\n%s\nExit 100%.\n", "  --o  an option\n");
}

static void test_help(void)
{
    char out[256];
    help_case c = {"--help", -9};
    capture(1, run_help, &c, out, sizeof out);
    CHECK_EQ(c.rc, 0);
    CHECK_STR(out, "usage: x [opts]\n  --o  an option\n\nExit 100%.\n");
    c = (help_case){"-h", -9};
    capture(1, run_help, &c, out, sizeof out);
    CHECK_EQ(c.rc, 0);
    c = (help_case){"--helpme", -9};
    capture(1, run_help, &c, out, sizeof out);
    CHECK_EQ(c.rc, ARGS_OTHER);
    CHECK_STR(out, "");
}

static const l4_test TESTS[] = {
    TEST(test_long), TEST(test_value), TEST(test_positional), TEST(test_help), TEST_END,
};

int main(int argc, char **argv)
{
    return l4_test_main(argc, argv, TESTS);
}

/*
 * fuzz_import.c - libFuzzer target over "rlimit-policy import-limits-conf".
 *
 * The input is limits.conf text, split by "#--dropin--" into a main file
 * and up to three drop-ins, each handed over by path (a memfd) as the tool
 * reads files.  It aborts when the converter fails (only a read error or a
 * failed allocation may make it), or when what it writes does not load as
 * "rlimit-policy check" loads it: rlimit-policy(1) promises that it does.
 */
#define FUZZ_NAME "fuzz_import"

#include "../cli/import.h"
#include "common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct seen {
	unsigned errors;
	char first[512];
};

static void emit(void *ctx, enum rl_severity sev, const char *msg)
{
	struct seen *s = ctx;
	if (sev != RL_SEV_ERROR)
		return;
	if (s->errors++ == 0)
		snprintf(s->first, sizeof(s->first), "%s", msg);
}

/* For the report of a broken invariant: what the converter wrote. */
static void show_output(const char *text, size_t len)
{
	fputs("--- the converter's output:\n", stderr);
	fwrite(text, 1, len, stderr);
	fputs("--- end\n", stderr);
}

#define MAX_PARTS 4

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int fd[MAX_PARTS] = {-1, -1, -1, -1};
	static FILE *quiet;
	static char path[MAX_PARTS][64];

	if (!quiet && !(quiet = fopen("/dev/null", "w")))
		fail("cannot open /dev/null");
	struct fuzz_part parts[MAX_PARTS];
	char *files[MAX_PARTS];
	size_t nfiles = fuzz_split(data, size, MAX_PARTS, parts);
	for (size_t i = 0; i < nfiles; i++) {
		fuzz_memfd(&fd[i], "limits.conf", parts[i].p, parts[i].len);
		snprintf(path[i], sizeof(path[i]), "/proc/self/fd/%d", fd[i]);
		files[i] = path[i];
	}

	char *text = NULL;
	size_t len = 0;
	if (import_limits_conf((int)nfiles, files, &text, &len, quiet) != 0 || !text)
		fail("the converter failed");

	struct seen seen = {0};
	struct rl_sink sink = {emit, &seen};
	struct rl_policy *p = NULL;
	if (rl_policy_new(NULL, &p) != RL_OK)
		fail("rl_policy_new failed");
	enum rl_status st = rl_policy_add_buffer(p, "imported.yaml", text, len, &sink);
	if (st == RL_OK)
		st = rl_policy_finish(p, &sink);
	if (st != RL_OK || seen.errors) {
		show_output(text, len);
		fail("the output is not a valid policy: %s",
		     seen.errors ? seen.first : "no message");
	}
	rl_policy_free(p);
	free(text);
	return 0;
}

/*
 * rlimit-policy - check, explain and try a pam_rlimit policy, and carry a
 * pam_limits configuration over to one.
 *
 * Everything that decides (loading, trust, resolution, setrlimit) is the
 * policy library the module uses; this file only reads arguments and
 * prints.  Exit codes: 0 success, 1 invalid policy or failed check, 2 bad
 * usage ("run" exits with its command's code once the command started).
 */
#include <errno.h>
#include <inttypes.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "import.h"
#include "pamstack.h"
#include "rlimit_policy.h"

#define EXIT_INVALID 1
#define EXIT_USAGE 2
#define MAX_GROUPS_ARG 256

/* The commands, their synopsis and what they do: --help is made from this. */
struct opts;
static int cmd_check(const struct opts *o);
static int cmd_explain(const struct opts *o);
static int cmd_run(const struct opts *o);
static int cmd_import(const struct opts *o);
/* The options that belong to one command only. */
enum {
	OPT_QUIET = 1,
	OPT_JSON = 2,
	OPT_GROUP = 4,
	OPT_VERBOSE = 8,
	OPT_DASHDASH = 16,
	OPT_PAM = 32,
};
static const struct command {
	const char *name, *args, *what;
	int (*run)(const struct opts *o);
	unsigned allowed; /* OPT_* */
} commands[] = {
    {"check", "[--quiet] [--pam-dir DIR]... [--no-pam]",
     "validate the policy as pam_rlimit loads it, and say which PAM services run\n"
     "      pam_rlimit and what undoes it",
     cmd_check, OPT_QUIET | OPT_PAM},
    {"explain", "USER [--group NAME]... [--json]", "show the limits USER gets at login, and why",
     cmd_explain, OPT_JSON | OPT_GROUP},
    {"run", "USER [--verbose] -- COMMAND [ARG]...",
     "apply USER's limits to this process, then run COMMAND", cmd_run, OPT_VERBOSE | OPT_DASHDASH},
    {"import-limits-conf", "[FILE]...", "write pam_limits files out as a policy", cmd_import, 0},
};
#define NCOMMANDS (sizeof(commands) / sizeof(commands[0]))

static void usage(FILE *f)
{
	const struct rl_load_opts def = rl_load_opts_for(NULL, NULL);
	fputs("usage: rlimit-policy [--conf FILE] [--confdir DIR] [--owner USER] COMMAND [ARGS]\n"
	      "\ncommands:\n",
	      f);
	for (size_t i = 0; i < NCOMMANDS; i++)
		fprintf(f, "  %s %s\n      %s\n", commands[i].name, commands[i].args,
			commands[i].what);
	fprintf(f,
		"\noptions, before or after COMMAND:\n"
		"  --conf FILE     the main policy file (default %s);\n"
		"                  with --conf and no --confdir, no drop-in folder is read\n"
		"  --confdir DIR   the drop-in folder (default %s)\n"
		"  --owner USER    also trust policy files owned by USER (a draft of yours);\n"
		"                  pam_rlimit itself trusts root's files only\n"
		"  -h, --help      this text\n",
		def.conf, def.confdir);
}

struct opts {
	const char *cmd;
	const char *conf, *confdir;
	uid_t owner;
	bool quiet, json, verbose;
	const char *groups[MAX_GROUPS_ARG];
	size_t ngroups;
	const char *pam_dirs[PS_MAX_DIRS]; /* check: --pam-dir, in order */
	size_t npam_dirs;
	bool no_pam;
	char **pos; /* positional arguments after the command */
	int npos;
	char **command; /* run: what follows "--" */
	int ncommand;
};

/* ------------------------------------------------------------------ */

struct cli_sink {
	unsigned errors;
	bool verbose; /* show RL_SEV_INFO */
	bool quiet;   /* hide RL_SEV_WARNING (check --quiet) */
};

/*
 * s on f through rl_text_safe (controls, bidi controls and backslashes
 * escaped): names reach the terminal from NSS, policy files and drop-in
 * folders.
 */
static void text_put_safe(FILE *f, const char *s)
{
	size_t size = RL_TEXT_SAFE_SIZE(strlen(s));
	char *buf = malloc(size);
	if (!buf) {
		fputs("(out of memory)", f);
		return;
	}
	fputs(rl_text_safe(s, buf, size), f);
	free(buf);
}

/* Policy errors go out exactly as the library words them: file:line:column: message. */
static void cli_emit(void *ctx, enum rl_severity sev, const char *msg)
{
	struct cli_sink *s = ctx;
	switch (sev) {
	case RL_SEV_ERROR:
		s->errors++;
		break;
	case RL_SEV_WARNING:
		if (s->quiet)
			return;
		fputs("rlimit-policy: warning: ", stderr);
		break;
	case RL_SEV_INFO:
		if (!s->verbose)
			return;
		fputs("rlimit-policy: ", stderr);
		break;
	}
	/* Messages quote names from files and folders: keep controls off the terminal. */
	text_put_safe(stderr, msg);
	fputc('\n', stderr);
}

static const char *current_cmd; /* for usage messages */

__attribute__((format(printf, 1, 2))) static int usage_error(const char *fmt, ...)
{
	va_list ap;
	fputs("rlimit-policy: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputs("\n", stderr);
	for (size_t i = 0; current_cmd && i < NCOMMANDS; i++) {
		if (strcmp(current_cmd, commands[i].name) == 0) {
			fprintf(stderr, "usage: rlimit-policy %s %s\n", commands[i].name,
				commands[i].args);
			return EXIT_USAGE;
		}
	}
	fputs("usage: rlimit-policy COMMAND [ARGS]; commands:", stderr);
	for (size_t i = 0; i < NCOMMANDS; i++)
		fprintf(stderr, " %s", commands[i].name);
	fputs("\nrlimit-policy --help tells more\n", stderr);
	return EXIT_USAGE;
}

static bool parse_uid(const char *s, uid_t *out)
{
	const struct passwd *pw = getpwnam(s);
	if (pw) {
		*out = pw->pw_uid;
		return true;
	}
	char *end;
	errno = 0;
	unsigned long v = strtoul(s, &end, 10);
	if (errno || end == s || *end || s[0] == '-' || v >= (uid_t)-1)
		return false;
	*out = (uid_t)v;
	return true;
}

/*
 * Reads the command line.  Returns -1 when it is fine, or the exit code
 * (after printing why).
 */
static int parse_args(int argc, char **argv, struct opts *o)
{
	memset(o, 0, sizeof(*o));
	o->owner = (uid_t)-1;
	o->pos = calloc((size_t)argc + 1, sizeof(char *));
	if (!o->pos) {
		fputs("rlimit-policy: out of memory\n", stderr);
		return EXIT_INVALID;
	}
	for (int i = 1; i < argc; i++) {
		char *a = argv[i];
		const char *val = NULL;
		if (strcmp(a, "--") == 0) {
			o->command = argv + i + 1;
			o->ncommand = argc - i - 1;
			break;
		}
		if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0 ||
		    (!o->cmd && strcmp(a, "help") == 0)) {
			usage(stdout);
			return 0;
		}
		if (a[0] != '-' || a[1] == '\0') {
			if (!o->cmd) {
				o->cmd = current_cmd = a;
			} else if (strcmp(o->cmd, "run") == 0 && o->npos == 1) {
				/* "run alice python3 -c ...": the command owns the rest. */
				o->command = argv + i;
				o->ncommand = argc - i;
				break;
			} else {
				o->pos[o->npos++] = a;
			}
			continue;
		}
		/* check's --pam-dir DIR (or =DIR), repeatable. */
		if (strncmp(a, "--pam-dir", 9) == 0 && (a[9] == '\0' || a[9] == '=')) {
			if (a[9] == '=')
				val = a + 10;
			else if (i + 1 < argc)
				val = argv[++i];
			else
				return usage_error("--pam-dir needs a value");
			if (!*val)
				return usage_error("--pam-dir needs a folder");
			if (o->npam_dirs == PS_MAX_DIRS)
				return usage_error("more than %d --pam-dir options", PS_MAX_DIRS);
			o->pam_dirs[o->npam_dirs++] = val;
			continue;
		}
		/* Options with a value: "--conf FILE" or "--conf=FILE". */
		static const char *const with_value[] = {"--conf", "--confdir", "--owner",
							 "--group"};
		size_t w;
		for (w = 0; w < sizeof(with_value) / sizeof(with_value[0]); w++) {
			size_t n = strlen(with_value[w]);
			if (strncmp(a, with_value[w], n) == 0 && (a[n] == '\0' || a[n] == '=')) {
				if (a[n] == '=')
					val = a + n + 1;
				else if (i + 1 < argc)
					val = argv[++i];
				else
					return usage_error("%s needs a value", with_value[w]);
				break;
			}
		}
		switch (w) {
		case 0:
			o->conf = val;
			continue;
		case 1:
			o->confdir = val;
			continue;
		case 2:
			if (!parse_uid(val, &o->owner))
				return usage_error("--owner: no such user or uid \"%s\"", val);
			continue;
		case 3:
			if (o->ngroups == MAX_GROUPS_ARG)
				return usage_error("more than %d --group options", MAX_GROUPS_ARG);
			if (!*val)
				return usage_error("--group needs a group name");
			o->groups[o->ngroups++] = val;
			continue;
		default:
			break;
		}
		if (strcmp(a, "--quiet") == 0 || strcmp(a, "-q") == 0)
			o->quiet = true;
		else if (strcmp(a, "--json") == 0)
			o->json = true;
		else if (strcmp(a, "--no-pam") == 0)
			o->no_pam = true;
		else if (strcmp(a, "--verbose") == 0 || strcmp(a, "-v") == 0)
			o->verbose = true;
		else
			return usage_error("unknown option \"%s\"", a);
	}
	if (!o->cmd)
		return usage_error("no command given");
	return -1;
}

/* Options that belong to one command only are refused elsewhere. */
static int check_options(const struct opts *o, unsigned allowed)
{
	if (o->quiet && !(allowed & OPT_QUIET))
		return usage_error("%s: --quiet is for check only", o->cmd);
	if ((o->npam_dirs || o->no_pam) && !(allowed & OPT_PAM))
		return usage_error("%s: %s is for check only", o->cmd,
				   o->no_pam ? "--no-pam" : "--pam-dir");
	if (o->json && !(allowed & OPT_JSON))
		return usage_error("%s: --json is for explain only", o->cmd);
	if (o->ngroups && !(allowed & OPT_GROUP))
		return usage_error("%s: --group is for explain only", o->cmd);
	if (o->verbose && !(allowed & OPT_VERBOSE))
		return usage_error("%s: --verbose is for run only", o->cmd);
	if (o->command && !(allowed & OPT_DASHDASH))
		return usage_error("%s: unexpected \"--\"", o->cmd);
	return -1;
}

/* The files the module would read with conf= and confdir= as given. */
static struct rl_load_opts load_opts(const struct opts *o)
{
	struct rl_load_opts lo = rl_load_opts_for(o->conf, o->confdir);
	lo.trusted_uid = o->owner;
	return lo;
}

/*
 * check's PAM section (pamstack.c), after the policy's, valid or not;
 * warnings leave the exit status alone.  Returns -1 when it could not run.
 */
static int check_pam(const struct opts *o)
{
	if (o->quiet || o->no_pam)
		return 0;
	return ps_report(o->pam_dirs, o->npam_dirs, stdout, stderr) < 0 ? -1 : 0;
}

/* ------------------------------------------------------------------
 * check
 */

static int cmd_check(const struct opts *o)
{
	if (o->npos > 0)
		return usage_error("check takes no arguments (found \"%s\")", o->pos[0]);
	if (o->no_pam && o->npam_dirs)
		return usage_error("check: --no-pam and --pam-dir exclude each other");

	struct cli_sink cs = {0, false, o->quiet};
	struct rl_sink sink = {cli_emit, &cs};
	struct rl_load_opts lo = load_opts(o);
	lo.read_untrusted = true; /* say what is wrong inside too, in one run */
	lo.note_ignored = true;   /* a drop-in named .yml is a mistake to point out */
	struct rl_policy *p = NULL;
	enum rl_status st = rl_policy_load(&lo, &p, &sink);
	if (st != RL_OK) {
		fprintf(stderr,
			"rlimit-policy: %s: %u error%s; pam_rlimit would apply none of it\n",
			rl_status_str(st), cs.errors, cs.errors == 1 ? "" : "s");
		check_pam(o);
		return EXIT_INVALID;
	}
	/* Warnings: the exit status stays 0. */
	unsigned fail_open = rl_policy_check_fail_open(p, NULL, &sink);
	if (!o->quiet) {
		static const char *const combine[] = {"max", "min", "last"};
		size_t nf = rl_policy_file_count(p), nr = rl_policy_rule_count(p);
		if (nf == 0)
			printf("rlimit-policy: no policy file: pam_rlimit applies no limits\n");
		else
			printf(
			    "rlimit-policy: policy valid: %zu file%s, %zu rule%s, groups_combine "
			    "%s\n",
			    nf, nf == 1 ? "" : "s", nr, nr == 1 ? "" : "s",
			    combine[rl_policy_combine(p)]);
		if (fail_open)
			printf("rlimit-policy: %u group rule value%s stricter than default: "
			       "lost whenever group information is unavailable\n",
			       fail_open, fail_open == 1 ? "" : "s");
	}
	rl_policy_free(p);
	return check_pam(o) < 0 ? EXIT_INVALID : 0;
}

/* ------------------------------------------------------------------
 * explain
 */

/*
 * The fail safe, when it was taken: which group rules were skipped.  What
 * pam_rlimit with onerr=succeed applies, and logs; onerr=fail refuses.
 */
static void fail_safe_put(FILE *f, const struct rl_result *r)
{
	char skipped[1024];
	if (!r->nskipped)
		return;
	fprintf(f, "fail safe: group rules skipped: ");
	text_put_safe(f, rl_result_skipped_text(r, skipped, sizeof(skipped)));
	fprintf(f, "\n  (pam_rlimit applies the other rules with onerr=succeed, and refuses the "
		   "session with onerr=fail)\n");
}

/* "64G", "50% = 6.2 GiB (6691238297 bytes)", "unlimited (nr_open 1048576)". */
static void half_text(int item, const struct rl_half *h, char *buf, size_t size)
{
	char v[64];
	if (!h->set) {
		snprintf(buf, size, "left alone");
		return;
	}
	rl_value_format(item, h->rlim, v, sizeof(v));
	if (h->value.type == RL_V_PCT) {
		char pct[40];
		rl_value_text(item, &h->value, pct, sizeof(pct));
		static const char *const units[] = {"bytes", "KiB", "MiB", "GiB", "TiB", "PiB"};
		int unit = 0;
		while (unit < 5 && h->rlim >= (1ULL << (10 * (unit + 1))))
			unit++;
		if (h->rlim == RLIM_INFINITY)
			snprintf(buf, size, "%s = unlimited", pct);
		else
			snprintf(buf, size, "%s = %.1f %s (%" PRIu64 " bytes)", pct,
				 (double)h->rlim / (double)(1ULL << (10 * unit)), units[unit],
				 (uint64_t)h->rlim);
	} else if (h->value.type == RL_V_INF && h->rlim != RLIM_INFINITY) {
		snprintf(buf, size, "unlimited = %s (nr_open)", v);
	} else {
		snprintf(buf, size, "%s", v);
	}
}

/* "groups.research (/etc/security/rlimit.yaml:12)", whatever its length. */
static void origin_put(const struct rl_half *h)
{
	if (h->pid1) {
		fputs("process 1 (unset: pid1)", stdout);
		return;
	}
	text_put_safe(stdout, h->origin.rule);
	fputs(" (", stdout);
	text_put_safe(stdout, h->origin.file);
	printf(":%u)", h->origin.line);
}

static bool same_origin(const struct rl_half *a, const struct rl_half *b)
{
	return strcmp(a->origin.rule, b->origin.rule) == 0 &&
	       strcmp(a->origin.file, b->origin.file) == 0 && a->origin.line == b->origin.line;
}

/* explain's FROM column for one item. */
static void from_put(const struct rl_item_result *ir)
{
	if (!ir->soft.set && !ir->hard.set) {
		fputs("no rule: as the process has it", stdout);
	} else if (ir->soft.set && ir->hard.set && same_origin(&ir->soft, &ir->hard)) {
		origin_put(&ir->soft);
	} else if (ir->soft.set && ir->hard.set) {
		fputs("soft: ", stdout);
		origin_put(&ir->soft);
		fputs("; hard: ", stdout);
		origin_put(&ir->hard);
	} else {
		fputs(ir->soft.set ? "soft: " : "hard: ", stdout);
		origin_put(ir->soft.set ? &ir->soft : &ir->hard);
	}
}

/*
 * s as a JSON string.  What rl_text_safe escapes (controls, bidi controls,
 * line and paragraph separators, U+FEFF) is escaped as \uXXXX; a byte that
 * is not part of valid UTF-8 (a group name from NSS may hold one) becomes
 * U+FFFD, since JSON text must be UTF-8.
 */
static void json_str(const char *s)
{
	putchar('"');
	const unsigned char *p = (const unsigned char *)s;
	for (int n; *p; p += n) {
		uint32_t cp = 0;
		n = rl_utf8_next(p, &cp);
		if (n == 0) {
			n = 1;
			fputs("\\ufffd", stdout);
		} else if (cp == '"' || cp == '\\') {
			printf("\\%c", (int)cp);
		} else if (rl_cp_is_unsafe(cp)) {
			printf("\\u%04x", (unsigned)cp);
		} else {
			fwrite(p, 1, (size_t)n, stdout);
		}
	}
	putchar('"');
}

static void json_half(int item, const struct rl_half *h)
{
	char text[128];
	if (!h->set) {
		printf("{\"set\": false}");
		return;
	}
	half_text(item, h, text, sizeof(text));
	printf("{\"set\": true, \"text\": ");
	json_str(text);
	if (h->rlim == RLIM_INFINITY)
		printf(", \"unlimited\": true, \"rlim\": null");
	else
		printf(", \"unlimited\": false, \"rlim\": %" PRIu64, (uint64_t)h->rlim);
	if (h->value.type == RL_V_PCT)
		printf(", \"percent\": %.6f", (double)h->value.n / RL_PCT_ONE);
	printf(", \"pid1\": %s, \"rule\": ", h->pid1 ? "true" : "false");
	json_str(h->origin.rule);
	printf(", \"file\": ");
	json_str(h->origin.file);
	printf(", \"line\": %u, \"column\": %u}", h->origin.line, h->origin.col);
}

/*
 * Where systemd's run folder is looked for: RLIMIT_POLICY_SYSTEMD_RUN_DIR
 * lets the tests show both answers; the module never reads it.
 */
static bool systemd_running(void)
{
	return rl_systemd_running(getenv("RLIMIT_POLICY_SYSTEMD_RUN_DIR"));
}

/* "40% = 6.4 GiB (6871947673 bytes)", "400% of one CPU", "24h", "unlimited". */
static void total_text(int t, const struct rl_total_result *tr, char *buf, size_t size)
{
	char v[64], pct[40];
	if (!tr->set) {
		snprintf(buf, size, "no rule: systemd's default");
		return;
	}
	rl_total_format(t, tr->n, v, sizeof(v));
	if (rl_totals[t].kind == RL_KIND_QUOTA && tr->n != RL_TOTAL_INF) {
		snprintf(buf, size, "%s of one CPU", v);
	} else if (tr->value.type == RL_V_PCT) {
		rl_total_value_text(t, &tr->value, pct, sizeof(pct));
		snprintf(buf, size, "%s = %.1f GiB (%" PRIu64 " bytes)", pct,
			 (double)tr->n / (double)(1ULL << 30), tr->n);
	} else {
		snprintf(buf, size, "%s", v);
	}
}

static void explain_json(const struct rl_ident *id, bool exists, const struct rl_result *r)
{
	printf("{\n  \"user\": ");
	json_str(id->name);
	printf(",\n  \"exists\": %s,\n", exists ? "true" : "false");
	if (exists)
		printf("  \"uid\": %u,\n  \"gid\": %u,\n", (unsigned)id->uid, (unsigned)id->gid);
	else
		printf("  \"uid\": null,\n  \"gid\": null,\n");
	printf("  \"groups\": [");
	for (size_t i = 0; i < id->ngnames; i++) {
		printf("%s", i ? ", " : "");
		json_str(id->gnames[i]);
	}
	printf("],\n  \"groups_unavailable\": ");
	if (id->groups != RL_GROUPS_KNOWN)
		json_str(id->groups_why);
	else
		printf("null");
	printf(",\n  \"skipped_group_rules\": {\"count\": %u, \"named\": [", r->nskipped);
	for (unsigned i = 0; i < r->nskipped && i < RL_SKIPPED_MAX; i++) {
		printf("%s{\"file\": ", i ? ", " : "");
		json_str(r->skipped[i].file);
		printf(", \"line\": %u, \"rule\": ", r->skipped[i].line);
		json_str(r->skipped[i].rule);
		printf("}");
	}
	printf("]},\n  \"items\": {\n");
	for (int i = 0; i < RL_NITEMS; i++) {
		const struct rl_item_result *ir = &r->item[i];
		printf("    ");
		json_str(rl_items[i].name);
		printf(": {\"soft\": ");
		json_half(i, &ir->soft);
		printf(", \"hard\": ");
		json_half(i, &ir->hard);
		printf(", \"soft_clamped\": %s}%s\n", ir->soft_clamped ? "true" : "false",
		       i + 1 < RL_NITEMS ? "," : "");
	}
	printf("  },\n  \"totals\": {\n");
	for (int t = 0; t < RL_NTOTALS; t++) {
		const struct rl_total_result *tr = &r->total[t];
		char key[40], text[128];
		snprintf(key, sizeof(key), "%s.%s", rl_scope_name(rl_totals[t].scope),
			 rl_totals[t].name);
		printf("    ");
		json_str(key);
		if (!tr->set) {
			printf(": {\"set\": false}%s\n", t + 1 < RL_NTOTALS ? "," : "");
			continue;
		}
		total_text(t, tr, text, sizeof(text));
		printf(": {\"set\": true, \"text\": ");
		json_str(text);
		if (tr->n == RL_TOTAL_INF)
			printf(", \"unlimited\": true, \"value\": null");
		else
			printf(", \"unlimited\": false, \"value\": %" PRIu64, tr->n);
		printf(", \"systemd\": ");
		json_str(rl_totals[t].key);
		printf(", \"rule\": ");
		json_str(tr->origin.rule);
		printf(", \"file\": ");
		json_str(tr->origin.file);
		printf(", \"line\": %u, \"column\": %u}%s\n", tr->origin.line, tr->origin.col,
		       t + 1 < RL_NTOTALS ? "," : "");
	}
	printf("  }\n}\n");
}

/* The totals, when any applies: what each is, and who would enforce it. */
static void explain_totals_text(const struct rl_result *r)
{
	char text[RL_NTOTALS][128], name[RL_NTOTALS][40];
	int wn = 5, wv = 5;
	if (!rl_result_any_total(r, RL_SCOPE_SESSION) && !rl_result_any_total(r, RL_SCOPE_USER))
		return;
	for (int t = 0; t < RL_NTOTALS; t++) {
		snprintf(name[t], sizeof(name[t]), "%s.%s", rl_scope_name(rl_totals[t].scope),
			 rl_totals[t].name);
		total_text(t, &r->total[t], text[t], sizeof(text[t]));
		if ((int)strlen(name[t]) > wn)
			wn = (int)strlen(name[t]);
		if ((int)strlen(text[t]) > wv)
			wv = (int)strlen(text[t]);
	}
	printf("\n%-*s  %-*s  %s\n", wn, "TOTAL", wv, "VALUE", "FROM");
	for (int t = 0; t < RL_NTOTALS; t++) {
		const struct rl_total_result *tr = &r->total[t];
		printf("%-*s  %-*s  ", wn, name[t], wv, text[t]);
		if (tr->set) {
			text_put_safe(stdout, tr->origin.rule);
			fputs(" (", stdout);
			text_put_safe(stdout, tr->origin.file);
			printf(":%u)", tr->origin.line);
		} else {
			fputs("-", stdout);
		}
		putchar('\n');
	}
	if (systemd_running())
		printf("session totals go to pam_systemd (it must come after pam_rlimit); user "
		       "totals are set on user-UID.slice at login\n");
	else
		printf("systemd is not running here: a login would skip these totals, with a "
		       "warning\n");
}

static void explain_text(const struct rl_ident *id, bool exists, const struct rl_result *r)
{
	char soft[RL_NITEMS][160], hard[RL_NITEMS][160];
	int ws = 4, wh = 4;

	/* Names come from NSS and policy files: keep controls off the terminal. */
	text_put_safe(stdout, id->name);
	if (exists)
		printf(": uid %u, gid %u, groups:", (unsigned)id->uid, (unsigned)id->gid);
	else
		printf(": no such user here; groups given:");
	for (size_t i = 0; i < id->ngnames; i++) {
		putchar(' ');
		text_put_safe(stdout, id->gnames[i]);
	}
	if (id->groups != RL_GROUPS_KNOWN) {
		printf(" unavailable (");
		text_put_safe(stdout, id->groups_why);
		printf(")\n");
	} else {
		printf("%s\n", id->ngnames ? "" : " (none)");
	}
	if (exists && id->uid == 0)
		printf("uid 0: only rules that name root or uid:0 apply\n");
	fail_safe_put(stdout, r);

	for (int i = 0; i < RL_NITEMS; i++) {
		const struct rl_item_result *ir = &r->item[i];
		half_text(i, &ir->soft, soft[i], sizeof(soft[i]));
		half_text(i, &ir->hard, hard[i], sizeof(hard[i]));
		if (ir->soft_clamped) {
			size_t n = strlen(soft[i]);
			snprintf(soft[i] + n, sizeof(soft[i]) - n, " (lowered to hard)");
		}
		if ((int)strlen(soft[i]) > ws)
			ws = (int)strlen(soft[i]);
		if ((int)strlen(hard[i]) > wh)
			wh = (int)strlen(hard[i]);
	}
	printf("%-12s  %-*s  %-*s  %s\n", "ITEM", ws, "SOFT", wh, "HARD", "FROM");
	for (int i = 0; i < RL_NITEMS; i++) {
		printf("%-12s  %-*s  %-*s  ", rl_items[i].name, ws, soft[i], wh, hard[i]);
		from_put(&r->item[i]);
		putchar('\n');
	}
	explain_totals_text(r);
}

static int cmd_explain(const struct opts *o)
{
	int rc;
	if (o->npos < 1)
		return usage_error("explain: missing USER");
	if (o->npos > 1)
		return usage_error("explain: one USER only (found \"%s\")", o->pos[1]);
	const char *user = o->pos[0];

	struct rl_ident id;
	struct rl_result res = {0};
	struct cli_sink cs = {0, false, false};
	struct rl_sink sink = {cli_emit, &cs};
	bool exists = true;

	enum rl_status st = rl_ident_lookup(user, &id);
	if (st == RL_ENOUSER && o->ngroups > 0) {
		/* A user yet to be made: no uid, so only name, group and default rules. */
		exists = false;
		st = rl_ident_make(user, (uid_t)-1, (gid_t)-1, NULL, 0, &id);
	}
	if (st != RL_OK) {
		fprintf(stderr, "rlimit-policy: %s: %s%s\n", user, rl_status_str(st),
			st == RL_ENOUSER ? " (--group NAME explains a user yet to be made)" : "");
		return EXIT_INVALID;
	}
	for (size_t i = 0; i < o->ngroups && st == RL_OK; i++)
		st = rl_ident_assume_group(&id, o->groups[i]);
	/* Resolved as the module resolves: group names looked up rule by rule. */
	if (st == RL_OK) {
		struct rl_load_opts lo = load_opts(o);
		st = rl_session_resolve_ident(&lo, &id, &res, &sink);
	}
	/* The names shown, fetched after resolving so that resolving asked NSS
	 * exactly what the module asks. */
	if (st == RL_OK && exists && rl_ident_load_group_names(&id) == RL_ENOMEM)
		st = RL_ENOMEM; /* RL_ENSS: shown as unavailable */
	if (st == RL_OK) {
		if (o->json)
			explain_json(&id, exists, &res);
		else
			explain_text(&id, exists, &res);
		rc = fflush(stdout) == 0 ? 0 : EXIT_INVALID;
	} else {
		fprintf(stderr, "rlimit-policy: %s\n", rl_status_str(st));
		rc = EXIT_INVALID;
	}
	rl_result_free(&res);
	rl_ident_free(&id);
	return rc;
}

/* ------------------------------------------------------------------
 * run
 */

static int cmd_run(const struct opts *o)
{
	if (o->npos < 1)
		return usage_error("run: missing USER");
	char **command = o->command;
	int ncommand = o->ncommand;
	if (!command || ncommand < 1)
		return usage_error("run: no command after \"--\"");

	struct cli_sink cs = {0, o->verbose, false};
	struct rl_sink sink = {cli_emit, &cs};
	struct rl_load_opts lo = load_opts(o);
	struct rl_result res;
	uid_t uid;
	enum rl_status st = rl_session_resolve(&lo, o->pos[0], &uid, &res, &sink);
	if (st == RL_OK && res.nskipped) {
		/* As the module with onerr=succeed: the other rules, and a word. */
		char skipped[1024];
		fprintf(stderr, "rlimit-policy: warning: group information unavailable for ");
		text_put_safe(stderr, o->pos[0]);
		fprintf(stderr, " (");
		text_put_safe(stderr, res.groups_why);
		fprintf(stderr, "): skipped group rules ");
		text_put_safe(stderr, rl_result_skipped_text(&res, skipped, sizeof(skipped)));
		fprintf(stderr, "; the other rules apply\n");
	}
	if (st == RL_OK)
		st = rl_apply(&res, o->verbose, &sink);
	rl_result_free(&res);
	if (st != RL_OK) {
		fprintf(stderr, "rlimit-policy: %s: %s; not running %s\n", o->pos[0],
			rl_status_str(st), command[0]);
		return EXIT_INVALID;
	}
	fflush(stdout);
	execvp(command[0], command);
	int e = errno;
	fprintf(stderr, "rlimit-policy: %s: %s\n", command[0], strerror(e));
	return e == ENOENT ? 127 : 126;
}

/* ------------------------------------------------------------------
 * import-limits-conf
 */

static int cmd_import(const struct opts *o)
{
	char *text;
	size_t len;
	int rc = import_limits_conf(o->npos, o->pos, &text, &len, stderr);
	if (rc == 0) {
		/* What goes out must load: the same library check as "check". */
		struct cli_sink cs = {0, false, false};
		struct rl_sink sink = {cli_emit, &cs};
		struct rl_policy *p = NULL;
		enum rl_status st = rl_policy_new(NULL, &p);
		if (st == RL_OK)
			st = rl_policy_add_buffer(p, "<converted policy>", text, len, &sink);
		if (st == RL_OK)
			st = rl_policy_finish(p, &sink);
		rl_policy_free(p);
		if (st != RL_OK) {
			fprintf(stderr,
				"rlimit-policy: internal error: the converted policy does not "
				"load (%s); please report it with the files converted\n",
				rl_status_str(st));
			rc = EXIT_INVALID;
		}
	}
	if (rc == 0 && (fwrite(text, 1, len, stdout) != len || fflush(stdout) != 0)) {
		fprintf(stderr, "rlimit-policy: writing the policy: %s\n", strerror(errno));
		rc = EXIT_INVALID;
	}
	free(text);
	return rc;
}

/* ------------------------------------------------------------------ */

int main(int argc, char **argv)
{
	struct opts o;
	int rc = parse_args(argc, argv, &o);
	if (rc < 0) {
		rc = -1;
		for (size_t i = 0; i < NCOMMANDS; i++) {
			if (strcmp(o.cmd, commands[i].name) != 0)
				continue;
			rc = check_options(&o, commands[i].allowed);
			if (rc < 0)
				rc = commands[i].run(&o);
		}
		if (rc < 0) {
			current_cmd = NULL;
			rc = usage_error("unknown command \"%s\"", o.cmd);
		}
	}
	free(o.pos);
	return rc;
}

/*
 * session.c - the path every login takes: who, which policy, which limits.
 * The module and "rlimit-policy run" and "explain" all come through here.
 */
#include <string.h>

#include "policy_int.h"

enum rl_status rl_session_resolve_ident(const struct rl_load_opts *opts, struct rl_ident *id,
					struct rl_result *out, const struct rl_sink *sink)
{
	struct rl_policy *p = NULL;
	struct rl_load_opts lo = *opts;

	memset(out, 0, sizeof(*out));
	lo.filter = id;
	enum rl_status st = rl_policy_load(&lo, &p, sink);
	if (st == RL_OK)
		st = rl_resolve(p, id, NULL, out);
	if (st == RL_EIO && p)
		rl_report(sink, RL_SEV_ERROR, "cannot read this machine's memory size");
	rl_policy_free(p);
	out->nss_lookups = id->nss_lookups;
	out->nss_ns = id->nss_ns;
	return st;
}

enum rl_status rl_session_resolve(const struct rl_load_opts *opts, const char *user, uid_t *uid_out,
				  struct rl_result *out, const struct rl_sink *sink)
{
	struct rl_ident id;

	*uid_out = (uid_t)-1;
	memset(out, 0, sizeof(*out));
	enum rl_status st = rl_ident_lookup(user, &id);
	if (st != RL_OK)
		return st;
	*uid_out = id.uid;
	st = rl_session_resolve_ident(opts, &id, out, sink);
	rl_ident_free(&id);
	return st;
}

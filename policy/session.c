/*
 * session.c - the path every login takes: who, which policy, which limits.
 * The module and "rlimit-policy run" both come through here.
 */
#include "policy_int.h"

enum rl_status rl_session_resolve_ident(const struct rl_session_opts *opts, struct rl_ident *id,
					struct rl_result *out, const struct rl_sink *sink)
{
	struct rl_host host;
	struct rl_policy *p = NULL;
	struct rl_load_opts lo = opts->load;

	enum rl_status st = rl_host_probe(&host);
	if (st != RL_OK) {
		rl_report(sink, RL_SEV_ERROR, "cannot read this machine's memory size");
		return st;
	}
	lo.filter = id;
	st = rl_policy_load(&lo, &p, sink);
	if (st == RL_OK)
		st = rl_resolve(p, id, &host, out);
	rl_policy_free(p);
	return st;
}

enum rl_status rl_session_resolve(const struct rl_session_opts *opts, const char *user,
				  uid_t *uid_out, struct rl_result *out, const struct rl_sink *sink)
{
	struct rl_ident id;

	*uid_out = (uid_t)-1;
	enum rl_status st = rl_ident_lookup(user, &id);
	if (st != RL_OK)
		return st;
	*uid_out = id.uid;
	st = rl_session_resolve_ident(opts, &id, out, sink);
	rl_ident_free(&id);
	return st;
}

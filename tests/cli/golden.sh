#!/bin/sh
# Golden-output tests of rlimit-policy.  Usage: golden.sh CASE_DIR...
#
# A case folder holds:
#   cmd          the tool's arguments (shell words), run in a copy of the folder
#   expect.out   exact standard output
#   expect.err   exact standard error
#   expect.rc    exit code
#   setup        optional: sh script run first in the copy, with the same fake
#                directory as the tool; exit 77 skips the case
#   stdin        optional: standard input
#   nssfault     optional: VAR=value lines for libnssfault (tests/faults/nssfault.h),
#                preloaded before nss_wrapper to fail the tool's own lookups
#   *            the fixtures (policies, limits.conf files): mode 0644 in the copy
# The tool runs with nss_wrapper and the fake users of tests/cli/nss, or of
# the case's own passwd and group files when it has them.  When
# not root, "--owner UID" is added so the copies are trusted, unless the
# case has a file named as-root-only (its setup then exits 77 when not root).
#
# CLI_UPDATE=1 rewrites expect.* from what the tool printed: review the diff.
# explain says whether systemd runs here (for the totals) by looking for
# RLIMIT_POLICY_SYSTEMD_RUN_DIR, here a folder of the case's copy: a case's
# setup makes it to show a machine with systemd.
set -u
export RLIMIT_POLICY_SYSTEMD_RUN_DIR=systemd-run
: "${CLI_TOOL:?}" "${CLI_NSS_WRAPPER:?}" "${CLI_NSS_DIR:?}"

pass=0
fail=0
skip=0
scratch=$(mktemp -d "${TMPDIR:-/tmp}/rlimit-golden.XXXXXX") || exit 1
trap 'rm -rf "$scratch"' EXIT
chmod 755 "$scratch"
owner=
[ "$(id -u)" -eq 0 ] || owner="--owner $(id -u)"

for case in "$@"; do
	case=$(cd "$case" && pwd) || exit 1
	name=${case##*/}
	work=$scratch/$name
	mkdir -p "$work"
	cp -R "$case/." "$work/"
	rm -f "$work/cmd" "$work/expect.out" "$work/expect.err" "$work/expect.rc" \
		"$work/stdin" "$work/as-root-only" "$work/nssfault"
	find "$work" -type d -exec chmod 0755 {} + && find "$work" -type f -exec chmod 0644 {} +
	nss=$CLI_NSS_DIR
	[ -f "$case/passwd" ] && nss=$work
	if [ -f "$work/setup" ]; then
		# The same directory as the tool's.
		(cd "$work" && LD_PRELOAD=$CLI_NSS_WRAPPER NSS_WRAPPER_PASSWD=$nss/passwd \
			NSS_WRAPPER_GROUP=$nss/group sh ./setup)
		st=$?
		rm -f "$work/setup"
		if [ "$st" -eq 77 ]; then
			echo "  SKIP $name (needs root)"
			skip=$((skip + 1))
			continue
		elif [ "$st" -ne 0 ]; then
			echo "  FAIL $name: setup exited $st"
			fail=$((fail + 1))
			continue
		fi
	fi
	args=$(cat "$case/cmd")
	extra=$owner
	[ -f "$case/as-root-only" ] && extra=
	input=/dev/null
	[ -f "$case/stdin" ] && input=$case/stdin
	preload=$CLI_NSS_WRAPPER
	faults=
	if [ -f "$case/nssfault" ]; then
		preload=${CLI_NSSFAULT:?}:$CLI_NSS_WRAPPER
		faults="NSSFAULT_CALLER=rlimit-policy $(cat "$case/nssfault")"
	fi
	(cd "$work" && env LD_PRELOAD="$preload" NSS_WRAPPER_PASSWD="$nss/passwd" \
		NSS_WRAPPER_GROUP="$nss/group" LC_ALL=C $faults \
		sh -c "exec \"\$CLI_TOOL\" $extra $args" <"$input" >"$scratch/$name.out" \
		2>"$scratch/$name.err")
	echo $? >"$scratch/$name.rc"
	if [ "${CLI_UPDATE:-0}" = 1 ]; then
		for k in out err rc; do cp "$scratch/$name.$k" "$case/expect.$k"; done
	fi
	ok=1
	for k in out err rc; do
		if ! cmp -s "$case/expect.$k" "$scratch/$name.$k"; then
			[ $ok = 1 ] && echo "  FAIL $name: rlimit-policy $args"
			ok=0
			diff -u "$case/expect.$k" "$scratch/$name.$k" | sed 's/^/    /'
		fi
	done
	if [ $ok = 1 ]; then
		pass=$((pass + 1))
	else
		fail=$((fail + 1))
	fi
done
echo "golden: $pass passed, $fail failed, $skip skipped"
[ "$fail" -eq 0 ]

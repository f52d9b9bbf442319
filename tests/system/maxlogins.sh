#!/bin/bash
# Issue 15: maxlogins on a stock Debian 12, through sshd and logind.
#
# Boots the system tests' Debian image, installs pam_rlimit as INSTALL.md
# says, with the policy "default: {maxlogins: 1}, users: root: {maxlogins:
# 1}".  ann holds one ssh session open; a second ssh login of ann must be
# refused (sshd closes it, the journal says "maxlogins: ann 1 session open
# already"), and root, holding one too, must get a second (logged, never
# refused).  Once ann's first session ends, ann gets in again: what is
# counted is logind's live sessions.
# Prints a table and "N passed, N failed"; exits 1 on a failure.
# Usage: tests/system/maxlogins.sh   (make check-system)
# shellcheck source-path=SCRIPTDIR
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
# shellcheck source=lib/vm.sh
. "$here/lib/vm.sh"
# shellcheck source=lib/results.sh
. "$here/lib/results.sh"
# shellcheck source=lib/ways.sh
. "$here/lib/ways.sh"

vm_init maxlogins
vm_lock
t_start=$SECONDS
vm_image

stage=$VM_WORK/stage
if ! { make -C "$top" --no-print-directory all &&
	make -C "$top" --no-print-directory install DESTDIR="$stage" PREFIX=/usr; } \
	>"$VM_WORK/make.log" 2>&1; then
	cat "$VM_WORK/make.log" >&2
	vm_die "make install failed"
fi

vm_boot
vm_put_tree "$stage"
ways_setup
vm_root 'pam-auth-update --enable rlimit'
ways_add_user ann "$(head -c 18 /dev/urandom | base64 | tr -dc 'A-Za-z0-9')"
printf 'version: 1\ndefault:\n  maxlogins: 1\nusers:\n  root:\n    maxlogins: 1\n' |
	vm_root 'install -o root -g root -m 0644 /dev/stdin /etc/security/rlimit.yaml'
t_check "rlimit-policy check accepts the policy" vm_root 'rlimit-policy check'

# hold USER: an ssh session of USER kept open (sleep) in the background,
# its pid in HELD; waits until logind lists it.
hold() {
	local user=$1 n0 deadline
	n0=$(vm_root "loginctl list-sessions --no-legend | awk '\$3 == \"$user\"' | wc -l")
	vm_ssh_key "$user" "$(way_key_of "$user")" 'echo held; exec sleep 300' \
		>"$VM_WORK/hold-$user.out" 2>>"$VM_WORK/ways.err" </dev/null &
	HELD=$!
	deadline=$((SECONDS + ${RL_VM_LOGIN_WAIT:-420}))  # a first login under TCG starts user@UID: minutes
	until grep -q held "$VM_WORK/hold-$user.out" &&
		[ "$(vm_root "loginctl list-sessions --no-legend | awk '\$3 == \"$user\"' | wc -l")" \
			-gt "$n0" ]; do
		[ "$SECONDS" -lt "$deadline" ] || return 1
		sleep 2
	done
}

# why: what to look at when a held session did not start.
why() {
	echo "ssh's stderr:"
	tail -n 20 "$VM_WORK/ways.err" | sed 's/^/  /'
	echo "logind's sessions:"
	vm_root 'loginctl list-sessions --no-legend' | sed 's/^/  /' || true
	echo "journal (sshd, pam):"
	vm_root 'journalctl -q -o short --no-hostname --since=-5min | grep -E "sshd|pam_" | tail -n 25' |
		sed 's/^/  /' || true
}

# second USER: a second login; prints what it printed, empty when refused.
second() {
	vm_ssh_key "$1" "$(way_key_of "$1")" 'echo second-session-ok' 2>>"$VM_WORK/ways.err" ||
		true
}

journal_has() {
	vm_root "journalctl -q -o cat --since=-5min | grep -F pam_rlimit | grep -qF '$1'"
}

judge() { # VAR TEXT CONDITION...
	local v=$1 text=$2
	shift 2
	if "$@"; then t_judge "$v" "$text" pass; else t_judge "$v" "$text" fail; fi
}

hold ann || { why; vm_die "ann's first session did not start"; }
out=$(second ann)
judge a "refused" test -z "$out"
judge aj "journal: maxlogins: ann 1 session open already" \
	journal_has 'maxlogins: ann 1 session open already'
t_row "ann: second ssh login while one is open" "$a" "$aj"

hold root || { why; vm_die "root's first session did not start"; }
root_held=$HELD
out=$(second root)
judge r "let in" test "$out" = second-session-ok
judge rj "journal: root is never refused" journal_has 'root is never refused a session'
t_row "root: second ssh login while one is open" "$r" "$rj"
kill "$root_held" 2>/dev/null || true

vm_root "pkill -u ann -x sleep" || true
deadline=$((SECONDS + 60))
while vm_root "loginctl list-sessions --no-legend | awk '\$3 == \"ann\"' | grep -q ." &&
	[ "$SECONDS" -lt "$deadline" ]; do
	sleep 2
done
out=$(second ann)
judge a2 "let in" test "$out" = second-session-ok
t_row "ann: a login once the first has ended" "$a2" -
t_table "maxlogins: 1 ($((SECONDS - t_start))s)" "case" "session" "log"

echo "journal lines of pam_rlimit (last 10):"
vm_root 'journalctl -q -o short --no-hostname | grep -F pam_rlimit | tail -n 10 | sed "s/^/  /"' ||
	true
echo "times: image ${VM_TIME_IMAGE}s, boot to ssh ${VM_TIME_BOOT}s, whole run" \
	"$((SECONDS - t_start))s"
t_summary

#!/bin/bash
# Issue 15: maxlogins and maxsyslogins on a stock Debian 12, through sshd
# and logind.
#
# Boots the system tests' Debian image, installs pam_rlimit as INSTALL.md
# says, with the policy "default: {maxlogins: 1}, users: root: {maxlogins:
# 1}".  ann holds one ssh session open; her systemd manager (user@UID, a
# PAM session of its own under systemd-user) must start all the same.  A
# second ssh login of ann must be refused: sshd runs no command and ends it
# with status 254 (OpenSSH's "PAM session not opened"; it still prints the
# motd pam_motd left), the journal says "maxlogins: ann 1 session open
# already".  root, holding one too, gets a second (logged, never refused).
# bob, with maxsyslogins at the number of sessions open, is refused, and
# gets in at one more.  Once ann's first session ends, ann gets in again:
# what is counted is logind's live sessions.
# Prints a table and "N passed, N failed"; exits 1 on a failure.
# Usage: tests/system/maxlogins.sh   (make check-system)
# shellcheck source-path=SCRIPTDIR
# shellcheck disable=SC2154 # the table's cells are set by judge (printf -v)
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
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

stage=$(vm_stage_install)

vm_boot
vm_put_tree "$stage"
ways_setup
vm_root 'pam-auth-update --enable rlimit'
ways_add_user ann "$(head -c 18 /dev/urandom | base64 | tr -dc 'A-Za-z0-9')"
ways_add_user bob "$(head -c 18 /dev/urandom | base64 | tr -dc 'A-Za-z0-9')"
# policy [BOB_MAXSYSLOGINS]: the test's policy, bob's line only when given.
policy() {
	{
		printf 'version: 1\ndefault:\n  maxlogins: 1\nusers:\n  root:\n    maxlogins: 1\n'
		[ -z "${1:-}" ] || printf '  bob:\n    maxsyslogins: %s\n' "$1"
	} | vm_root 'install -o root -g root -m 0644 /dev/stdin /etc/security/rlimit.yaml'
}
policy
t_check "rlimit-policy check accepts the policy" vm_root 'rlimit-policy check'

# hold USER: an ssh session of USER kept open (sleep) in the background,
# its pid in HELD; waits until logind lists it.  A login takes seconds even
# under TCG; a wait that runs out means a login hangs (it did, in the
# module's count: see why).
hold() {
	local user=$1 n0 deadline t0=$SECONDS
	n0=$(sessions_of "$user")
	vm_ssh_key "$user" "$(way_key_of "$user")" 'echo held; exec sleep 300' \
		>"$VM_WORK/hold-$user.out" 2>>"$VM_WORK/ways.err" </dev/null &
	HELD=$!
	deadline=$((SECONDS + ${RL_VM_LOGIN_WAIT:-120}))
	until grep -q held "$VM_WORK/hold-$user.out" && [ "$(sessions_of "$user")" -gt "$n0" ]; do
		[ "$SECONDS" -lt "$deadline" ] || return 1
		sleep 1
	done
	echo "$user's held session is up after $((SECONDS - t0))s"
}

sessions_of() {
	vm_root "loginctl list-sessions --no-legend | awk '\$3 == \"$1\"' | wc -l"
}

# settle USER N: waits (at most 30 s) until logind lists N sessions of
# USER: a refused login's session, registered by pam_systemd after the
# refusal, goes once sshd has closed it.
settle() {
	local deadline=$((SECONDS + 30))
	until [ "$(sessions_of "$1")" -eq "$2" ]; do
		[ "$SECONDS" -lt "$deadline" ] || return 1
		sleep 1
	done
}

# manager_up USER: USER's user@UID.service active within 60 s.
manager_up() {
	local deadline=$((SECONDS + 60))
	until vm_root "systemctl is-active -q user@\$(id -u $1).service"; do
		[ "$SECONDS" -lt "$deadline" ] || return 1
		sleep 1
	done
}

# no_refusal_under SERVICE: the journal holds no refusal of pam_rlimit
# under the PAM service SERVICE (its count, when ssh cannot tell, is empty).
no_refusal_under() {
	local n
	n=$(vm_root "journalctl -q -o cat --since=-5min | grep -F 'pam_rlimit($1:' | grep -cF refused" ||
		true)
	[ "$n" = 0 ]
}

# The sessions logind has of class user that are not closing: what
# maxsyslogins counts.
user_sessions() {
	# shellcheck disable=SC2016 # expanded in the VM
	vm_root 'n=0; for s in $(loginctl list-sessions --no-legend | awk "{print \$1}"); do
		[ "$(loginctl show-session -p Class --value "$s")" = user ] &&
		[ "$(loginctl show-session -p State --value "$s")" != closing ] && n=$((n + 1))
	done; echo $n'
}

# why: what to look at when a held session did not start.
why() {
	echo "ssh's stderr:"
	tail -n 20 "$VM_WORK/ways.err" | sed 's/^/  /'
	echo "processes of sshd (a login blocked in a module shows here):"
	vm_root 'ps -o pid,wchan:20,args -C sshd' | sed 's/^/  /' || true
	echo "logind's sessions:"
	vm_root 'loginctl list-sessions --no-legend' | sed 's/^/  /' || true
	echo "journal (sshd, pam):"
	vm_root 'journalctl -q -o short --no-hostname --since=-5min | grep -E "sshd|pam_" | tail -n 25' |
		sed 's/^/  /' || true
}

# second USER: a second login that prints second-session-ok; prints what
# came back, then "status N", ssh's exit status.  Refused, OpenSSH runs no
# command and exits 254 after the login messages (pam_motd's motd).
second() {
	local rc=0
	vm_ssh_key "$1" "$(way_key_of "$1")" 'echo second-session-ok' 2>>"$VM_WORK/ways.err" ||
		rc=$?
	echo "status $rc"
}

refused() { ! grep -qx second-session-ok <<<"$1" && grep -qx 'status 254' <<<"$1"; }
let_in() { grep -qx second-session-ok <<<"$1" && grep -qx 'status 0' <<<"$1"; }

journal_has() {
	vm_root "journalctl -q -o cat --since=-5min | grep -F pam_rlimit | grep -qF '$1'"
}

judge() { # VAR TEXT CONDITION...
	local v=$1 text=$2
	shift 2
	if "$@"; then t_judge "$v" "$text" pass; else t_judge "$v" "$text" fail; fi
}

hold ann || { why; vm_die "ann's first session did not start"; }
judge m "user@UID active" manager_up ann
judge mj "journal: no refusal under systemd-user" no_refusal_under systemd-user
t_row "ann: her systemd manager, inside her first login" "$m" "$mj"

t=$SECONDS
out=$(second ann)
judge a "refused (ssh status $(sed -n 's/^status //p' <<<"$out"), $((SECONDS - t))s)" refused "$out"
judge aj "journal: maxlogins: ann 1 session open already" \
	journal_has 'maxlogins: ann 1 session open already'
t_row "ann: second ssh login while one is open" "$a" "$aj"

# maxsyslogins: bob, with none of his own, at the machine's count.
settle ann 1 || { why; vm_die "ann's refused session did not go"; }
n=$(user_sessions)
policy "$n"
out=$(second bob)
judge b "refused at maxsyslogins $n" refused "$out"
judge bj "journal: maxsyslogins: there are $n sessions open" \
	journal_has "maxsyslogins: there are $n sessions open on this machine"
t_row "bob: a login with maxsyslogins at the $n open" "$b" "$bj"
policy $((n + 1))
out=$(second bob)
judge b2 "let in at maxsyslogins $((n + 1))" let_in "$out"
t_row "bob: the same at one more" "$b2" -
policy

hold root || { why; vm_die "root's first session did not start"; }
root_held=$HELD
out=$(second root)
judge r "let in" let_in "$out"
judge rj "journal: root is never refused" journal_has 'root is never refused a session'
t_row "root: second ssh login while one is open" "$r" "$rj"
kill "$root_held" 2>/dev/null || true

vm_root "pkill -u ann -x sleep" || true
t=$SECONDS
deadline=$((SECONDS + 60))
while [ "$(sessions_of ann)" -gt 0 ] && [ "$SECONDS" -lt "$deadline" ]; do
	sleep 1
done
out=$(second ann)
judge a2 "let in ($((SECONDS - t))s after the first ended)" let_in "$out"
t_row "ann: a login once the first has ended" "$a2" -
t_table "maxlogins: 1, maxsyslogins ($((SECONDS - t_start))s)" "case" "session" "log"

echo "journal lines of pam_rlimit (last 10):"
vm_root 'journalctl -q -o short --no-hostname | grep -F pam_rlimit | tail -n 10 | sed "s/^/  /"' ||
	true
echo "times: image ${VM_TIME_IMAGE}s, boot to ssh ${VM_TIME_BOOT}s, whole run" \
	"$((SECONDS - t_start))s"
t_summary

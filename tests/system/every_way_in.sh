#!/bin/bash
# Issue 12: on a stock Debian 12, every way in gets the policy's caps.
#
# Boots the system tests' Debian image (build-image.sh), installs pam_rlimit
# as INSTALL.md tells an admin (make install PREFIX=/usr, a policy,
# pam-auth-update --enable rlimit; Debian's /etc/pam.d otherwise as shipped)
# and logs in for real, as ann (default: as 1G), bob (group research: as
# 1536M soft, 2G hard) and root, by ssh with a password and with a key,
# su -l, login on a terminal, the systemd --user manager and a unit it
# starts, cron and sudo -i.  In each session: ulimit -Sv/-Hv, whether
# `ulimit -Hv unlimited` is refused, whether a Python hog gets MemoryError;
# root must be untouched.  Then the same after `apt-get install --reinstall
# libpam-modules libpam-runtime`, and with a broken policy: ann refused, root
# let in.
# Prints a table per phase and "N passed, N failed"; exits 1 on a failure.
#
# Needs root, qemu-system-x86_64, and the image's build tools (README.md).
# RL_VM_INSTALL=readme-line installs the old README's way instead (one
# session line in common-session), to show the failure this test catches.
# Usage: tests/system/every_way_in.sh   (make check-system)
# shellcheck source-path=SCRIPTDIR
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=lib/vm.sh
. "$here/lib/vm.sh"
# shellcheck source=lib/results.sh
. "$here/lib/results.sh"
# shellcheck source=lib/ways.sh
. "$here/lib/ways.sh"

vm_init every-way-in
vm_lock
t_start=$SECONDS
vm_image

stage=$(vm_stage_install)

vm_boot
vm_put_tree "$stage"
ways_setup

install_mode=${RL_VM_INSTALL:-pam-auth-update}
case $install_mode in
pam-auth-update)
	[ -f "$stage/usr/share/pam-configs/rlimit" ] ||
		vm_die "make install staged no /usr/share/pam-configs/rlimit"
	vm_root 'DEBIAN_FRONTEND=noninteractive pam-auth-update --enable rlimit'
	;;
readme-line)
	vm_root "sed -i '/pam_systemd.so/i session\trequired\tpam_rlimit.so' /etc/pam.d/common-session"
	;;
*) vm_die "RL_VM_INSTALL=$install_mode: pam-auth-update or readme-line" ;;
esac
echo "installed ($install_mode); pam_rlimit lines in /etc/pam.d:"
vm_root 'grep -n pam_rlimit /etc/pam.d/common-* | sed "s/^/  /"'

pw() { head -c 18 /dev/urandom | base64 | tr -dc 'A-Za-z0-9'; }
vm_root 'groupadd research'
ways_add_user ann "$(pw)"
ways_add_user bob "$(pw)" research
echo 'ann ALL=(ALL) NOPASSWD: ALL' | vm_root 'install -m 0440 /dev/stdin /etc/sudoers.d/ann'

good_policy='version: 1
default:
  as: 1G
groups:
  research:
    as: {soft: 1536M, hard: 2G}
'
declare -A exp_soft=([ann]=1048576 [bob]=1572864)
declare -A exp_hard=([ann]=1048576 [bob]=2097152)
put_policy() {
	printf '%s' "$1" | vm_root 'install -o root -g root -m 0644 /dev/stdin /etc/security/rlimit.yaml'
}
put_policy "$good_policy"
echo "rlimit-policy check:"
t_check "rlimit-policy check accepts the policy" vm_root 'rlimit-policy check'

way_cron_arm ann root

# ---- judging -----------------------------------------------------------

# judge_user VAR USER LINE: the user's cells (limits, raise, hog) from a
# probe line, in ${VAR}_lim, ${VAR}_raise, ${VAR}_hog.
judge_user() {
	local v=$1 user=$2 line=$3 soft hard raise hog mib
	if [ -z "$line" ]; then
		t_judge "${v}_lim" "no session" fail
		printf -v "${v}_raise" -- -
		printf -v "${v}_hog" -- -
		return
	fi
	soft=$(field "$line" soft) hard=$(field "$line" hard)
	raise=$(field "$line" raise) hog=$(field "$line" hog)
	if [ "$soft" = "${exp_soft[$user]}" ] && [ "$hard" = "${exp_hard[$user]}" ]; then
		t_judge "${v}_lim" "$soft / $hard" pass
	else
		t_judge "${v}_lim" "$soft / $hard" fail
	fi
	if [ "$raise" = refused ]; then
		t_judge "${v}_raise" refused pass
	else
		t_judge "${v}_raise" "$raise" fail
	fi
	mib=${hog#*@}
	case $hog in
	memoryerror@*)
		if [ $((mib * 1024)) -le "${exp_soft[$user]}" ]; then
			t_judge "${v}_hog" "MemoryError after $mib MiB" pass
		else
			t_judge "${v}_hog" "MemoryError after $mib MiB" fail
		fi
		;;
	*) t_judge "${v}_hog" "no MemoryError ($hog)" fail ;;
	esac
}

# judge_root VAR LINE: root untouched: no caps, the hog gets its 3 GiB.
judge_root() {
	local v=$1 line=$2 soft hard hog
	if [ -z "$line" ]; then
		t_judge "$v" "no session" fail
		return
	fi
	soft=$(field "$line" soft) hard=$(field "$line" hard) hog=$(field "$line" hog)
	if [ "$soft/$hard" = unlimited/unlimited ] && [ "${hog%@*}" = none ]; then
		t_judge "$v" "unlimited / unlimited, no MemoryError" pass
	else
		t_judge "$v" "$soft / $hard, hog $hog" fail
	fi
}

# judge_manager VAR USER LINE: the systemd --user manager's own limits.
judge_manager() {
	local v=$1 user=$2 line=$3 soft hard want
	if [ -z "$line" ]; then
		t_judge "$v" "no manager" fail
		return
	fi
	soft=$(field "$line" soft) hard=$(field "$line" hard)
	if [ "$user" = root ]; then want=unlimited/unlimited; else
		want=${exp_soft[$user]}/${exp_hard[$user]}
	fi
	if [ "$soft/$hard" = "$want" ]; then
		t_judge "$v" "$soft / $hard" pass
	else
		t_judge "$v" "$soft / $hard" fail
	fi
}

# run WAY USER: the way's output, its stderr kept for the log.
run() {
	local rc=0
	"$@" 2>>"$VM_WORK/ways.err" || rc=$?
	[ "$rc" -eq 0 ] || echo "$*: exit $rc" >>"$VM_WORK/ways.err"
}

# run2 UFUN USER RFUN: the user's way and root's at once (a login under TCG
# takes seconds, most of it waiting); their outputs in $out_u and $out_r.
run2() {
	local pu pr
	run "$1" "$2" >"$VM_WORK/out.u" &
	pu=$!
	run "$3" root >"$VM_WORK/out.r" &
	pr=$!
	wait "$pu" "$pr" || true
	out_u=$(cat "$VM_WORK/out.u") out_r=$(cat "$VM_WORK/out.r")
}

# A fresh systemd --user for each phase: the last phase's may still linger.
stop_managers() {
	# shellcheck disable=SC2016 # expanded in the VM
	vm_root 'for u in ann bob root; do systemctl stop "user@$(id -u $u).service"; done'
}

capped_row() {
	local label=$1 user=$2 ufun=$3 rfun=${4:-}
	if [ -n "$rfun" ]; then
		run2 "$ufun" "$user" "$rfun"
		judge_root r "$(probe_of "$out_r")"
	else
		out_u=$(run "$ufun" "$user")
		r=${5:--}
	fi
	judge_user u "$user" "$(probe_of "$out_u")"
	# shellcheck disable=SC2154 # set by judge_user
	t_row "$label" "$user" "$u_lim" "$u_raise" "$u_hog" "$r"
}

# ---- a phase where everyone must be capped -----------------------------

capped_phase() {
	local title=$1 t0 a r started=$SECONDS
	t0=$(($(way_time) + 1))
	stop_managers
	capped_row "ssh, password" ann way_ssh_pw "" "n/a: PermitRootLogin prohibit-password"
	capped_row "ssh, key" ann way_ssh_key way_ssh_key
	capped_row "ssh, key (group research)" bob way_ssh_key
	capped_row "su -l" ann way_su way_su
	capped_row "su -l (group research)" bob way_su
	capped_row "login on a terminal" ann way_login way_login

	run2 way_user_manager ann way_user_manager
	judge_manager a ann "$(manager_of "$out_u")"
	judge_manager r root "$(manager_of "$out_r")"
	# shellcheck disable=SC2154 # set by judge_manager
	t_row "systemd --user manager (/proc/PID/limits)" ann "$a" - - "$r"
	judge_user u ann "$(probe_of "$out_u")"
	judge_root r "$(probe_of "$out_r")"
	t_row "a unit it starts (systemd-run --user)" ann "$u_lim" "$u_raise" "$u_hog" "$r"

	capped_row "sudo -i (root: sudo -i -u ann; ann: sudo -i)" ann way_sudo_i_u way_sudo_i_root

	cron_row "$t0"
	t_table "$title ($((SECONDS - started))s)" "way in" user "ulimit -Sv / -Hv (KiB)" \
		"ulimit -Hv unlimited" "Python hog" "root, same way in"
}
way_sudo_i_root() { way_sudo_i ann; }

# cron_row T0: ann's and root's jobs that ran at T0 or later.
cron_row() {
	local t0=$1 ann_line='' root_line='' deadline=$((SECONDS + ${RL_VM_CRON_WAIT:-90}))
	while [ "$SECONDS" -lt "$deadline" ]; do
		[ -n "$ann_line" ] || ann_line=$(way_cron_since ann "$t0")
		[ -n "$root_line" ] || root_line=$(way_cron_since root "$t0")
		[ -z "$ann_line" ] || [ -z "$root_line" ] || break
		sleep 3
	done
	judge_user u ann "$ann_line"
	judge_root r "$root_line"
	t_row "cron job" ann "$u_lim" "$u_raise" "$u_hog" "$r"
}

# ---- a broken policy: ann refused, root let in -------------------------

# refused VAR SERVICE USER OUTPUT T0: no session, and pam_rlimit's own
# refusal in the journal for that PAM service since T0.
refused() {
	local v=$1 svc=$2 user=$3 out=$4 t0=$5 n
	n=$(vm_root "journalctl -q -o cat --since @$t0 | grep -F 'pam_rlimit($svc:session): ' | grep -cF 'session for $user refused'; true")
	if [ -n "$(probe_of "$out")" ]; then
		t_judge "$v" "let in" fail
	elif [ "${n:-0}" -gt 0 ]; then
		t_judge "$v" "refused (journal: pam_rlimit($svc:session) ... refused)" pass
	else
		t_judge "$v" "no session, but no refusal by pam_rlimit($svc) in the journal" fail
	fi
}
let_in() {
	local v=$1 line
	line=$(probe_of "$2")
	if [ "$(field "$line" user)" = root ]; then
		t_judge "$v" "let in" pass
	else
		t_judge "$v" "not let in" fail
	fi
}

broken_row() {
	local label=$1 svc=$2 ufun=$3 rfun=$4 t0
	t0=$(way_time)
	if [ -n "$rfun" ]; then
		run2 "$ufun" ann "$rfun"
		let_in r "$out_r"
	else
		out_u=$(run "$ufun" ann)
		r=-
	fi
	refused a "$svc" ann "$out_u" "$t0"
	t_row "$label" "$a" "$r"
}

broken_phase() {
	local t0 out ann_line root_line deadline started=$SECONDS
	t0=$(($(way_time) + 1))
	stop_managers
	put_policy 'version: 1
default:
  as: 1X
'
	broken_row "ssh, password" sshd way_ssh_pw ""
	broken_row "ssh, key" sshd way_ssh_key way_ssh_key
	broken_row "su -l" su-l way_su way_su
	broken_row "login on a terminal" login way_login way_login
	broken_row "sudo -i -u ann (root: sudo -i)" sudo-i way_sudo_i_u way_root_sudo_i
	local t1
	t1=$(way_time)
	out=$(run vm_root "systemctl start user@\$(id -u ann).service && echo started")
	if [ "$out" = started ]; then out="rlprobe user=ann"; fi
	refused a systemd-user ann "$out" "$t1"
	out=$(run way_user_manager root)
	judge_manager r root "$(manager_of "$out")"
	t_row "systemd --user manager (systemctl start user@UID)" "$a" "$r"

	deadline=$((SECONDS + ${RL_VM_CRON_WAIT:-90}))
	root_line=
	while [ -z "$root_line" ] && [ "$SECONDS" -lt "$deadline" ]; do
		root_line=$(way_cron_since root "$t0")
		[ -n "$root_line" ] || sleep 3
	done
	sleep 10 # ann's job, started in the same minute, would be done by now
	ann_line=$(way_cron_since ann "$t0")
	refused a cron ann "$ann_line" "$t0"
	let_in r "$root_line"
	t_row "cron job" "$a" "$r"
	t_table "broken policy (default: {as: 1X}) ($((SECONDS - started))s)" "way in" ann root
}
way_root_sudo_i() { vm_root 'sudo -i rl-probe'; }

# ---- the run -------------------------------------------------------------

capped_phase "installed ($install_mode): policy default as 1G, group research 1536M/2G"

# An upgrade of PAM itself: libpam-runtime's postinst runs pam-auth-update
# again, which rewrites the common-* files from the profiles.
echo "apt-get install --reinstall libpam-modules libpam-runtime (from the image's apt cache):"
vm_root 'DEBIAN_FRONTEND=noninteractive apt-get install --reinstall -y -q --no-download \
	-o DPkg::Lock::Timeout=60 libpam-modules libpam-runtime 2>&1 |
	grep -E "^(Unpacking|Setting up)" | sed "s/^/  /"'
for f in common-auth common-session common-session-noninteractive; do
	t_check "pam_rlimit still in $f after the reinstall" \
		vm_root "grep -q '^[^#]*pam_rlimit.so' /etc/pam.d/$f"
done
capped_phase "after apt-get install --reinstall libpam-modules libpam-runtime"

broken_phase

echo "journal lines of pam_rlimit (last 20):"
vm_root 'journalctl -q -o short --no-hostname | grep -F pam_rlimit | tail -n 20 | sed "s/^/  /"' || true
if [ "$T_FAIL" -gt 0 ]; then
	echo "stderr of the ways in (last 40 lines):"
	tail -n 40 "$VM_WORK/ways.err" | sed 's/^/  /'
fi
echo "times: image ${VM_TIME_IMAGE}s, boot to ssh ${VM_TIME_BOOT}s," \
	"whole run $((SECONDS - t_start))s (after ${t_start}s waiting for other VM runs)"
t_summary

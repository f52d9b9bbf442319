#!/bin/bash
# The Debian package on a stock Debian 12, in the VM (tests/system/lib/vm.sh):
# what an admin sees from `apt-get install ./libpam-rlimit_*.deb` to
# `apt-get purge`, through real logins.
#   - install: the module in common-session (before pam_systemd),
#     common-session-noninteractive and common-auth; nobody's limits change
#     (ulimit -a, soft and hard, over ssh and su -l, and root's);
#   - a policy written: ssh (key and password), su -l and the systemd --user
#     manager get the caps, and the hard cap cannot be raised;
#   - remove: every file under /etc/pam.d byte-identical to before the
#     install, the policy kept, logins uncapped and working;
#   - reinstall, --reinstall and an upgrade to a higher version built from
#     the same tree keep the admin's edited policy, with no conffile prompt;
#   - purge: /etc/security/rlimit.yaml gone; a drop-in the admin wrote stays,
#     an emptied rlimit.d goes (postrm).
#
# Both packages are built here, with `make deb`, before the VM is booted.
# Needs what every system test needs (README.md), and runs `make deb`, which
# installs debhelper and lintian as root.
# Usage: tests/system/package.sh   (make check-system)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
# shellcheck source=lib/vm.sh
. "$here/lib/vm.sh"
# shellcheck source=lib/ways.sh
. "$here/lib/ways.sh"

checks=0
pass() {
	checks=$((checks + 1))
	echo "ok $checks - $*"
}
fail() {
	echo "FAIL: system package: $*" >&2
	exit 1
}

vm_init package
debdir=$VM_WORK/debs

# --- the two packages, built as an admin builds them ------------------------
v1=$(sh "$top/scripts/deb-version.sh")
v2=$v1.1
dpkg --compare-versions "$v2" gt "$v1" || fail "$v2 does not sort above $v1"
arch=$(dpkg --print-architecture)
mkdir -p "$debdir"
for v in "$v1" "$v2"; do
	out=$debdir/$v
	[ "$v" = "$v1" ] && want= || want=$v
	make -C "$top" --no-print-directory deb DEB_OUT="$out" DEB_VERSION="$want" \
		>"$out.log" 2>&1 || { tail -n 30 "$out.log" >&2; fail "make deb ($v) failed: $out.log"; }
	[ -f "$out/libpam-rlimit_${v}_$arch.deb" ] || fail "no libpam-rlimit_${v}_$arch.deb in $out"
done
deb1=$debdir/$v1/libpam-rlimit_${v1}_$arch.deb
deb2=$debdir/$v2/libpam-rlimit_${v2}_$arch.deb
pass "make deb built $v1, and with DEB_VERSION the higher $v2, from the same tree"

vm_lock
vm_image
vm_boot

# --- helpers ----------------------------------------------------------------
ways_setup
user=ann
ways_add_user "$user" "$(head -c 18 /dev/urandom | base64 | tr -dc 'A-Za-z0-9')"

as_ssh() { vm_ssh_key "$user" "$WAY_KEY" "$@" </dev/null; }
as_su() { vm_root "su -l $user -c '$*'" </dev/null; }
all_limits='ulimit -Sa; echo ---; ulimit -Ha'
# Every path under /etc/pam.d, and the bytes of every file.
pam_state() {
	vm_root 'cd /etc/pam.d && find . | sort && find . -type f -print0 | sort -z | xargs -0 sha256sum' </dev/null
}
vm_apt() {
	# stdin from /dev/null: a conffile prompt fails the run instead of waiting.
	vm_root "DEBIAN_FRONTEND=noninteractive apt-get $* </dev/null" >"$VM_WORK/apt.log" 2>&1 ||
		{ tail -n 30 "$VM_WORK/apt.log" >&2; fail "apt-get $* failed"; }
}
installed_version() { vm_root "dpkg-query -W -f '\${Version} \${db:Status-Status}' libpam-rlimit 2>/dev/null" </dev/null || true; }
policy_sha() { vm_root 'sha256sum </etc/security/rlimit.yaml' </dev/null; }
# The systemd --user manager's address space ("rlmanager ... soft= hard=",
# KiB) and what a unit it starts gets (a probe line), from a fresh manager.
manager() {
	vm_root "systemctl stop user@\$(id -u $user).service" </dev/null
	way_user_manager "$user" </dev/null
}
manager_as() { local m; m=$(manager_of "$(manager)"); echo "$(field "$m" soft) $(field "$m" hard)"; }

vm_root "mkdir -p /root/debs && cat >/root/debs/${deb1##*/}" <"$deb1"
vm_root "cat >/root/debs/${deb2##*/}" <"$deb2"

# --- before -----------------------------------------------------------------
pam_before=$(pam_state)
ssh_before=$(as_ssh "$all_limits")
su_before=$(as_su "$all_limits")
root_before=$(vm_root "$all_limits" </dev/null)
manager_before=$(manager_as)

# --- install ------------------------------------------------------------------
vm_apt install -y "/root/debs/${deb1##*/}"
[ "$(installed_version)" = "$v1 installed" ] || fail "libpam-rlimit is '$(installed_version)' after install, want $v1"
line_of() { # FILE TYPE MODULE: number of the first line of that type and module
	vm_root "cat /etc/pam.d/$1" </dev/null |
		awk -v t="$2" -v m="$3" '$1 == t && $0 ~ "[ \t]" m "([ \t]|$)" { print NR; exit }'
}
u=$(line_of common-session session pam_unix.so)
r=$(line_of common-session session pam_rlimit.so)
s=$(line_of common-session session pam_systemd.so)
[ -n "$u" ] && [ -n "$r" ] && [ -n "$s" ] && [ "$u" -lt "$r" ] && [ "$r" -lt "$s" ] ||
	fail "common-session: pam_unix line '$u', pam_rlimit line '$r', pam_systemd line '$s': $(vm_root 'grep -v ^# /etc/pam.d/common-session' </dev/null)"
pass "apt-get install: common-session runs pam_rlimit (line $r) after pam_unix and before pam_systemd (line $s)"
vm_root "grep -Eq '^session[[:space:]]+required[[:space:]]+pam_rlimit\.so' /etc/pam.d/common-session-noninteractive" </dev/null ||
	fail "common-session-noninteractive lacks 'session required pam_rlimit.so'"
vm_root "grep -Eq '^auth[[:space:]]+optional[[:space:]]+pam_rlimit\.so' /etc/pam.d/common-auth" </dev/null ||
	fail "common-auth lacks 'auth optional pam_rlimit.so'"
pass "common-session-noninteractive has the session line, common-auth the auth line"
msg=$(vm_root 'rlimit-policy check' </dev/null 2>&1) || fail "rlimit-policy check on the installed policy: $msg"
echo "$msg" | grep -q 'policy valid: 1 file, 0 rules' || fail "the installed policy is not the empty one: $msg"
for svc in sshd su-l cron systemd-user; do
	echo "$msg" | grep -q "^  $svc: covered" || fail "rlimit-policy check does not find $svc covered: $msg"
done
pass "rlimit-policy check: the installed policy is valid with 0 rules, and sshd, su-l, cron and systemd-user are covered"

[ "$(as_ssh "$all_limits")" = "$ssh_before" ] || fail "installing changed $user's limits over ssh"
[ "$(as_su "$all_limits")" = "$su_before" ] || fail "installing changed $user's limits under su -l"
[ "$(vm_root "$all_limits" </dev/null)" = "$root_before" ] || fail "installing changed root's limits"
[ "$(manager_as)" = "$manager_before" ] || fail "installing changed the user manager's address space: $(manager_as), was $manager_before"
pass "nobody's limits change: $user over ssh and su -l (ulimit -a, soft and hard), root, $user's systemd --user"

# --- a policy -----------------------------------------------------------------
vm_root 'cat >/etc/security/rlimit.yaml' <<'EOF_POLICY'
# edited by the admin
version: 1
default:
  as: 1G
EOF_POLICY
policy=$(policy_sha)
cap=1048576 # KiB, as ulimit prints 1G
# capped WHAT PROBE-LINE: the caps, soft and hard; the hard one cannot be
# raised; a Python hog gets MemoryError below the cap (tests/system/guest).
capped() {
	local what=$1 line=$2 hog
	hog=$(field "$line" hog)
	[ "$(field "$line" soft) $(field "$line" hard) $(field "$line" raise)" = "$cap $cap refused" ] &&
		[ "${hog%@*}" = memoryerror ] && [ $((${hog#*@} * 1024)) -le "$cap" ] ||
		fail "$what: '$line', want soft=$cap hard=$cap raise=refused hog=memoryerror@<=1024"
	pass "$what: ulimit -v $cap soft and hard, raising refused, Python MemoryError after ${hog#*@} MiB"
}
capped "ssh (key)" "$(probe_of "$(way_ssh_key "$user" </dev/null)")"
capped "ssh (password: sshd's auth stack, common-auth's new line)" "$(probe_of "$(way_ssh_pw "$user" </dev/null)")"
capped "su -l" "$(probe_of "$(way_su "$user" </dev/null)")"
out=$(manager)
got=$(manager_of "$out")
[ "$(field "$got" soft) $(field "$got" hard)" = "$cap $cap" ] || fail "the systemd --user manager: '$got'"
pass "$user's systemd --user manager (/proc/PID/limits): address space $cap KiB soft and hard"
capped "a unit the manager starts (systemd-run --user)" "$(probe_of "$out")"
[ "$(vm_root "$all_limits" </dev/null)" = "$root_before" ] || fail "the policy changed root's limits"
pass "root is untouched (default: does not apply to root)"

# --- remove -------------------------------------------------------------------
vm_apt remove -y libpam-rlimit
[ "$(installed_version)" = "$v1 config-files" ] || fail "after remove: '$(installed_version)'"
[ "$(pam_state)" = "$pam_before" ] || {
	diff <(echo "$pam_before") <(pam_state) >&2 || true
	fail "after apt-get remove, /etc/pam.d differs from before the install"
}
pass "apt-get remove: every file under /etc/pam.d byte-identical to before the install ($(echo "$pam_before" | grep -c '^[0-9a-f]\{64\} ') files)"
vm_root 'test ! -e /lib/x86_64-linux-gnu/security/pam_rlimit.so && test ! -e /usr/sbin/rlimit-policy' </dev/null ||
	fail "the module or the tool is still there after remove"
[ "$(policy_sha)" = "$policy" ] || fail "remove changed the admin's policy"
[ "$(as_ssh "$all_limits")" = "$ssh_before" ] || fail "after remove $user's ssh limits are not what they were before the install"
pass "the module and tool are gone, the policy stays, $user logs in with the limits of before"

# --- reinstall, --reinstall, upgrade ----------------------------------------
vm_apt install -y "/root/debs/${deb1##*/}"
[ "$(policy_sha)" = "$policy" ] || fail "reinstalling after remove replaced the admin's policy"
pass "install after remove: the admin's policy is kept"
capped "install after remove, ssh (key)" "$(probe_of "$(way_ssh_key "$user" </dev/null)")"
vm_apt install -y --reinstall "/root/debs/${deb1##*/}"
[ "$(policy_sha)" = "$policy" ] || fail "apt-get install --reinstall replaced the admin's policy"
pass "apt-get install --reinstall: the admin's policy is kept"
vm_apt install -y "/root/debs/${deb2##*/}"
[ "$(installed_version)" = "$v2 installed" ] || fail "after the upgrade: '$(installed_version)', want $v2"
[ "$(policy_sha)" = "$policy" ] || fail "the upgrade replaced the admin's policy"
vm_root 'test ! -e /etc/security/rlimit.yaml.dpkg-dist && test ! -e /etc/security/rlimit.yaml.dpkg-old' </dev/null ||
	fail "the upgrade left a .dpkg-dist or .dpkg-old beside the policy"
pass "upgrade $v1 -> $v2: the admin's policy is kept, with no prompt"
capped "after the upgrade, ssh (key)" "$(probe_of "$(way_ssh_key "$user" </dev/null)")"

# --- purge --------------------------------------------------------------------
vm_root 'cat >/etc/security/rlimit.d/50-lab.yaml' <<'EOF_DROPIN'
version: 1
users:
  ann:
    nofile: 512
EOF_DROPIN
vm_apt purge -y libpam-rlimit
[ -z "$(installed_version)" ] || [ "$(installed_version)" = "$v2 not-installed" ] ||
	fail "after purge: '$(installed_version)'"
vm_root 'test ! -e /etc/security/rlimit.yaml' </dev/null || fail "apt-get purge left /etc/security/rlimit.yaml"
vm_root 'test -f /etc/security/rlimit.d/50-lab.yaml' </dev/null || fail "apt-get purge deleted the admin's drop-in"
[ "$(pam_state)" = "$pam_before" ] || fail "after purge, /etc/pam.d differs from before the install"
[ "$(as_ssh "$all_limits")" = "$ssh_before" ] || fail "after purge $user's limits are not what they were"
pass "apt-get purge: /etc/security/rlimit.yaml gone, the admin's drop-in kept, /etc/pam.d as before, $user uncapped"
vm_apt install -y "/root/debs/${deb2##*/}"
msg=$(vm_root 'rlimit-policy check' </dev/null 2>&1) || fail "check after reinstall: $msg"
shipped=$(dpkg-deb --fsys-tarfile "$deb2" | tar -xOf - ./etc/security/rlimit.yaml | sha256sum)
[ "$(policy_sha)" = "$shipped" ] || fail "install after purge did not bring the package's own rlimit.yaml"
echo "$msg" | grep -q 'policy valid: 2 files, 1 rule' || fail "after purge and install, want the package's empty policy and the drop-in: $msg"
pass "install after purge brings a fresh policy with no rules (the admin's drop-in still counts)"
# Removed while the drop-in is there, rlimit.d stays; the admin deletes the
# drop-in, and purge takes the emptied folder (postrm, if dpkg does not).
vm_apt remove -y libpam-rlimit
vm_root 'test -d /etc/security/rlimit.d && rm /etc/security/rlimit.d/50-lab.yaml' </dev/null ||
	fail "remove took rlimit.d and the admin's drop-in with it"
vm_apt purge -y libpam-rlimit
vm_root 'test ! -e /etc/security/rlimit.yaml && test ! -e /etc/security/rlimit.d' </dev/null ||
	fail "purge left the policy, or the emptied rlimit.d, behind"
[ "$(pam_state)" = "$pam_before" ] || fail "after the second purge, /etc/pam.d differs from before the install"
pass "remove, drop-in deleted, purge: the emptied rlimit.d goes too, and /etc/pam.d is as before"

echo "system package: $checks checks passed (image ${VM_TIME_IMAGE:-?}s, boot ${VM_TIME_BOOT:-?}s, total ${SECONDS}s)"

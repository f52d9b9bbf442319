#!/bin/sh
# The package's maintainer scripts against Debian's own pam-auth-update, in
# a private mount namespace: /etc/pam.d, /usr/share/pam-configs,
# /var/lib/pam and debconf's database are copies bind-mounted over the real
# ones, so this machine's PAM configuration is never touched.  What a real
# install, upgrade and removal do to the stacks:
#   postinst configure: pam_rlimit in common-session (after pam_unix, before
#     pam_systemd), common-session-noninteractive and common-auth, and in no
#     other file;
#   postinst again (reinstall, upgrade) and prerm upgrade: nothing changes;
#   a profile the admin turned off stays off across an upgrade;
#   prerm remove: every file in /etc/pam.d byte-identical to before.
# The same on a real Debian with dpkg and logins: tests/system/.
#
# Needs root (mount namespaces); anyone else gets a visible SKIP.
#
# Usage: sh tests/deb/pam-auth-update.sh PACKAGE.deb
set -eu
deb=${1:?usage: pam-auth-update.sh PACKAGE.deb}

checks=0
skip() {
	echo "SKIP: check-deb (pam-auth-update): $*"
	exit 0
}
fail() {
	echo "FAIL: check-deb (pam-auth-update): $*" >&2
	exit 1
}
pass() {
	checks=$((checks + 1))
	echo "ok $checks - $*"
}

if [ "${PAU_SANDBOX:-}" = "" ]; then
	[ "$(id -u)" -eq 0 ] || skip "needs root for a private mount namespace (uid $(id -u) here); CI runs it as root"
	command -v pam-auth-update >/dev/null 2>&1 || skip "no pam-auth-update (libpam-runtime) here"
	command -v unshare >/dev/null 2>&1 || skip "no unshare (util-linux) here"
	sb=$(mktemp -d)
	trap 'rm -rf "$sb"' EXIT
	mkdir -p "$sb/pam.d" "$sb/pam-configs" "$sb/lib-pam" "$sb/debconf"
	cp -a /etc/pam.d/. "$sb/pam.d/"
	cp -a /usr/share/pam-configs/. "$sb/pam-configs/"
	rm -f "$sb/pam-configs/rlimit"
	[ -d /var/lib/pam ] && cp -a /var/lib/pam/. "$sb/lib-pam/"
	cp -a /var/cache/debconf/. "$sb/debconf/"
	dpkg-deb -x "$deb" "$sb/root"
	dpkg-deb -e "$deb" "$sb/ctl"
	unshare -m --propagation private true 2>/dev/null ||
		skip "cannot make a mount namespace here (unshare -m failed)"
	PAU_SANDBOX=$sb unshare -m --propagation private sh "$0" "$deb"
	exit
fi

# --- inside the namespace -------------------------------------------------
sb=$PAU_SANDBOX
mount --bind "$sb/pam.d" /etc/pam.d
mount --bind "$sb/pam-configs" /usr/share/pam-configs
mkdir -p /var/lib/pam 2>/dev/null || true
mount --bind "$sb/lib-pam" /var/lib/pam
mount --bind "$sb/debconf" /var/cache/debconf
export DEBIAN_FRONTEND=noninteractive

# Without libpam-systemd here, a stand-in with its profile's priority and
# session type, so that "before pam_systemd" is still checked.
if ! [ -f /usr/share/pam-configs/systemd ]; then
	printf '%s\n' 'Name: stand-in for libpam-systemd (tests/deb)' 'Default: yes' \
		'Priority: 0' 'Session-Interactive-Only: yes' 'Session-Type: Additional' \
		'Session:' '	optional	pam_systemd.so' >/usr/share/pam-configs/systemd
fi

# The baseline is what pam-auth-update makes of this machine's profiles;
# --force only in this copy, in case this machine's stacks were edited.
pam-auth-update --package --force >/dev/null 2>&1 || fail "the baseline pam-auth-update failed"
snapshot() { (cd /etc/pam.d && find . -type f | sort | xargs sha256sum); }
before=$(snapshot)
grep -q pam_rlimit /etc/pam.d/common-* && fail "pam_rlimit in the baseline stacks"

postinst() { DPKG_MAINTSCRIPT_PACKAGE=libpam-rlimit sh "$sb/ctl/postinst" "$@"; }
prerm() { DPKG_MAINTSCRIPT_PACKAGE=libpam-rlimit sh "$sb/ctl/prerm" "$@"; }

# Install: dpkg unpacks the profile, then runs postinst configure.
install -m 0644 "$sb/root/usr/share/pam-configs/rlimit" /usr/share/pam-configs/rlimit
postinst configure >"$sb/out" 2>&1 || fail "postinst configure failed: $(cat "$sb/out")"

# "line number of the first line of FILE with module MOD of type TYPE"
line_of() {
	awk -v t="$2" -v m="$3" '$1 == t && $0 ~ "[ \t]" m "([ \t]|$)" { print NR; exit }' "/etc/pam.d/$1"
}
count() { grep -c "^$2[[:space:]].*pam_rlimit\.so" "/etc/pam.d/$1" || true; }
[ "$(count common-session session)" = 1 ] || fail "common-session: $(count common-session session) pam_rlimit lines, want 1"
grep -Eq '^session[[:space:]]+required[[:space:]]+pam_rlimit\.so[[:space:]]*$' /etc/pam.d/common-session ||
	fail "common-session has no 'session required pam_rlimit.so': $(grep pam_rlimit /etc/pam.d/common-session)"
u=$(line_of common-session session pam_unix.so)
r=$(line_of common-session session pam_rlimit.so)
s=$(line_of common-session session pam_systemd.so)
[ -n "$u" ] && [ -n "$s" ] || fail "common-session lacks pam_unix or pam_systemd: $(cat /etc/pam.d/common-session)"
[ "$u" -lt "$r" ] && [ "$r" -lt "$s" ] ||
	fail "common-session order: pam_unix line $u, pam_rlimit line $r, pam_systemd line $s"
pass "postinst: common-session runs 'session required pam_rlimit.so' after pam_unix (line $u) and before pam_systemd (line $s), at line $r"
grep -Eq '^session[[:space:]]+required[[:space:]]+pam_rlimit\.so[[:space:]]*$' /etc/pam.d/common-session-noninteractive &&
	[ "$(count common-session-noninteractive session)" = 1 ] ||
	fail "common-session-noninteractive: $(grep pam_rlimit /etc/pam.d/common-session-noninteractive || echo no pam_rlimit line)"
u=$(line_of common-session-noninteractive session pam_unix.so)
r=$(line_of common-session-noninteractive session pam_rlimit.so)
[ "$u" -lt "$r" ] || fail "common-session-noninteractive: pam_rlimit (line $r) before pam_unix (line $u)"
pass "postinst: common-session-noninteractive (cron, systemd --user) runs it too, after pam_unix"
grep -Eq '^auth[[:space:]]+optional[[:space:]]+pam_rlimit\.so[[:space:]]*$' /etc/pam.d/common-auth &&
	[ "$(count common-auth auth)" = 1 ] ||
	fail "common-auth: $(grep pam_rlimit /etc/pam.d/common-auth || echo no pam_rlimit line)"
p=$(line_of common-auth auth pam_permit.so)
r=$(line_of common-auth auth pam_rlimit.so)
[ "$p" -lt "$r" ] || fail "common-auth: pam_rlimit (line $r) before the primary block's pam_permit (line $p)"
pass "postinst: common-auth has 'auth optional pam_rlimit.so' in the additional block (setcred after a later pam_limits)"
changed=$(echo "$before" | (cd /etc/pam.d && sha256sum --quiet -c - 2>/dev/null) | sed 's/: FAILED$//' | sort | tr '\n' ' ' || true)
[ "$changed" = "./common-auth ./common-session ./common-session-noninteractive " ] ||
	fail "postinst changed these files, want the three stacks only: $changed"
pass "postinst changed common-auth, common-session, common-session-noninteractive and nothing else"

# Reinstall and upgrade: prerm upgrade, then the new postinst configure.
installed=$(snapshot)
prerm upgrade 0.0 >/dev/null 2>&1 || fail "prerm upgrade failed"
postinst configure 0.0 >/dev/null 2>&1 || fail "postinst configure (upgrade) failed"
[ "$(snapshot)" = "$installed" ] || fail "an upgrade changed /etc/pam.d"
pass "an upgrade (prerm upgrade, postinst configure) leaves /etc/pam.d as it was"

# The admin turns the profile off; an upgrade keeps it off.
pam-auth-update --disable rlimit >/dev/null 2>&1 || fail "pam-auth-update --disable rlimit failed"
grep -q pam_rlimit /etc/pam.d/common-* && fail "--disable rlimit left pam_rlimit in the stacks"
prerm upgrade 0.0 >/dev/null 2>&1 && postinst configure 0.0 >/dev/null 2>&1 || fail "upgrade failed"
grep -q pam_rlimit /etc/pam.d/common-* && fail "an upgrade turned the admin's disabled profile back on"
pass "a profile the admin disabled stays disabled across an upgrade"
pam-auth-update --enable rlimit >/dev/null 2>&1 || fail "pam-auth-update --enable rlimit failed"
[ "$(snapshot)" = "$installed" ] || fail "--enable rlimit did not give back the installed stacks"

# Remove: prerm remove while the module is still there, then dpkg deletes
# the profile with the package's other files.
prerm remove >/dev/null 2>&1 || fail "prerm remove failed"
rm /usr/share/pam-configs/rlimit
[ "$(snapshot)" = "$before" ] || {
	echo "$before" | (cd /etc/pam.d && sha256sum -c - 2>&1 | grep -v ': OK$') >&2
	fail "after prerm remove /etc/pam.d differs from before the install"
}
pass "prerm remove: every file in /etc/pam.d byte-identical to before the install ($(echo "$before" | wc -l) files)"

echo "check-deb (pam-auth-update): $checks checks passed"

#!/bin/sh
# ulimit -S and -H are not POSIX; dash and bash, /bin/sh here, have them.
# shellcheck disable=SC3045
# End to end through a real login program: util-linux `su -l USER -c ...`
# under pam_wrapper (a private PAM service folder) and nss_wrapper (a fake
# passwd and group), with pam_rlimit in the session stack.  The fake user's
# shell must show the policy's `ulimit -v` / `ulimit -d`, and a Python
# program that allocates past its cap must get MemoryError within seconds.
# An edit to the policy counts at the next login, with no step between.  A
# control run of the same su without pam_rlimit must not show the limits.
#
# Needs root: su honours LD_PRELOAD (the wrappers) only when its real uid is
# already 0, and only root can switch to the fake user.  Anyone else gets a
# visible SKIP and exit 0.  Nothing under /etc is read for PAM or written.
#
# Usage: sh tests/e2e/su_e2e.sh MODULE PAM_WRAPPER_SO NSS_WRAPPER_SO
set -eu

usage="usage: su_e2e.sh MODULE PAM_WRAPPER_SO NSS_WRAPPER_SO"
module=${1:?$usage}
pwrap=${2:?$usage}
nwrap=${3:?$usage}
su=/bin/su
python=/usr/bin/python3

# The policy under test, in KiB as ulimit prints it.
user=rlt-researcher
uid=4242
as_kib=$((1024 * 1024))       # as: 1G  (group research)
data_soft_kib=$((768 * 1024)) # data: {soft: 768M, hard: 1G}
data_hard_kib=$((1024 * 1024))
default_as_kib=$((4 * 1024 * 1024)) # default as: 4G, beaten by the group
hog_max_seconds=10

checks=0
skip() {
	echo "SKIP: check-e2e: $*"
	exit 0
}
fail() {
	echo "FAIL: check-e2e: $*" >&2
	exit 1
}
pass() {
	checks=$((checks + 1))
	echo "ok $checks - $*"
}

[ "$(id -u)" -eq 0 ] || skip "needs root (uid $(id -u) here): su honours the wrappers' LD_PRELOAD and switches to the fake user only when run by root; CI runs it as root"
if ! [ -x "$su" ] || ! "$su" --version 2>/dev/null | grep -q util-linux; then
	skip "$su is not util-linux su"
fi
[ -x "$python" ] || skip "$python not found"
for f in "$module" "$pwrap" "$nwrap"; do
	[ -r "$f" ] || fail "missing $f"
done
# Only lowering is possible without CAP_SYS_RESOURCE.
for opt in -Hv -Hd; do
	cur=$(ulimit $opt)
	[ "$cur" = unlimited ] || [ "$cur" -ge "$default_as_kib" ] ||
		skip "ulimit $opt is $cur here, below what the policy sets"
done

work=$(mktemp -d "${TMPDIR:-/tmp}/rlt-e2e.XXXXXX")
trap 'rm -rf "$work"' EXIT INT TERM
chmod 0755 "$work" # the fake user reads the hog from here
home=$work/home/$user
mkdir -p "$home" "$work/services"
chown "$uid:$uid" "$home"

cat >"$work/passwd" <<EOF
root:x:0:0:root:/root:/bin/sh
$user:x:$uid:$uid:A researcher:$home:/bin/sh
EOF
cat >"$work/group" <<EOF
root:x:0:
$user:x:$uid:
research:x:4300:$user
EOF

cat >"$work/rlimit.yaml" <<'EOF'
version: 1
default:
  as: 4G
groups:
  research:
    as: 1G
    data: {soft: 768M, hard: 1G}
EOF
chmod 0644 "$work/rlimit.yaml"

# su -l uses the service "su-l", su without -l "su".
service() {
	cat <<EOF
auth     required  pam_rootok.so
account  required  pam_permit.so
password required  pam_deny.so
$1
EOF
}
with_rlimit="session  required  $module conf=$work/rlimit.yaml debug"
service "$with_rlimit" >"$work/services/su-l"
service "$with_rlimit" >"$work/services/su"
printf 'auth required pam_deny.so\naccount required pam_deny.so\npassword required pam_deny.so\nsession required pam_deny.so\n' >"$work/services/other"

cat >"$work/hog.py" <<'EOF'
# A memory hog: 64 MiB at a time until the allocator says no.
import resource, sys, time
soft, hard = resource.getrlimit(resource.RLIMIT_AS)
print("python_as_soft", soft)
chunks, start = [], time.monotonic()
try:
    while True:
        chunks.append(bytearray(64 << 20))
        if len(chunks) * 64 >= 3072:
            print("hog_no_memoryerror_mib", len(chunks) * 64)
            sys.exit(3)
except MemoryError:
    print("hog_memoryerror_after_mib", len(chunks) * 64)
    print("hog_seconds %.2f" % (time.monotonic() - start))
EOF
chmod 0644 "$work/hog.py"

# The user's shell reports its limits, then runs the hog, but only under the
# cap: an uncapped hog is what this project exists to prevent.
inside="echo uid \$(id -u); echo gids \$(id -G); echo pwd \$(pwd); echo as_soft \$(ulimit -S -v); echo as_hard \$(ulimit -H -v); echo data_soft \$(ulimit -S -d); echo data_hard \$(ulimit -H -d); [ \$(ulimit -S -v) = $as_kib ] && exec $python $work/hog.py; echo hog_not_run_uncapped"

run_su() {
	env LD_PRELOAD="$pwrap:$nwrap" PAM_WRAPPER=1 \
		PAM_WRAPPER_SERVICE_DIR="$work/services" PAM_WRAPPER_DEBUGLEVEL=2 \
		NSS_WRAPPER_PASSWD="$work/passwd" NSS_WRAPPER_GROUP="$work/group" \
		"$su" -l "$user" -c "$1" </dev/null >"$work/out" 2>"$work/err"
}

field() {
	sed -n "s/^$1 //p" "$work/out" | head -n 1
}

expect() { # name wanted
	got=$(field "$1")
	[ "$got" = "$2" ] || {
		echo "---- su output ----" >&2
		cat "$work/out" "$work/err" >&2
		fail "$1 is '$got', the policy says '$2'"
	}
	pass "$1 = $2"
}

# The policy's four limits, from the last su's output.
same_limits() {
	expect as_soft "$as_kib"
	expect as_hard "$as_kib"
	expect data_soft "$data_soft_kib"
	expect data_hard "$data_hard_kib"
}

echo "e2e: su -l $user through pam_wrapper/nss_wrapper, module $module"
rc=0
run_su "$inside" || rc=$?
grep 'SYSLOG' "$work/err" | sed 's/^/    log: /' || true
expect uid "$uid"
# su's initgroups went through nss_wrapper: the fake research group is there.
expect gids "$uid 4300"
expect pwd "$home"
same_limits
expect python_as_soft "$((as_kib * 1024))"
[ "$rc" -eq 0 ] || {
	cat "$work/out" "$work/err" >&2
	fail "su exited with $rc"
}
pass "su -l $user -c ... exited 0"

mib=$(field hog_memoryerror_after_mib)
secs=$(field hog_seconds)
[ -n "$mib" ] || {
	cat "$work/out" "$work/err" >&2
	fail "the hog never got MemoryError"
}
[ "$mib" -lt $((as_kib / 1024)) ] || fail "the hog got $mib MiB, more than its 1 GiB cap"
pass "python hog got MemoryError after $mib MiB (cap: data soft 768M, as 1G)"
awk -v s="$secs" -v m="$hog_max_seconds" 'BEGIN { exit !(s < m) }' ||
	fail "MemoryError took $secs s, more than $hog_max_seconds s"
pass "MemoryError within $secs s (< $hog_max_seconds s)"

# An edit counts at the next login: the YAML is read at every session.
limits_cmd="echo as_soft \$(ulimit -S -v); echo as_hard \$(ulimit -H -v); echo data_soft \$(ulimit -S -d); echo data_hard \$(ulimit -H -d)"
sed 's/soft: 768M/soft: 512M/' "$work/rlimit.yaml" >"$work/edited.yaml"
cat "$work/edited.yaml" >"$work/rlimit.yaml"
data_soft_kib=$((512 * 1024))
run_su "$limits_cmd" || fail "su after the edit exited with $?"
same_limits

# Control: the same su without pam_rlimit leaves the caller's limits.
service "session  required  pam_permit.so" >"$work/services/su-l"
run_su "echo as_soft \$(ulimit -S -v); echo data_soft \$(ulimit -S -d)" ||
	fail "control su exited with $?"
expect as_soft "$(ulimit -S -v)"
expect data_soft "$(ulimit -S -d)"

echo "e2e: all $checks checks passed"

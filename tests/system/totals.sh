#!/bin/bash
# Issue 14: the totals on a real Debian 12 with systemd.
#
# Installs pam_rlimit as INSTALL.md says (make install PREFIX=/usr, a
# policy, pam-auth-update --enable rlimit, which puts it before pam_systemd)
# and logs in by ssh with a key:
#   - memory.max and pids.max of the session scope and of user-UID.slice
#     read as the policy says, for a user by name and for a group member
#     (and cpu.max of the slice from cpu_quota);
#   - two Python jobs, each under the per-process cap (as), are stopped
#     together by the session's memory_max: the scope's memory.events counts
#     an oom_kill, and the VM and other users' sessions stay up;
#   - a fork loop stops at the session's tasks_max;
#   - root's slice is untouched.
# Prints each check, "N passed, N failed", and systemctl status of a slice.
# Usage: tests/system/totals.sh   (make check-system)
# shellcheck source-path=SCRIPTDIR
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=lib/vm.sh
. "$here/lib/vm.sh"
# shellcheck source=lib/ways.sh
. "$here/lib/ways.sh"

fail=0
pass=0
check() { # what, got, want
	if [ "$2" = "$3" ]; then
		echo "  ok   $1: $2"
		pass=$((pass + 1))
	else
		echo "  FAIL $1: got '$2', want '$3'"
		fail=$((fail + 1))
	fi
}

vm_init totals
vm_lock
vm_image

stage=$(vm_stage_install)
mkdir -p "$stage/etc/security"
cat >"$stage/etc/security/rlimit.yaml" <<'EOF'
version: 1
default:
  as: 1G                       # each process: both jobs below stay under it
  session: {memory_max: 256M, tasks_max: 300}
  user: {memory_max: 768M, tasks_max: 2000}
groups:
  students:
    session: {memory_max: 320M, tasks_max: 200}
    user: {memory_max: 640M, tasks_max: 1000, cpu_quota: 150%}
users:
  alice:
    user: {memory_max: 512M}
EOF
chmod 0644 "$stage/etc/security/rlimit.yaml"

vm_boot
vm_put_tree "$stage"
ways_setup
vm_root 'pam-auth-update --enable rlimit && rlimit-policy check'
vm_root 'grep -n "pam_rlimit\|pam_systemd" /etc/pam.d/common-session' | sed 's/^/    /'
vm_root 'groupadd students; swapoff -a || true'
pw() { head -c 18 /dev/urandom | base64 | tr -dc 'A-Za-z0-9'; }
ways_add_user alice "$(pw)"
ways_add_user bob "$(pw)" students
ways_add_user carol "$(pw)"
key=$WAY_KEY

# What a session sees of its own scope and slice, one "name=value" a line.
probe='cg=$(cut -d: -f3 /proc/self/cgroup); s=/sys/fs/cgroup$cg; u=/sys/fs/cgroup/user.slice/user-$(id -u).slice
echo scope=${cg##*/}
echo scope.memory.max=$(cat $s/memory.max)
echo scope.pids.max=$(cat $s/pids.max)
echo slice.memory.max=$(cat $u/memory.max)
echo slice.pids.max=$(cat $u/pids.max)
echo slice.cpu.max=$(cat $u/cpu.max)'
field() { sed -n "s/^$1=//p" <<<"$2"; }

echo "== alice: by name (user memory_max), default otherwise"
out=$(vm_ssh_key alice "$key" "$probe")
echo "$out" | sed 's/^/    /'
check "alice session scope memory.max" "$(field scope.memory.max "$out")" $((256 << 20))
check "alice session scope pids.max" "$(field scope.pids.max "$out")" 300
check "alice user-UID.slice memory.max" "$(field slice.memory.max "$out")" $((512 << 20))
check "alice user-UID.slice pids.max" "$(field slice.pids.max "$out")" 2000

echo "== bob: a member of students"
out=$(vm_ssh_key bob "$key" "$probe")
echo "$out" | sed 's/^/    /'
check "bob session scope memory.max" "$(field scope.memory.max "$out")" $((320 << 20))
check "bob session scope pids.max" "$(field scope.pids.max "$out")" 200
check "bob user-UID.slice memory.max" "$(field slice.memory.max "$out")" $((640 << 20))
check "bob user-UID.slice pids.max" "$(field slice.pids.max "$out")" 1000
check "bob user-UID.slice cpu.max" "$(field slice.cpu.max "$out")" "150000 100000"

echo "== root: no rule names it, its slice is untouched"
out=$(vm_root "$probe")
echo "$out" | sed 's/^/    /'
check "root user-0.slice memory.max" "$(field slice.memory.max "$out")" max
check "root session scope memory.max" "$(field scope.memory.max "$out")" max

echo "== two jobs of 160 MiB each under as: 1G, together over carol's 256M session"
# carol's other session keeps running meanwhile: it must survive.
vm_ssh_key carol "$key" 'nohup sleep 600 >/dev/null 2>&1 &' || true
vm_ssh_key bob "$key" 'nohup sleep 600 >/dev/null 2>&1 &' || true
jobs='cg=$(cut -d: -f3 /proc/self/cgroup)
for i in 1 2; do
	python3 -c "
import time
b = bytearray(160 << 20)
for i in range(0, len(b), 4096): b[i] = 1
time.sleep(20)
print(\"job survived\")" &
done
wait
echo oom_kill=$(sed -n "s/^oom_kill //p" /sys/fs/cgroup$cg/memory.events)'
out=$(vm_ssh_key carol "$key" "$jobs" 2>&1 || true)
echo "$out" | sed 's/^/    /'
kills=$(field oom_kill "$out")
check "carol's scope counted an OOM kill" "$([ "${kills:-0}" -ge 1 ] && echo yes || echo "no (${kills:-none})")" yes
check "not both jobs survived" "$([ "$(grep -cx 'job survived' <<<"$out")" -lt 2 ] && echo yes || echo no)" yes
check "the VM is up" "$(vm_root 'echo up')" up
check "bob's other session survived" "$(vm_root 'pgrep -u bob -x sleep >/dev/null && echo alive || echo gone')" alive
check "carol's other session survived" "$(vm_root 'pgrep -u carol -x sleep >/dev/null && echo alive || echo gone')" alive
vm_root 'journalctl -k --no-pager | grep -i "memory cgroup out of memory" | tail -n 2' | sed 's/^/    kernel: /' || true

echo "== a fork loop stops at bob's session tasks_max (200)"
forks='python3 -c "
import os, time
n = 0
try:
    while n < 5000:
        if os.fork() == 0:
            time.sleep(30); os._exit(0)
        n += 1
except OSError as e:
    print(\"forks=%d errno=%d\" % (n, e.errno))
else:
    print(\"forks=%d no-error\" % n)
"; pkill -u bob -x python3 || true'
out=$(vm_ssh_key bob "$key" "$forks" 2>&1 || true)
echo "$out" | sed 's/^/    /'
n=$(sed -n 's/^forks=\([0-9]*\) errno=11$/\1/p' <<<"$out")
check "fork loop refused with EAGAIN below 200 tasks" \
	"$([ -n "$n" ] && [ "$n" -lt 200 ] && [ "$n" -gt 150 ] && echo yes || echo "no ($out)")" yes

echo "== systemctl status user-$(vm_root 'id -u bob').slice"
vm_root 'systemctl status --no-pager user-$(id -u bob).slice | head -n 14' | sed 's/^/    /' || true

echo "totals: $pass passed, $fail failed"
[ "$fail" -eq 0 ]

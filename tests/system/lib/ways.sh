# shellcheck shell=bash
# The ways into a Debian machine, each a real login as a real user, and what
# the session they open gives: /usr/local/bin/rl-probe (tests/system/guest)
# runs inside it and prints one line,
#   rlprobe user=ann soft=1048576 hard=1048576 raise=refused hog=memoryerror@960 t=...
# Sourced after lib/vm.sh.  Needs ways_setup first (probe, login driver,
# the users' ssh key); users and their passwords are the caller's:
# WAY_PASSWORD[user].
#
#   way_ssh_pw USER      ssh with a password (sshd: PAM auth and session)
#   way_ssh_key USER     ssh with a key (sshd: PAM session only)
#   way_su USER          su -l USER, from root's shell
#   way_login USER       /bin/login on a terminal (root: login -f root)
#   way_user_manager USER  the user's systemd --user manager (its
#                        /proc/PID/limits, as "rlmanager soft= hard=" in KiB)
#                        and a unit it starts (systemd-run --user)
#   way_sudo_i_u USER    sudo -i -u USER, from root's shell
#   way_sudo_i USER      USER (NOPASSWD in sudoers) runs sudo -i: root
#   way_cron_arm USER... a crontab that runs the probe every minute
#   way_cron_since USER T  the first cron line of USER whose probe ran at T or
#                        later, or nothing (also when the job never ran)
# Each prints what the session printed; probe_of picks the probe's line.

declare -A WAY_PASSWORD=()
WAY_KEY=

# ways_setup: the probe and the login driver into the VM, a key for users.
ways_setup() {
	local d=$VM_WORK/guest
	mkdir -p "$d/usr/local/bin"
	install -m 0755 "$VM_SYSTEM_DIR/guest/rl-probe" "$VM_SYSTEM_DIR/guest/rl-login" \
		"$d/usr/local/bin/"
	vm_put_tree "$d"
	WAY_KEY=$VM_WORK/user_key
	[ -f "$WAY_KEY" ] || ssh-keygen -q -t ed25519 -N '' -C rl-user -f "$WAY_KEY"
}

# ways_add_user USER PASSWORD [GROUP]: a local user with the ssh key, a
# password and bash.
ways_add_user() {
	local user=$1 pw=$2 group=${3:-}
	WAY_PASSWORD[$user]=$pw
	vm_root "set -e
		useradd -m -s /bin/bash ${group:+-G $group} $user
		echo '$user:$pw' | chpasswd
		install -d -o $user -g $user -m 0700 ~$user/.ssh
		install -o $user -g $user -m 0600 /dev/stdin ~$user/.ssh/authorized_keys" \
		<"$WAY_KEY.pub"
}

way_key_of() {
	if [ "$1" = root ]; then echo "$VM_IMAGE/root_key"; else echo "$WAY_KEY"; fi
}

way_ssh_pw() { vm_ssh_pw "$1" "${WAY_PASSWORD[$1]}" rl-probe; }
way_ssh_key() { vm_ssh_key "$1" "$(way_key_of "$1")" rl-probe; }
way_su() { vm_root "su -l $1 -c rl-probe"; }
way_login() {
	if [ "$1" = root ]; then
		vm_root "rl-login -f root rl-probe"
	else
		vm_root "rl-login $1 '${WAY_PASSWORD[$1]}' rl-probe"
	fi
}
way_user_manager() {
	# shellcheck disable=SC2016 # expanded in the user's session
	vm_ssh_key "$1" "$(way_key_of "$1")" '
		pid=$(systemctl show -P MainPID "user@$(id -u).service")
		set -- $(grep "^Max address space" "/proc/$pid/limits")
		kib() { case $1 in unlimited) echo unlimited ;; *) echo $(($1 / 1024)) ;; esac; }
		echo "rlmanager pid=$pid soft=$(kib "$4") hard=$(kib "$5")"
		systemd-run --user --wait -P -q rl-probe'
}
way_sudo_i_u() { vm_root "sudo -i -u $1 rl-probe"; }
way_sudo_i() { vm_ssh_key "$1" "$(way_key_of "$1")" 'sudo -n -i rl-probe'; }

way_cron_arm() {
	local u
	for u in "$@"; do
		echo "* * * * * /usr/local/bin/rl-probe >>/var/tmp/rl-cron.$u 2>&1" |
			vm_root "crontab -u $u -"
	done
}
way_cron_since() {
	vm_root "cat /var/tmp/rl-cron.$1 2>/dev/null; true" |
		awk -v t="$2" '/^rlprobe / { for (i = 1; i <= NF; i++) if ($i ~ /^t=/ && substr($i, 3) + 0 >= t) { print; exit } }'
}

# probe_of OUTPUT: the probe's line (the last one, without the terminal's
# CR), or nothing; never a failure (callers assign it under set -e).
probe_of() { printf '%s\n' "$1" | tr -d '\r' | { grep -E '^rlprobe user=' || true; } | tail -n 1; }
manager_of() { printf '%s\n' "$1" | tr -d '\r' | { grep -E '^rlmanager ' || true; } | tail -n 1; }
# field LINE KEY: KEY's value in a probe line.
field() { printf '%s\n' "$1" | tr ' ' '\n' | sed -n "s/^$2=//p" | head -n 1; }

# way_time: the VM's clock, for "since" questions (cron, the journal).
way_time() { vm_root 'date +%s'; }

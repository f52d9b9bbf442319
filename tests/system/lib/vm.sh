# shellcheck shell=bash
# Boots the system tests' Debian image in qemu and talks to it over ssh.
# Sourced by the test scripts (bash); see tests/system/README.md.
#
#   vm_init NAME      work folder, traps that kill the VM on any exit
#   vm_lock           one VM run at a time on this machine
#   vm_image [BUILDER] builds or finds the image (build-image.sh, or BUILDER)
#   vm_boot           starts qemu, waits for ssh
#   vm_root CMD       runs CMD as root over ssh (stdin passes through)
#   vm_ssh_key USER KEY CMD, vm_ssh_pw USER PASSWORD CMD   real logins
#   vm_put_tree DIR   copies DIR's contents to the VM's / (tar over ssh)
#   vm_stage_install  the admin's build and `make install`, staged on the
#                     host in $VM_WORK/stage (its path on stdout)
#   vm_stop           stops the VM (also done on exit)
#
# Every wait has a timeout, so a hung VM fails the run instead of hanging it.
# Environment: RL_VM_CACHE, RL_VM_IMAGE (an image folder to use as it is),
# RL_VM_ACCEL (tcg|kvm), RL_VM_BOOT_TIMEOUT (s),
# RL_VM_CMD_TIMEOUT (s), RL_VM_LOCK_WAIT (s), RL_VM_KEEP=1 (keep the work
# folder and serial log).

VM_SYSTEM_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
VM_LOCK_FILE=/tmp/pam_rlimit-vm.lock
VM_BOOT_TIMEOUT=${RL_VM_BOOT_TIMEOUT:-180}
VM_CMD_TIMEOUT=${RL_VM_CMD_TIMEOUT:-120}
VM_NAME=
VM_WORK=
VM_IMAGE=
VM_PORT=
VM_PIDFILE=
VM_SERIAL=
VM_GUARD=
# Seconds, for the report: building or finding the image, booting to ssh.
# shellcheck disable=SC2034 # read by the test scripts
VM_TIME_IMAGE=0 VM_TIME_BOOT=0

vm_log() { echo "${VM_NAME:-vm}: $*" >&2; }
vm_die() {
	vm_log "$*"
	exit 1
}

# vm_init NAME: a work folder for this run and the exit trap.
vm_init() {
	VM_NAME=$1
	VM_WORK=$(mktemp -d "${TMPDIR:-/tmp}/rl-$VM_NAME.XXXXXX")
	VM_PIDFILE=$VM_WORK/qemu.pid
	VM_SERIAL=$VM_WORK/serial.log
	trap vm_cleanup EXIT
	trap 'exit 130' INT TERM HUP
	# Under set -e a failed command ends the run: say which one (in the
	# script's own shell; inside $(...) a failure need not end anything).
	set -E
	# shellcheck disable=SC2154 # vm_err is set by the trap itself
	trap 'vm_err=$?; [ "$BASH_SUBSHELL" -gt 0 ] ||
		vm_log "failed (status $vm_err) at ${BASH_SOURCE[0]##*/}:$LINENO: $BASH_COMMAND"' ERR
}

vm_cleanup() {
	local rc=$?
	vm_stop
	if [ "${RL_VM_KEEP:-0}" = 1 ]; then
		vm_log "kept $VM_WORK"
	else
		rm -rf "$VM_WORK"
	fi
	exit "$rc"
}

# vm_lock: waits (at most RL_VM_LOCK_WAIT s) for other VM runs on this
# machine to finish; held until this process exits.
vm_lock() {
	local wait=${RL_VM_LOCK_WAIT:-1800}
	exec 9>>"$VM_LOCK_FILE"
	if ! flock -n 9; then
		vm_log "waiting for $VM_LOCK_FILE (another VM run), at most ${wait}s"
		flock -w "$wait" 9 || vm_die "$VM_LOCK_FILE still held after ${wait}s"
	fi
}

# vm_image [BUILDER]: RL_VM_IMAGE (an image folder) when set, else what
# BUILDER (a script beside build-image.sh that prints an image folder;
# build-image.sh when none is named) prints.
vm_image() {
	local t0=$SECONDS builder=${1:-build-image.sh}
	if [ -n "${RL_VM_IMAGE:-}" ]; then
		VM_IMAGE=$RL_VM_IMAGE
	else
		VM_IMAGE=$("$VM_SYSTEM_DIR/$builder") || vm_die "no image"
	fi
	# shellcheck disable=SC2034 # read by the test scripts
	VM_TIME_IMAGE=$((SECONDS - t0))
	[ -f "$VM_IMAGE/disk.img" ] || vm_die "no disk in $VM_IMAGE"
}

# KVM only where the host has real hardware virtualisation (kvm_intel or
# kvm_amd loaded): a /dev/kvm from PVM nesting hangs Debian's kernel.
vm_accel() {
	case ${RL_VM_ACCEL:-auto} in
	tcg) echo tcg ;;
	kvm) echo kvm ;;
	auto)
		if { [ -d /sys/module/kvm_intel ] || [ -d /sys/module/kvm_amd ]; } &&
			[ -w /dev/kvm ]; then
			echo kvm
		else
			echo tcg
		fi
		;;
	*) vm_die "RL_VM_ACCEL=$RL_VM_ACCEL: tcg, kvm or auto" ;;
	esac
}

vm_free_port() {
	python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

vm_ssh_opts() {
	printf '%s\n' -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null \
		-o LogLevel=ERROR -o ConnectTimeout=20 -o ServerAliveInterval=10 \
		-o ServerAliveCountMax=6 -p "$VM_PORT"
}

# vm_boot: qemu from the image's kernel and initrd, the disk in snapshot
# mode (the image never changes), ssh forwarded to 127.0.0.1:VM_PORT.
vm_boot() {
	local accel cpu t0=$SECONDS tries
	accel=$(vm_accel)
	case $accel in
	kvm) cpu=host ;;
	tcg) accel=tcg,thread=multi cpu=max ;;
	esac
	for tries in 1 2 3; do
		VM_PORT=$(vm_free_port)
		rm -f "$VM_PIDFILE"
		if timeout 60 qemu-system-x86_64 -name "pam_rlimit-$VM_NAME" \
			-accel "$accel" -cpu "$cpu" -m 2048 -smp 2 \
			-kernel "$VM_IMAGE/vmlinuz" -initrd "$VM_IMAGE/initrd.img" \
			-append 'root=/dev/vda rw console=ttyS0 panic=-1' -no-reboot \
			-drive "file=$VM_IMAGE/disk.img,if=virtio,format=raw,snapshot=on" \
			-netdev "user,id=n0,hostfwd=tcp:127.0.0.1:$VM_PORT-:22" \
			-device virtio-net-pci,netdev=n0,romfile= \
			-display none -serial "file:$VM_SERIAL" \
			-daemonize -pidfile "$VM_PIDFILE" 2>"$VM_WORK/qemu.err" 9>&-; then
			break
		fi
		# Another process may have taken the port between the probe and qemu.
		grep -q 'hostfwd\|Could not set up host forwarding' "$VM_WORK/qemu.err" ||
			vm_die "qemu failed: $(cat "$VM_WORK/qemu.err")"
		[ "$tries" -lt 3 ] || vm_die "qemu failed: $(cat "$VM_WORK/qemu.err")"
	done
	# A guard that outlives a SIGKILL of this script: qemu is daemonized, and
	# must not run on once nobody waits for it.
	(
		trap '' INT TERM HUP
		while kill -0 "$$" 2>/dev/null; do sleep 5; done
		kill "$(vm_pid)" 2>/dev/null
	) </dev/null >/dev/null 2>&1 9>&- &
	VM_GUARD=$!
	vm_log "booting ($accel, ssh on 127.0.0.1:$VM_PORT, serial log $VM_SERIAL)"
	while ! vm_root_quiet true; do
		if ! vm_running; then
			vm_serial_tail
			vm_die "qemu exited during boot"
		fi
		if [ $((SECONDS - t0)) -ge "$VM_BOOT_TIMEOUT" ]; then
			vm_serial_tail
			vm_die "no ssh after ${VM_BOOT_TIMEOUT}s"
		fi
		sleep 2
	done
	VM_TIME_BOOT=$((SECONDS - t0))
	vm_log "ssh up after ${VM_TIME_BOOT}s"
}

vm_serial_tail() {
	vm_log "last lines of the serial console:"
	tail -n 40 "$VM_SERIAL" >&2 2>/dev/null || true
}

vm_pid() { cat "$VM_PIDFILE" 2>/dev/null; }
vm_running() {
	local pid
	pid=$(vm_pid) && [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null
}

# vm_stop: the qemu this run started (by its pid file), and nothing else.
vm_stop() {
	local pid
	[ -z "$VM_GUARD" ] || kill "$VM_GUARD" 2>/dev/null || true
	pid=$(vm_pid) || return 0
	[ -n "$pid" ] || return 0
	if [ -S "$VM_WORK/ssh-ctl" ]; then
		timeout 10 ssh -o "ControlPath=$VM_WORK/ssh-ctl" -O exit root@127.0.0.1 2>/dev/null || true
	fi
	kill "$pid" 2>/dev/null || return 0
	for _ in $(seq 50); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.2
	done
	kill -9 "$pid" 2>/dev/null || true
	rm -f "$VM_PIDFILE"
}

# vm_root CMD...: CMD (one shell string) as root; its exit status.  The
# plumbing: one ssh connection kept open and shared (a login under TCG
# costs seconds), not a way in under test.
vm_root() {
	local opts
	mapfile -t opts < <(vm_ssh_opts)
	timeout -k 5 "$VM_CMD_TIMEOUT" ssh "${opts[@]}" -o BatchMode=yes -o IdentitiesOnly=yes \
		-o ControlMaster=auto -o "ControlPath=$VM_WORK/ssh-ctl" -o ControlPersist=yes \
		-i "$VM_IMAGE/root_key" root@127.0.0.1 "$@" 9>&-
}
vm_root_quiet() {
	local opts
	mapfile -t opts < <(vm_ssh_opts)
	timeout -k 2 20 ssh "${opts[@]}" -o BatchMode=yes -o IdentitiesOnly=yes \
		-o ConnectTimeout=5 -i "$VM_IMAGE/root_key" root@127.0.0.1 "$@" \
		</dev/null >/dev/null 2>&1
}

# vm_ssh_key USER KEYFILE CMD: a real ssh login with a key.
vm_ssh_key() {
	local user=$1 key=$2 opts
	shift 2
	mapfile -t opts < <(vm_ssh_opts)
	timeout -k 5 "$VM_CMD_TIMEOUT" ssh "${opts[@]}" -o BatchMode=yes -o IdentitiesOnly=yes \
		-o PasswordAuthentication=no -i "$key" "$user@127.0.0.1" "$@"
}

# vm_ssh_pw USER PASSWORD CMD: a real ssh login with a password (through
# sshd's PAM auth stack: common-auth).
vm_ssh_pw() {
	local user=$1 pw=$2 opts
	shift 2
	mapfile -t opts < <(vm_ssh_opts)
	SSHPASS=$pw timeout -k 5 "$VM_CMD_TIMEOUT" sshpass -e ssh "${opts[@]}" \
		-o PubkeyAuthentication=no -o PreferredAuthentications=password \
		-o NumberOfPasswordPrompts=1 "$user@127.0.0.1" "$@"
}

# vm_put_tree DIR: DIR's contents onto the VM's /.  Folders that are
# symbolic links there (Debian's /lib -> usr/lib) stay links.
vm_put_tree() {
	tar -C "$1" --owner=root --group=root -cf - . |
		vm_root 'tar --keep-directory-symlink --no-overwrite-dir --warning=no-timestamp -C / -xf -'
}

# The admin's build and install (INSTALL.md), staged on the host (the same
# Debian 12 userland as the image) for vm_put_tree.  Prints the stage.
vm_stage_install() {
	local top stage=$VM_WORK/stage
	top=$(cd "$VM_SYSTEM_DIR/../.." && pwd)
	if ! { make -C "$top" --no-print-directory all &&
		make -C "$top" --no-print-directory install DESTDIR="$stage" PREFIX=/usr; } \
		>"$VM_WORK/make.log" 2>&1; then
		cat "$VM_WORK/make.log" >&2
		vm_die "make install failed"
	fi
	echo "$stage"
}

#!/bin/bash
# Builds (or finds in the cache) the Debian disk image the system tests boot.
#
# A stock Debian from Debian's archive only: debootstrap --variant=minbase,
# then bookworm-updates and bookworm-security, then the packages listed in
# tests/system/packages.  Nothing PAM-related is changed: /etc/pam.d is
# Debian's.  What the image gets on top (all for the tests' plumbing):
#   - hostname rlvm, an fstab for /dev/vda, systemd-networkd DHCP on the
#     virtio NIC, slirp's DNS in resolv.conf, a fixed machine-id;
#   - root's ssh key (generated per image, kept beside it as root_key);
#   - the libpam-modules and libpam-runtime .debs in apt's cache, so
#     `apt-get install --reinstall libpam-modules` works without network;
#   - apt's daily timers and e2scrub off (apt's lock, a slow VM's CPU);
#   - an initrd with only virtio and ext4 (the default takes minutes).
# Users are not created here: each test script makes its own.
#
# The disk is made without root's loop mounts: `mkfs.ext4 -d TREE`.
# The kernel and initrd are copied out of the tree's /boot beside the disk.
#
# Cache: $RL_VM_CACHE (default /var/tmp/pam_rlimit-vm)/<key>/, key = hash
# of this script, the package list, the suite and the mirrors.  The build
# goes to a temporary folder renamed into place at the end, so a killed
# build never leaves a half image.  Prints the image folder on stdout.
#
# Needs root (debootstrap, chroot) and network to the Debian archive.
# Usage: build-image.sh        RL_VM_REBUILD=1 builds even if cached.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
suite=${RL_VM_SUITE:-bookworm}
mirror=${RL_VM_MIRROR:-http://deb.debian.org/debian}
security=${RL_VM_SECURITY_MIRROR:-http://deb.debian.org/debian-security}
cache=${RL_VM_CACHE:-/var/tmp/pam_rlimit-vm}
size=3G

log() { echo "build-image: [$((SECONDS))s] $*" >&2; }
die() {
	log "$*"
	exit 1
}

packages=$(sed -e 's/#.*//' -e '/^[[:space:]]*$/d' "$here/packages" | tr '\n' ' ')
key=$({
	cat "$0" "$here/packages"
	echo "$suite $mirror $security"
} | sha256sum | cut -c1-16)
dest=$cache/$key

if [ -f "$dest/disk.img" ] && [ "${RL_VM_REBUILD:-0}" != 1 ]; then
	echo "$dest"
	exit 0
fi
# From here on only the last line goes to stdout (fd 3); the tools' chatter
# goes to stderr.
exec 3>&1 1>&2
[ "$(id -u)" -eq 0 ] || die "needs root (debootstrap and chroot); uid $(id -u) here"
for t in debootstrap mkfs.ext4 ssh-keygen chroot; do
	command -v "$t" >/dev/null || die "$t not found (scripts/deps.sh system installs it)"
done

mkdir -p "$cache"
# One build of a key at a time; the second finds the first's image.
exec 8>"$cache/.build.lock"
flock -w 1800 8 || die "another build holds $cache/.build.lock"
if [ -f "$dest/disk.img" ] && [ "${RL_VM_REBUILD:-0}" != 1 ]; then
	echo "$dest" >&3
	exit 0
fi

tmp=$(mktemp -d "$cache/.build-$key.XXXXXX")
root=$tmp/root
cleanup() {
	for m in dev/pts dev proc sys; do
		mountpoint -q "$root/$m" 2>/dev/null && umount -l "$root/$m"
	done
	rm -rf --one-file-system "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
start=$(date +%s)

log "debootstrap $suite from $mirror into $root"
timeout 1800 debootstrap --variant=minbase --components=main "$suite" "$root" "$mirror" \
	>"$tmp/debootstrap.log" 2>&1 || {
	tail -n 30 "$tmp/debootstrap.log" >&2
	die "debootstrap failed"
}

cat >"$root/etc/apt/sources.list" <<EOF
deb $mirror $suite main
deb $mirror $suite-updates main
deb $security $suite-security main
EOF
echo 'nameserver 10.0.2.3' >"$root/etc/resolv.conf" # slirp's DNS in the VM
# The build's own speed: dpkg without fsync (the tree is packed into an image
# at the end anyway), and an initrd with only what boots a virtio disk (a
# MODULES=most initrd takes minutes of CPU to build; the VM loads the rest
# from its disk).  Both are about the build, not about PAM.
echo force-unsafe-io >"$root/etc/dpkg/dpkg.cfg.d/rl-vm-unsafe-io"
mkdir -p "$root/etc/initramfs-tools/conf.d" "$root/usr/share/initramfs-tools/modules.d"
echo MODULES=list >"$root/etc/initramfs-tools/conf.d/rl-vm"
printf 'virtio_pci\nvirtio_blk\next4\n' >"$root/usr/share/initramfs-tools/modules.d/rl-vm"
# No daemon starts in the chroot while packages install.
printf '#!/bin/sh\nexit 101\n' >"$root/usr/sbin/policy-rc.d"
chmod 0755 "$root/usr/sbin/policy-rc.d"
mount -t proc proc "$root/proc"
mount -t sysfs sysfs "$root/sys"
mount --bind /dev "$root/dev"
mount --bind /dev/pts "$root/dev/pts"

in_root() { chroot "$root" env DEBIAN_FRONTEND=noninteractive LC_ALL=C.UTF-8 "$@"; }
# apt in the chroot, its output in apt.log (kept beside the image).
apt_step() {
	log "$*"
	timeout 1200 chroot "$root" env DEBIAN_FRONTEND=noninteractive LC_ALL=C.UTF-8 "$@" \
		>>"$tmp/apt.log" 2>&1 || {
		tail -n 30 "$tmp/apt.log" >&2
		die "failed in the chroot: $*"
	}
}
apt_step apt-get update -q
apt_step apt-get dist-upgrade -y -q
# shellcheck disable=SC2086 # one word a package
apt_step apt-get install -y -q --no-install-recommends $packages
apt_step apt-get clean
apt_step apt-get install --reinstall -d -y -q libpam-modules libpam-runtime
ls "$root"/var/cache/apt/archives/libpam-modules_*.deb >/dev/null ||
	die "libpam-modules .deb not in the image's apt cache"

echo rlvm >"$root/etc/hostname"
printf '127.0.0.1\tlocalhost\n127.0.1.1\trlvm\n::1\tlocalhost ip6-localhost ip6-loopback\n' \
	>"$root/etc/hosts"
echo '/dev/vda / ext4 rw,errors=remount-ro 0 1' >"$root/etc/fstab"
cat >"$root/etc/systemd/network/20-wired.network" <<'EOF'
[Match]
Name=en* eth*

[Network]
DHCP=yes
EOF
in_root systemctl enable systemd-networkd.service >/dev/null 2>&1
# Timers and a boot-time scrub that would compete with the tests for a
# slow VM's CPU, or hold apt's lock mid-test.
in_root systemctl disable apt-daily.timer apt-daily-upgrade.timer e2scrub_all.timer \
	e2scrub_reap.service >/dev/null 2>&1 || true
in_root systemd-machine-id-setup >/dev/null 2>&1
echo 'root:*' | in_root chpasswd -e

ssh-keygen -q -t ed25519 -N '' -C "root@pam_rlimit-vm-$key" -f "$tmp/root_key"
install -d -m 0700 "$root/root/.ssh"
install -m 0600 "$tmp/root_key.pub" "$root/root/.ssh/authorized_keys"

rm -f "$root/usr/sbin/policy-rc.d" "$root/etc/dpkg/dpkg.cfg.d/rl-vm-unsafe-io"
for m in dev/pts dev proc sys; do umount "$root/$m"; done

kver=$(basename "$(ls -d "$root"/lib/modules/*)")
cp "$root/boot/vmlinuz-$kver" "$tmp/vmlinuz"
cp "$root/boot/initrd.img-$kver" "$tmp/initrd.img"
# shellcheck disable=SC2016 # dpkg-query's own ${} fields
in_root dpkg-query -W -f '${Package} ${Version}\n' >"$tmp/manifest.txt"

log "mkfs.ext4 -d ($size, sparse)"
mkfs.ext4 -q -F -L root -d "$root" "$tmp/disk.img" "$size" ||
	die "mkfs.ext4 -d failed"
rm -rf --one-file-system "$root"

printf 'suite %s\nkernel %s\nbuilt %s in %ss\n' "$suite" "$kver" \
	"$(date -u +%FT%TZ)" $(($(date +%s) - start)) >"$tmp/info.txt"
mkdir "$tmp/image"
mv "$tmp/disk.img" "$tmp/vmlinuz" "$tmp/initrd.img" "$tmp/root_key" "$tmp/root_key.pub" \
	"$tmp/manifest.txt" "$tmp/info.txt" "$tmp/debootstrap.log" "$tmp/apt.log" "$tmp/image/"
rm -rf "$dest"
mv "$tmp/image" "$dest"
log "image ready in $(($(date +%s) - start))s: $dest"
echo "$dest" >&3

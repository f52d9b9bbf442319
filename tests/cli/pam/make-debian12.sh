#!/bin/sh
# Rebuilds the Debian 12 fixture trees from Debian's own packages.  Run by
# hand on a Debian 12 machine, as root (for unshare), from this folder:
#   sh make-debian12.sh
# It needs apt-get, dpkg-deb, pam-auth-update (libpam-runtime) and unshare,
# and it changes nothing of this machine's: the packages are unpacked into a
# scratch folder, and pam-auth-update writes into a copy (--root) while a
# private mount namespace gives it a scratch copy of the debconf database.
#
#   debian12/         the service files a stock Debian 12 with systemd, ssh,
#                     cron and sudo has, each with a first line naming its
#                     package and version; common-* as libpam-runtime's
#                     postinst writes them (pam-auth-update --package --force)
#                     from the profiles unix and systemd
#   debian12-rlimit/  the files pam-auth-update changes when the profile
#                     pam_module/pam-auth-update.rlimit is installed as well
#   at/               at's service file (not on a stock system)
# The first line shifts every line number of a file by one from the real one.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../../.." && pwd)
work=$(mktemp -d "${TMPDIR:-/tmp}/pam-debian12.XXXXXX")
trap 'rm -rf "$work"' EXIT

pkgs="libpam-runtime libpam-systemd login openssh-server util-linux cron sudo passwd systemd at"
(cd "$work" && apt-get download $pkgs >/dev/null 2>&1) || {
	echo "apt-get download $pkgs failed" >&2
	exit 1
}
for deb in "$work"/*.deb; do
	name=$(dpkg-deb -f "$deb" Package)
	mkdir -p "$work/x/$name"
	dpkg-deb -x "$deb" "$work/x/$name"
	dpkg-deb -f "$deb" Version >"$work/x/$name.version"
done

# copy PACKAGE PATH DEST: the file at PATH in PACKAGE, with its origin on top.
copy() {
	mkdir -p "$(dirname "$3")"
	{
		echo "# Debian 12: $2 from $1 $(cat "$work/x/$1.version")"
		cat "$work/x/$1$2"
	} >"$3"
}

# The stock system: every package's service files, then pam-auth-update.
root=$work/root
mkdir -p "$root/etc/pam.d" "$root/usr/share/pam-configs" "$root/var/lib/pam" \
	"$root/usr/share/pam"
for pkg in libpam-runtime login openssh-server util-linux cron sudo passwd; do
	cp "$work/x/$pkg/etc/pam.d/"* "$root/etc/pam.d/"
done
cp "$work/x/libpam-runtime/usr/share/pam/"* "$root/usr/share/pam/"
cp "$work/x/libpam-runtime/usr/share/pam-configs/unix" \
	"$work/x/libpam-systemd/usr/share/pam-configs/systemd" "$root/usr/share/pam-configs/"
mkdir "$work/debconf"
cp -a /var/cache/debconf/. "$work/debconf/"

# update ROOT: what libpam-runtime's postinst runs at its first install.
update() {
	unshare -m sh -c "mount --bind '$work/debconf' /var/cache/debconf &&
		DEBIAN_FRONTEND=noninteractive pam-auth-update --root '$1' --package --force"
}
update "$root"
cp -a "$root" "$work/after"
rm -f "$work/after/etc/pam.d/common-"* "$work/after/var/lib/pam/"*
cp "$top/pam_module/pam-auth-update.rlimit" "$work/after/usr/share/pam-configs/rlimit"
update "$work/after"

rm -rf "$here/debian12" "$here/debian12-rlimit" "$here/at"
mkdir -p "$here/debian12/etc/pam.d" "$here/debian12-rlimit/etc/pam.d"
made="as pam-auth-update (libpam-runtime $(cat "$work/x/libpam-runtime.version")) writes it"
for f in "$root/etc/pam.d/"*; do
	n=${f##*/}
	case $n in
	common-*)
		{
			echo "# Debian 12: /etc/pam.d/$n $made from the profiles unix, systemd"
			cat "$f"
		} >"$here/debian12/etc/pam.d/$n"
		cmp -s "$f" "$work/after/etc/pam.d/$n" || {
			echo "# Debian 12: /etc/pam.d/$n $made from the profiles unix, systemd, rlimit"
			cat "$work/after/etc/pam.d/$n"
		} >"$here/debian12-rlimit/etc/pam.d/$n"
		;;
	*)
		for pkg in libpam-runtime login openssh-server util-linux cron sudo passwd; do
			[ -f "$work/x/$pkg/etc/pam.d/$n" ] &&
				copy "$pkg" "/etc/pam.d/$n" "$here/debian12/etc/pam.d/$n"
		done
		;;
	esac
done
copy systemd /usr/lib/pam.d/systemd-user "$here/debian12/usr/lib/pam.d/systemd-user"
copy at /etc/pam.d/atd "$here/at/etc/pam.d/atd"
echo "make-debian12: wrote $here/debian12, $here/debian12-rlimit and $here/at"

#!/bin/sh
# Installs what pam_rlimit needs to build and test, on Debian or Ubuntu.
# As root it runs apt-get; as anyone else it prints the exact command.
# Usage: scripts/deps.sh [build|test|system|deb|none|all]   (default: all)
#   system: what the VM system tests need (tests/system/README.md); `all`
#   includes it as root, the only user who can run those tests.
#   deb: what `make deb` needs to build and lint the Debian package
#   none: nothing (an RPM build: the spec's BuildRequires did it)
set -eu

build_pkgs="libpam0g-dev libyaml-dev pkg-config"
test_pkgs="libcmocka-dev libpam-wrapper libpamtest0-dev libnss-wrapper libpam-modules \
util-linux python3 valgrind clang libclang-rt-14-dev llvm-14 man-db groff-base mandoc \
dbus-daemon python3-dbus python3-gi clang-format shellcheck"
system_pkgs="qemu-system-x86 debootstrap e2fsprogs openssh-client sshpass util-linux coreutils \
python3 make"
# debian/control's Build-Depends, and what builds and checks the package.
deb_pkgs="$build_pkgs debhelper dpkg-dev fakeroot lintian"

case "${1:-all}" in
build) want=$build_pkgs ;;
test) want="$build_pkgs $test_pkgs" ;;
system) want=$system_pkgs ;;
deb) want=$deb_pkgs ;;
all)
	want="$build_pkgs $test_pkgs"
	[ "$(id -u)" -ne 0 ] || want="$want $system_pkgs"
	;;
none) exit 0 ;;
*) echo "usage: $0 [build|test|system|deb|none|all]" >&2; exit 2 ;;
esac

missing=
for p in $want; do
	st=$(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null || true)
	[ "$st" = installed ] || missing="$missing $p"
done
[ -z "$missing" ] && exit 0

if ! command -v apt-get >/dev/null 2>&1; then
	echo "pam_rlimit: missing packages:$missing (no apt-get here: install them by hand)" >&2
	exit 1
fi
if [ "$(id -u)" -ne 0 ]; then
	echo "pam_rlimit: missing packages:$missing" >&2
	echo "run: sudo apt-get update && sudo apt-get install -y$missing" >&2
	exit 1
fi
echo "pam_rlimit: installing$missing" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq >/dev/null
# shellcheck disable=SC2086
apt-get install -y -qq --no-install-recommends $missing >/dev/null

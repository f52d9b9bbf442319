#!/bin/sh
# The Debian package as built by `make deb`, without installing it: its
# files, their owners and modes, the conffile, the control fields, the
# pam-auth-update profile, and the policy it ships (valid, no rules, and
# its commented examples valid once uncommented), all checked with the
# package's own rlimit-policy.  The maintainer scripts are run against a
# sandboxed pam-auth-update by tests/deb/pam-auth-update.sh.
#
# Building needs debhelper, dpkg-dev, fakeroot and lintian: as root they are
# installed (scripts/deps.sh deb); anyone else without them gets a visible
# SKIP.  Nothing is installed on this machine but those build tools.
#
# Usage: sh tests/deb/check-deb.sh OUTDIR   (make check-deb)
set -eu
out=${1:?usage: check-deb.sh OUTDIR}
cd "$(dirname "$0")/../.."

checks=0
skip() {
	echo "SKIP: check-deb: $*"
	exit 0
}
fail() {
	echo "FAIL: check-deb: $*" >&2
	exit 1
}
pass() {
	checks=$((checks + 1))
	echo "ok $checks - $*"
}

command -v dpkg-deb >/dev/null 2>&1 || skip "no dpkg here: the package is for Debian and Ubuntu"
if ! sh scripts/deps.sh deb >/dev/null 2>&1; then
	[ "$(id -u)" -eq 0 ] && fail "scripts/deps.sh deb could not install the build tools"
	skip "needs debhelper, dpkg-dev, fakeroot and lintian, which only root can install (sudo sh scripts/deps.sh deb); CI runs as root"
fi

# Built as an admin builds it; make deb fails on lintian's errors and on
# warnings not overridden in debian/.
make --no-print-directory deb DEB_OUT="$out" DEB_VERSION= >"$out.log" 2>&1 ||
	{ tail -n 30 "$out.log" >&2; fail "make deb failed (whole log: $out.log)"; }
pass "make deb builds, and lintian finds no error or warning that is not overridden"

version=$(sh scripts/deb-version.sh)
arch=$(dpkg --print-architecture)
deb=$out/libpam-rlimit_${version}_$arch.deb
[ -f "$deb" ] || fail "no $deb (have: $(ls "$out"))"
n=$(find "$out" -maxdepth 1 -name '*.deb' | wc -l)
[ "$n" -eq 1 ] || fail "$n .deb files in $out, want libpam-rlimit's only"
pass "one package, libpam-rlimit $version (scripts/deb-version.sh)"

# --- files --------------------------------------------------------------
pamdir=$(pkg-config --variable=libdir pam)/security
pamdir=${pamdir#/}
doc=usr/share/doc/libpam-rlimit
want=$(mktemp)
have=$(mktemp)
x=$(mktemp -d)
trap 'rm -rf "$want" "$have" "$x"' EXIT
{
	echo "etc/security/rlimit.yaml"
	echo "$pamdir/pam_rlimit.so"
	echo "usr/sbin/rlimit-policy"
	for p in man/*.[158]; do echo "usr/share/man/man${p##*.}/${p#man/}.gz"; done
	echo "usr/share/pam-configs/rlimit"
	echo "$doc/README.Debian"
	echo "$doc/README.md.gz"
	echo "$doc/changelog.gz"
	echo "$doc/copyright"
	for e in examples/*.yaml; do echo "$doc/examples/${e#examples/}"; done
	echo "usr/share/lintian/overrides/libpam-rlimit"
} | sort >"$want"
dpkg-deb -c "$deb" | awk '$1 !~ /^d/ { sub(/^\.\//, "", $6); print $6 }' | sort >"$have"
diff -u "$want" "$have" >&2 || fail "the package's files differ from the list above (- missing, + unexpected)"
pass "exactly the expected $(wc -l <"$want") files: module in /$pamdir, tool in /usr/sbin, 3 man pages, docs, policy examples, profile, policy, lintian overrides"
! dpkg-deb -c "$deb" | awk '{print $6}' | grep -q '^\./usr/local' ||
	fail "something in /usr/local"
pass "nothing in /usr/local"

# Owner and mode: the module refuses a policy or drop-in folder that is not
# root's or that others can write.
mode_of() {
	dpkg-deb -c "$deb" | awk -v p="./$1" '$6 == p || $6 == p "/" { print $1, $2 }'
}
for spec in "etc/security/rlimit.yaml -rw-r--r--" "etc/security/rlimit.d drwxr-xr-x" \
	"$pamdir/pam_rlimit.so -rw-r--r--" "usr/sbin/rlimit-policy -rwxr-xr-x" \
	"usr/share/pam-configs/rlimit -rw-r--r--"; do
	# shellcheck disable=SC2086 # "path mode", split on purpose
	set -- $spec
	got=$(mode_of "$1")
	[ "$got" = "$2 root/root" ] || fail "/$1 is '$got', want '$2 root/root'"
done
pass "policy, drop-in folder, module, tool and profile: root/root, not writable by others"

dpkg-deb -x "$deb" "$x/root"
dpkg-deb -e "$deb" "$x/ctl"
[ -d "$x/root/etc/security/rlimit.d" ] && [ -z "$(ls -A "$x/root/etc/security/rlimit.d")" ] ||
	fail "/etc/security/rlimit.d is missing or not empty"
pass "/etc/security/rlimit.d ships empty"
[ "$(cat "$x/ctl/conffiles")" = /etc/security/rlimit.yaml ] ||
	fail "conffiles is '$(cat "$x/ctl/conffiles")', want /etc/security/rlimit.yaml alone"
pass "the one conffile is /etc/security/rlimit.yaml"

# --- control ------------------------------------------------------------
field() { dpkg-deb -f "$deb" "$1"; }
depends=$(field Depends)
echo "$depends" | grep -q 'libpam-runtime (>= 1\.0\.1-6)' ||
	fail "Depends lacks libpam-runtime (pam-auth-update --package): $depends"
echo "$depends" | grep -q 'libpam0g' || fail "Depends lacks libpam0g: $depends"
echo "$depends" | grep -q 'libyaml-0-2' || fail "Depends lacks libyaml-0-2 (the tool links it): $depends"
pass "Depends (dh_shlibdeps): libpam-runtime, libpam0g, libyaml-0-2"

module=$x/root/$pamdir/pam_rlimit.so
tool=$x/root/usr/sbin/rlimit-policy
readelf -d "$tool" | grep -q 'NEEDED.*libyaml-0\.so\.2' || fail "the tool does not link libyaml-0.so.2"
if readelf -d "$module" | grep -q 'NEEDED.*libyaml'; then
	fail "the module needs libyaml at run time; debian/rules builds it with MODULE_YAML=static"
fi
yaml=$(dpkg-query -W -f '${source:Package} (= ${source:Version})' "libyaml-dev:$arch")
[ "$(field Static-Built-Using)" = "$yaml" ] ||
	fail "Static-Built-Using is '$(field Static-Built-Using)', want '$yaml'"
pass "the module carries libyaml (no NEEDED entry) and Static-Built-Using says which: $yaml"
readelf -d "$module" | grep -q 'BIND_NOW' && readelf -l "$module" | grep -q GNU_RELRO ||
	fail "the module lacks full RELRO"
pass "the module has full RELRO"

# --- profile ------------------------------------------------------------
cmp "$x/root/usr/share/pam-configs/rlimit" pam_module/pam-auth-update.rlimit ||
	fail "the packaged profile differs from pam_module/pam-auth-update.rlimit"
pass "the profile is pam_module/pam-auth-update.rlimit byte for byte"

# --- the shipped policy -------------------------------------------------
conf=$x/root/etc/security/rlimit.yaml
msg=$("$tool" --conf "$conf" --owner "$(id -un)" check 2>&1) || fail "check refuses the shipped policy: $msg"
echo "$msg" | grep -q ' 0 rules' || fail "the shipped policy has rules: $msg"
pass "the shipped policy passes the package's rlimit-policy check, with 0 rules"
# Example lines are "#" then an even indent then a key; prose is "# text".
sed -E 's/^#((  )*[a-z_]+:)/\1/' "$conf" >"$x/uncommented.yaml"
msg=$("$tool" --conf "$x/uncommented.yaml" --owner "$(id -un)" check 2>&1) ||
	fail "the shipped policy's examples, uncommented, are invalid: $msg"
echo "$msg" | grep -Eq ' [1-9][0-9]* rules' || fail "uncommenting gave no rules: $msg"
pass "its commented examples, all uncommented, pass check too ($(echo "$msg" | grep -o '[0-9]* rules'))"
for e in examples/*.yaml; do
	"$tool" --conf "$x/root/$doc/$e" --owner "$(id -un)" check --quiet ||
		fail "the packaged example $e does not pass check"
done
pass "the packaged examples pass check"

echo "check-deb: $checks checks passed"

sh tests/deb/pam-auth-update.sh "$deb"

#!/bin/sh
# Builds the Debian package out of a copy of this tree, then runs lintian.
#
#   sh scripts/deb-build.sh OUTDIR
#
# OUTDIR is emptied, then receives the .deb, .buildinfo and .changes files
# and lintian.txt.  DEB_VERSION, when set, is the package's version;
# otherwise scripts/deb-version.sh decides.  The copy holds what git tracks
# plus untracked files it does not ignore (everything but build/ outside a
# git checkout), so the source tree never sees a build product, and it is
# deleted after a successful build.  lintian's errors and warnings fail the
# build; the warnings we accept are overridden, with a reason, in debian/.
set -eu
cd "$(dirname "$0")/.."
out=${1:?usage: $0 OUTDIR}

version=${DEB_VERSION:-$(sh scripts/deb-version.sh)}
epoch=$(sh scripts/deb-version.sh --epoch)
release=$(dpkg-parsechangelog -l debian/changelog -S Version)

rm -rf "$out"
src=$out/pam-rlimit
mkdir -p "$src"

top=$(git rev-parse --show-toplevel 2>/dev/null || true)
if [ -n "$top" ] && [ "$top" = "$(pwd -P)" ]; then
	# Tracked files deleted in the work tree are left out, as a build of
	# the work tree would.
	git ls-files -z --cached --others --exclude-standard |
		xargs -0 sh -c 'for f; do if [ -e "$f" ] || [ -L "$f" ]; then
			printf "%s\0" "$f"; fi; done' sh |
		tar --null -T - -cf - | tar -xf - -C "$src"
else
	tar --exclude=./build --exclude=./.git -cf - . | tar -xf - -C "$src"
fi
# Every file gets the version's time, so that two builds of one commit
# from two checkouts give the same bytes.
find "$src" -exec touch -h -d "@$epoch" {} +

# A snapshot or an override gets a changelog entry of its own on top of
# the release's: dpkg takes the version, and SOURCE_DATE_EPOCH, from it.
if [ "$version" != "$release" ]; then
	maint=$(sed -n 's/^Maintainer: //p' debian/control)
	what="Snapshot of commit $(git rev-parse --short=12 HEAD 2>/dev/null || echo unknown)"
	[ -n "${DEB_VERSION:-}" ] && what="Built with DEB_VERSION=$version"
	{
		printf 'pam-rlimit (%s) unstable; urgency=medium\n\n' "$version"
		printf '  * %s.\n\n' "$what"
		printf ' -- %s  %s\n\n' "$maint" "$(TZ=UTC0 date -R -d "@$epoch")"
		cat debian/changelog
	} >"$src/debian/changelog"
fi

(cd "$src" && dpkg-buildpackage -b --no-sign)

# lintian reads the .changes: the package, and the .buildinfo beside it.
changes=$(ls "$out"/pam-rlimit_*.changes)
status=0
lintian --display-info --fail-on error,warning "$changes" >"$out/lintian.txt" 2>&1 || status=$?
cat "$out/lintian.txt"
if [ "$status" -ne 0 ]; then
	echo "deb-build.sh: lintian failed (exit $status): see $out/lintian.txt" >&2
	exit 1
fi
echo "deb-build.sh: lintian: no errors, no warnings that are not overridden"
rm -rf "$src"
ls -l "$out"/*.deb

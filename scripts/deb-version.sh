#!/bin/sh
# Prints the Debian version of the package `make deb` builds from this tree,
# and with --epoch the time of that version (seconds since 1970).
#
#   sh scripts/deb-version.sh [--epoch]
#
# debian/changelog's top entry is the release; a build from a git checkout
# is a snapshot after it: RELEASE+gitYYYYMMDDHHMMSS.HASH, from the commit's
# time in UTC, so that each commit of a branch sorts above the one before
# and apt upgrades from one to the next.  Its time is the commit's (at least
# a second after the release's), so two builds of one commit are the same
# package (SOURCE_DATE_EPOCH).  Outside a git checkout (a tarball): the
# release's own version and time.  Uncommitted changes do not change the
# version: build those with DEB_VERSION=... (debian/README.source).
set -eu
cd "$(dirname "$0")/.."

release=$(dpkg-parsechangelog -l debian/changelog -S Version)
epoch=$(dpkg-parsechangelog -l debian/changelog -S Timestamp)
version=$release
top=$(git rev-parse --show-toplevel 2>/dev/null || true)
if [ -n "$top" ] && [ "$top" = "$(pwd -P)" ]; then
	commit=$(git log -1 --format=%ct)
	[ "$commit" -gt "$epoch" ] && epoch=$commit || epoch=$((epoch + 1))
	version=$release+git$(TZ=UTC0 date -d "@$commit" +%Y%m%d%H%M%S).$(git rev-parse --short=12 HEAD)
fi

case ${1:-} in
--epoch) echo "$epoch" ;;
'') echo "$version" ;;
*) echo "usage: $0 [--epoch]" >&2; exit 2 ;;
esac

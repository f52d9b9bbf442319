# The Debian package (debian/; versions in debian/README.source):
#   make deb                 libpam-rlimit built out of a copy of the tree,
#                            into $(DEB_OUT), then lintian (its errors, and
#                            warnings not overridden in debian/, fail it)
#   make deb DEB_VERSION=V   the same with version V (default: the changelog's
#                            release plus the commit, scripts/deb-version.sh)
# It installs what it needs (debhelper, lintian...) through scripts/deps.sh.
# Its tests: tests/deb/ (make check-deb) and tests/system/.
DEB_OUT ?= build/deb
DEB_VERSION ?=

.PHONY: deb
deb:
	sh scripts/deps.sh deb
	DEB_VERSION=$(DEB_VERSION) sh scripts/deb-build.sh $(DEB_OUT)

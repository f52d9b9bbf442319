#!/bin/bash
# Builds (or finds in the cache) the image of the directory tests
# (directory.sh): the base image's build-image.sh, unchanged, run over the
# base `packages` list plus `packages-directory` (slapd, ldap-utils, SSSD's
# LDAP provider, nslcd and their NSS modules, from Debian's archive).
#
# build-image.sh keys its cache on its own text and the package list it
# reads beside itself, so a copy of it beside the longer list gets a key of
# its own: the base image's key, and the other system tests' cached image,
# stay as they are, and a change to build-image.sh changes both keys.
# Packages are installed with DEBIAN_FRONTEND=noninteractive and no daemon
# running; slapd's tree (dc=example,dc=org) is preseeded through debconf
# when directory.sh runs (dpkg-reconfigure slapd in the VM).
# Prints the image folder on stdout, as build-image.sh does.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
tmp=$(mktemp -d "${TMPDIR:-/tmp}/rl-dir-image.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
cp "$here/build-image.sh" "$tmp/build-image.sh"
cat "$here/packages" "$here/packages-directory" >"$tmp/packages"
"$tmp/build-image.sh"

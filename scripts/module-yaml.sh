#!/bin/sh
# How pam_rlimit.so gets libyaml, for the Makefile's link line.
#
#   sh scripts/module-yaml.sh [--mode] auto|static|shared
#
# static: libyaml's archive is linked into the module, so a login loads one
#         library and not two (about 150 us a login measured with nscd,
#         BENCHMARKS.md) and the module needs nothing at run time beyond
#         libc and libpam: removing libyaml-0-2 cannot make logins fail.
# shared: -lyaml, as the tool links it.
# auto:   static when the archive is there (Debian's libyaml-dev ships it),
#         else shared.
# Prints the link arguments, or with --mode the mode chosen.  make runs it
# while it builds (for $(BUILD)/module-yaml.mode, then for the link), not
# when it starts: on a fresh machine libyaml-dev is installed by the
# dependency step of that same make.
set -eu

show=args
if [ "${1:-}" = --mode ]; then
	show=mode
	shift
fi
want=${1:-auto}
pkg=${PKG_CONFIG:-pkg-config}

libdir=$($pkg --variable=libdir yaml-0.1 2>/dev/null || true)
archive=
[ -n "$libdir" ] && [ -f "$libdir/libyaml.a" ] && archive=$libdir/libyaml.a

case $want in
auto) [ -n "$archive" ] && mode=static || mode=shared ;;
static)
	if [ -z "$archive" ]; then
		echo "module-yaml.sh: MODULE_YAML=static but there is no libyaml.a" \
			"(pkg-config libdir: ${libdir:-none}); install libyaml-dev or use MODULE_YAML=shared" >&2
		exit 1
	fi
	mode=static
	;;
shared) mode=shared ;;
*)
	echo "module-yaml.sh: MODULE_YAML must be auto, static or shared, not '$want'" >&2
	exit 2
	;;
esac

if [ $show = mode ]; then
	echo $mode
elif [ $mode = static ]; then
	echo "$archive"
else
	$pkg --libs yaml-0.1 2>/dev/null || echo -lyaml
fi

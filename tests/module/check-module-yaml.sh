#!/bin/sh
# scripts/module-yaml.sh decides how the module gets libyaml: each mode
# against a fake pkg-config whose libdir has, or lacks, libyaml.a.
# Usage: check-module-yaml.sh SCRIPT
set -eu
script=${1:?usage: check-module-yaml.sh scripts/module-yaml.sh}
tmp=$(mktemp -d "${TMPDIR:-/tmp}/module_yaml.XXXXXX")
trap 'rm -rf "$tmp"' EXIT INT TERM
mkdir "$tmp/with" "$tmp/without"
: >"$tmp/with/libyaml.a"
# pkg-config: libdir from $FAKE_LIBDIR, --libs -lyaml, exit 1 if FAKE_NONE.
cat >"$tmp/pkg-config" <<'PC'
#!/bin/sh
[ -z "${FAKE_NONE:-}" ] || exit 1
case "$*" in
*--variable=libdir*) echo "$FAKE_LIBDIR" ;;
*--libs*) echo "-lyaml" ;;
*) exit 1 ;;
esac
PC
chmod +x "$tmp/pkg-config"
pass=0 fail=0

# expect WHAT LIBDIR STATUS OUTPUT ARGS...: the script's exit status and output
expect() {
	what=$1 libdir=$2 want_rc=$3 want_out=$4
	shift 4
	rc=0
	out=$(FAKE_LIBDIR=$libdir PKG_CONFIG="$tmp/pkg-config" sh "$script" "$@" 2>"$tmp/err") || rc=$?
	if [ "$rc" = "$want_rc" ] && [ "$out" = "$want_out" ]; then
		pass=$((pass + 1))
	else
		echo "FAIL: $what: exit $rc, printed '$out' (want exit $want_rc, '$want_out'); stderr: $(cat "$tmp/err")"
		fail=$((fail + 1))
	fi
}

expect "auto with the archive" "$tmp/with" 0 "$tmp/with/libyaml.a" auto
expect "auto with the archive, mode" "$tmp/with" 0 static --mode auto
expect "auto without it" "$tmp/without" 0 "-lyaml" auto
expect "auto without it, mode" "$tmp/without" 0 shared --mode auto
expect "no argument is auto" "$tmp/with" 0 "$tmp/with/libyaml.a"
expect "static with the archive" "$tmp/with" 0 "$tmp/with/libyaml.a" static
expect "static without it fails" "$tmp/without" 1 "" static
if ! grep -q "install libyaml-dev or use MODULE_YAML=shared" "$tmp/err"; then
	echo "FAIL: static without the archive does not say what to do: $(cat "$tmp/err")"
	fail=$((fail + 1))
fi
expect "shared with the archive" "$tmp/with" 0 "-lyaml" shared
expect "shared, mode" "$tmp/with" 0 shared --mode shared
expect "an unknown mode fails" "$tmp/with" 2 "" bogus
FAKE_NONE=1 expect "no pkg-config answer: shared" "" 0 "-lyaml" auto

[ "$fail" -eq 0 ] || exit 1
echo "check-module-yaml: $pass cases passed"

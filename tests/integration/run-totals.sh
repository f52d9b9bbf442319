#!/bin/sh
# Runs the totals' integration tests with a private dbus-daemon and a
# stand-in for systemd on it (fake_systemd.py), so the module's D-Bus call
# is decoded by real D-Bus code.  Usage: run-totals.sh TEST_BINARY
# dbus-daemon, python3-dbus and python3-gi come from scripts/deps.sh; a
# missing one fails here rather than skipping.
set -eu
bin=${1:?usage: run-totals.sh TEST_BINARY}
dir=$(mktemp -d)
daemon="" fake=""
cleanup() {
	[ -n "$fake" ] && kill "$fake" 2>/dev/null || true
	[ -n "$daemon" ] && kill "$daemon" 2>/dev/null || true
	rm -rf "$dir"
}
trap cleanup EXIT INT TERM
cat >"$dir/bus.conf" <<CONF
<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>custom</type>
  <listen>unix:path=$dir/bus</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow send_destination="*" eavesdrop="true"/>
    <allow eavesdrop="true"/>
    <allow own="*"/>
  </policy>
</busconfig>
CONF
dbus-daemon --config-file="$dir/bus.conf" --nofork --nopidfile --nosyslog &
daemon=$!
i=0
while [ ! -S "$dir/bus" ]; do
	i=$((i + 1))
	[ $i -lt 100 ] || { echo "run-totals: dbus-daemon did not start"; exit 1; }
	sleep 0.05
done
: >"$dir/calls"
/usr/bin/python3 "$(dirname "$0")/fake_systemd.py" "$dir/calls" "unix:path=$dir/bus" >"$dir/fake.out" &
fake=$!
i=0
until grep -q ready "$dir/fake.out" 2>/dev/null; do
	i=$((i + 1))
	[ $i -lt 200 ] || { echo "run-totals: fake_systemd.py did not start"; cat "$dir/fake.out"; exit 1; }
	kill -0 "$fake" || { echo "run-totals: fake_systemd.py died"; exit 1; }
	sleep 0.05
done
rc=0
RLT_TEST_BUS=$dir/bus RLT_FAKE_SYSTEMD_LOG=$dir/calls "$bin" || rc=$?
[ $rc -eq 0 ] || { echo "run-totals: what the stand-in for systemd was asked:"; cat "$dir/calls"; }
exit $rc

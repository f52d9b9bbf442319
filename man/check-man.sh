#!/bin/sh
# Checks the manual pages against the code.  Usage: check-man.sh LIST_ITEMS TOOL
#  - every item of the library's table has its entry (".It Cm NAME") in the
#    ITEMS section of rlimit.yaml(5), and that section documents no other;
#  - every total has its entry in the TOTALS section, under ".Ss session" or
#    ".Ss user" as its scope says, and no other is there;
#  - every command "rlimit-policy --help" lists has its entry in the COMMANDS
#    section of rlimit-policy(1) and a SYNOPSIS line, and no other is there;
#  - every page formats without a warning (groff -ww, mandoc -Tlint).
set -u
list_items=$1
tool=$2
dir=$(dirname "$0")
fail=0

# The lines of section $2 of page $1.
section() {
	awk -v s="$2" '/^\.Sh /{on = ($0 == ".Sh " s); next} on' "$1"
}

# Entries (".It Cm NAME ...") of a section, by name.
entries() {
	section "$1" "$2" | sed -n 's/^\.It Cm \([a-z][a-z-]*\).*/\1/p' | sort -u
}

# Entries of the TOTALS section as SCOPE.NAME, by the subsection they are in.
totals_entries() {
	section "$1" TOTALS | awk '/^\.Ss /{ss = $2; next}
		/^\.It Cm [a-z_]+$/ && (ss == "session" || ss == "user") {print ss "." $3}' | sort -u
}

compare() { # what, page, section, expected names (one a line)
	want=$(printf '%s\n' "$4" | sort -u)
	if [ "$3" = TOTALS ]; then have=$(totals_entries "$2"); else have=$(entries "$2" "$3"); fi
	missing=$(printf '%s\n' "$want" | grep -vxF -e "$have" || true)
	extra=$(printf '%s\n' "$have" | grep -vxF -e "$want" || true)
	[ -z "$have" ] && missing=$want
	if [ -n "$missing" ]; then
		echo "check-man: $2: $3 lacks $1:" $missing
		fail=1
	fi
	if [ -n "$extra" ] && [ -n "$have" ]; then
		echo "check-man: $2: $3 documents what the code does not have:" $extra
		fail=1
	fi
}

items=$("$list_items") || { echo "check-man: $list_items failed"; exit 1; }
[ -n "$items" ] || { echo "check-man: no items from $list_items"; exit 1; }
commands=$("$tool" --help | awk '/^commands:/ {on = 1; next} /^$/ {if (on) exit} on && /^  [a-z]/ {print $1}')
[ -n "$commands" ] || { echo "check-man: no commands in $tool --help"; exit 1; }

compare items "$dir/rlimit.yaml.5" ITEMS "$items"
totals=$("$list_items" --totals) || { echo "check-man: $list_items --totals failed"; exit 1; }
[ -n "$totals" ] || { echo "check-man: no totals from $list_items"; exit 1; }
compare totals "$dir/rlimit.yaml.5" TOTALS "$totals"
compare commands "$dir/rlimit-policy.1" COMMANDS "$commands"
for c in $commands; do
	if ! section "$dir/rlimit-policy.1" SYNOPSIS | grep -qx "\.Cm $c"; then
		echo "check-man: $dir/rlimit-policy.1: SYNOPSIS lacks the command $c"
		fail=1
	fi
done

for page in "$dir"/*.[1-8]; do
	out=$(groff -mandoc -Tutf8 -ww -z "$page" 2>&1)
	if [ -n "$out" ]; then
		echo "check-man: groff warns about $page:"; echo "$out"
		fail=1
	fi
	if ! out=$(mandoc -Tlint -Wwarning "$page" 2>&1) || [ -n "$out" ]; then
		echo "check-man: mandoc -Tlint on $page:"; echo "${out:-mandoc is missing}"
		fail=1
	fi
done
n_items=$(printf '%s\n' "$items" | wc -l)
n_totals=$(printf '%s\n' "$totals" | wc -l)
n_cmds=$(printf '%s\n' "$commands" | wc -l)
[ $fail = 0 ] && echo "check-man: $n_items items, $n_totals totals and $n_cmds commands documented; pages lint clean"
exit $fail

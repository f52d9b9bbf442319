# shellcheck shell=bash
# Verdicts, a table of them, and the closing count for the system tests.
#
#   t_judge VAR TEXT pass|fail|skip   counts a check; VAR gets TEXT as the
#                                     table's cell (with FAIL or "skipped")
#   t_row CELL...                     one table row
#   t_table TITLE HEADER...           prints the rows gathered since the last
#                                     table as a markdown table
#   t_summary                         "N passed, N failed, N skipped";
#                                     returns 1 when anything failed

T_PASS=0
T_FAIL=0
T_SKIP=0
T_ROWS=()
T_FAILED=()

t_judge() {
	local var=$1 text=$2 verdict=$3
	case $verdict in
	pass)
		T_PASS=$((T_PASS + 1))
		printf -v "$var" '%s' "$text"
		;;
	fail)
		T_FAIL=$((T_FAIL + 1))
		T_FAILED+=("$text")
		printf -v "$var" '**FAIL** %s' "$text"
		;;
	skip)
		T_SKIP=$((T_SKIP + 1))
		printf -v "$var" '%s (skipped)' "$text"
		;;
	*)
		echo "t_judge: verdict $verdict" >&2
		return 2
		;;
	esac
}

# t_check WHAT CONDITION...: one check outside the table; CONDITION is a
# command, its status the verdict.
t_check() {
	local what=$1 cell
	shift
	if "$@"; then
		t_judge cell "$what" pass
	else
		t_judge cell "$what" fail
	fi
	echo "check: $cell"
}

# t_line CELL...: "| a | b |"
t_line() {
	local line='|' c
	for c in "$@"; do line="$line $c |"; done
	echo "$line"
}

t_row() { T_ROWS+=("$(t_line "$@")"); }

t_table() {
	local title=$1 r
	shift
	printf '\n%s\n\n' "$title"
	t_line "$@"
	t_line "${@//*/---}"
	for r in "${T_ROWS[@]}"; do echo "$r"; done
	echo
	T_ROWS=()
}

t_summary() {
	local line="$T_PASS passed, $T_FAIL failed"
	[ "$T_SKIP" -eq 0 ] || line="$line, $T_SKIP skipped"
	echo "$line"
	[ "$T_FAIL" -eq 0 ]
}

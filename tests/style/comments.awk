# comments.awk - every C comment of at most MAX lines (STYLE.md: a header
# says why in a few lines; a longer story belongs in DESIGN.md or a man
# page).  Prints FILE:LINE for each longer one and exits 1 if any.
BEGIN { if (MAX == "") MAX = 10 }
FNR == 1 { inside = 0 }
{
	line = $0
	if (!inside) {
		# A comment that opens on this line and does not close on it.
		i = index(line, "/*")
		if (i == 0 || index(substr(line, i + 2), "*/"))
			next
		inside = 1
		start = FNR
		next
	}
	if (index(line, "*/")) {
		inside = 0
		n = FNR - start + 1
		if (n > MAX) {
			printf "%s:%d: a comment of %d lines (at most %d)\n", FILENAME, start, n, MAX
			bad = 1
		}
	}
}
END { exit bad }

# table.awk - turns bench_gen's summary and run.sh's results into the
# benchmark's tables and the issue's target verdicts (Markdown).
#   awk -v massif="massif R G BASE RLIMIT" -v verdict=1 -f table.awk GEN RESULTS
# GEN lines:     rules R lines L bytes B match bench1=N ...
# RESULTS lines: time R G KIND n N median_us M p99_us P ...
#                time R G KIND cut SECONDS | time R G KIND fail
#                heap R G KIND open_peak B session_peak B retained B allocs N
#                probe R G KIND sessions N yaml_parsers Y NAME COUNT ...
# KIND: permit, limits, yaml (pam_rlimit).

function us(v) {
	if (v == "")
		return "n/a"
	if (v >= 100)
		return sprintf("%.0f", v)
	return sprintf("%.1f", v)
}
function kib(b) {
	return b == "" ? "n/a" : sprintf("%.1f KiB", b / 1024)
}
function times(x) {
	if (x >= 100)
		return sprintf("%.0fx", x)
	return sprintf("%.1fx", x)
}
# A cell's median, or "" when not measured; cut cells give their bound.
function med(r, g, k) {
	return ((r, g, k) in M) ? M[r, g, k] : ""
}
function shown(r, g, k, what) {
	if ((r, g, k) in CUT)
		return what == "med" ? "> " CUT[r, g, k] " s" : "-"
	if ((r, g, k) in FAIL)
		return "FAILED"
	if (!((r, g, k) in M))
		return "n/a"
	if (what == "med")
		return us(M[r, g, k])
	if (what == "p99")
		return us(P[r, g, k])
	if (what == "cpu")
		return us(C[r, g, k])
	return N[r, g, k]
}

FNR == NR && $1 == "rules" {
	r = $2
	rules[++nr] = r
	lines[r] = $4
	bytes[r] = $6
	for (i = 8; i <= NF; i++) {
		split($i, kv, "=")
		sub(/^bench/, "", kv[1])
		match_[r, kv[1]] = kv[2]
	}
	next
}
$1 == "time" {
	r = $2; g = $3; k = $4
	if (!(g in seen_g)) {
		seen_g[g] = 1
		groups[++ng] = g
	}
	if ($5 == "cut") {
		CUT[r, g, k] = $6
		M_LOW[r, g, k] = $6 * 1e6
	} else if ($5 == "fail") {
		FAIL[r, g, k] = 1
	} else {
		N[r, g, k] = $6; M[r, g, k] = $8; P[r, g, k] = $10; C[r, g, k] = $18
	}
	next
}
$1 == "heap" {
	r = $2; g = $3; k = $4
	HO[r, g, k] = $6; HS[r, g, k] = $8; HR[r, g, k] = $10; HA[r, g, k] = $12
	next
}
$1 == "probe" {
	r = $2; g = $3; k = $4
	PROBED[r, g, k] = 1
	for (i = 5; i < NF; i += 2)
		PR[r, g, k, $i] = $(i + 1)
	next
}

# pam_limits' median, or its lower bound when it was cut off.
function limits_med(r, g) {
	return ((r, g, "limits") in M_LOW) ? M_LOW[r, g, "limits"] : med(r, g, "limits")
}
function limits_cut(r, g) {
	return ((r, g, "limits") in CUT) ? "> " : ""
}
function above(r, g, k, fl, v) {
	fl = med(r, g, "permit")
	v = k == "limits" ? limits_med(r, g) : med(r, g, k)
	if (v == "" || fl == "")
		return "n/a"
	return (k == "limits" ? limits_cut(r, g) : "") us(v - fl)
}
# KIND's whole session over pam_limits'.
function ratio(r, g, k, lib, v) {
	lib = limits_med(r, g)
	v = med(r, g, k)
	if (lib == "" || v == "")
		return "n/a"
	return limits_cut(r, g) == "" ? sprintf("%.4f", v / lib) : "< " sprintf("%.6f", v / lib)
}
# pam_limits' cost above the floor over KIND's.
function speedup(r, g, k, fl, lib, v) {
	fl = med(r, g, "permit")
	lib = limits_med(r, g)
	v = med(r, g, k)
	if (fl == "" || lib == "" || v == "" || v - fl <= 0)
		return "n/a"
	return limits_cut(r, g) times((lib - fl) / (v - fl))
}
# A probe count per session.
function per(r, g, k, what, v) {
	# A probe line the bench refused (run.sh says why) is still shown.
	if (!((r, g, k) in PROBED) || !((r, g, k, what) in PR) || !(PR[r, g, k, "sessions"] > 0))
		return "n/a"
	v = PR[r, g, k, what] / PR[r, g, k, "sessions"]
	return v == int(v) ? sprintf("%d", v) : sprintf("%.1f", v)
}
function heap_cells(r, g, k) {
	if (!((r, g, k) in HO))
		return "n/a | n/a | n/a"
	return kib(HO[r, g, k]) " | " kib(HS[r, g, k]) " | " HA[r, g, k]
}
function left(r, g, k) {
	return ((r, g, k) in HR) ? HR[r, g, k] " B" : "n/a"
}

END {
	print "## Latency per session (pam_start + open + close + pam_end), microseconds"
	print ""
	print "| rules | limits.conf lines | groups | rules that match | pam_permit floor median | pam_limits median | p99 | n | pam_rlimit median | p99 | n | CPU median |"
	print "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
	for (i = 1; i <= nr; i++) {
		r = rules[i]
		for (j = 1; j <= ng; j++) {
			g = groups[j]
			printf "| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |\n", \
				r, lines[r], g, match_[r, g], shown(r, g, "permit", "med"), \
				shown(r, g, "limits", "med"), shown(r, g, "limits", "p99"), shown(r, g, "limits", "n"), \
				shown(r, g, "yaml", "med"), shown(r, g, "yaml", "p99"), shown(r, g, "yaml", "n"), \
				shown(r, g, "yaml", "cpu")
		}
	}
	print ""
	print "## Above the floor (median minus the pam_permit median of the same row), microseconds, and ratios"
	print ""
	print "| rules | groups | pam_limits above floor | pam_rlimit above floor | whole session, pam_rlimit / pam_limits | speedup above floor |"
	print "|---:|---:|---:|---:|---:|---:|"
	for (i = 1; i <= nr; i++) {
		r = rules[i]
		for (j = 1; j <= ng; j++) {
			g = groups[j]
			printf "| %s | %s | %s | %s | %s | %s |\n", r, g, above(r, g, "limits"), \
				above(r, g, "yaml"), ratio(r, g, "yaml"), speedup(r, g, "yaml")
		}
	}
	print ""
	print "## Heap per session (LD_PRELOAD counter; worst of 3 sessions after warm-up)"
	print ""
	print "| rules | policy bytes | groups | pam_rlimit peak in open_session | peak over the whole session | allocations | left after pam_end | pam_limits peak in open_session | pam_limits allocations |"
	print "|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
	for (i = 1; i <= nr; i++) {
		r = rules[i]
		for (j = 1; j <= ng; j++) {
			g = groups[j]
			hl = ((r, g, "limits") in HO)
			printf "| %s | %s | %s | %s | %s | %s | %s |\n", r, bytes[r], g, \
				heap_cells(r, g, "yaml"), left(r, g, "yaml"), \
				hl ? kib(HO[r, g, "limits"]) : "not measured", hl ? HA[r, g, "limits"] : "-"
		}
	}
	if (massif != "") {
		split(massif, m, " ")
		print ""
		printf "valgrind massif cross-check, %s rules, bench%s, NSS primed in both runs: peak heap %s with pam_permit alone, %s with pam_rlimit (%s attributable to the session).\n", \
			m[2], m[3], kib(m[4]), kib(m[5]), kib(m[5] - m[4])
	}
	print ""
	print "## What a pam_rlimit session asks of libyaml and NSS (probe run, per session)"
	print ""
	print "| rules | groups | libyaml parsers | getgrnam_r | getgrgid_r | getpwnam_r, getgrouplist (each) |"
	print "|---:|---:|---:|---:|---:|---:|"
	for (i = 1; i <= nr; i++) {
		r = rules[i]
		for (j = 1; j <= ng; j++) {
			g = groups[j]
			printf "| %s | %s | %s | %s | %s | %s, %s |\n", r, g, \
				per(r, g, "yaml", "yaml_parsers"), per(r, g, "yaml", "getgrnam_r"), \
				per(r, g, "yaml", "getgrgid_r"), per(r, g, "yaml", "getpwnam_r"), \
				per(r, g, "yaml", "getgrouplist")
		}
	}
	if (verdict != 1)
		exit
	print ""
	print "## Targets (issue 17)"
	print ""
	targets("yaml")
}

function targets(k, j, g, t, ok, detail, fl, li, rl) {
	# 1. At 10 rules, pam_rlimit's cost above the floor at most half of pam_limits'.
	t = 0; ok = 1; detail = ""
	for (j = 1; j <= ng; j++) {
		g = groups[j]
		fl = med(10, g, "permit"); li = med(10, g, "limits"); rl = med(10, g, k)
		if (fl == "" || li == "" || rl == "") { ok = -1; continue }
		t++
		detail = detail sprintf("%s groups: %s vs %s us; ", g, us(rl - fl), us(li - fl))
		if (rl - fl > 0.5 * (li - fl))
			ok = 0
	}
	print "- At 10 rules, pam_rlimit above floor <= half of pam_limits above floor: " \
		verdict_word(ok, t) " (" detail ")"
	# 2. At 1,000 rules at least 100 times faster than pam_limits (whole session).
	t = 0; ok = 1; detail = ""
	for (j = 1; j <= ng; j++) {
		g = groups[j]
		li = limits_med(1000, g)
		rl = med(1000, g, k)
		if (li == "" || rl == "") { ok = -1; continue }
		t++
		detail = detail sprintf("%s groups: %s; ", g, times(li / rl))
		if (li / rl < 100 && g != 500)
			ok = 0
	}
	print "- At 1,000 rules, pam_rlimit >= 100x faster than pam_limits (whole session; " \
		"500 groups reported, not judged): " verdict_word(ok, t) " (" detail ")"
	# 3. At 10,000 rules under 10 ms per session for a user in one group.
	t = 0; ok = 1; detail = ""
	for (j = 1; j <= ng; j++) {
		g = groups[j]
		rl = med(10000, g, k)
		if (rl == "") { if (g == 1) ok = -1; continue }
		detail = detail sprintf("%s groups: median %s us, p99 %s us; ", g, us(rl), us(P[10000, g, k]))
		if (g != 1)
			continue
		t++
		if (rl >= 10000)
			ok = 0
	}
	print "- At 10,000 rules, pam_rlimit < 10 ms per session for a user in one group: " \
		verdict_word(ok, t) " (" detail ")"
	# 4. Peak heap per session under 2 MiB at 10,000 rules.
	t = 0; ok = 1; detail = ""
	for (j = 1; j <= ng; j++) {
		g = groups[j]
		if (!((10000, g, k) in HS)) { ok = -1; continue }
		t++
		detail = detail sprintf("%s groups: %s; ", g, kib(HS[10000, g, k]))
		if (HS[10000, g, k] >= 2 * 1024 * 1024)
			ok = 0
	}
	print "- At 10,000 rules, pam_rlimit peak heap per session < 2 MiB (whole session): " \
		verdict_word(ok, t) " (" detail ")"
}
function verdict_word(ok, t) {
	if (t == 0)
		return "not measured"
	if (ok == 0)
		return "NOT MET"
	return ok == 1 ? "met" : "met where measured"
}

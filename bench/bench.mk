# bench.mk - `make bench`: login latency and heap of pam_rlimit against
# pam_limits and a pam_permit-only floor, through real libpam
# (pam_start_confdir) on an nss_wrapper directory.  See BENCHMARKS.md.
#
#   make bench                       the full run (a few minutes)
#   make bench BENCH_RULES="10 1000" BENCH_GROUPS=50    a subset
#   make check-bench-smoke           a few sessions at one size (in make check)
#   make bench-system NSCD=...       on glibc's NSS, files or nscd (root)
#   make bench-small                 glibc's files backend, a directory of 8
#                                    users, 10 and 1,000 rules (root)
#
# The tables go to stdout and to $(BUILD)/bench/report.md.  The other
# BENCH_* knobs are described at the top of bench/run.sh.

BENCH_DIR := $(BUILD)/bench
BENCH_TOOLS := $(BENCH_DIR)/bench_gen $(BENCH_DIR)/pam_bench $(BENCH_DIR)/heapcount.so \
	$(BENCH_DIR)/probe.so
# Optimised and warning-clean like the rest, but never sanitized: the
# module is dlopened into pam_bench, and timing an instrumented build
# would say nothing about the real one.
BENCH_CFLAGS := -std=c11 -D_GNU_SOURCE -O2 -g $(WARN) -fstack-protector-strong \
	-D_FORTIFY_SOURCE=2 $(PAM_CFLAGS)
# The installed module trusts only root-owned policies; as anyone else the
# test variant (which also trusts the caller's own files) is measured.
BENCH_MODULE ?= $(if $(filter 0,$(shell id -u)),$(MODULE),$(TEST_MODULE))
# The probe runs count libyaml parsers by interposing libyaml's functions,
# which only a module that links libyaml as a library of its own lets it
# see: for a module that carries libyaml inside (scripts/module-yaml.sh),
# they use a twin linked from the same objects with -lyaml.  The timed and
# heap runs always use BENCH_MODULE itself.
# The twin keeps the file name pam_rlimit.so: libpam starts each logged line
# with it, and the probe counts pam_rlimit's warnings by that prefix.
BENCH_PROBE_MODULE ?= $(if $(filter 0,$(shell id -u)),$(BENCH_DIR)/probe/pam_rlimit.so,$(TEST_MODULE))
BENCH_ENV = NSS_WRAPPER_SO=$(NSS_WRAPPER_SO) \
	PAM_MODULE_DIR=$(PAMDIR) PROBE_MODULE=$(abspath $(BENCH_PROBE_MODULE))

$(BENCH_DIR)/bench_gen: bench/bench_gen.c
	@mkdir -p $(@D)
	$(CC) $(BENCH_CFLAGS) -o $@ $<

$(BENCH_DIR)/pam_bench: bench/pam_bench.c
	@mkdir -p $(@D)
	$(CC) $(BENCH_CFLAGS) -o $@ $< $(PAM_LIBS)

$(BENCH_DIR)/heapcount.so: bench/heapcount.c
	@mkdir -p $(@D)
	$(CC) $(BENCH_CFLAGS) -fPIC -shared -o $@ $<

# Linked with libyaml whether or not it looks needed: the probe finds the
# real yaml_parser_initialize with RTLD_NEXT.
$(BENCH_DIR)/probe/pam_rlimit.so: $(BUILD)/pam_module/pam_rlimit.o $(POLICY_LIB) \
		pam_module/pam_rlimit.map
	@mkdir -p $(@D)
	$(call MODULE_LINK,$(BUILD)/pam_module/pam_rlimit.o,$(YAML_LIBS))

$(BENCH_DIR)/probe.so: bench/probe.c
	@mkdir -p $(@D)
	$(CC) $(BENCH_CFLAGS) -fPIC -shared -o $@ $< -Wl,--no-as-needed $(YAML_LIBS) -ldl

.PHONY: bench bench-system bench-small bench-tools check-bench-smoke
bench-tools: $(BENCH_TOOLS)

bench: $(BENCH_TOOLS) $(BENCH_MODULE) $(BENCH_PROBE_MODULE)
	$(BENCH_ENV) sh bench/run.sh $(BENCH_DIR) $(BENCH_MODULE) $(BENCH_DIR)/report.md

# The same on glibc's own NSS in a private mount namespace (root only;
# bench/sysdir.sh): NSCD=none for the files backend alone, or NSCD=the path
# of an nscd binary for its cache in front.
NSCD ?= none
bench-system: $(BENCH_TOOLS) $(BENCH_MODULE) $(BENCH_PROBE_MODULE)
	$(BENCH_ENV) sh bench/sysdir.sh $(BENCH_DIR) $(BENCH_MODULE) $(NSCD) \
		$(BENCH_DIR)/report-system.md

# The small directory: where a login's fixed costs (loading the module,
# reading the files, parsing) show, not the directory's.
bench-small: $(BENCH_TOOLS) $(BENCH_MODULE) $(BENCH_PROBE_MODULE)
	$(BENCH_ENV) BENCH_NSSWITCH=files BENCH_DIRECTORY_USERS=8 BENCH_GROUPS=1 \
		BENCH_RULES="10 1000" BENCH_MASSIF=0 sh bench/sysdir.sh $(BENCH_DIR) \
		$(BENCH_MODULE) none $(BENCH_DIR)/report-small.md

# Keeps the harness from rotting: every stack at 10 rules for a user in 50
# groups, a few sessions each, heap counter and probe included; fails if
# any session fails or the probe does not see pam_rlimit's parser.  Seconds,
# not minutes.  Skipped in sanitizer builds (an ASan
# module cannot be dlopened into an uninstrumented program).
CHECK_TARGETS += check-bench-smoke
check-bench-smoke: $(BENCH_TOOLS) $(BENCH_MODULE) $(BENCH_PROBE_MODULE)
ifeq ($(SAN),)
	$(BENCH_ENV) BENCH_RULES=10 BENCH_GROUPS=50 BENCH_SECONDS=0.2 BENCH_MAX=50 \
		BENCH_MIN=5 BENCH_MASSIF=0 BENCH_VERDICT=0 \
		sh bench/run.sh $(BENCH_DIR) $(BENCH_MODULE) >/dev/null
	@echo "bench smoke: every stack opened and closed sessions"
else
	@echo "bench smoke: skipped in a sanitizer build"
endif

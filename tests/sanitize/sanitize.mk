# Memory safety in make check: the C suites again under AddressSanitizer and
# UndefinedBehaviorSanitizer, and the integration tests under valgrind.
#
#   make check-sanitize    each of SANITIZE_SUITES (below) rebuilt into
#                          $(SANITIZE_BUILD) with SAN=$(SANITIZE) and run
#   make check-valgrind    check-integration and check-totals (default build)
#                          with every test process under valgrind memcheck;
#                          fails on any error and on anything definitely lost,
#                          in any process
#
#   make check-sanitize SANITIZE_CC=clang SANITIZE_SUITES=check-unit
#
# gcc by default: the project's -Werror flags are tuned on it (clang's
# -Wformat=2 adds -Wformat-nonliteral); the fuzzers (fuzz/) are clang's.
# _FORTIFY_SOURCE is off in a SAN build (the top Makefile drops it, and
# -U_FORTIFY_SOURCE below undoes a compiler that defines it by itself, as
# Ubuntu's gcc does): ASan does not see inside the __*_chk functions.
#
# Test processes that preload pam_wrapper and nss_wrapper: with an ASan
# executable the runtime is linked in, so preloading the wrappers in front of
# it is fine once ASan is told not to insist on coming first
# (verify_asan_link_order=0), and the wrappers must not use RTLD_DEEPBIND,
# which ASan refuses (*_WRAPPER_DISABLE_DEEPBIND=1; pam_wrapper 1.1.4 reads
# the UID_ spelling).  LeakSanitizer runs in every process, forked case
# children included.

SANITIZE ?= address,undefined
SANITIZE_BUILD ?= build/asan
SANITIZE_CC ?= gcc
# Which suites, of those that exist:
# - unit, integration, hostile: whole.
# - cli: the golden outputs, the PAM reader's unit tests and the import soup.  Its differential parts run a
#   helper that lowers as/data on itself and then opens sessions: an ASan
#   process cannot live under such caps (shadow memory and the allocator need
#   address space; the integration harness probes and skips those cases).
# - faults: the NSS part.  The rest runs valgrind, helgrind and
#   ThreadSanitizer, tools that do not mix with an ASan build.
SANITIZE_SUITES ?= $(filter check-unit check-integration check-totals check-hostile,$(CHECK_TARGETS)) \
	$(if $(filter check-cli,$(CHECK_TARGETS)),check-cli-golden check-cli-pamstack check-cli-soup) \
	$(if $(filter check-faults,$(CHECK_TARGETS)),check-faults-nss)
SANITIZE_ASAN_OPTIONS := detect_leaks=1:verify_asan_link_order=0:strict_string_checks=1:$\
	detect_stack_use_after_return=1:check_initialization_order=1
# Per suite, appended: the golden cases of "rlimit-policy run" lower as and
# then exec; LeakSanitizer's exit-time thread cannot get its stack under that
# cap, so leaks are not checked there (the library's are, in every other suite).
SANITIZE_ASAN_check-cli-golden := detect_leaks=0
SANITIZE_ENV := LSAN_OPTIONS=print_suppressions=0 \
	UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	PAM_WRAPPER_DISABLE_DEEPBIND=1 NSS_WRAPPER_DISABLE_DEEPBIND=1 UID_WRAPPER_DISABLE_DEEPBIND=1

VALGRIND ?= valgrind
VALGRIND_DIR := $(BUILD)/valgrind
VALGRIND_RUNNER := $(VALGRIND) --error-exitcode=99 --leak-check=full \
	--errors-for-leak-kinds=definite --show-leak-kinds=definite --trace-children=yes \
	--num-callers=30 --keep-debuginfo=yes --log-file=$(abspath $(VALGRIND_DIR))/vg.%p.log

CHECK_TARGETS += check-sanitize check-valgrind
.PHONY: check-sanitize check-valgrind

check-sanitize:
	@if [ -n "$(SAN)" ]; then \
		echo "check-sanitize: skipped: this make is itself a SAN=$(SAN) build"; exit 0; fi; \
	if [ -z "$(strip $(SANITIZE_SUITES))" ]; then \
		echo "check-sanitize: no suite to run"; exit 1; fi; \
	fail=; all=$$(date +%s); \
	suite() { \
		echo "--- $$1 under -fsanitize=$(SANITIZE) ($(SANITIZE_CC), $(SANITIZE_BUILD))"; \
		s=$$(date +%s); \
		env ASAN_OPTIONS="$(SANITIZE_ASAN_OPTIONS)$${2:+:$$2}" $(SANITIZE_ENV) \
			$(MAKE) -k --no-print-directory BUILD=$(SANITIZE_BUILD) SAN=$(SANITIZE) \
			CC=$(SANITIZE_CC) CFLAGS="$(CFLAGS) -U_FORTIFY_SOURCE" $$1 \
			|| fail="$$fail $$1"; \
		echo "--- $$1 under $(SANITIZE): $$(($$(date +%s) - s)) s"; \
	}; \
	$(foreach t,$(SANITIZE_SUITES),suite $(t) "$(SANITIZE_ASAN_$(t))";) \
	if [ -n "$$fail" ]; then echo "check-sanitize: FAILED:$$fail"; exit 1; fi; \
	echo "check-sanitize: passed ($(strip $(SANITIZE_SUITES))) in $$(($$(date +%s) - all)) s"

# valgrind's exit code fails a process with an error or a definite leak; the
# logs are read as well, so a forked child whose status got lost still counts.
check-valgrind:
	@command -v $(VALGRIND) >/dev/null || { echo "check-valgrind: $(VALGRIND) not installed"; exit 1; }
	@rm -rf $(VALGRIND_DIR); mkdir -p $(VALGRIND_DIR); s=$$(date +%s); \
	$(MAKE) --no-print-directory check-integration \
		INTEGRATION_RUNNER="$(VALGRIND_RUNNER)"; rc=$$?; \
	$(MAKE) --no-print-directory check-totals \
		INTEGRATION_RUNNER="$(VALGRIND_RUNNER)" || rc=1; \
	logs=$$(ls $(VALGRIND_DIR)/vg.*.log 2>/dev/null | wc -l); \
	bad=$$(grep -L 'ERROR SUMMARY: 0 errors' $(VALGRIND_DIR)/vg.*.log 2>/dev/null); \
	lost=$$(grep -l 'definitely lost: [1-9]' $(VALGRIND_DIR)/vg.*.log 2>/dev/null); \
	echo "check-valgrind: $$logs processes under memcheck in $$(($$(date +%s) - s)) s;" \
		"$$(echo $$bad | wc -w) with errors, $$(echo $$lost | wc -w) with definite leaks"; \
	for f in $$bad $$lost; do echo "=== $$f"; cat $$f; done | head -n 400; \
	if [ "$$logs" -eq 0 ]; then echo "check-valgrind: FAILED: no process ran under valgrind"; exit 1; fi; \
	if [ $$rc -ne 0 ] || [ -n "$$bad$$lost" ]; then echo "check-valgrind: FAILED"; exit 1; fi; \
	echo "check-valgrind: passed"

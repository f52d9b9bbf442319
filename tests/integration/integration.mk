# Integration tests: the test variant of the module through real libpam, with
# pam_wrapper (private service folder) and nss_wrapper (fake passwd/group).
# The binary re-executes itself with the wrappers preloaded; each case runs in
# its own forked child, since a lowered hard limit cannot be raised again.
#
#   make check-integration
#   make check-integration INTEGRATION_RUNNER="valgrind --error-exitcode=99 \
#        --leak-check=full --errors-for-leak-kinds=definite"
#   make BUILD=build/asan SAN=address,undefined check-integration
#   RLT_FILTER='test_combine*' make check-integration   (cmocka name filter)
#   RLT_KEEP=1 ...   keeps the temporary folders for a look afterwards
#
# INTEGRATION_RUNNER prefixes only the wrapped test process (not make, not
# the re-exec stage); with a runner, or an ASan build, RTLD_DEEPBIND is
# switched off in both wrappers, as sanitizers require.

INTEGRATION_RUNNER ?=
INTEGRATION_TIMEOUT ?= $(if $(INTEGRATION_RUNNER),300,60)
IT_BIN := $(BUILD)/tests/integration/test_session
IT_SRC := tests/integration/harness.c tests/integration/test_session.c

# The binary exports the harness's lookup counters' wrappers so that the
# module's getpwnam_r, getgrouplist, getgrnam_r and getgrgid_r reach them
# before nss_wrapper (harness.c).
IT_EXPORTS := getpwnam_r getgrouplist getgrnam_r getgrgid_r

$(IT_BIN): $(IT_SRC) tests/integration/harness.h $(wildcard tests/common/*.h) | $(BUILD)/.deps
	@mkdir -p $(@D)
	$(CC) $(TEST_CFLAGS) -pthread -o $@ $(IT_SRC) $(ALL_LDFLAGS) \
		$(IT_EXPORTS:%=-Wl,--export-dynamic-symbol=%) $(PAMTEST_LIBS) $(CMOCKA_LIBS) \
		$(PAM_LIBS)

# A later pam_limits, as far as a process without CAP_SYS_RESOURCE can be one.
IT_UNDO := $(BUILD)/tests/integration/pam_undo.so
$(IT_UNDO): tests/integration/pam_undo.c | $(BUILD)/.deps
	@mkdir -p $(@D)
	$(CC) $(TEST_CFLAGS) -shared -o $@ $< $(ALL_LDFLAGS) $(PAM_LIBS)

.PHONY: check-integration
check-integration: $(IT_BIN) $(TEST_MODULE) $(IT_UNDO) $(NSSGLIBC_SO)
	RLT_MODULE=$(abspath $(TEST_MODULE)) RLT_UNDO_MODULE=$(abspath $(IT_UNDO)) \
	RLT_PAM_WRAPPER=$(PAM_WRAPPER_SO) RLT_NSS_GLIBC=$(abspath $(NSSGLIBC_SO)) \
	RLT_NSS_WRAPPER=$(NSS_WRAPPER_SO) RLT_RUNNER="$(INTEGRATION_RUNNER)" \
	RLT_TIMEOUT=$(INTEGRATION_TIMEOUT) $(IT_BIN)

CHECK_TARGETS += check-integration

# The totals: what pam_systemd would read (pam_peek.so stands where it
# stands) and what systemd would be asked, through a private dbus-daemon
# and a stand-in for systemd (run-totals.sh).
IT_TOTALS := $(BUILD)/tests/integration/test_totals
IT_PEEK := $(BUILD)/tests/integration/pam_peek.so
$(IT_TOTALS): tests/integration/harness.c tests/integration/test_totals.c \
		tests/integration/harness.h $(wildcard tests/common/*.h) | $(BUILD)/.deps
	@mkdir -p $(@D)
	$(CC) $(TEST_CFLAGS) -pthread -o $@ tests/integration/harness.c tests/integration/test_totals.c \
		$(ALL_LDFLAGS) $(IT_EXPORTS:%=-Wl,--export-dynamic-symbol=%) $(PAMTEST_LIBS) \
		$(CMOCKA_LIBS) $(PAM_LIBS) $(YAML_LIBS)
$(IT_PEEK): tests/integration/pam_peek.c | $(BUILD)/.deps
	@mkdir -p $(@D)
	$(CC) $(TEST_CFLAGS) -shared -o $@ $< $(ALL_LDFLAGS) $(PAM_LIBS)

.PHONY: check-totals
check-totals: $(IT_TOTALS) $(TEST_MODULE) $(IT_PEEK) $(NSSGLIBC_SO)
	RLT_MODULE=$(abspath $(TEST_MODULE)) RLT_PEEK_MODULE=$(abspath $(IT_PEEK)) \
	RLT_PAM_WRAPPER=$(PAM_WRAPPER_SO) RLT_NSS_GLIBC=$(abspath $(NSSGLIBC_SO)) \
	RLT_NSS_WRAPPER=$(NSS_WRAPPER_SO) RLT_RUNNER="$(INTEGRATION_RUNNER)" \
	RLT_TIMEOUT=$(INTEGRATION_TIMEOUT) sh tests/integration/run-totals.sh $(IT_TOTALS)

CHECK_TARGETS += check-totals

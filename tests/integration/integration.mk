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
# pam_wrapper.pc and nss_wrapper.pc name the library in Libs and have no
# libdir, so fall back to that when the path from tests.mk does not exist.
IT_PAM_WRAPPER := $(or $(wildcard $(PAM_WRAPPER_SO)),$(strip $(shell $(PKG_CONFIG) --libs pam_wrapper 2>/dev/null)),/usr/lib/x86_64-linux-gnu/libpam_wrapper.so)
IT_NSS_WRAPPER := $(or $(wildcard $(NSS_WRAPPER_SO)),$(strip $(shell $(PKG_CONFIG) --libs nss_wrapper 2>/dev/null)),/usr/lib/x86_64-linux-gnu/libnss_wrapper.so)

$(IT_BIN): $(IT_SRC) tests/integration/harness.h tests/common/testnames.h | $(BUILD)/.deps
	@mkdir -p $(@D)
	$(CC) $(TEST_CFLAGS) -o $@ $(IT_SRC) $(ALL_LDFLAGS) $(PAMTEST_LIBS) $(CMOCKA_LIBS) \
		$(PAM_LIBS)

.PHONY: check-integration
check-integration: $(IT_BIN) $(TEST_MODULE)
	RLT_MODULE=$(abspath $(TEST_MODULE)) RLT_PAM_WRAPPER=$(IT_PAM_WRAPPER) \
	RLT_NSS_WRAPPER=$(IT_NSS_WRAPPER) RLT_RUNNER="$(INTEGRATION_RUNNER)" \
	RLT_TIMEOUT=$(INTEGRATION_TIMEOUT) $(IT_BIN)

CHECK_TARGETS += check-integration

# make check: every test suite adds its target to CHECK_TARGETS in its own
# fragment; this file only gathers them.  Suites run one after another so a
# failure names its suite.
CHECK_TARGETS :=
TEST_CFLAGS = -std=c11 -D_GNU_SOURCE $(OPT) $(WARN) -Wno-missing-prototypes $(HARDEN) \
	-Ipolicy $(YAML_CFLAGS) $(PAM_CFLAGS) $(shell $(PKG_CONFIG) --cflags cmocka 2>/dev/null) $(CFLAGS)
CMOCKA_LIBS = $(shell $(PKG_CONFIG) --libs cmocka 2>/dev/null || echo -lcmocka)
PAMTEST_LIBS = $(shell $(PKG_CONFIG) --libs libpamtest 2>/dev/null || echo -lpamtest)
# Where the wrappers live (Debian multiarch).
LIBDIR_MULTIARCH := $(shell $(PKG_CONFIG) --variable=libdir pam 2>/dev/null || echo /usr/lib)
# Their .pc files name the library itself in Libs (and have no libdir).
PAM_WRAPPER_SO := $(firstword $(shell $(PKG_CONFIG) --libs pam_wrapper 2>/dev/null) /usr/lib/x86_64-linux-gnu/libpam_wrapper.so)
NSS_WRAPPER_SO := $(firstword $(shell $(PKG_CONFIG) --libs nss_wrapper 2>/dev/null) /usr/lib/x86_64-linux-gnu/libnss_wrapper.so)

-include tests/unit/unit.mk
-include tests/module/module.mk
-include tests/integration/integration.mk
-include tests/e2e/e2e.mk
-include tests/cli/cli.mk
-include tests/hostile/hostile.mk
-include tests/faults/faults.mk
-include fuzz/fuzz-check.mk
-include tests/sanitize/sanitize.mk

.PHONY: check $(CHECK_TARGETS)
check: $(BUILD)/.deps
	@set -e; for t in $(CHECK_TARGETS); do \
		echo "==> $$t"; $(MAKE) --no-print-directory $$t; done; \
	echo "==> all suites passed: $(CHECK_TARGETS)"

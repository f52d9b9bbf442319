# make check: every test suite adds its target to CHECK_TARGETS in its own
# fragment; this file only gathers them.  Suites run one after another so a
# failure names its suite.
CHECK_TARGETS :=
TEST_CFLAGS = -std=c11 -D_GNU_SOURCE $(OPT) $(WARN) -Wno-missing-prototypes $(HARDEN) \
	-Ipolicy $(YAML_CFLAGS) $(PAM_CFLAGS) $(shell $(PKG_CONFIG) --cflags cmocka 2>/dev/null) $(CFLAGS)
CMOCKA_LIBS = $(shell $(PKG_CONFIG) --libs cmocka 2>/dev/null || echo -lcmocka)
PAMTEST_LIBS = $(shell $(PKG_CONFIG) --libs libpamtest 2>/dev/null || echo -lpamtest)
# The wrappers' full paths, for every suite that preloads them: as the
# compiler finds them, or (before the dependency step has installed them)
# where Debian puts them in the multiarch folder.
wrapper_so = $(abspath $(or $(wildcard $(shell $(CC) -print-file-name=lib$(1).so)),\
	/usr/lib/$(shell $(CC) -print-multiarch)/lib$(1).so))
PAM_WRAPPER_SO := $(call wrapper_so,pam_wrapper)
NSS_WRAPPER_SO := $(call wrapper_so,nss_wrapper)
# Preloaded before nss_wrapper: its "not found" said as glibc says it
# (tests/common/nssglibc.c).  Never instrumented, like the fault shims.
NSSGLIBC_SO := $(BUILD)/tests/libnssglibc.so
$(NSSGLIBC_SO): tests/common/nssglibc.c | $(BUILD)/.deps
	@mkdir -p $(@D)
	$(CC) -std=c11 -D_GNU_SOURCE -O2 -g -fPIC -fvisibility=hidden -Wall -Wextra -Wformat=2 \
		-Werror -shared -Wl,-soname,$(@F) -o $@ $< -ldl

-include tests/style/style.mk
-include tests/unit/unit.mk
-include tests/module/module.mk
-include tests/integration/integration.mk
-include tests/e2e/e2e.mk
-include tests/cli/cli.mk
-include tests/hostile/hostile.mk
-include tests/faults/faults.mk
-include fuzz/fuzz-check.mk
-include tests/sanitize/sanitize.mk
-include tests/deb/deb.mk
-include tests/system/system.mk

.PHONY: check $(CHECK_TARGETS)
check: $(BUILD)/.deps
	@set -e; for t in $(CHECK_TARGETS); do \
		echo "==> $$t"; $(MAKE) --no-print-directory $$t; done; \
	echo "==> all suites passed: $(CHECK_TARGETS)"

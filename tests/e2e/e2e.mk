# End to end: the real module (not the test variant) in util-linux su's
# session stack, under pam_wrapper and nss_wrapper.  Root only; anyone else
# sees a SKIP line.  Sanitizer builds skip it too: su is not built with the
# sanitizer runtime, so a sanitized module cannot load into it.
#
#   make check-e2e

E2E_PAM_WRAPPER := $(or $(wildcard $(PAM_WRAPPER_SO)),$(strip $(shell $(PKG_CONFIG) --libs pam_wrapper 2>/dev/null)),/usr/lib/x86_64-linux-gnu/libpam_wrapper.so)
E2E_NSS_WRAPPER := $(or $(wildcard $(NSS_WRAPPER_SO)),$(strip $(shell $(PKG_CONFIG) --libs nss_wrapper 2>/dev/null)),/usr/lib/x86_64-linux-gnu/libnss_wrapper.so)

.PHONY: check-e2e
ifeq ($(SAN),)
check-e2e: $(MODULE)
	sh tests/e2e/su_e2e.sh $(abspath $(MODULE)) $(E2E_PAM_WRAPPER) $(E2E_NSS_WRAPPER)
else
check-e2e:
	@echo "SKIP: check-e2e: a module built with SAN=$(SAN) cannot load into su"
endif

CHECK_TARGETS += check-e2e

# End to end: the real module (not the test variant) in util-linux su's
# session stack, under pam_wrapper and nss_wrapper.  Root only; anyone else
# sees a SKIP line.  Sanitizer builds skip it too: su is not built with the
# sanitizer runtime, so a sanitized module cannot load into it.
#
#   make check-e2e


.PHONY: check-e2e
ifeq ($(SAN),)
check-e2e: $(MODULE)
	sh tests/e2e/su_e2e.sh $(abspath $(MODULE)) $(PAM_WRAPPER_SO) $(NSS_WRAPPER_SO)
else
check-e2e:
	@echo "SKIP: check-e2e: a module built with SAN=$(SAN) cannot load into su"
endif

CHECK_TARGETS += check-e2e

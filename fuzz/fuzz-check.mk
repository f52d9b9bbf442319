# make check-fuzz: the fuzzers of fuzz/fuzz.mk for a short run, as part of
# make check: fuzz_policy for FUZZ_CHECK_SECONDS, fuzz_value for
# FUZZ_VALUE_CHECK_SECONDS, fuzz_import for FUZZ_IMPORT_CHECK_SECONDS.  A
# crash, a leak or a hang fails it.
FUZZ_CHECK_SECONDS ?= 60
FUZZ_VALUE_CHECK_SECONDS ?= 10
FUZZ_IMPORT_CHECK_SECONDS ?= 20
CHECK_TARGETS += check-fuzz

check-fuzz:
	@$(MAKE) --no-print-directory fuzz FUZZ_SECONDS=$(FUZZ_CHECK_SECONDS) \
		FUZZ_VALUE_SECONDS=$(FUZZ_VALUE_CHECK_SECONDS) \
		FUZZ_IMPORT_SECONDS=$(FUZZ_IMPORT_CHECK_SECONDS)

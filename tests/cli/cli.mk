# rlimit-policy tests:
#   golden.sh            every subcommand's exact output on valid and invalid
#                        policies (cases/*), and bad usage (exit 2)
#   differential.py agree  explain and run against the module through libpam
#   differential.py import pam_limits.so against pam_rlimit on the converted
#                        policy, through libpam, every limit soft and hard:
#                        the real-world-shaped files of import/*, the real
#                        files of public projects in real/* (each names its
#                        source on its first line), then
#                        CLI_RANDOM_COUNT random ones from CLI_RANDOM_SEED
#   import_soup.py       import-limits-conf on token soup: always exit 0, and
#                        its output always loads
#   test_pamstack        check's PAM reader (cli/pamstack.c), cmocka: lines,
#                        fields, includes on scratch folders, the judge
#   pam/                 Debian 12's PAM files for the golden cases pam-*
#                        (their setup copies them in; pam/make-debian12.sh
#                        rebuilds them from Debian's packages)
#
#   make check-cli
#   CLI_UPDATE=1 make check-cli-golden   rewrites the expected files (review the diff!)

CLI_HELPER := $(BUILD)/tests/cli/limits_helper
CLI_SHIM := $(BUILD)/tests/cli/kernel_shim.so
# The system's own pam_limits, where libpam keeps its modules.
CLI_PAM_LIMITS ?= $(firstword $(wildcard $(PAMDIR)/pam_limits.so \
	/lib/x86_64-linux-gnu/security/pam_limits.so /usr/lib/security/pam_limits.so \
	/lib/security/pam_limits.so))

CLI_ENV = CLI_TOOL=$(abspath $(TOOL)) CLI_HELPER=$(abspath $(CLI_HELPER)) \
	CLI_MODULE=$(abspath $(TEST_MODULE)) CLI_PAM_LIMITS=$(CLI_PAM_LIMITS) \
	CLI_PAM_WRAPPER=$(PAM_WRAPPER_SO) CLI_NSS_WRAPPER=$(abspath $(NSSGLIBC_SO)):$(NSS_WRAPPER_SO) \
	CLI_NSS_DIR=$(abspath tests/cli/nss) CLI_PAM_FIXTURES=$(abspath tests/cli/pam) \
	CLI_SHIM=$(abspath $(CLI_SHIM)) CLI_NSSFAULT=$(abspath $(FAULTS_NSSFAULT))

$(CLI_HELPER): tests/cli/limits_helper.c $(wildcard tests/common/*.h) | $(BUILD)/.deps
	@mkdir -p $(@D)
	$(CC) $(TEST_CFLAGS) -o $@ $< $(ALL_LDFLAGS) $(PAM_LIBS)

# Every allocating call of pamstack.o is wrapped, so that its out-of-memory
# test can make each fail in turn (glibc's fortified asprintf names too).
CLI_PAMSTACK := $(BUILD)/tests/cli/test_pamstack
CLI_PAMSTACK_WRAP := $(foreach f,malloc calloc realloc strdup free vasprintf asprintf \
	__vasprintf_chk __asprintf_chk,-Wl,--wrap=$(f))
$(CLI_PAMSTACK): tests/cli/test_pamstack.c $(BUILD)/cli/pamstack.o $(POLICY_LIB) cli/pamstack.h \
		| $(BUILD)/.deps
	@mkdir -p $(@D)
	$(CC) $(TEST_CFLAGS) -Icli -o $@ $< $(BUILD)/cli/pamstack.o $(POLICY_LIB) $(ALL_LDFLAGS) \
		$(CLI_PAMSTACK_WRAP) $(YAML_LIBS) $(CMOCKA_LIBS)

# An LD_PRELOAD kernel that lets a session raise hard limits (see the file).
$(CLI_SHIM): tests/cli/kernel_shim.c | $(BUILD)/.deps
	@mkdir -p $(@D)
	$(CC) $(TEST_CFLAGS) -shared -o $@ $< $(ALL_LDFLAGS) -ldl

CLI_RANDOM_SEED ?= 1
CLI_RANDOM_COUNT ?= 60

.PHONY: check-cli check-cli-golden check-cli-agree check-cli-import check-cli-random \
	check-cli-soup check-cli-pamstack
check-cli-golden: $(TOOL) $(NSSGLIBC_SO) $(BUILD)/tests/faults/libnssfault.so
	$(CLI_ENV) sh tests/cli/golden.sh tests/cli/cases/*/

check-cli-agree: $(TOOL) $(TEST_MODULE) $(CLI_HELPER) $(NSSGLIBC_SO)
	$(CLI_ENV) python3 tests/cli/differential.py agree tests/cli/agree/*

check-cli-import: $(TOOL) $(TEST_MODULE) $(CLI_HELPER) $(CLI_SHIM) $(NSSGLIBC_SO)
	@test -n "$(CLI_PAM_LIMITS)" || { echo "check-cli: pam_limits.so not found" \
		"(Debian: libpam-modules)"; exit 1; }
	$(CLI_ENV) python3 tests/cli/differential.py import tests/cli/import/*/ tests/cli/real/*/

check-cli-random: $(TOOL) $(TEST_MODULE) $(CLI_HELPER) $(CLI_SHIM) $(NSSGLIBC_SO)
	@test -n "$(CLI_PAM_LIMITS)" || { echo "check-cli: pam_limits.so not found" \
		"(Debian: libpam-modules)"; exit 1; }
	$(CLI_ENV) python3 tests/cli/differential.py random $(CLI_RANDOM_SEED) $(CLI_RANDOM_COUNT)

check-cli-soup: $(TOOL)
	$(CLI_ENV) python3 tests/cli/import_soup.py $(CLI_RANDOM_SEED) 500

check-cli-pamstack: $(CLI_PAMSTACK)
	$(CLI_PAMSTACK)

check-cli: check-cli-golden check-cli-pamstack check-cli-agree check-cli-import check-cli-random \
	check-cli-soup

CHECK_TARGETS += check-cli

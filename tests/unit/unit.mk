# Unit tests of the policy library (cmocka): one binary per library file,
# tests/unit/test_*.c, each linked with the shared helpers (unit.c) and
# $(POLICY_LIB).  Variant builds work the same way:
#   make check-unit
#   make BUILD=build/asan SAN=address,undefined check-unit
# Run one binary alone from the top folder (fixtures are found relative to
# it, or through RL_UNIT_FIXTURES):  build/tests/unit/test_value

UNIT_SRC := $(wildcard tests/unit/test_*.c)
UNIT_BIN := $(UNIT_SRC:tests/unit/%.c=$(BUILD)/tests/unit/%)
UNIT_OBJ := $(BUILD)/tests/unit/unit.o
UNIT_DEPS := tests/unit/unit.h $(wildcard tests/common/*.h) $(wildcard policy/*.h)

# test_load redirects the loader's default paths to scratch files, so the
# "missing default file" rules are checked without touching /etc, records
# how each file is opened, and lists folders in pieces.  __openat_2 and
# __open_2 are what _FORTIFY_SOURCE turns openat and open into.
UNIT_LDFLAGS_test_load := -Wl,--wrap=openat -Wl,--wrap=__openat_2 -Wl,--wrap=open \
	-Wl,--wrap=__open_2 -Wl,--wrap=getdents64
# test_resolve counts this machine's RAM and nr_open reads.
UNIT_LDFLAGS_test_resolve := -Wl,--wrap=open -Wl,--wrap=sysconf
# test_logins serves utmp sessions of its own.
UNIT_LDFLAGS_test_logins := -Wl,--wrap=setutent -Wl,--wrap=getutent -Wl,--wrap=endutent
# test_nss scripts the directory: every answer NSS can give, one by one.
UNIT_LDFLAGS_test_nss := -Wl,--wrap=getpwnam_r -Wl,--wrap=getgrgid_r -Wl,--wrap=getgrnam_r \
	-Wl,--wrap=getgrouplist
# test_util fails the library's mallocs on demand (the arena's chunks).
UNIT_LDFLAGS_test_util := -Wl,--wrap=malloc

$(UNIT_OBJ): tests/unit/unit.c $(UNIT_DEPS) | $(BUILD)/.deps
	@mkdir -p $(@D)
	$(CC) $(TEST_CFLAGS) -c -o $@ $<

$(BUILD)/tests/unit/%: tests/unit/%.c $(UNIT_OBJ) $(UNIT_DEPS) $(POLICY_LIB) | $(BUILD)/.deps
	@mkdir -p $(@D)
	$(CC) $(TEST_CFLAGS) -o $@ $< $(UNIT_OBJ) $(POLICY_LIB) $(ALL_LDFLAGS) \
		$(UNIT_LDFLAGS_$*) $(YAML_LIBS) $(CMOCKA_LIBS)

.PHONY: check-unit unit-tests
unit-tests: $(UNIT_BIN)

# Every binary runs even when one fails, so one run shows all failures.
check-unit: $(UNIT_BIN)
	@fail=; for t in $(UNIT_BIN); do \
		echo "--- $$t"; \
		$$t || fail="$$fail $${t##*/}"; \
	done; \
	if [ -n "$$fail" ]; then echo "check-unit: FAILED:$$fail"; exit 1; fi; \
	echo "check-unit: all passed ($(words $(UNIT_BIN)) binaries)"

CHECK_TARGETS += check-unit

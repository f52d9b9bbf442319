# Hostile input: the invalid-policy corpus, file-system tricks through the
# real module, resource bombs, and races with the files changing under
# logins.  See tests/hostile/README.md.
#
#   make check-hostile            all four
#   make check-hostile-corpus     one of them (also -fstricks, -bombs, -races)
#   make check-hostile-races RACE_SECONDS=30 RACE_SESSIONS=20000
#
# Run from the top of the repository: the corpus's .err files name the
# fixtures by their path from there.

HOSTILE_OUT := $(BUILD)/tests/hostile
HOSTILE_CORPUS := $(HOSTILE_OUT)/test_corpus
HOSTILE_FSTRICKS := $(HOSTILE_OUT)/test_fstricks
HOSTILE_BOMBS := $(HOSTILE_OUT)/test_bombs
HOSTILE_RACES := $(HOSTILE_OUT)/test_races
# Each race: this many seconds or sessions, whichever ends first.
RACE_SECONDS ?= 5
RACE_SESSIONS ?= 2000
HOSTILE_HDRS := $(wildcard policy/*.h)
# Wall-clock bound per file-system case, and the alarm that catches a hang.
# Under sanitizers the bounds are only there to catch hangs: ASan's shadow
# and quarantine make time and resident memory meaningless as measurements.
HOSTILE_LIMIT_MS ?= $(if $(SAN),5000,1000)
HOSTILE_TIMEOUT ?= $(if $(SAN),30,5)
# Bombs: wall time, and peak RSS as the module loads (filtered for the user)
# and as "rlimit-policy check" loads (every rule kept).
BOMB_LIMIT_MS ?= $(if $(SAN),20000,1000)
BOMB_CHECK_LIMIT_MS ?= $(if $(SAN),60000,3000)
BOMB_LIMIT_MIB ?= $(if $(SAN),2048,64)
BOMB_CHECK_LIMIT_MIB ?= $(if $(SAN),4096,256)

$(HOSTILE_CORPUS): tests/hostile/test_corpus.c $(POLICY_LIB) $(HOSTILE_HDRS) | $(BUILD)/.deps
	@mkdir -p $(@D)
	$(CC) $(TEST_CFLAGS) -o $@ $< $(POLICY_LIB) $(ALL_LDFLAGS) $(CMOCKA_LIBS) $(YAML_LIBS)

$(HOSTILE_BOMBS): tests/hostile/test_bombs.c $(POLICY_LIB) $(HOSTILE_HDRS) | $(BUILD)/.deps
	@mkdir -p $(@D)
	$(CC) $(TEST_CFLAGS) -o $@ $< $(POLICY_LIB) $(ALL_LDFLAGS) $(CMOCKA_LIBS) $(YAML_LIBS)

# The libpam cases share helper-1's integration harness (pam_wrapper,
# nss_wrapper, one forked child per case); built here into our own folder.
$(HOSTILE_OUT)/harness.o: tests/integration/harness.c tests/integration/harness.h \
		$(wildcard tests/common/*.h) | $(BUILD)/.deps
	@mkdir -p $(@D)
	$(CC) $(TEST_CFLAGS) -pthread -Itests/integration -c -o $@ $<

$(HOSTILE_FSTRICKS): tests/hostile/test_fstricks.c $(HOSTILE_OUT)/harness.o \
		tests/integration/harness.h $(TEST_MODULE)
	@mkdir -p $(@D)
	$(CC) $(TEST_CFLAGS) -pthread -Itests/integration -o $@ $< $(HOSTILE_OUT)/harness.o \
		$(ALL_LDFLAGS) $(PAMTEST_LIBS) $(CMOCKA_LIBS) $(PAM_LIBS) -ldl

# The races run in the fault tests' world (tests/faults/fenv.h): thousands
# of forked sessions through pam_start_confdir, the module's log captured by
# the program's own pam_syslog.
$(HOSTILE_OUT)/fenv.o: tests/faults/fenv.c tests/faults/fenv.h $(wildcard tests/common/*.h) \
		| $(BUILD)/.deps
	@mkdir -p $(@D)
	$(CC) $(TEST_CFLAGS) -c -o $@ $<

$(HOSTILE_RACES): tests/hostile/test_races.c $(HOSTILE_OUT)/fenv.o tests/faults/fenv.h
	@mkdir -p $(@D)
	$(CC) $(TEST_CFLAGS) -Itests/faults -o $@ $< $(HOSTILE_OUT)/fenv.o $(ALL_LDFLAGS) \
		-Wl,--export-dynamic-symbol=pam_syslog -Wl,--export-dynamic-symbol=pam_vsyslog \
		-Wl,--export-dynamic-symbol=audit_open $(CMOCKA_LIBS) $(PAM_LIBS) -ldl

.PHONY: check-hostile check-hostile-corpus check-hostile-fstricks check-hostile-bombs \
	check-hostile-races
check-hostile-corpus: $(HOSTILE_CORPUS)
	$(HOSTILE_CORPUS) tests/hostile/corpus

check-hostile-fstricks: $(HOSTILE_FSTRICKS) $(TEST_MODULE)
	RLT_MODULE=$(abspath $(TEST_MODULE)) RLT_PAM_WRAPPER=$(PAM_WRAPPER_SO) \
		RLT_NSS_WRAPPER=$(NSS_WRAPPER_SO) RLT_TIMEOUT=$(HOSTILE_TIMEOUT) \
		HOSTILE_LIMIT_MS=$(HOSTILE_LIMIT_MS) $(HOSTILE_FSTRICKS)

check-hostile-bombs: $(HOSTILE_BOMBS)
	BOMB_LIMIT_MS=$(BOMB_LIMIT_MS) BOMB_CHECK_LIMIT_MS=$(BOMB_CHECK_LIMIT_MS) \
		BOMB_LIMIT_MIB=$(BOMB_LIMIT_MIB) BOMB_CHECK_LIMIT_MIB=$(BOMB_CHECK_LIMIT_MIB) \
		$(HOSTILE_BOMBS)

check-hostile-races: $(HOSTILE_RACES) $(TEST_MODULE)
	FAULTS_MODULE=$(abspath $(TEST_MODULE)) FAULTS_NSS_WRAPPER=$(NSS_WRAPPER_SO) \
		FAULTS_WORKDIR=$(abspath $(HOSTILE_OUT)) RACE_SECONDS=$(RACE_SECONDS) \
		RACE_SESSIONS=$(RACE_SESSIONS) $(HOSTILE_RACES)

# All four run even when one fails, so one report shows every failure.
check-hostile:
	@rc=0; for t in corpus fstricks bombs races; do \
		$(MAKE) --no-print-directory check-hostile-$$t || rc=1; done; exit $$rc

CHECK_TARGETS += check-hostile

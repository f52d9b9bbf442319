# tests/faults: allocation failures, NSS faults and concurrency, through
# real libpam (pam_start_confdir) and nss_wrapper (included by tests/tests.mk).
#
#   make check-faults            all of it (what make check runs)
#   make check-faults-alloc      every allocation of the module and libyaml
#                                fails in turn; leaks tracked by the shim
#   make check-faults-valgrind   a sample of those runs under valgrind memcheck
#   make check-faults-nss        unknown user, NSS errors, a user in 5,000 groups
#   make check-faults-threads    16 threads x 200 sessions, then under helgrind
#   make check-faults-tsan       the thread test built with ThreadSanitizer
#
# FAULTS_VERBOSE=1 lists every allocation site; FAULTS_KEEP=1 keeps the
# work folders; FAULTS_THREAD_ROUNDS, FAULTS_HELGRIND_ROUNDS and
# FAULTS_TSAN_ROUNDS set the thread test's rounds (200, 30, 100).

FAULTS_DIR := $(BUILD)/tests/faults
FAULTS_SRC := tests/faults


# The shims are never instrumented: they sit below the sanitizers' view.
FAULTS_SHIM_CFLAGS := -std=c11 -D_GNU_SOURCE -O2 -g -fPIC -fvisibility=hidden \
	-Wall -Wextra -Wformat=2 -Wshadow -Wvla -Werror
# The programs export their pam_syslog so the module's log lands in them,
# and their audit_open so libpam does not audit the fake sessions.
FAULTS_EXPORT := -Wl,--export-dynamic-symbol=pam_syslog \
	-Wl,--export-dynamic-symbol=pam_vsyslog -Wl,--export-dynamic-symbol=audit_open

FAULTS_FAILMALLOC := $(FAULTS_DIR)/libfailmalloc.so
FAULTS_NSSFAULT := $(FAULTS_DIR)/libnssfault.so
FAULTS_ALLOC := $(FAULTS_DIR)/alloc_faults
FAULTS_NSS := $(FAULTS_DIR)/nss_faults
FAULTS_THREADS := $(FAULTS_DIR)/threads

FAULTS_ENV = FAULTS_MODULE=$(abspath $(TEST_MODULE)) FAULTS_NSS_WRAPPER=$(NSS_WRAPPER_SO) \
	FAULTS_WORKDIR=$(abspath $(FAULTS_DIR))

# somalloc=nouserintercepts: memcheck must not replace libfailmalloc's own
# malloc (a library without a soname would match its default patterns).
FAULTS_VALGRIND := valgrind -q --error-exitcode=97 --leak-check=full \
	--soname-synonyms=somalloc=nouserintercepts \
	--errors-for-leak-kinds=definite --show-leak-kinds=definite \
	--suppressions=$(FAULTS_SRC)/valgrind.supp --child-silent-after-fork=no
FAULTS_HELGRIND := valgrind -q --tool=helgrind --error-exitcode=98 \
	--suppressions=$(FAULTS_SRC)/helgrind.supp

$(FAULTS_DIR)/lib%.so: $(FAULTS_SRC)/%.c $(FAULTS_SRC)/%.h | $(BUILD)/.deps
	@mkdir -p $(@D)
	$(CC) $(FAULTS_SHIM_CFLAGS) -shared -Wl,-soname,$(@F) -o $@ $< -ldl

$(FAULTS_DIR)/fenv.o: $(FAULTS_SRC)/fenv.c $(FAULTS_SRC)/fenv.h $(wildcard tests/common/*.h) | $(BUILD)/.deps
	@mkdir -p $(@D)
	$(CC) $(TEST_CFLAGS) -c -o $@ $<

$(FAULTS_DIR)/%.o: $(FAULTS_SRC)/%.c $(wildcard $(FAULTS_SRC)/*.h) $(wildcard tests/common/*.h) $(wildcard policy/*.h) \
		| $(BUILD)/.deps
	@mkdir -p $(@D)
	$(CC) $(TEST_CFLAGS) -c -o $@ $<

$(FAULTS_ALLOC): $(FAULTS_DIR)/alloc_faults.o $(FAULTS_DIR)/fenv.o
	$(CC) -o $@ $^ $(ALL_LDFLAGS) $(FAULTS_EXPORT) $(PAM_LIBS) -ldl

$(FAULTS_NSS): $(FAULTS_DIR)/nss_faults.o $(FAULTS_DIR)/fenv.o
	$(CC) -o $@ $^ $(ALL_LDFLAGS) $(FAULTS_EXPORT) $(CMOCKA_LIBS) $(PAM_LIBS) -ldl

$(FAULTS_THREADS): $(FAULTS_DIR)/threads.o $(FAULTS_DIR)/fenv.o $(POLICY_LIB)
	$(CC) -o $@ $^ $(ALL_LDFLAGS) $(FAULTS_EXPORT) $(YAML_LIBS) $(PAM_LIBS) -ldl -pthread

FAULTS_BINS := $(FAULTS_FAILMALLOC) $(FAULTS_NSSFAULT) $(FAULTS_ALLOC) $(FAULTS_NSS) \
	$(FAULTS_THREADS) $(TEST_MODULE)

.PHONY: check-faults check-faults-alloc check-faults-valgrind check-faults-nss \
	check-faults-threads check-faults-tsan
CHECK_TARGETS += check-faults

ifeq ($(SAN),)
check-faults: check-faults-alloc check-faults-valgrind check-faults-nss \
	check-faults-threads check-faults-tsan
else
# The shims interpose malloc and NSS below the program; a sanitizer runtime
# in the program would take their place.  The TSan run has its own build.
check-faults:
	@echo "check-faults: SKIPPED in a sanitizer build (SAN=$(SAN)); run it in the default build"
endif

check-faults-alloc: $(FAULTS_BINS)
	$(FAULTS_ENV) FAULTS_PRELOAD=$(abspath $(FAULTS_FAILMALLOC)) $(FAULTS_ALLOC)

# One run in FAULTS_VALGRIND_SAMPLE (default 23) under memcheck: valgrind's
# own view of leaks, invalid accesses and uninitialised reads on the failure
# paths.  FAULTS_VALGRIND_SAMPLE=1 runs them all (about 15 minutes).
check-faults-valgrind: $(FAULTS_BINS)
	$(FAULTS_ENV) FAULTS_PRELOAD=$(abspath $(FAULTS_FAILMALLOC)) \
		FAULTS_SAMPLE=$(or $(FAULTS_VALGRIND_SAMPLE),23) FAULTS_UNDER_VALGRIND=1 \
		FAULTS_RUNNER="$(FAULTS_VALGRIND)" $(FAULTS_ALLOC)

check-faults-nss: $(FAULTS_BINS)
	$(FAULTS_ENV) FAULTS_PRELOAD=$(abspath $(FAULTS_NSSFAULT)) $(FAULTS_NSS)

# nss_wrapper's getgrouplist is not thread-safe (it walks the group file
# with the process-wide getgrent cursor); libnssfault makes calls into it
# take turns, as glibc's own getgrouplist needs no help to be.
FAULTS_THREADS_ENV = $(FAULTS_ENV) FAULTS_PRELOAD=$(abspath $(FAULTS_NSSFAULT)) \
	NSSFAULT_SERIALIZE=1

check-faults-threads: $(FAULTS_BINS)
	$(FAULTS_THREADS_ENV) $(FAULTS_THREADS)
	$(FAULTS_THREADS_ENV) FAULTS_THREAD_ROUNDS=$(or $(FAULTS_HELGRIND_ROUNDS),30) \
		FAULTS_RUNNER="$(FAULTS_HELGRIND)" $(FAULTS_THREADS)

# The same thread test with the module, the library and the program built
# with ThreadSanitizer in their own folder.  gcc, because its TSan runtime
# is a shared library the module can link against (-z defs); clang's
# static runtime lives only in executables.
FAULTS_TSAN_BUILD := build/faults-tsan
check-faults-tsan:
	$(MAKE) --no-print-directory CC=gcc BUILD=$(FAULTS_TSAN_BUILD) SAN=thread \
		check-faults-tsan-run

.PHONY: check-faults-tsan-run
check-faults-tsan-run: $(FAULTS_THREADS) $(TEST_MODULE) $(FAULTS_NSSFAULT)
	$(FAULTS_THREADS_ENV) FAULTS_THREAD_ROUNDS=$(or $(FAULTS_TSAN_ROUNDS),100) \
		TSAN_OPTIONS="halt_on_error=1 exitcode=66 \
		suppressions=$(abspath $(FAULTS_SRC))/tsan.supp" $(FAULTS_THREADS)

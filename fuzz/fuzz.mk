# make fuzz: the libFuzzer targets over the policy library, under ASan and
# UBSan (clang).  The policy sources are compiled into each fuzzer with the
# same flags, so the library is instrumented whatever BUILD and SAN say.
#
#   make fuzz                   fuzz_policy for FUZZ_SECONDS (600), then
#                               fuzz_value for FUZZ_VALUE_SECONDS (60),
#                               fuzz_import (import-limits-conf, whose output
#                               must pass check) for FUZZ_IMPORT_SECONDS (60)
#   make fuzz FUZZ_SECONDS=3600
#   make fuzz-coverage          line/region coverage of policy/ and cli/import.c
#                               by the corpora
#
# The corpora are scratch folders under $(FUZZ_DIR), filled at run time from
# examples/, the tests' *.yaml and fuzz/seeds/; a crash leaves its input in
# $(FUZZ_DIR)/crashes and fails the target.

FUZZ_CC ?= clang
FUZZ_DIR := $(BUILD)/fuzz
FUZZ_SECONDS ?= 600
FUZZ_VALUE_SECONDS ?= 60
FUZZ_IMPORT_SECONDS ?= 60
FUZZ_MAX_LEN ?= 65536
FUZZ_RSS_MB ?= 2048
FUZZ_TIMEOUT ?= 10
FUZZ_FLAGS ?=
FUZZ_SAN := -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all
# clang's -Wformat=2 also flags vsnprintf in a va_list helper that has no
# format attribute (policy/parse.c verr); gcc does not, so only here.
FUZZ_CFLAGS := -std=c11 -D_GNU_SOURCE -O1 -g -fno-omit-frame-pointer $(WARN) \
	-Ipolicy $(YAML_CFLAGS)
FUZZ_POLICY := $(FUZZ_DIR)/fuzz_policy
FUZZ_VALUE := $(FUZZ_DIR)/fuzz_value
FUZZ_IMPORT := $(FUZZ_DIR)/fuzz_import
FUZZ_HDRS := $(wildcard policy/*.h)
FUZZ_COMMON_OPTS = -max_len=$(FUZZ_MAX_LEN) -rss_limit_mb=$(FUZZ_RSS_MB) \
	-timeout=$(FUZZ_TIMEOUT) $(FUZZ_FLAGS)
FUZZ_RUN_OPTS = $(FUZZ_COMMON_OPTS) -dict=fuzz/policy.dict

LLVM_PROFDATA ?= $(shell command -v llvm-profdata-14 || command -v llvm-profdata)
LLVM_COV ?= $(shell command -v llvm-cov-14 || command -v llvm-cov)

.PHONY: fuzz fuzz-build fuzz-seed fuzz-coverage
fuzz-build: $(FUZZ_POLICY) $(FUZZ_VALUE) $(FUZZ_IMPORT)

# Each target is its own fuzz/NAME.c with the policy library, and for
# fuzz_import the converter too (its output's loader is the library).
FUZZ_TARGETS := fuzz_policy fuzz_value fuzz_import
FUZZ_EXTRA_fuzz_import := cli/import.c
FUZZ_COV_DIR := $(FUZZ_DIR)/cov
$(FUZZ_IMPORT) $(FUZZ_COV_DIR)/fuzz_import: cli/import.c cli/import.h

$(addprefix $(FUZZ_DIR)/,$(FUZZ_TARGETS)): $(FUZZ_DIR)/%: fuzz/%.c fuzz/split.h fuzz/common.h \
		tests/common/testresult.h $(POLICY_SRC) $(FUZZ_HDRS) | $(BUILD)/.deps
	@mkdir -p $(@D)
	$(FUZZ_CC) $(FUZZ_CFLAGS) $(FUZZ_SAN) -o $@ fuzz/$*.c $(FUZZ_EXTRA_$*) $(POLICY_SRC) \
		$(YAML_LIBS)

fuzz-seed:
	@sh fuzz/seed.sh $(FUZZ_DIR)/corpus $(FUZZ_DIR)/corpus-value $(FUZZ_DIR)/corpus-import

fuzz: fuzz-build fuzz-seed
	@sh fuzz/run.sh $(FUZZ_POLICY) $(FUZZ_DIR)/corpus $(FUZZ_SECONDS) $(FUZZ_DIR)/crashes \
		$(FUZZ_RUN_OPTS)
	@sh fuzz/run.sh $(FUZZ_VALUE) $(FUZZ_DIR)/corpus-value $(FUZZ_VALUE_SECONDS) \
		$(FUZZ_DIR)/crashes $(FUZZ_RUN_OPTS)
	@sh fuzz/run.sh $(FUZZ_IMPORT) $(FUZZ_DIR)/corpus-import $(FUZZ_IMPORT_SECONDS) \
		$(FUZZ_DIR)/crashes $(FUZZ_COMMON_OPTS) -dict=fuzz/import.dict
	@$(MAKE) --no-print-directory fuzz-coverage

# Coverage: the same targets built with clang's source-based coverage (no
# sanitizers), replaying the corpora once (-runs=0); llvm-14's tools report.
$(addprefix $(FUZZ_COV_DIR)/,$(FUZZ_TARGETS)): $(FUZZ_COV_DIR)/%: fuzz/%.c fuzz/split.h \
		fuzz/common.h tests/common/testresult.h $(POLICY_SRC) $(FUZZ_HDRS) | $(BUILD)/.deps
	@mkdir -p $(@D)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer -fprofile-instr-generate -fcoverage-mapping \
		-o $@ fuzz/$*.c $(FUZZ_EXTRA_$*) $(POLICY_SRC) $(YAML_LIBS)
FUZZ_COV_SRC := $(POLICY_SRC) $(FUZZ_EXTRA_fuzz_import)
FUZZ_COV_OBJECTS := $(addprefix -object $(FUZZ_COV_DIR)/,fuzz_value fuzz_import)

fuzz-coverage:
	@if [ -z "$(LLVM_PROFDATA)" ] || [ -z "$(LLVM_COV)" ]; then \
		echo "fuzz-coverage: skipped: llvm-profdata/llvm-cov not installed (Debian: llvm-14)"; \
		exit 0; fi; \
	set -e; $(MAKE) --no-print-directory $(addprefix $(FUZZ_COV_DIR)/,$(FUZZ_TARGETS)); \
	rm -f $(FUZZ_COV_DIR)/*.profraw; \
	for t in fuzz_policy:corpus fuzz_value:corpus-value fuzz_import:corpus-import; do \
		b=$${t%%:*}; c=$${t#*:}; \
		LLVM_PROFILE_FILE=$(FUZZ_COV_DIR)/$$b.profraw $(FUZZ_COV_DIR)/$$b -runs=0 \
			-max_len=$(FUZZ_MAX_LEN) $(FUZZ_DIR)/$$c >$(FUZZ_COV_DIR)/$$b.log 2>&1; \
	done; \
	$(LLVM_PROFDATA) merge -sparse -o $(FUZZ_COV_DIR)/all.profdata $(FUZZ_COV_DIR)/*.profraw; \
	$(LLVM_COV) report $(FUZZ_COV_DIR)/fuzz_policy $(FUZZ_COV_OBJECTS) \
		-instr-profile=$(FUZZ_COV_DIR)/all.profdata \
		$(FUZZ_COV_SRC) >$(FUZZ_COV_DIR)/report.txt; \
	$(LLVM_COV) show $(FUZZ_COV_DIR)/fuzz_policy $(FUZZ_COV_OBJECTS) \
		-instr-profile=$(FUZZ_COV_DIR)/all.profdata \
		-show-line-counts-or-regions $(FUZZ_COV_SRC) >$(FUZZ_COV_DIR)/show.txt; \
	echo "fuzz-coverage of policy/ and cli/import.c by the three corpora" \
		"(per line: $(FUZZ_COV_DIR)/show.txt):"; \
	cat $(FUZZ_COV_DIR)/report.txt

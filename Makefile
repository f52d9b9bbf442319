# pam_rlimit - a plain Makefile; pkg-config finds the libraries.
#
#   make            module (pam_module/pam_rlimit.so) and tool (cli/rlimit-policy)
#   make check      builds and runs every test
#   make demo       shows the module capping a Python memory hog (no /etc changes)
#   make deb        the Debian package, in build/deb/ (debian/deb.mk)
#   make install    PREFIX, DESTDIR, PAMDIR honoured
#   MODULE_YAML=auto|static|shared   libyaml linked into the module or not
#                   (auto: static where libyaml.a is installed; INSTALL.md)
#
# Variant builds (sanitizers) reuse these rules with another BUILD folder:
#   make BUILD=build/asan SAN=address,undefined

PKG_CONFIG ?= pkg-config
CC ?= cc
BUILD ?= build
SAN ?=
PREFIX ?= /usr/local
BINDIR ?= $(PREFIX)/bin
MANDIR ?= $(PREFIX)/share/man
# Where libpam looks for modules: pam.pc's libdir + /security (Debian:
# /lib/x86_64-linux-gnu/security), never a hard-coded path.
PAMDIR ?= $(shell $(PKG_CONFIG) --variable=libdir pam 2>/dev/null || \
	  dirname $$($(CC) -print-file-name=libpam.so))/security
DESTDIR ?=
# Debian's and Ubuntu's pam-auth-update reads its profiles from here.
PAMCONFIGDIR ?= /usr/share/pam-configs

YAML_CFLAGS := $(shell $(PKG_CONFIG) --cflags yaml-0.1 2>/dev/null)
YAML_LIBS := $(shell $(PKG_CONFIG) --libs yaml-0.1 2>/dev/null || echo -lyaml)
PAM_CFLAGS := $(shell $(PKG_CONFIG) --cflags pam 2>/dev/null)
PAM_LIBS := $(shell $(PKG_CONFIG) --libs pam 2>/dev/null || echo -lpam)

WARN := -Wall -Wextra -Wformat=2 -Wshadow -Wpointer-arith -Wstrict-prototypes \
	-Wmissing-prototypes -Wvla -Werror
HARDEN := -fstack-protector-strong -fPIC
ifeq ($(SAN),)
OPT ?= -O2 -g
HARDEN += -D_FORTIFY_SOURCE=2
else
OPT ?= -O1 -g -fno-omit-frame-pointer
HARDEN += -fsanitize=$(SAN) -fno-sanitize-recover=all
endif
CFLAGS ?=
LDFLAGS ?=
ALL_CFLAGS := -std=c11 -D_GNU_SOURCE $(OPT) $(WARN) $(HARDEN) -Ipolicy $(YAML_CFLAGS) $(CFLAGS)
ALL_LDFLAGS := -Wl,-z,relro,-z,now -Wl,--as-needed $(if $(SAN),-fsanitize=$(SAN)) $(LDFLAGS)

# In the default build the module and the tool land where the README says;
# variant builds keep everything under their own folder.
ifeq ($(BUILD),build)
MODULE := pam_module/pam_rlimit.so
TOOL := cli/rlimit-policy
else
MODULE := $(BUILD)/pam_rlimit.so
TOOL := $(BUILD)/rlimit-policy
endif
# The test variant also trusts the owner of the test's own files, so the
# suite runs as an ordinary user too.  Never installed.
TEST_MODULE := $(BUILD)/test/pam_rlimit.so

POLICY_SRC := $(wildcard policy/*.c)
POLICY_OBJ := $(POLICY_SRC:%.c=$(BUILD)/%.o)
POLICY_LIB := $(BUILD)/libpolicy.a
CLI_SRC := $(wildcard cli/*.c)
CLI_OBJ := $(CLI_SRC:%.c=$(BUILD)/%.o)

.PHONY: all deps check install uninstall demo clean fuzz bench
.DEFAULT_GOAL := all
all: $(MODULE) $(TOOL)

# Installs missing build and test packages (apt-get as root, else prints
# the command).  Stamped so it runs once per checkout.  DEPS=build checks
# only what the build needs: debian/rules, whose Build-Depends dpkg has
# checked already, so that a package build never runs apt-get.
DEPS ?= all
deps: $(BUILD)/.deps
$(BUILD)/.deps: scripts/deps.sh
	@mkdir -p $(@D)
	sh scripts/deps.sh $(DEPS)
	@touch $@

$(BUILD)/%.o: %.c $(wildcard policy/*.h) | $(BUILD)/.deps
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) $(PAM_CFLAGS) -c -o $@ $<

# The tool's own headers too.
$(BUILD)/cli/%.o: cli/%.c $(wildcard policy/*.h cli/*.h) | $(BUILD)/.deps
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) $(PAM_CFLAGS) -c -o $@ $<

$(POLICY_LIB): $(POLICY_OBJ)
	@rm -f $@
	$(AR) rcs $@ $^

# The module carries libyaml inside it when the archive is there (see
# scripts/module-yaml.sh and INSTALL.md): MODULE_YAML=auto|static|shared.
# -z text: an archive that is not position-independent fails the link
# rather than giving the module text relocations.
MODULE_YAML ?= auto
# The mode chosen, in a file rewritten only when it changes: the module is
# relinked when MODULE_YAML, or whether libyaml.a is there, changes, and
# check-module-symbols judges the module by the mode it was linked with.
MODULE_YAML_MODE := $(BUILD)/module-yaml.mode
$(MODULE_YAML_MODE): scripts/module-yaml.sh FORCE | $(BUILD)/.deps
	@mkdir -p $(@D)
	@m=$$(sh scripts/module-yaml.sh --mode $(MODULE_YAML)) || exit 1; \
	[ "$$(cat $@ 2>/dev/null)" = "$$m" ] || echo "$$m" >$@
.PHONY: FORCE
FORCE:
MODULE_LDFLAGS = $(ALL_LDFLAGS) -Wl,-z,text -Wl,--version-script=pam_module/pam_rlimit.map
MODULE_LINK = $(CC) -shared -o $@ $(1) $(POLICY_LIB) $(MODULE_LDFLAGS) -Wl,-z,defs $(2) $(PAM_LIBS)

$(MODULE): $(BUILD)/pam_module/pam_rlimit.o $(POLICY_LIB) pam_module/pam_rlimit.map \
		$(MODULE_YAML_MODE)
	@mkdir -p $(@D)
	yaml=$$(sh scripts/module-yaml.sh $$(cat $(MODULE_YAML_MODE))) && \
	$(call MODULE_LINK,$(BUILD)/pam_module/pam_rlimit.o,$$yaml)

$(BUILD)/test/pam_rlimit.o: pam_module/pam_rlimit.c $(wildcard policy/*.h) | $(BUILD)/.deps
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) $(PAM_CFLAGS) -DRL_TEST_TRUST_OWN_UID -c -o $@ $<

# The test twin links libyaml as a library of its own, whatever the module
# does: the fault suites tell libyaml's allocations from the module's by
# the object they come from.  The code is the same.
$(TEST_MODULE): $(BUILD)/test/pam_rlimit.o $(POLICY_LIB) pam_module/pam_rlimit.map
	$(call MODULE_LINK,$(BUILD)/test/pam_rlimit.o,$(YAML_LIBS))

$(TOOL): $(CLI_OBJ) $(POLICY_LIB)
	@mkdir -p $(@D)
	$(CC) -o $@ $(CLI_OBJ) $(POLICY_LIB) $(ALL_LDFLAGS) -pie $(YAML_LIBS)

# Test, fuzz, bench and doc rules live beside what they build.
-include tests/tests.mk
-include fuzz/fuzz.mk
-include bench/bench.mk
-include man/man.mk
-include debian/deb.mk

# A capped researcher's Python hog, through the real module and libpam,
# without touching /etc (scripts/demo.sh says how).
demo: all $(TEST_MODULE)
	sh scripts/demo.sh

install: all $(if $(wildcard man/man.mk),install-man)
	install -d $(DESTDIR)$(PAMDIR) $(DESTDIR)$(BINDIR)
	install -m 0644 $(MODULE) $(DESTDIR)$(PAMDIR)/pam_rlimit.so
	install -m 0755 $(TOOL) $(DESTDIR)$(BINDIR)/rlimit-policy
	install -d $(DESTDIR)$(PAMCONFIGDIR)
	install -m 0644 pam_module/pam-auth-update.rlimit $(DESTDIR)$(PAMCONFIGDIR)/rlimit
	@# A live install of a module that needs the shared libyaml: warn if apt
	@# may autoremove it (libpam then cannot load the module, and every
	@# session fails; INSTALL.md).
	@if [ -z "$(DESTDIR)" ] && grep -q 'libyaml-0\.so\.2' $(MODULE) && \
	    command -v apt-mark >/dev/null 2>&1 && \
	    apt-mark showauto 2>/dev/null | grep -qx 'libyaml-0-2\(:.*\)\?'; then \
		echo "pam_rlimit: libyaml-0-2 is marked as automatically installed: run" \
			"'apt-mark manual libyaml-0-2', or 'apt autoremove' may remove it and" \
			"then every session that requires pam_rlimit fails (INSTALL.md, 2)" >&2; \
	fi

# Out of the PAM stacks first: a stack that names a removed module fails
# every session, root's too.
uninstall: $(if $(wildcard man/man.mk),uninstall-man)
	@if [ -z "$(DESTDIR)" ] && [ -f $(PAMCONFIGDIR)/rlimit ] && \
	    command -v pam-auth-update >/dev/null 2>&1; then \
		echo "pam-auth-update --package --remove rlimit"; \
		pam-auth-update --package --remove rlimit; \
	fi
	rm -f $(DESTDIR)$(PAMDIR)/pam_rlimit.so $(DESTDIR)$(BINDIR)/rlimit-policy \
		$(DESTDIR)$(PAMCONFIGDIR)/rlimit

clean:
	rm -rf build $(MODULE) $(TOOL)

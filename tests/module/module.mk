# What the installed module may export, call and need at run time
# (tests/module/check-symbols.sh).  OWN is the same objects linked without
# libyaml, so the module's own code is checked apart from libyaml's; and
# the choice of static or shared libyaml (scripts/module-yaml.sh) itself.
CHECK_TARGETS += check-module-symbols
MODULE_OWN := $(BUILD)/module/own.so
.PHONY: check-module-symbols
check-module-symbols: $(MODULE) $(MODULE_OWN)
	sh tests/module/check-module-yaml.sh scripts/module-yaml.sh
	sh tests/module/check-symbols.sh $(MODULE) $$(cat $(MODULE_YAML_MODE)) $(MODULE_OWN)

# The module's own link without libyaml (and so without -z defs): never
# loaded, libyaml's functions stay undefined in it.
$(MODULE_OWN): $(BUILD)/pam_module/pam_rlimit.o $(POLICY_LIB) pam_module/pam_rlimit.map
	@mkdir -p $(@D)
	$(CC) -shared -o $@ $(BUILD)/pam_module/pam_rlimit.o $(POLICY_LIB) $(MODULE_LDFLAGS) $(PAM_LIBS)

# What the installed module may export and call (tests/module/check-symbols.sh).
CHECK_TARGETS += check-module-symbols
.PHONY: check-module-symbols
check-module-symbols: $(MODULE)
	sh tests/module/check-symbols.sh $(MODULE)

# check-style: the C sources are clang-format clean (.clang-format), no
# comment runs past 10 lines, and the shell scripts have no shellcheck
# warning.  A missing tool (scripts/deps.sh test installs both) is a SKIP
# line for its half; the comment half always runs.
STYLE_C := $(shell git ls-files '*.c' '*.h' 2>/dev/null)
STYLE_SH := $(shell git ls-files '*.sh' 2>/dev/null)

.PHONY: check-style
check-style:
	@awk -v MAX=10 -f tests/style/comments.awk $(STYLE_C)
	@if command -v clang-format >/dev/null; then \
		clang-format --dry-run --Werror $(STYLE_C) && \
		echo "check-style: $(words $(STYLE_C)) C files clang-format clean, no comment over 10 lines"; \
	else \
		echo "SKIP: check-style: clang-format not installed (scripts/deps.sh test); comments checked"; \
	fi
	@if command -v shellcheck >/dev/null; then \
		shellcheck -S warning $(STYLE_SH) && \
		echo "check-style: $(words $(STYLE_SH)) shell scripts without a shellcheck warning"; \
	else \
		echo "SKIP: check-style: shellcheck not installed (scripts/deps.sh test)"; \
	fi

CHECK_TARGETS += check-style

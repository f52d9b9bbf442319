# check-style: the C sources are clang-format clean (.clang-format) and no
# comment runs past 10 lines.  Without clang-format (scripts/deps.sh test
# installs it) the format half says SKIP; the comment half always runs.
STYLE_C := $(shell git ls-files '*.c' '*.h' 2>/dev/null)

.PHONY: check-style
check-style:
	@awk -v MAX=10 -f tests/style/comments.awk $(STYLE_C)
	@if command -v clang-format >/dev/null; then \
		clang-format --dry-run --Werror $(STYLE_C) && \
		echo "check-style: $(words $(STYLE_C)) C files clang-format clean, no comment over 10 lines"; \
	else \
		echo "SKIP: check-style: clang-format not installed (scripts/deps.sh test); comments checked"; \
	fi

CHECK_TARGETS += check-style

# System tests: a Debian 12 VM booted with qemu, pam_rlimit installed as
# INSTALL.md says, real logins (tests/system/README.md).
#
#   make check-system   runs every system test; fails when it cannot run
#
# make check runs them (check-system-auto) when this machine can: as root
# (debootstrap and chroot build the image), with qemu-system-x86_64 and
# debootstrap installed (scripts/deps.sh system, part of `all` as root).
# Otherwise it prints a SKIP line that says why.  RL_SKIP_SYSTEM=1 skips
# them on purpose (a CI without the time, or without Debian's archive).
SYSTEM_TESTS := tests/system/every_way_in.sh tests/system/package.sh tests/system/totals.sh \
	tests/system/directory.sh tests/system/maxlogins.sh
RL_SKIP_SYSTEM ?=

.PHONY: check-system check-system-auto
check-system: $(MODULE) $(TOOL)
	@set -e; for t in $(SYSTEM_TESTS); do echo "--> $$t"; bash $$t; done

check-system-auto:
	@why=; \
	if [ -n "$(RL_SKIP_SYSTEM)" ] && [ "$(RL_SKIP_SYSTEM)" != 0 ]; then \
		why="RL_SKIP_SYSTEM=$(RL_SKIP_SYSTEM)"; \
	elif [ -n "$(SAN)" ]; then \
		why="a SAN=$(SAN) build is not what an admin installs"; \
	elif [ "$$(id -u)" -ne 0 ]; then \
		why="needs root to build the VM image (debootstrap, chroot); uid $$(id -u) here"; \
	else \
		for c in qemu-system-x86_64 debootstrap mkfs.ext4 sshpass; do \
			command -v $$c >/dev/null || { why="$$c not installed (scripts/deps.sh system)"; break; }; \
		done; \
	fi; \
	if [ -n "$$why" ]; then echo "SKIP: check-system: $$why"; \
	else $(MAKE) --no-print-directory check-system; fi

CHECK_TARGETS += check-system-auto

# The Debian package (debian/, built by `make deb` from debian/deb.mk):
#   check-deb   builds it into $(BUILD)/check-deb and checks its files,
#               fields, profile and shipped policy (tests/deb/check-deb.sh);
#               then its maintainer scripts against pam-auth-update in a
#               private mount namespace (tests/deb/pam-auth-update.sh)
# Building needs root, or the build tools already there; else SKIP lines.
# The package installed on a real Debian: tests/system/.
.PHONY: check-deb
check-deb:
	@mkdir -p $(BUILD)
	sh tests/deb/check-deb.sh $(abspath $(BUILD)/check-deb)

CHECK_TARGETS += check-deb

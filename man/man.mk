# Manual pages: mdoc written by hand, readable with "man -l man/PAGE".
#   make install-man    DESTDIR, MANDIR honoured (the lead's install calls it)
#   make check-man      the pages against the code: every item of the
#                       library's table in rlimit.yaml(5), every command of
#                       rlimit-policy --help in rlimit-policy(1); lint clean

MAN_PAGES := man/rlimit-policy.1 man/rlimit.yaml.5 man/pam_rlimit.8
MAN_LIST_ITEMS := $(BUILD)/man/list-items

$(MAN_LIST_ITEMS): man/list-items.c $(POLICY_LIB) $(wildcard policy/*.h) | $(BUILD)/.deps
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) -o $@ $< $(POLICY_LIB) $(ALL_LDFLAGS) $(YAML_LIBS)

.PHONY: install-man uninstall-man check-man
install-man:
	for p in $(MAN_PAGES); do \
		s=$${p##*.}; \
		install -d $(DESTDIR)$(MANDIR)/man$$s && \
		install -m 0644 $$p $(DESTDIR)$(MANDIR)/man$$s/ || exit 1; \
	done

uninstall-man:
	for p in $(MAN_PAGES); do \
		s=$${p##*.}; rm -f $(DESTDIR)$(MANDIR)/man$$s/$${p##*/}; \
	done

check-man: $(MAN_LIST_ITEMS) $(TOOL)
	sh man/check-man.sh $(MAN_LIST_ITEMS) $(TOOL)

CHECK_TARGETS += check-man

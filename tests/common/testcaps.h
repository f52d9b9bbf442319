/*
 * testcaps.h - makes a forked test child as weak as the build machines.
 *
 * A refused raise of a hard limit is only seen without CAP_SYS_RESOURCE.
 * Root on an ordinary host has it, so the children that show that path
 * drop it from their effective and permitted sets first: the outcome then
 * does not depend on where the tests run.  Returns false when the kernel
 * refuses (the caller reports it).
 */
#ifndef RL_TESTCAPS_H
#define RL_TESTCAPS_H

#include <linux/capability.h>
#include <stdbool.h>
#include <sys/syscall.h>
#include <unistd.h>

static inline bool tc_drop_cap_sys_resource(void)
{
	struct __user_cap_header_struct h = {_LINUX_CAPABILITY_VERSION_3, 0};
	struct __user_cap_data_struct d[_LINUX_CAPABILITY_U32S_3];
	if (syscall(SYS_capget, &h, d) != 0)
		return false;
	unsigned w = CAP_SYS_RESOURCE / 32, bit = 1u << (CAP_SYS_RESOURCE % 32);
	d[w].effective &= ~bit;
	d[w].permitted &= ~bit;
	return syscall(SYS_capset, &h, d) == 0;
}

#endif

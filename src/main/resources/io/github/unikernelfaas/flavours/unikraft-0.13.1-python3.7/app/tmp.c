/*
 * unikernel-faas: a writable /tmp whatever the root. With the 9p root, fs0 is a read-only share and
 * its /tmp a directory of it; Python's tempfile and many libraries need somewhere to write. A RAM
 * file system goes over it once the root (vfscore, rootfs class priority 4) and /dev (devfs,
 * priority 5) are mounted. With the initrd root, / is already RAM; /tmp gets its own all the same.
 */
#include <errno.h>
#include <stddef.h>
#include <sys/mount.h>
#include <uk/init.h>
#include <uk/print.h>

static int ukfaas_mount_tmp(void)
{
	if (mount("", "/tmp", "ramfs", 0, NULL) != 0)
		uk_pr_warn("unikernel-faas: no RAM file system on /tmp (errno %d): it stays as the root has it\n",
			   errno);
	return 0;
}

uk_rootfs_initcall_prio(ukfaas_mount_tmp, 6);

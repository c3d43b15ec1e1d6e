// SPDX-License-Identifier: GPL-2.0
/*
 * try_mount DEV DIR [OPTIONS]: mount(2) an atomfs and print "ok" or the
 * errno's name (EINVAL, EUCLEAN, ...), so that a test can require the
 * exact error a failed mount gives.  Exits 0 either way; 1 on misuse.
 */
#include <sys/mount.h>

#include "testutil.h"

int main(int argc, char **argv)
{
	const char *name;

	test_name = "try_mount";
	if (argc < 3 || argc > 4) {
		fprintf(stderr, "usage: try_mount DEV DIR [OPTIONS]\n");
		return 1;
	}
	if (!mount(argv[1], argv[2], "atomfs", 0, argc == 4 ? argv[3] : NULL)) {
		puts("ok");
		return 0;
	}
	name = strerrorname_np(errno);
	printf("%s\n", name ? name : "unknown-errno");
	return 0;
}

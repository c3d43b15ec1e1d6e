// SPDX-License-Identifier: GPL-2.0
/*
 * The errno of one atomfs mount, asked for without mount(8) in between.
 *
 *   mount_errno mount DEV DIR OPTIONS ERRNO [ro]
 *	mount(2) with OPTIONS ("" for none) must fail with ERRNO, or succeed
 *	when ERRNO is 0.
 *   mount_errno remount DIR OPTIONS ERRNO
 *	the same for mount(2) with MS_REMOUNT.
 *   mount_errno fsconfig KEY VALUE|- ERRNO
 *	fsopen("atomfs") then fsconfig() setting KEY (as a flag when VALUE
 *	is "-") must fail with ERRNO; the message the kernel gives through
 *	the context's log must name KEY.
 *
 * ERRNO is a number or one of the names below.
 */
#include <fcntl.h>
#include <unistd.h>
#include <sys/mount.h>
#include <sys/syscall.h>
#include "testutil.h"

#ifndef FSCONFIG_SET_FLAG
#define FSCONFIG_SET_FLAG	0
#define FSCONFIG_SET_STRING	1
#endif
#ifndef FSOPEN_CLOEXEC
#define FSOPEN_CLOEXEC		0x00000001
#endif

static int parse_errno(const char *s)
{
	static const struct { const char *name; int val; } names[] = {
		{ "EINVAL", EINVAL }, { "EROFS", EROFS }, { "EUCLEAN", EUCLEAN },
		{ "EBUSY", EBUSY }, { "ENOENT", ENOENT }, { "EIO", EIO },
	};
	size_t i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (!strcmp(s, names[i].name))
			return names[i].val;
	return atoi(s);
}

static void expect(long ret, int err, int want, const char *what)
{
	if (want == 0 && ret < 0)
		die("%s failed", what);
	if (want != 0 && (ret >= 0 || err != want)) {
		errno = 0;
		die("%s: expected errno %d (%s), got ret %ld errno %d (%s)",
		    what, want, strerror(want), ret, err, strerror(err));
	}
}

static int do_fsconfig(const char *key, const char *value, int want)
{
	char msg[512];
	int fd, found = 0;
	long ret;
	ssize_t n;

	fd = syscall(SYS_fsopen, "atomfs", FSOPEN_CLOEXEC);
	CHECK(fd >= 0, "fsopen(atomfs)");
	errno = 0;
	if (!strcmp(value, "-"))
		ret = syscall(SYS_fsconfig, fd, FSCONFIG_SET_FLAG, key, NULL, 0);
	else
		ret = syscall(SYS_fsconfig, fd, FSCONFIG_SET_STRING, key, value,
			      0);
	expect(ret, errno, want, "fsconfig");
	/* Each message is one read: "e atomfs: Bad value for 'key'". */
	while ((n = read(fd, msg, sizeof(msg) - 1)) > 0) {
		msg[n] = '\0';
		msg[strcspn(msg, "\n")] = '\0';
		printf("fsconfig log: %s\n", msg);
		if (strstr(msg, key))
			found = 1;
	}
	if (want && !found) {
		errno = 0;
		die("fsconfig %s=%s: no message naming '%s'", key, value, key);
	}
	close(fd);
	return 0;
}

int main(int argc, char **argv)
{
	long ret;

	test_name = "mount_errno";
	if (argc >= 6 && !strcmp(argv[1], "mount")) {
		unsigned long flags = 0;

		if (argc > 6 && !strcmp(argv[6], "ro"))
			flags |= MS_RDONLY;
		errno = 0;
		ret = mount(argv[2], argv[3], "atomfs", flags,
			    *argv[4] ? argv[4] : NULL);
		expect(ret, errno, parse_errno(argv[5]), "mount");
		return 0;
	}
	if (argc == 5 && !strcmp(argv[1], "remount")) {
		errno = 0;
		ret = mount(NULL, argv[2], NULL, MS_REMOUNT,
			    *argv[3] ? argv[3] : NULL);
		expect(ret, errno, parse_errno(argv[4]), "remount");
		return 0;
	}
	if (argc == 5 && !strcmp(argv[1], "fsconfig"))
		return do_fsconfig(argv[2], argv[3], parse_errno(argv[4]));

	fprintf(stderr, "usage: see the header of mount_errno.c\n");
	return 2;
}

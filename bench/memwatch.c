// SPDX-License-Identifier: GPL-2.0
/*
 * Peak memory of a workload: samples /proc/meminfo every 50 ms from start
 * until SIGTERM or SIGINT, then prints the peak rise over the first sample
 * of the slab (Slab, and its unreclaimable part SUnreclaim) and of the page
 * cache (Cached), and the peak of Dirty + Writeback, all in KiB.
 *
 *   memwatch &  ...workload...  kill -TERM $!; wait $!
 */
#include <signal.h>
#include "benchutil.h"

enum { SLAB, SUNRECLAIM, CACHED, DIRTY, WRITEBACK, NR };
static const char *const keys[NR] = {
	"Slab:", "SUnreclaim:", "Cached:", "Dirty:", "Writeback:"
};

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static void sample(long v[NR])
{
	char line[256], key[64];
	FILE *f = fopen("/proc/meminfo", "r");
	long x;
	int i;

	CHECK(f, "open /proc/meminfo");
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%63s %ld", key, &x) != 2)
			continue;
		for (i = 0; i < NR; i++)
			if (!strcmp(key, keys[i]))
				v[i] = x;
	}
	fclose(f);
}

int main(void)
{
	struct timespec tick = { 0, 50 * 1000 * 1000 };
	long base[NR] = { 0 }, v[NR], peak[NR] = { 0 }, dirty = 0;
	struct sigaction sa = { .sa_handler = on_signal };
	int i;

	test_name = "memwatch";
	CHECK(!sigaction(SIGTERM, &sa, NULL) && !sigaction(SIGINT, &sa, NULL),
	      "sigaction");
	sample(base);
	while (!stop) {
		memcpy(v, base, sizeof(v));
		sample(v);
		for (i = 0; i < NR; i++)
			if (v[i] - base[i] > peak[i])
				peak[i] = v[i] - base[i];
		if (v[DIRTY] + v[WRITEBACK] > dirty)
			dirty = v[DIRTY] + v[WRITEBACK];
		nanosleep(&tick, NULL);
	}
	printf("slab_kb=%ld sunreclaim_kb=%ld cached_kb=%ld dirty_kb=%ld\n",
	       peak[SLAB], peak[SUNRECLAIM], peak[CACHED], dirty);
	return 0;
}

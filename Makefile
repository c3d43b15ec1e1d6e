# SPDX-License-Identifier: GPL-2.0
#
# make            the module (W=1) against KDIR, and the tools
# make install    modules_install + the tools into /sbin
# make check      the whole suite in the guest; ends "N passed, N failed"
# make check-debug the guest tests on the debug kernel (lockdep, KASAN,
#                 UBSAN, kmemleak, ...: scripts/debug-kernel builds it the
#                 first time, about 75 minutes), against which the module is
#                 built in .build/kernel-debug/atomfs; T=pattern as for check
# make check-crash the crash tests only, with long counts
#                 (ATOMFS_CRASH_LARGE=1: hundreds of replayed crash points,
#                 200 power cuts)
# make fuzz       damaged images, FUZZ_IMAGES of them (default 3000): fsck
#                 under sanitizers on the host, then mount and use in one
#                 guest boot
# make demo       boot a guest, mkfs, mount, run fio on atomfs
# make lint       W=1, sparse and checkpatch only
# make vm CMD=... run a command in the guest
# make fstests    fstests in the guest on atomfs and on ext4 (T="generic/001
#                 ...", or T=quick for fstests' quick group; default the
#                 curated tests/fstests/quick.list; FS=atomfs|ext4|both;
#                 MKFS="-a 4k": mkfs.atomfs options); table in
#                 docs/fstests/results.md; KERNEL=debug: on the debug
#                 kernel, table in .build/fstests/results-debug.md
# make bench      the benchmarks in one guest boot; tables and charts in results/
#
# KDIR defaults to the running kernel's build dir when it exists, else the
# newest installed 6.12 headers.  check, demo and vm always build against
# the 6.12 kernel the guest boots.

TOP	:= $(CURDIR)
RUNNING	:= /lib/modules/$(shell uname -r)/build
KVER	= $(shell $(TOP)/scripts/kver 2>/dev/null)
ifeq ($(origin KDIR), undefined)
KDIR	= $(if $(wildcard $(RUNNING)/Makefile),$(RUNNING),/lib/modules/$(KVER)/build)
endif
GUEST_KDIR = /lib/modules/$(KVER)/build
DESTDIR	?=
SBINDIR	?= /sbin

all: module tools

# Installs only what is missing; a no-op on a ready machine.
setup:
	@$(TOP)/scripts/setup

module:
	@[ -f "$(KDIR)/Makefile" ] || $(TOP)/scripts/setup
	$(MAKE) -C $(KDIR) M=$(TOP) W=1 modules

tools:
	$(MAKE) -C tools all

tests: tools
	$(MAKE) -C tests all

# DESTDIR stages both (the module under $(DESTDIR)/lib/modules/...).
install: all
	$(MAKE) -C $(KDIR) M=$(TOP) INSTALL_MOD_PATH=$(DESTDIR) modules_install
	$(MAKE) -C tools install DESTDIR=$(DESTDIR) SBINDIR=$(SBINDIR)
	$(if $(DESTDIR),,-depmod -a $(notdir $(patsubst %/build,%,$(realpath $(KDIR)))))

lint: setup
	$(TOP)/scripts/check -H $(T)

check: setup
	$(MAKE) -C $(GUEST_KDIR) M=$(TOP) W=1 modules
	$(MAKE) -C tools all
	$(MAKE) -C tests all
	$(TOP)/scripts/check $(T)

# The debug kernel, and the module built against it from a copy of the
# sources (the stock build in atomfs/ stays as it is).
DEBUG_DIR := $(TOP)/.build/kernel-debug
DEBUG_SRC := $(filter-out %.mod.c,$(wildcard atomfs/*.c)) $(wildcard atomfs/*.h)

module-debug: setup
	$(TOP)/scripts/debug-kernel
	mkdir -p $(DEBUG_DIR)/atomfs/atomfs
	rm -f $(DEBUG_DIR)/atomfs/atomfs/*.[ch]
	cp -p Kbuild $(DEBUG_DIR)/atomfs/
	cp -p atomfs/Kbuild $(DEBUG_SRC) $(DEBUG_DIR)/atomfs/atomfs/
	$(MAKE) -C $(DEBUG_DIR)/linux M=$(DEBUG_DIR)/atomfs W=1 modules

check-debug: module-debug
	$(MAKE) -C tools all
	$(MAKE) -C tests all
	ATOMFS_VM_KERNEL=debug $(TOP)/scripts/check -g $(T)

check-crash: setup
	$(MAKE) -C $(GUEST_KDIR) M=$(TOP) W=1 modules
	$(MAKE) -C tools all
	$(MAKE) -C tests all
	ATOMFS_CRASH_LARGE=1 $(TOP)/scripts/check -g crash

bench: setup
	$(MAKE) -C $(GUEST_KDIR) M=$(TOP) W=1 modules
	$(MAKE) -C tools all
	$(MAKE) -C bench all
	$(TOP)/scripts/bench $(BENCH_ARGS)

FUZZ_IMAGES ?= 3000

fuzz: setup
	$(MAKE) -C $(GUEST_KDIR) M=$(TOP) W=1 modules
	$(MAKE) -C tools all asan
	$(MAKE) -C tests all
	cd tools && ./fuzz-fsck.sh $(FUZZ_IMAGES)
	ATOMFS_FUZZ_IMAGES=$(FUZZ_IMAGES) $(TOP)/scripts/vm -q \
		-t $$(( $(FUZZ_IMAGES) * 4 + 600 )) -- \
		bash $(TOP)/tests/042-fuzz-images-mount.sh

demo: setup
	$(MAKE) -C $(GUEST_KDIR) M=$(TOP) W=1 modules
	$(MAKE) -C tools all
	$(TOP)/scripts/demo

FS ?= both

fstests: export ATOMFS_VM_KERNEL := $(if $(filter debug,$(KERNEL)),debug,stock)
fstests: setup $(if $(filter debug,$(KERNEL)),module-debug)
	$(if $(filter debug,$(KERNEL)),,$(MAKE) -C $(GUEST_KDIR) M=$(TOP) W=1 modules)
	$(MAKE) -C tools all
	$(TOP)/scripts/fstests-build
	$(TOP)/scripts/fstests -f $(FS) $(if $(MKFS),-m "$(MKFS)") $(T)

vm: setup
	$(TOP)/scripts/vm -- $(CMD)

clean:
	-[ -f "$(KDIR)/Makefile" ] && $(MAKE) -C $(KDIR) M=$(TOP) clean
	$(MAKE) -C tools clean
	$(MAKE) -C tests clean
	$(MAKE) -C bench clean
	rm -rf .build/check .build/vm .build/crash-power-cut

.PHONY: all setup module tools tests install lint check check-debug module-debug check-crash fuzz bench demo fstests vm clean

# mcsec front door.
#   make         build mcsec.ko (against Debian's linux-headers-amd64) and
#                all userspace (meson/ninja in build/)
#   make check   install what is missing, build, run every test
#   make run     install what is missing, build, run the demo (mcsecd, the
#                key server and its members keeping mcsec.ko's keys moving)
#   make demo-kernel  issue 3's kernel-only demo (static keys, no mcsecd)
#   make bench   benchmarks (bench/)
# KDIR=/path/to/kernel/build overrides the kernel tree.

KDIR ?= $(shell scripts/kdir.sh)
BUILD ?= build

.PHONY: all module module-check userspace deps check run demo-kernel bench clean

all: module userspace

module:
	$(MAKE) -C $(KDIR) M=$(CURDIR) modules

# The same build with W=1 and sparse; any warning fails it.
module-check:
	scripts/module-check.sh $(KDIR)

$(BUILD)/build.ninja:
	meson setup $(BUILD) >/dev/null

userspace: $(BUILD)/build.ninja
	ninja -C $(BUILD)

deps:
	@scripts/deps.sh

check: deps
	@scripts/check.sh

run: deps
	$(MAKE) -s all
	@scripts/demo.sh

demo-kernel: deps
	$(MAKE) -s all
	@scripts/demo.sh --kernel

bench: deps
	$(MAKE) -s all
	@bench/run.sh

clean:
	$(MAKE) -C $(KDIR) M=$(CURDIR) clean
	rm -rf $(BUILD) build-san

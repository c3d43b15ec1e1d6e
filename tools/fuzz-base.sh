#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# The sound image the fuzzers damage: a 64 MiB filesystem holding a bit of
# everything the format has (files of one and of many units, an empty
# file, a directory of 150 names whose name tree has two levels, nested
# directories, a hard link, an inline and a block symlink).  The damage of
# a seed depends on the image's structure only, which this script always
# builds the same.
#
# Usage: fuzz-base.sh IMAGE [MKFS [ATOMFS-DEBUG]]

set -eu
img=$1
mkfs=${2:-$(dirname "$0")/mkfs.atomfs}
dbg=${3:-$(dirname "$0")/atomfs-debug}

rm -f "$img"
truncate -s 64M "$img"
"$mkfs" -q -f "$img"
d() { "$dbg" "$img" "$@"; }
d mkfile 1 small 1000 >/dev/null
d mkfile 1 big 600k >/dev/null
d mkfile 1 empty 0 >/dev/null
many=$(d mkdir 1 many)
d populate "$many" 150 3000 >/dev/null
sub=$(d mkdir 1 sub)
deep=$(d mkdir "$sub" deep)
d mkfile "$deep" file 20000 >/dev/null
d link "$sub" hardlink "$(d lookup /small)"
d symlink 1 short ../small >/dev/null
d symlink "$sub" long "$(printf 'long/%.0s' $(seq 60))small" >/dev/null

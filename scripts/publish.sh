#!/usr/bin/env bash
# Builds backupctl and backupd for installation into OUTDIR, laid out as on the target system:
#
#   OUTDIR/usr/lib/backup/          both programs, and the .NET runtime backupd runs on
#   OUTDIR/usr/bin/backupctl   ->   ../lib/backup/backupctl
#   OUTDIR/usr/sbin/backupd    ->   ../lib/backup/backupd
#
# backupd is self-contained (linux-x64) and compiled ahead of time (ReadyToRun). backupctl is compiled
# to native code (Native AOT): a short command such as `backupctl run JOB --wait` starts in a few
# milliseconds instead of spending 70-100 ms loading the runtime and compiling (`backupctl --help`:
# under 0.01 s, against 0.08-0.11 s as ReadyToRun and 0.13-0.16 s as plain IL). Native compilation
# needs a C toolchain to link: clang or gcc, and zlib1g-dev. backupd never compiles a method twice
# (TieredCompilation off in its project when published this way): a long-lived daemon otherwise spends
# a third of its CPU in its first dozens of runs compiling hot methods again, and keeps that code resident.
# Its unit (systemd/backupd.service) has the backup engine (Backup.Core) compiled at first call, fully
# optimised, rather than run from the ahead-of-time code, which was 15-30 % slower in a journal run.
# The target needs no .NET runtime, only glibc,
# OpenSSL 3 (libssl3), libzstd1 and libsystemd0, which every systemd-based Debian has. Both go into
# one directory, which also holds the runtime backupd runs on and the SQLite library both load; the
# debugging symbols of the native backupctl stay in the intermediate directory (backupctl.dbg).
# Intermediate files go under artifacts/publish, apart from the normal build's obj/ and bin/,
# so publishing never disturbs a build or test run of the same tree.
#
# Usage: scripts/publish.sh OUTDIR    (CONFIGURATION=Debug to publish a debug build)
set -euo pipefail

if [ $# -ne 1 ]; then
    echo "usage: $0 OUTDIR" >&2
    exit 2
fi

root="$(cd "$(dirname "$0")/.." && pwd)"
mkdir -p "$1"
out="$(cd "$1" && pwd)"
configuration=${CONFIGURATION:-Release}
artifacts="$root/artifacts/publish"
mkdir -p "$artifacts"

# One publish at a time per tree: they share the intermediate directory.
exec 9>"$artifacts/.lock"
flock 9

lib="$out/usr/lib/backup"
rm -rf "$lib" "$out/usr/bin/backupctl" "$out/usr/sbin/backupd"
mkdir -p "$lib" "$out/usr/bin" "$out/usr/sbin"

dotnet publish "$root/src/Backup.Daemon" \
    -c "$configuration" -r linux-x64 --self-contained -p:PublishReadyToRun=true \
    --artifacts-path "$artifacts" \
    --disable-build-servers -nologo -v quiet \
    -o "$lib"

native="$artifacts/backupctl-native"
rm -rf "$native"
dotnet publish "$root/src/Backup.Cli" \
    -c "$configuration" -r linux-x64 -p:PublishAot=true \
    --artifacts-path "$artifacts" \
    --disable-build-servers -nologo -v quiet \
    -o "$native"
install -m 0755 "$native/backupctl" "$lib/backupctl"

ln -s ../lib/backup/backupctl "$out/usr/bin/backupctl"
ln -s ../lib/backup/backupd "$out/usr/sbin/backupd"
echo "published to $out"

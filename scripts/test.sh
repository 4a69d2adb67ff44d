#!/usr/bin/env bash
# Runs every test of Backup.Linux: unit tests, the real-kernel interop tests and the integration
# tests that use the real restic as an oracle. As root it first installs the Debian packages the
# tests need (gcc and zlib1g-dev link the installed backupctl as native code); otherwise it only
# says what is missing.
set -euo pipefail
cd "$(dirname "$0")/.."

packages=(restic attr acl zstd systemd systemd-container debootstrap btrfs-progs e2fsprogs gcc zlib1g-dev)
missing=()
for p in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ "${#missing[@]}" -gt 0 ]; then
    if [ "$(id -u)" = 0 ]; then
        echo "test.sh: installing ${missing[*]}"
        apt-get update -qq
        DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 install -y -qq "${missing[@]}" >/dev/null
    else
        echo "test.sh: missing Debian packages: ${missing[*]} (install them with: sudo apt-get install ${missing[*]})"
    fi
fi

configuration=${CONFIGURATION:-Release}
dotnet build Backup.Linux.sln -c "$configuration" -nologo -v quiet
log=$(mktemp)
trap 'rm -f "$log"' EXIT
set +e
dotnet test Backup.Linux.sln -c "$configuration" --no-build -nologo "$@" 2>&1 | tee "$log"
status=${PIPESTATUS[0]}
set -e

# One plain summary line over all test projects.
awk '
  /(Passed|Failed)! +- +Failed:/ {
    gsub(/,/, " ");
    for (i = 1; i <= NF; i++) {
      if ($i == "Failed:") f += $(i+1);
      if ($i == "Passed:") p += $(i+1);
      if ($i == "Skipped:") s += $(i+1);
    }
  }
  END { printf "tests: %d passed, %d failed, %d skipped\n", p, f, s }' "$log"
exit "$status"

#!/usr/bin/env bash
# Measures backupd's change journal: what a backup after a small change costs as the tree grows,
# what the watcher costs a busy writer, and how much memory the daemon keeps while it watches.
#
#   scripts/journal-benchmark.sh [--sizes LIST] [--workdir DIR] [--changes N] [--runs N] [--creates N]
#                                [--repeats N] [--image-size SIZE] [--seed N] [--keep]
#
# Runs as root: the trees live on a loop-mounted ext4 image of their own under DIR (default
# /work/bench-data/journal), so backupd marks only that filesystem. For each tree size in LIST
# (default 50000,100000,200000,500000 files of 0-8 KiB, 100 per directory):
#   - backupd starts with one job on the tree and runs it once (the first run is always a full scan);
#   - three kinds of backup are timed, --runs times each (default 3), each after its own N changed files
#     (default 100, a few bytes appended): (a) backupctl run JOB --wait --json (journal-driven), (b) the
#     same with --full (our full scan: metadata compare), (c) restic backup of the tree, whose parent
#     snapshot is the tree as it was just before those changes, so every backup sees exactly N changed
#     files. The tables show each kind's median run; the first journal run after the daemon's initial
#     run (code not yet used in this process) is shown beside it.
# Then a workload that creates --creates files (default 200000) in an empty directory of the same
# filesystem is timed in --repeats rounds (default 3), each under three conditions in rotating order:
# no watcher; scripts/fanotify-floor.c, which makes backupd's fanotify group, mark and ignore marks and
# does nothing else (the kernel's share of the cost); and backupd watching it. Once more with backupd
# watching under perf record -g (when perf is installed) for the share of the writer's CPU spent in
# the kernel's fsnotify/fanotify code. The daemon's VmRSS,
# private memory and VmHWM are sampled after every step and during that workload. backupd and
# backupctl are measured as installed: published by scripts/publish.sh (backupd ReadyToRun, backupctl native)
# into DIR/install; backupd logs each run's phases (BACKUP_DEBUG=1) to
# DIR/logs/backupd-JOB.log.
# Wall and CPU time come from GNU time; the daemon's CPU from /proc/PID/stat. Page caches are not
# dropped (the machine is shared): an untimed `find TREE` walks each tree before the timed steps.
# Results go to stdout and to DIR/results-<time>.md. Performance is reported, never asserted.
# Repositories, trees and the image are removed at the end unless --keep is given.
set -euo pipefail

root="$(cd "$(dirname "$0")/.." && pwd)"
sizes=50000,100000,200000,500000
workdir=/work/bench-data/journal
changes=100
runs=3
creates=200000
repeats=3
image_size=8G
seed=1
keep=no

# The comment block at the top of this file, without the marks.
usage() { awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$0"; }
while [ $# -gt 0 ]; do
    case "$1" in
        --sizes) sizes="$2"; shift 2 ;;
        --workdir) workdir="$2"; shift 2 ;;
        --changes) changes="$2"; shift 2 ;;
        --runs) runs="$2"; shift 2 ;;
        --creates) creates="$2"; shift 2 ;;
        --repeats) repeats="$2"; shift 2 ;;
        --image-size) image_size="$2"; shift 2 ;;
        --seed) seed="$2"; shift 2 ;;
        --keep) keep=yes; shift ;;
        -h|--help) usage; exit 0 ;;
        *) echo "journal-benchmark.sh: unknown argument $1" >&2; usage >&2; exit 2 ;;
    esac
done
IFS=, read -r -a size_list <<<"$sizes"
for n in "${size_list[@]}" "$changes" "$runs" "$creates" "$repeats" "$seed"; do
    if ! [[ "$n" =~ ^[0-9]+$ ]] || [ "$n" -eq 0 ]; then
        echo "journal-benchmark.sh: sizes, --changes, --runs, --creates, --repeats and --seed take whole numbers above 0 (got '$n')" >&2
        exit 2
    fi
done
for n in "${size_list[@]}"; do
    if [ "$n" -lt "$((changes * 3))" ]; then
        echo "journal-benchmark.sh: a tree of $n files is too small for 3 rounds of $changes changes" >&2
        exit 2
    fi
done
if [ "$(id -u)" != 0 ]; then
    echo "journal-benchmark.sh: run as root (it mounts a loop image, and backupd needs fanotify filesystem marks)" >&2
    exit 1
fi

# ---------------------------------------------------------------- tools
missing=()
[ -x /usr/bin/time ] || missing+=(time)
command -v restic >/dev/null || missing+=(restic)
command -v gcc >/dev/null || missing+=(gcc)
command -v jq >/dev/null || missing+=(jq)
command -v mkfs.ext4 >/dev/null || missing+=(e2fsprogs)
if [ "${#missing[@]}" -gt 0 ]; then
    echo "installing ${missing[*]}"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 install -y -qq "${missing[@]}" >/dev/null
fi

mkdir -p "$workdir"
workdir="$(cd "$workdir" && pwd)"
logs="$workdir/logs"
image="$workdir/ext4.img"
mnt="$workdir/mnt"
repos="$workdir/repos"
rm -rf "$logs"
mkdir -p "$logs"
tmp="$(mktemp -d)"

# Space: the image grows to what the trees use (about 6 KiB a file on disk), and two repositories
# of the largest tree live beside it, outside the watched filesystem.
largest=0
total=0
for n in "${size_list[@]}"; do
    [ "$n" -gt "$largest" ] && largest="$n"
    total=$((total + n))
done
on_image=$(( $([ "$keep" = yes ] && echo "$total" || echo "$largest") + creates ))
need=$(( on_image * 6 * 1024 + largest * 2 * 5 * 1024 + 2000000000 ))
image_bytes=$(numfmt --from=iec "$image_size")
if [ $((on_image * 6 * 1024 + 1000000000)) -gt "$image_bytes" ]; then
    echo "journal-benchmark.sh: an image of $image_size is too small for $on_image files; use --image-size $(( on_image * 6 / 1024 / 1024 + 2 ))G" >&2
    exit 1
fi
avail=$(( $(df -Pk "$workdir" | awk 'NR == 2 { print $4 }') * 1024 ))
if [ "$avail" -lt "$need" ]; then
    echo "journal-benchmark.sh: not enough space in $workdir: about $((need / 1000000000)) GB needed, $((avail / 1000000000)) GB free" >&2
    exit 1
fi

# ---------------------------------------------------------------- builds (never timed)
echo "== publishing backupd and backupctl (as installed: backupd ReadyToRun, backupctl native), building the tree generator"
# What an administrator runs: the output of scripts/publish.sh, not `dotnet prog.dll` of a debug-friendly build.
"$root/scripts/publish.sh" "$workdir/install" >"$logs/publish.log" 2>&1 || { cat "$logs/publish.log"; exit 1; }
backupd="$workdir/install/usr/sbin/backupd"
# backupd runs in the environment its unit gives it (Environment= lines of systemd/backupd.service), at the
# unit's CPU and I/O priority (Nice=, IOSchedulingClass=).
unit_setting() { sed -n "s/^$1=//p" "$root/systemd/backupd.service"; }
mapfile -t unit_environment < <(unit_setting Environment)
unit_priority=()
unit_nice=$(unit_setting Nice)
unit_io_class=$(unit_setting IOSchedulingClass)
[ -n "$unit_nice" ] && unit_priority+=(nice -n "$unit_nice")
[ -n "$unit_io_class" ] && unit_priority+=(ionice -c "$unit_io_class")
backupctl="$workdir/install/usr/bin/backupctl"
gcc -O2 -Wall -Wextra -Werror -o "$tmp/journal-tree" "$root/scripts/journal-tree.c"
tree_tool="$tmp/journal-tree"
gcc -O2 -Wall -Wextra -Werror -o "$tmp/fanotify-floor" "$root/scripts/fanotify-floor.c"
floor_tool="$tmp/fanotify-floor"
revision="$(git -C "$root" log -1 --format='%h %s' 2>/dev/null || echo "${BACKUPCTL_REVISION:-unknown}")"
if [ -n "$(git -C "$root" status --porcelain -- src 2>/dev/null)" ]; then
    revision="$revision, with uncommitted changes under src/"
fi

# ---------------------------------------------------------------- the filesystem and clean-up
loop=""
daemon_pid=""
stop_daemon() {
    [ -n "$daemon_pid" ] || return 0
    kill -TERM "$daemon_pid" 2>/dev/null || true
    wait "$daemon_pid" 2>/dev/null || true
    daemon_pid=""
}
cleanup() {
    stop_daemon
    if [ "$keep" = no ]; then
        rm -rf "$repos" "$workdir/restic-cache" "$workdir"/daemon-* "$workdir/install"
    fi
    if [ -n "$loop" ]; then
        umount "$mnt" 2>/dev/null || true
        losetup -d "$loop" 2>/dev/null || true
        if [ "$keep" = no ]; then
            rm -f "$image" "$workdir/password"
            rmdir "$mnt" 2>/dev/null || true
        fi
    fi
    rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

if mountpoint -q "$mnt" 2>/dev/null; then
    echo "journal-benchmark.sh: $mnt is still mounted (an earlier run that was killed?); unmount it and detach its loop device first" >&2
    exit 1
fi
echo "== ext4 image $image ($image_size, sparse) mounted on $mnt"
rm -f "$image"
truncate -s "$image_size" "$image"
# One inode per 4 KiB: the default ratio (16 KiB) leaves too few inodes for half a million small files.
mkfs.ext4 -q -F -i 4096 -m 0 "$image"
loop="$(losetup --find --show "$image")"
mkdir -p "$mnt"
mount "$loop" "$mnt"
rm -rf "$repos" "$workdir/restic-cache" "$workdir"/daemon-*
mkdir -p "$repos"
password=benchmark-password
printf '%s\n' "$password" >"$workdir/password"
chmod 600 "$workdir/password"

restic_cmd() { # REPO ARGS...
    local repo="$1"; shift
    env RESTIC_PASSWORD="$password" RESTIC_CACHE_DIR="$workdir/restic-cache" restic -r "$repo" "$@"
}

# ---------------------------------------------------------------- the daemon
clk_tck=$(getconf CLK_TCK)
socket=""
declare -a memory_rows=()
# Two kinds of samples: "watching" while backupd has done nothing but watch (no backup of any size
# yet; the create workload's job has only backed up an empty directory), "between runs" when it has
# run backups of a tree and is watching again.
declare -A max_rss=([watching]=0 ["between runs"]=0) max_rss_where=() max_private=([watching]=0 ["between runs"]=0)
max_hwm=0
max_hwm_where=""

# start_daemon NAME SOURCE: a fresh backupd (own state, config and socket) with one job NAME on SOURCE.
start_daemon() {
    local name="$1" source="$2" d="$workdir/daemon-$1"
    rm -rf "$d"
    mkdir -p "$d/etc/jobs.d" "$d/state" "$d/run" "$d/cache"
    cat >"$d/etc/jobs.d/$name.yaml" <<EOF
sources: [$source]
repository: $repos/backupctl-$name
password_file: $workdir/password
full_scan_every: 1000d
EOF
    socket="$d/run/backupd.sock"
    env "${unit_environment[@]}" BACKUP_DEBUG=1 BACKUP_CONFIG_DIR="$d/etc" STATE_DIRECTORY="$d/state" RUNTIME_DIRECTORY="$d/run" CACHE_DIRECTORY="$d/cache" \
        "${unit_priority[@]}" "$backupd" >>"$logs/backupd-$name.log" 2>&1 &
    daemon_pid=$!
    local i
    for i in $(seq 1 240); do
        if ! kill -0 "$daemon_pid" 2>/dev/null; then
            echo "journal-benchmark.sh: backupd exited at start; last lines of $logs/backupd-$name.log:" >&2
            tail -n 20 "$logs/backupd-$name.log" >&2
            daemon_pid=""
            exit 1
        fi
        if [ -S "$socket" ] && "$backupctl" --socket "$socket" status "$name" --json >"$tmp/status.json" 2>/dev/null \
            && [ "$(jq -r '.journal.watching' "$tmp/status.json")" = true ]; then
            return 0
        fi
        sleep 0.5
    done
    echo "journal-benchmark.sh: backupd did not start watching $source within 2 minutes; last status: $(cat "$tmp/status.json" 2>/dev/null)" >&2
    exit 1
}

daemon_cpu() { # seconds of user + system CPU the daemon has used so far
    awk -v t="$clk_tck" '{ sub(/^.*\) /, ""); printf "%.2f", ($12 + $13) / t }' "/proc/$daemon_pid/stat"
}

status_kib() { # FIELD [PID]: VmRSS or VmHWM of the daemon (or of PID), in KiB
    local key value unit
    while read -r key value unit; do
        if [ "$key" = "$1:" ]; then echo "$value"; return; fi
    done <"/proc/${2:-$daemon_pid}/status"
    echo 0
}

# note_rss KIND KIB WHERE: keeps the highest VmRSS of each kind of sample.
note_rss() {
    if [ "$2" -gt "${max_rss[$1]}" ]; then max_rss[$1]=$2; max_rss_where[$1]="$3"; fi
}

# sample_memory KIND WHERE: records the daemon's VmRSS (now), its private part (RssAnon + RssShmem:
# heap, code the runtime compiled; the rest of VmRSS are pages of the program's files, shared and
# reclaimable) and VmHWM (its peak so far). "between runs" samples wait until backupd has given back
# what the run used, which it does a second after a run when no other is running.
sample_memory() {
    local rss hwm private
    if [ "$1" = "between runs" ]; then sleep 3; fi
    rss=$(status_kib VmRSS)
    hwm=$(status_kib VmHWM)
    private=$(( $(status_kib RssAnon) + $(status_kib RssShmem) ))
    memory_rows+=("| $2 | $1 | $((rss / 1024)) MiB | $((private / 1024)) MiB | $((hwm / 1024)) MiB |")
    if [ "$private" -gt "${max_private[$1]}" ]; then max_private[$1]=$private; fi
    note_rss "$1" "$rss" "$2"
    if [ "$hwm" -gt "$max_hwm" ]; then max_hwm=$hwm; max_hwm_where="$2"; fi
}
mb() { awk -v k="$1" 'BEGIN { printf "%.0f", k * 1024 / 1e6 }'; }

loadavg() { cut -d' ' -f1 /proc/loadavg; }
iso_seconds() { date -d "$1" +%s.%N; }

declare -A wall cpu dcpu load run_secs kind reason visited changed result
odd=()

# backupctl_run KEY JOB [--full]: one timed `backupctl run JOB --wait --json`; the JSON record is kept.
backupctl_run() {
    local key="$1" job="$2"; shift 2
    local out="$logs/$key.json" rc=0 d0 d1 e u s m
    sync
    load[$key]=$(loadavg)
    d0=$(daemon_cpu)
    /usr/bin/time -f '%e %U %S %M' -o "$tmp/time" \
        "$backupctl" --socket "$socket" run "$job" --wait --json "$@" >"$out" 2>"$logs/$key.err" || rc=$?
    d1=$(daemon_cpu)
    read -r e u s m < <(tail -n 1 "$tmp/time")
    wall[$key]=$e
    dcpu[$key]=$(awk -v a="$d0" -v b="$d1" 'BEGIN { printf "%.2f", b - a }')
    cpu[$key]=$(awk -v u="$u" -v s="$s" -v d="${dcpu[$key]}" 'BEGIN { printf "%.2f", u + s + d }')
    result[$key]=$(jq -r '.result // "none"' "$out" 2>/dev/null || echo "unreadable")
    kind[$key]=$(jq -r '.scan.kind // "none"' "$out" 2>/dev/null || echo "?")
    reason[$key]=$(jq -r '.scan.reason // ""' "$out" 2>/dev/null || true)
    visited[$key]=$(jq -r '.scan.directories_visited // "n/a"' "$out" 2>/dev/null || echo "n/a")
    changed[$key]=$(jq -r '"\(.files_changed // 0)/\(.files_new // 0)"' "$out" 2>/dev/null || echo "?")
    local started ended
    started=$(jq -r '.started // empty' "$out" 2>/dev/null || true)
    ended=$(jq -r '.ended // empty' "$out" 2>/dev/null || true)
    if [ -n "$started" ] && [ -n "$ended" ]; then
        run_secs[$key]=$(awk -v a="$(iso_seconds "$started")" -v b="$(iso_seconds "$ended")" 'BEGIN { printf "%.2f", b - a }')
    else
        run_secs[$key]="n/a"
    fi
    if [ "$rc" -ne 0 ] || [ "${result[$key]}" != success ]; then
        odd+=("$key: backupctl exited with $rc, run result ${result[$key]}: $(head -c 400 "$logs/$key.err") $(jq -r '.error // empty' "$out" 2>/dev/null | head -c 400)")
    fi
    printf '   %-16s wall %7.2f s (run %s s in the daemon)  cpu %6.2f s  scan %s%s, %s directories, changed/new %s  (load %s)\n' \
        "$key" "$e" "${run_secs[$key]}" "${cpu[$key]}" "${kind[$key]}" "${reason[$key]:+ (${reason[$key]})}" \
        "${visited[$key]}" "${changed[$key]}" "${load[$key]}"
}

# take_median KEY: the timed runs KEY-1 … KEY-RUNS become KEY, as the run with the median wall time
# (the lower middle one for an even count); KEY-all lists every run's wall time.
take_median() {
    local key="$1" i field chosen
    chosen=$(for i in $(seq 1 "$runs"); do echo "${wall[$key-$i]} $i"; done | sort -n | sed -n "$(( (runs + 1) / 2 ))p" | cut -d' ' -f2)
    for field in wall cpu dcpu load run_secs kind reason visited changed result; do
        local -n values="$field"
        values[$key]="${values[$key-$chosen]:-}"
    done
    wall[$key-all]=$(for i in $(seq 1 "$runs"); do printf '%s ' "${wall[$key-$i]}"; done)
}

# restic_backup KEY REPO TREE: one timed restic backup; its "Files:" line says what it found changed.
restic_backup() {
    local key="$1" repo="$2" tree="$3" rc=0 e u s m
    sync
    load[$key]=$(loadavg)
    /usr/bin/time -f '%e %U %S %M' -o "$tmp/time" \
        env RESTIC_PASSWORD="$password" RESTIC_CACHE_DIR="$workdir/restic-cache" restic -r "$repo" backup "$tree" \
        >"$logs/$key.log" 2>&1 || rc=$?
    read -r e u s m < <(tail -n 1 "$tmp/time")
    wall[$key]=$e
    cpu[$key]=$(awk -v u="$u" -v s="$s" 'BEGIN { printf "%.2f", u + s }')
    changed[$key]=$(sed -n 's/^Files: *\([0-9]*\) new, *\([0-9]*\) changed.*/\2\/\1/p' "$logs/$key.log" | tail -n 1)
    if [ "$rc" -ne 0 ]; then
        odd+=("$key: restic exited with $rc: $(tail -n 3 "$logs/$key.log" | tr '\n' ' ')")
    fi
    printf '   %-16s wall %7.2f s  cpu %6.2f s  changed/new %s  (load %s)\n' "$key" "$e" "${cpu[$key]}" "${changed[$key]:-?}" "${load[$key]}"
}

# ---------------------------------------------------------------- machine
load_before="$(uptime)"
machine="$(nproc) cores ($(lscpu 2>/dev/null | sed -n 's/^Model name: *//p' | head -1)), $(awk '/MemTotal/ { printf "%.1f GiB", $2 / 1048576 }' /proc/meminfo) memory, kernel $(uname -r)"
restic_version="$(restic version)"
dotnet_version="$(dotnet --version)"
declare -A gen_secs dirs_of

# ---------------------------------------------------------------- trees
for n in "${size_list[@]}"; do
    tree="$mnt/tree-$n"
    job="tree-$n"
    echo "== $n files"
    start=$(date +%s.%N)
    # Setup is not measured: it runs at low priority so that others on the machine keep their share.
    nice -n 10 "$tree_tool" generate "$tree" "$n" "$seed"
    sync
    gen_secs[$n]=$(awk -v a="$start" -v b="$(date +%s.%N)" 'BEGIN { printf "%.0f", b - a }')
    dirs_of[$n]=$(find "$tree" -type d | wc -l)
    echo "   generated in ${gen_secs[$n]} s ($(du -sh "$tree" | cut -f1), ${dirs_of[$n]} directories)"
    "$backupctl" -r "$repos/backupctl-$job" --password-file "$workdir/password" init >"$logs/init-backupctl-$job.log" 2>&1
    restic_cmd "$repos/restic-$job" init --repository-version 2 >"$logs/init-restic-$job.log" 2>&1

    start_daemon "$job" "$tree"
    sample_memory watching "$n files: backupd started"
    backupctl_run "initial-$n" "$job"
    sample_memory "between runs" "$n files: after the initial (full) run"

    find "$tree" >/dev/null
    round=0
    for i in $(seq 1 "$runs"); do
        round=$((round + 1))
        "$tree_tool" mutate "$tree" "$n" "$changes" "$((seed * 1000 + round))" >"$logs/mutated-$n-$round.txt"
        backupctl_run "journal-$n-$i" "$job"
        if [ "${kind[journal-$n-$i]}" != journal ]; then
            odd+=("journal-$n-$i: the run after $changes changes scanned \"${kind[journal-$n-$i]}\": ${reason[journal-$n-$i]}")
        fi
    done
    sample_memory "between runs" "$n files: after the journal runs"
    take_median "journal-$n"

    for i in $(seq 1 "$runs"); do
        round=$((round + 1))
        "$tree_tool" mutate "$tree" "$n" "$changes" "$((seed * 1000 + round))" >"$logs/mutated-$n-$round.txt"
        backupctl_run "full-$n-$i" "$job" --full
        if [ "${kind[full-$n-$i]}" != full ]; then
            odd+=("full-$n-$i: the run with --full scanned \"${kind[full-$n-$i]}\"")
        fi
    done
    sample_memory "between runs" "$n files: after the --full runs"
    take_median "full-$n"

    # restic's first backup comes now, so that its parent snapshot holds the rounds of changes before
    # and each timed backup, like ours, sees only its own.
    restic_backup "restic-initial-$n" "$repos/restic-$job" "$tree"
    for i in $(seq 1 "$runs"); do
        round=$((round + 1))
        "$tree_tool" mutate "$tree" "$n" "$changes" "$((seed * 1000 + round))" >"$logs/mutated-$n-$round.txt"
        restic_backup "restic-$n-$i" "$repos/restic-$job" "$tree"
    done
    take_median "restic-$n"
    sample_memory "between runs" "$n files: after restic's backups (backupd idle)"

    stop_daemon
    if [ "$keep" = no ]; then
        rm -rf "$repos/backupctl-$job" "$repos/restic-$job" "$workdir/restic-cache"
        nice -n 10 rm -rf "$tree"
    fi
done

# ---------------------------------------------------------------- watcher overhead
echo "== watcher overhead: creating $creates files in an empty directory, without a watcher, under fanotify-floor and with backupd watching"
work="$mnt/create"
mkdir -p "$work"
"$backupctl" -r "$repos/backupctl-create" --password-file "$workdir/password" init >"$logs/init-backupctl-create.log" 2>&1
declare -A walls_of cpus_of instructions_of cycles_of
declare -a overhead_rows=()
conditions=(off floor on)
declare -A label_of=([off]="no watcher" [floor]="fanotify-floor" [on]="backupd watching")

# Wall time here varies by tens of percent from run to run for the same work; the writer's
# instruction count, where the processor's counters are available to perf stat, varies by a few tenths of a
# percent and shows what watching adds to the writer's own work.
counters=no
if command -v perf >/dev/null && perf stat -x, -e instructions,cycles -o "$tmp/probe" true 2>/dev/null \
    && grep -q '^[0-9]*,,instructions' "$tmp/probe"; then
    counters=yes
fi

# create_workload KEY: times the creation of the files in $work/files (which must not exist).
create_workload() {
    local key="$1" e u s m
    local -a stat=()
    [ "$counters" = yes ] && stat=(perf stat -x, -e instructions,cycles -o "$tmp/perfstat")
    sync
    load[$key]=$(loadavg)
    "${stat[@]}" /usr/bin/time -f '%e %U %S %M' -o "$tmp/time" "$tree_tool" generate "$work/files" "$creates" "$((seed + 7))"
    read -r e u s m < <(tail -n 1 "$tmp/time")
    wall[$key]=$e
    user[$key]=$u
    sys[$key]=$s
    instructions[$key]=n/a
    cycles[$key]=n/a
    if [ "$counters" = yes ]; then
        instructions[$key]=$(awk -F, '$3 ~ /^instructions/ { printf "%d", $1 / 1e6 }' "$tmp/perfstat")
        cycles[$key]=$(awk -F, '$3 ~ /^cycles/ { printf "%d", $1 / 1e6 }' "$tmp/perfstat")
    fi
}
declare -A user sys instructions cycles

# start_floor: the same fanotify group, mask and ignore marks as backupd's journal, doing nothing else.
start_floor() {
    "$floor_tool" --ignore-new-directories "$work" >"$tmp/floor.out" 2>>"$logs/fanotify-floor.log" &
    floor_pid=$!
    for _ in $(seq 1 100); do
        grep -q watching "$tmp/floor.out" 2>/dev/null && return 0
        kill -0 "$floor_pid" 2>/dev/null || break
        sleep 0.05
    done
    echo "journal-benchmark.sh: fanotify-floor did not start, see $logs/fanotify-floor.log" >&2
    exit 1
}

for rep in $(seq 1 "$repeats"); do
    # Rotate which condition goes first, so that none always meets the same moment of load.
    for i in 0 1 2; do
        condition=${conditions[$(( (rep - 1 + i) % 3 ))]}
        key="create-$condition-$rep"
        # The previous round's files go first, and the filesystem settles, the same way for every condition.
        nice -n 10 rm -rf "$work/files"
        sync
        sleep 2
        watched=$$
        case "$condition" in
            on)
                start_daemon create "$work"
                backupctl_run "create-run-$rep" create
                sample_memory watching "create workload $rep: before (the job has backed up the empty directory)"
                watched=$daemon_pid
                ;;
            floor) start_floor ;;
        esac
        # The same sampler runs in every condition (on this shell without backupd), so each carries its cost.
        (
            while kill -0 "$watched" 2>/dev/null; do
                status_kib VmRSS "$watched"
                sleep 0.2
            done
        ) >"$tmp/rss" &
        sampler=$!
        if [ "$condition" = on ]; then d0=$(daemon_cpu); fi
        create_workload "$key"
        # The flusher writes every 2 s: give it time to catch up, so that its work is counted.
        sleep 3
        kill "$sampler" 2>/dev/null || true
        wait "$sampler" 2>/dev/null || true
        dcpu[$key]="n/a"
        case "$condition" in
            on)
                d1=$(daemon_cpu)
                dcpu[$key]=$(awk -v a="$d0" -v b="$d1" 'BEGIN { printf "%.2f", b - a }')
                peak=$(sort -n "$tmp/rss" | tail -n 1)
                memory_rows+=("| create workload $rep: highest of $(wc -l <"$tmp/rss") samples during it | watching | $((${peak:-0} / 1024)) MiB | | |")
                note_rss watching "${peak:-0}" "create workload $rep (during)"
                sample_memory watching "create workload $rep: after"
                stop_daemon
                ;;
            floor)
                kill -TERM "$floor_pid"
                wait "$floor_pid" || { echo "journal-benchmark.sh: fanotify-floor failed, see $logs/fanotify-floor.log" >&2; exit 1; }
                ;;
        esac
        walls_of[$condition]+="${wall[$key]} "
        cpus_of[$condition]+="$(awk -v u="${user[$key]}" -v s="${sys[$key]}" 'BEGIN { printf "%.2f", u + s }') "
        instructions_of[$condition]+="${instructions[$key]} "
        cycles_of[$condition]+="${cycles[$key]} "
        printf '   %-19s wall %7.2f s  user %6.2f s  sys %6.2f s  instructions %s M  cycles %s M  backupd cpu %s s  (load %s)\n' \
            "$key" "${wall[$key]}" "${user[$key]}" "${sys[$key]}" "${instructions[$key]}" "${cycles[$key]}" "${dcpu[$key]}" "${load[$key]}"
        overhead_rows+=("| $rep | ${label_of[$condition]} | ${wall[$key]} s | ${user[$key]} s | ${sys[$key]} s | ${instructions[$key]} M | ${cycles[$key]} M | $([ "${dcpu[$key]}" = n/a ] && echo n/a || echo "${dcpu[$key]} s") | ${load[$key]} |")
    done
done

# Wall time of the workload varies by tens of percent on a busy virtual machine; the share of the writer's
# own CPU samples spent in the kernel's fsnotify/fanotify code is a steadier measure of what watching costs it.
perf_share="n/a (perf is not installed: apt-get install linux-perf)"
if command -v perf >/dev/null; then
    echo "== the writer's CPU in fanotify code: one more run with backupd watching, under perf record -g"
    nice -n 10 rm -rf "$work/files"
    start_daemon create "$work"
    backupctl_run "create-run-perf" create
    sync
    if perf record -q -g -o "$tmp/perf.data" "$tree_tool" generate "$work/files" "$creates" "$((seed + 7))" >/dev/null 2>"$logs/perf-record.log"; then
        # perf script prints each sample's call chain as a block of lines, blocks separated by a blank line.
        perf_share=$(perf script -i "$tmp/perf.data" -F ip,sym 2>/dev/null \
            | awk 'BEGIN { RS = "" } { n++; if ($0 ~ /fsnotify|fanotify/) f++ } END { if (n) printf "%.1f %% of %d samples", 100 * f / n, n; else print "n/a (no samples)" }')
    else
        perf_share="n/a (perf record failed, see $logs/perf-record.log)"
    fi
    stop_daemon
    echo "   writer's samples with fsnotify or fanotify code in their call chain: $perf_share"
fi
nice -n 10 rm -rf "$work"
median() { printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2]; else printf "%.2f", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
change() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%+.1f", (b - a) / a * 100 }'; }
declare -A wall_median cpu_median instructions_median cycles_median round_changes round_median
for condition in "${conditions[@]}"; do
    # shellcheck disable=SC2086 # the lists are words
    wall_median[$condition]=$(median ${walls_of[$condition]})
    # shellcheck disable=SC2086
    cpu_median[$condition]=$(median ${cpus_of[$condition]})
    instructions_median[$condition]=n/a
    cycles_median[$condition]=n/a
    if [ "$counters" = yes ]; then
        # shellcheck disable=SC2086
        instructions_median[$condition]=$(median ${instructions_of[$condition]})
        # shellcheck disable=SC2086
        cycles_median[$condition]=$(median ${cycles_of[$condition]})
    fi
done
# Each round runs every condition back to back: the median of the rounds' own changes is less exposed to
# load that shifts between rounds than the change between two medians.
# rounds_changes BASE CONDITION: each round's change of CONDITION's wall time against BASE's, a line each.
rounds_changes() { for rep in $(seq 1 "$repeats"); do change "${wall[create-$1-$rep]}" "${wall[create-$2-$rep]}"; echo; done; }
for condition in floor on; do
    mapfile -t changes_list < <(rounds_changes off "$condition")
    round_changes[$condition]="$(printf '%s %%, ' "${changes_list[@]}" | sed 's/, $//')"
    round_median[$condition]=$(median "${changes_list[@]}" | awk '{ printf "%+.1f", $1 }')
done
mapfile -t changes_list < <(rounds_changes floor on)
backupd_own=$(median "${changes_list[@]}" | awk '{ printf "%+.1f", $1 }')
overhead=$(change "${wall_median[off]}" "${wall_median[on]}")
floor_overhead=$(change "${wall_median[off]}" "${wall_median[floor]}")
declare -A instructions_change=([off]="" [floor]=n/a [on]=n/a) cycles_change=([off]="" [floor]=n/a [on]=n/a)
if [ "$counters" = yes ]; then
    for condition in floor on; do
        instructions_change[$condition]="$(change "${instructions_median[off]}" "${instructions_median[$condition]}") %"
        cycles_change[$condition]="$(change "${cycles_median[off]}" "${cycles_median[$condition]}") %"
    done
fi
load_after="$(uptime)"

# ---------------------------------------------------------------- report
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a ~ /^[0-9.]+$/ && b > 0) printf "%.1f", a / b; else print "n/a" }'; }
report="$workdir/results-$(date -u +%Y%m%dT%H%M%SZ).md"
{
    echo "## Change journal, $(date -u '+%Y-%m-%d %H:%M UTC')"
    echo
    echo "- machine: $machine"
    echo "- $restic_version; dotnet $dotnet_version"
    echo "- backupd and backupctl: $root at $revision"
    echo "- trees: $changes files changed per timed backup (a few bytes appended), files of 0-8 KiB, 100 per"
    echo "  directory, on a loop-mounted ext4 image ($image_size); repositories on $(df -PT "$workdir" | awk 'NR == 2 { print $2 " on " $1 }')"
    echo "- load before: ${load_before#*load average: }; after: ${load_after#*load average: }"
    echo "- page caches were not dropped; each tree was walked once (find) before the timed steps"
    echo
    echo "| files | directories | journal | journal (in daemon) | directories visited | full scan | restic | restic / journal | full / journal | first journal run | load (journal, full, restic) |"
    echo "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|"
    for n in "${size_list[@]}"; do
        echo "| $n | ${dirs_of[$n]} | ${wall[journal-$n]} s | ${run_secs[journal-$n]} s | ${visited[journal-$n]} | ${wall[full-$n]} s | ${wall[restic-$n]} s | $(ratio "${wall[restic-$n]}" "${wall[journal-$n]}") | $(ratio "${wall[full-$n]}" "${wall[journal-$n]}") | ${wall[journal-$n-1]} s | ${load[journal-$n]}, ${load[full-$n]}, ${load[restic-$n]} |"
    done
    echo
    echo "Wall seconds of one process under GNU time, the median of $runs runs of each kind, each after its own"
    echo "$changes changed files: \`backupctl run JOB --wait --json\` (journal), the same with \`--full\` (full scan),"
    echo "\`restic backup TREE\`. \"In daemon\" is the median run's own started-to-ended time from its record."
    echo "\"First journal run\" is the first run after the daemon's initial one, whose code paths the process had"
    echo "not run yet. Load is the 1-minute load average just before each step. Every run's wall time:"
    echo
    for n in "${size_list[@]}"; do
        echo "- $n files: journal ${wall[journal-$n-all]}s; full ${wall[full-$n-all]}s; restic ${wall[restic-$n-all]}s"
    done
    echo
    echo "| files | journal CPU | full scan CPU | restic CPU | scan kinds (journal, full) | changed/new files seen (journal, full, restic) | first backup: ours, restic | tree generated in |"
    echo "|---:|---:|---:|---:|---|---|---|---:|"
    for n in "${size_list[@]}"; do
        echo "| $n | ${cpu[journal-$n]} s | ${cpu[full-$n]} s | ${cpu[restic-$n]} s | ${kind[journal-$n]}, ${kind[full-$n]} | ${changed[journal-$n]}, ${changed[full-$n]}, ${changed[restic-$n]:-?} | ${wall[initial-$n]} s, ${wall[restic-initial-$n]} s | ${gen_secs[$n]} s |"
    done
    echo
    echo "CPU = user + system seconds of the client plus those the daemon used meanwhile (from /proc/PID/stat)."
    echo
    echo "Watcher overhead: \`journal-tree generate DIR $creates\` (files of 0-8 KiB, 100 per directory) in an"
    echo "empty directory of the same filesystem, in $repeats rounds of three conditions in rotating order: no watcher;"
    echo "\`fanotify-floor\` (scripts/fanotify-floor.c: backupd's fanotify group, mask and ignore marks on new"
    echo "directories, reading and discarding events, nothing else: the kernel's share, which any watcher of"
    echo "this kind pays); backupd watching (its job's source is that directory and has run once). backupd's CPU"
    echo "is counted until 3 s after the workload."
    echo
    echo "| round | condition | wall | workload user | workload system | instructions | cycles | backupd CPU | load |"
    echo "|---:|---|---:|---:|---:|---:|---:|---:|---:|"
    printf '%s\n' "${overhead_rows[@]}"
    echo
    echo "Instructions and cycles are the writer's, in millions (perf stat; n/a where the processor's counters are not available)."
    echo
    echo "| condition | median wall | change | median of the rounds' changes | rounds' changes | median workload CPU | median instructions | change | median cycles | change |"
    echo "|---|---:|---:|---:|---|---:|---:|---:|---:|---:|"
    echo "| no watcher | ${wall_median[off]} s | | | | ${cpu_median[off]} s | ${instructions_median[off]} M | | ${cycles_median[off]} M | |"
    echo "| fanotify-floor | ${wall_median[floor]} s | $floor_overhead % | ${round_median[floor]} % | ${round_changes[floor]} | ${cpu_median[floor]} s | ${instructions_median[floor]} M | ${instructions_change[floor]} | ${cycles_median[floor]} M | ${cycles_change[floor]} |"
    echo "| backupd watching | ${wall_median[on]} s | **$overhead %** | ${round_median[on]} % | ${round_changes[on]} | ${cpu_median[on]} s | ${instructions_median[on]} M | ${instructions_change[on]} | ${cycles_median[on]} M | ${cycles_change[on]} |"
    echo
    echo "backupd against fanotify-floor in the same round (what backupd adds to the kernel's share): median $backupd_own %."
    echo "The writer's CPU samples with fsnotify or fanotify functions in their call chain, in one more run with"
    echo "backupd watching under \`perf record -g\`: $perf_share."
    echo
    echo "backupd's memory (VmRSS now; private = RssAnon + RssShmem, the part not backed by the program's files; VmHWM = its peak so far, including backup runs):"
    echo
    echo "| when | kind | VmRSS | private | VmHWM |"
    echo "|---|---|---:|---:|---:|"
    printf '%s\n' "${memory_rows[@]}"
    echo
    echo "Highest VmRSS watching (before any backup of a tree, and during the create workload): $((max_rss[watching] / 1024)) MiB ($(mb "${max_rss[watching]}") MB, ${max_rss_where[watching]:-n/a});"
    echo "between runs (idle and watching after backups of a tree): $((max_rss[between runs] / 1024)) MiB ($(mb "${max_rss[between runs]}") MB, ${max_rss_where[between runs]:-n/a});"
    echo "highest private memory: watching $((max_private[watching] / 1024)) MiB, between runs $((max_private[between runs] / 1024)) MiB ($(mb "${max_private[between runs]}") MB);"
    echo "highest VmHWM: $((max_hwm / 1024)) MiB ($(mb "$max_hwm") MB, $max_hwm_where)."
    echo
    echo "Targets (reported, not asserted):"
    first="${size_list[0]}"
    last="${size_list[${#size_list[@]}-1]}"
    echo "- journal backup flat as the tree grows: ${wall[journal-$first]} s at $first files, ${wall[journal-$last]} s at $last files (in the daemon: ${run_secs[journal-$first]} s, ${run_secs[journal-$last]} s; medians of $runs runs)"
    if [ -n "${wall[journal-200000]:-}" ]; then
        echo "- at least 50 times faster than restic at 200,000 files: $(ratio "${wall[restic-200000]}" "${wall[journal-200000]}") times (medians; the first journal run: $(ratio "${wall[restic-200000]}" "${wall[journal-200000-1]}") times)"
    fi
    echo "- watcher overhead on creating $creates files at most 5 %: $overhead % (medians of wall time; median of the rounds' changes ${round_median[on]} %); fanotify-floor alone: $floor_overhead %; the writer's instructions ${instructions_change[on]} (fanotify-floor ${instructions_change[floor]}); the writer's samples in fanotify code: $perf_share"
    echo "- daemon memory while watching under 100 MB: $(mb "${max_rss[watching]}") MB watching only; $(mb "${max_rss[between runs]}") MB between runs, after backups"
    if [ "${#odd[@]}" -gt 0 ]; then
        echo
        echo "Odd:"
        printf -- '- %s\n' "${odd[@]}"
    fi
    echo
    echo "Logs and run records: $logs"
} >"$report"
echo
cat "$report"
echo
echo "(saved as $report)"
[ "${#odd[@]}" -eq 0 ]

#!/usr/bin/env bash
# Compares backupctl with restic 0.14 on one generated dataset, in one run, on this machine.
#
#   scripts/benchmark.sh [--scale S] [--workdir DIR] [--backupctl PATH] [--no-parts] [--swap-order]
#                        [--tools LIST]
#
# Steps, each for both tools, with wall time, user+sys CPU time and peak RSS from GNU time:
#   - initial backup of only the large files, and of only the small-file tree (separate
#     repositories; skipped with --no-parts);
#   - initial backup of the whole dataset, a backup with nothing changed, a backup after 100 small
#     files were rewritten, and a full restore of the latest snapshot into an empty directory,
#     which is then checked file by file (SHA-256, mode, mtime) against the source.
# The dataset is generated once (tests/Backup.Benchmarks) and reused; repositories and restored
# trees are removed again. Page caches are not dropped: the source is read once before the first
# measurement, so both tools find it in the page cache. The order of the tools alternates from
# step to step so that neither always runs first; --swap-order flips it for every step, so two
# runs, one with and one without, give each tool each position once. Results go to stdout and to
# DIR/results-<time>.md. Performance is reported, never asserted. --tools restic (or backupctl)
# runs one tool only, to try the harness out. BACKUPCTL_REVISION names the backupctl source in
# the report when its tree is not a git checkout.
set -euo pipefail

root="$(cd "$(dirname "$0")/.." && pwd)"
scale=1
workdir=/work/bench-data
backupctl="${BACKUPCTL:-$root/scripts/backupctl}"
parts=yes
swap=no
tools=restic,backupctl

usage() { sed -n '2,20p' "$0" | sed 's/^# \{0,1\}//'; }
while [ $# -gt 0 ]; do
    case "$1" in
        --scale) scale="$2"; shift 2 ;;
        --workdir) workdir="$2"; shift 2 ;;
        --backupctl) backupctl="$2"; shift 2 ;;
        --no-parts) parts=no; shift ;;
        --swap-order) swap=yes; shift ;;
        --tools) tools="$2"; shift 2 ;;
        -h|--help) usage; exit 0 ;;
        *) echo "benchmark.sh: unknown argument $1" >&2; usage >&2; exit 2 ;;
    esac
done
if ! awk -v s="$scale" 'BEGIN { exit !(s > 0 && s <= 100) }'; then
    echo "benchmark.sh: --scale must be a number above 0" >&2
    exit 2
fi

# ---------------------------------------------------------------- tools
missing=()
[ -x /usr/bin/time ] || missing+=(time)
command -v restic >/dev/null || missing+=(restic)
if [ "${#missing[@]}" -gt 0 ]; then
    if [ "$(id -u)" = 0 ]; then
        echo "installing ${missing[*]}"
        apt-get update -qq
        DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 install -y -qq "${missing[@]}" >/dev/null
    else
        echo "benchmark.sh: missing Debian packages ${missing[*]}; install them with: sudo apt-get install ${missing[*]}" >&2
        exit 1
    fi
fi
enabled() { [[ ",$tools," == *",$1,"* ]]; }
if ! enabled restic && ! enabled backupctl; then
    echo "benchmark.sh: --tools takes restic, backupctl or both, separated by a comma" >&2
    exit 2
fi
if enabled backupctl && [ ! -x "$backupctl" ]; then
    echo "benchmark.sh: backupctl wrapper $backupctl not found (use --backupctl PATH or BACKUPCTL=PATH)" >&2
    exit 1
fi

mkdir -p "$workdir"
workdir="$(cd "$workdir" && pwd)"
dataset_name="dataset-s$scale"
dataset="$workdir/$dataset_name"
logs="$workdir/logs"
mkdir -p "$logs"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

# ---------------------------------------------------------------- space
# Dataset about 8.7 GB at scale 1; a repository holds about 0.7 of it (half is random bytes); at
# most two repositories and one restored tree exist at a time.
estimate=$(awk -v s="$scale" 'BEGIN { printf "%.0f", 8.7e9 * s }')
factor=3.4
[ -f "$dataset.info" ] && grep -q '^complete=yes' "$dataset.info" && factor=2.4
need=$(awk -v e="$estimate" -v f="$factor" 'BEGIN { printf "%.0f", e * f + 2e9 }')
avail=$(( $(df -Pk "$workdir" | awk 'NR == 2 { print $4 }') * 1024 ))
if [ "$avail" -lt "$need" ]; then
    fits=$(awk -v a="$avail" -v f="$factor" 'BEGIN { s = (a - 2e9) / (8.7e9 * f); if (s < 0) s = 0; printf "%.2f", s }')
    echo "benchmark.sh: not enough space in $workdir: about $((need / 1000000000)) GB needed, $((avail / 1000000000)) GB free." >&2
    echo "benchmark.sh: the largest scale that fits is about $fits (--scale $fits)." >&2
    exit 1
fi

# ---------------------------------------------------------------- builds (never timed)
echo "== building the dataset generator and backupctl"
dotnet build -c Release -nologo -v quiet "$root/tests/Backup.Benchmarks" >"$logs/build-generator.log" 2>&1 \
    || { cat "$logs/build-generator.log"; exit 1; }
bench="$root/tests/Backup.Benchmarks/bin/Release/net10.0/backup-bench"
# Build the backupctl that the wrapper runs from its own tree, so that what is measured is the
# current source and the wrapper never builds inside a measurement.
backupctl_root="$(cd "$(dirname "$backupctl")/.." 2>/dev/null && pwd || echo "$backupctl")"
if enabled backupctl && [ -d "$backupctl_root/src/Backup.Cli" ]; then
    dotnet build -c Release -nologo -v quiet "$backupctl_root/src/Backup.Cli" >"$logs/build-backupctl.log" 2>&1 \
        || { cat "$logs/build-backupctl.log"; exit 1; }
fi
enabled backupctl && "$backupctl" --help >/dev/null
backupctl_commit="$(git -C "$backupctl_root" log -1 --format='%h %s' 2>/dev/null || echo "${BACKUPCTL_REVISION:-unknown}")"
if [ -n "$(git -C "$backupctl_root" status --porcelain -- src 2>/dev/null)" ]; then
    backupctl_commit="$backupctl_commit, with uncommitted changes under src/"
fi

# ---------------------------------------------------------------- dataset
echo "== dataset $dataset (scale $scale)"
"$bench" generate "$dataset" --scale "$scale"
if [ -f "$workdir/mutated-$scale" ]; then
    # An earlier run stopped between mutate and revert.
    "$bench" mutate "$dataset" --count 100 --seed 1 --revert
    rm -f "$workdir/mutated-$scale"
fi
dataset_bytes=$(sed -n 's/^total_bytes=//p' "$dataset.info")
dataset_files=$(( $(sed -n 's/^small_files=//p' "$dataset.info") + $(sed -n 's/^large_files=//p' "$dataset.info") ))

cleanup_runs() {
    rm -rf "$workdir"/restic-repo* "$workdir"/backupctl-repo* "$workdir/restic-cache" "$workdir"/restore-*
}
cleanup_runs

password=benchmark-password
# GNU time runs programs, not shell functions: two small wrappers that exec the tools with their
# environment (exec keeps one process, so GNU time measures the tool itself).
cat >"$tmp/run_restic" <<EOF
#!/usr/bin/env bash
repo="\$1"; shift
exec env RESTIC_PASSWORD="$password" RESTIC_CACHE_DIR="$workdir/restic-cache" restic -r "$workdir/\$repo" "\$@"
EOF
cat >"$tmp/run_backupctl" <<EOF
#!/usr/bin/env bash
repo="\$1"; shift
exec env BACKUP_REPOSITORY="$workdir/\$repo" BACKUP_PASSWORD="$password" "$backupctl" "\$@"
EOF
chmod +x "$tmp/run_restic" "$tmp/run_backupctl"
PATH="$tmp:$PATH"

# ---------------------------------------------------------------- machine
load_before="$(uptime)"
machine="$(nproc) cores ($(lscpu 2>/dev/null | sed -n 's/^Model name: *//p' | head -1)), $(awk '/MemTotal/ { printf "%.1f GiB", $2 / 1048576 }' /proc/meminfo) memory, kernel $(uname -r)"
restic_version="$(restic version)"
dotnet_version="$(dotnet --version)"
filesystem="$(df -PT "$workdir" | awk 'NR == 2 { print $2 " on " $1 }')"

# ---------------------------------------------------------------- measuring
declare -A wall cpu rss load failed
broken=()
is_broken() { local b; for b in "${broken[@]}"; do [ "$b" = "$1" ] && return 0; done; return 1; }

# measure STEP TOOL GROUP COMMAND...: runs COMMAND from the workdir under GNU time after a sync.
# GROUP names the repository: once a command of a group fails, the later steps of it are skipped.
measure() {
    local step="$1" tool="$2" group="$3"; shift 3
    local slug="${step//[^a-z0-9]/-}"
    local log="$logs/${slug//--/-}-$tool.log"
    if ! enabled "$tool"; then
        failed[$step,$tool]="not run"
        return 0
    fi
    if is_broken "$group"; then
        failed[$step,$tool]="skipped (earlier step failed)"
        printf '   %-22s %-9s skipped: an earlier step of this repository failed\n' "$step" "$tool"
        return 0
    fi
    sync
    load[$step,$tool]="$(cut -d' ' -f1 /proc/loadavg)"
    local rc=0
    (cd "$workdir" && /usr/bin/time -f '%e %U %S %M' -o "$tmp/time" "$@") >"$log" 2>&1 || rc=$?
    if [ "$rc" -ne 0 ]; then
        failed[$step,$tool]="failed (exit $rc)"
        broken+=("$group")
        {
            echo "   FAILED: $tool $step, exit status $rc"
            echo "   command (in $workdir): $*"
            echo "   last lines of its output ($log):"
            tail -n 25 "$log" | sed 's/^/      /'
        } | tee -a "$tmp/failures"
        return 0
    fi
    local e u s m
    read -r e u s m < <(tail -n 1 "$tmp/time")
    wall[$step,$tool]="$e"
    cpu[$step,$tool]="$(awk -v u="$u" -v s="$s" 'BEGIN { printf "%.2f", u + s }')"
    rss[$step,$tool]="$m"
    printf '   %-22s %-9s wall %8.2f s   cpu %8.2f s   peak RSS %6d MiB   (load before %s)\n' \
        "$step" "$tool" "$e" "${cpu[$step,$tool]}" "$((m / 1024))" "${load[$step,$tool]}"
}

# Which tool runs first in each step: alternating, or the other way round with --swap-order.
declare -A first_tool=(["initial: large files"]=restic ["initial: small files"]=backupctl ["initial backup"]=restic
    ["no-change backup"]=backupctl ["backup after mutate"]=restic ["restore"]=backupctl)
if [ "$swap" = yes ]; then
    for step in "${!first_tool[@]}"; do
        [ "${first_tool[$step]}" = restic ] && first_tool[$step]=backupctl || first_tool[$step]=restic
    done
fi
order_of() { # STEP: prints the two tools in the order they run
    [ "${first_tool[$1]}" = restic ] && echo restic backupctl || echo backupctl restic
}

# backup_pair STEP REPO-SUFFIX PATH: backs PATH up with both tools.
backup_pair() {
    local step="$1" suffix="$2" path="$3" tool
    for tool in $(order_of "$step"); do
        measure "$step" "$tool" "$tool$suffix" run_"$tool" "$tool-repo$suffix" backup "$path"
    done
}

init_pair() { # SUFFIX
    local suffix="$1" tool
    for tool in restic backupctl; do
        if ! enabled "$tool"; then
            broken+=("$tool$suffix")
        elif ! (cd "$workdir" && run_"$tool" "$tool-repo$suffix" init $([ "$tool" = restic ] && echo --repository-version 2)) \
            >"$logs/init-$tool$suffix.log" 2>&1; then
            broken+=("$tool$suffix")
            {
                echo "   FAILED: $tool init of $tool-repo$suffix"
                tail -n 10 "$logs/init-$tool$suffix.log" | sed 's/^/      /'
            } | tee -a "$tmp/failures"
        fi
    done
}

repo_size() { if [ -d "$workdir/$1" ]; then du -sb "$workdir/$1" | cut -f1; else echo -; fi; }
declare -A repo_bytes

echo "== warming the page cache: reading the source once"
"$bench" listing "$dataset" --content "$tmp/source-before.txt" >/dev/null

if [ "$parts" = yes ]; then
    echo "== initial backup of the large files only, then of the small-file tree only (separate repositories)"
    init_pair -large
    backup_pair "initial: large files" -large "$dataset_name/large"
    repo_bytes[large,restic]=$(repo_size restic-repo-large)
    repo_bytes[large,backupctl]=$(repo_size backupctl-repo-large)
    rm -rf "$workdir/restic-repo-large" "$workdir/backupctl-repo-large"
    init_pair -small
    backup_pair "initial: small files" -small "$dataset_name/small"
    repo_bytes[small,restic]=$(repo_size restic-repo-small)
    repo_bytes[small,backupctl]=$(repo_size backupctl-repo-small)
    rm -rf "$workdir/restic-repo-small" "$workdir/backupctl-repo-small" "$workdir/restic-cache"
fi

echo "== whole dataset: initial backup, no-change backup, backup after mutating 100 files, restore"
init_pair ""
backup_pair "initial backup" "" "$dataset_name"
repo_bytes[initial,restic]=$(repo_size restic-repo)
repo_bytes[initial,backupctl]=$(repo_size backupctl-repo)
backup_pair "no-change backup" "" "$dataset_name"
touch "$workdir/mutated-$scale"
"$bench" mutate "$dataset" --count 100 --seed 1
backup_pair "backup after mutate" "" "$dataset_name"

echo "== listing the source (after mutate) for the restore check"
"$bench" listing "$dataset" --content "$tmp/source.txt" --meta "$tmp/source-meta.txt"

declare -A verified
verify_restore() { # TOOL
    local tool="$1" tree="$workdir/restore-$1/$dataset_name"
    if [ ! -d "$tree" ]; then
        verified[$1]="FAILED: $tree does not exist"
        return
    fi
    "$bench" listing "$tree" --content "$tmp/$tool.txt" --meta "$tmp/$tool-meta.txt" >/dev/null
    local text n
    if cmp -s "$tmp/source.txt" "$tmp/$tool.txt"; then
        text="contents identical to the source ($(grep -c '^f' "$tmp/source.txt") files, SHA-256 each)"
    else
        n=$(diff "$tmp/source.txt" "$tmp/$tool.txt" | grep -c '^[<>]' || true)
        text="FAILED: contents differ from the source ($n listing lines differ; first: $(diff "$tmp/source.txt" "$tmp/$tool.txt" | grep '^[<>]' | head -2 | tr '\n' ' '))"
        diff "$tmp/source.txt" "$tmp/$tool.txt" >"$logs/restore-$tool-content.diff" || true
    fi
    if cmp -s "$tmp/source-meta.txt" "$tmp/$tool-meta.txt"; then
        text="$text; modes and mtimes identical"
    else
        n=$(diff "$tmp/source-meta.txt" "$tmp/$tool-meta.txt" | grep -c '^>' || true)
        text="$text; modes or mtimes differ for $n entries (see $logs/restore-$tool-meta.diff)"
        diff "$tmp/source-meta.txt" "$tmp/$tool-meta.txt" >"$logs/restore-$tool-meta.diff" || true
    fi
    verified[$1]="$text"
}

for tool in $(order_of restore); do
    rm -rf "$workdir/restore-$tool"
    mkdir "$workdir/restore-$tool"
    measure "restore" "$tool" "$tool" run_"$tool" "$tool-repo" restore latest --target "restore-$tool"
    if ! enabled "$tool"; then
        verified[$tool]="not run"
        continue
    elif [ -z "${failed[restore,$tool]:-}" ]; then
        verify_restore "$tool"
    else
        verified[$tool]="not checked: the restore ${failed[restore,$tool]}"
    fi
    echo "   restore check, $tool: ${verified[$tool]}"
    rm -rf "$workdir/restore-$tool"
done

repo_bytes[final,restic]=$(repo_size restic-repo)
repo_bytes[final,backupctl]=$(repo_size backupctl-repo)
"$bench" mutate "$dataset" --count 100 --seed 1 --revert >/dev/null
rm -f "$workdir/mutated-$scale"
load_after="$(uptime)"
cleanup_runs

# ---------------------------------------------------------------- report
fmt_wall() { [ -n "${wall[$1,$2]:-}" ] && printf '%.2f s' "${wall[$1,$2]}" || echo "${failed[$1,$2]:-n/a}"; }
fmt_cpu() { [ -n "${cpu[$1,$2]:-}" ] && printf '%.2f s' "${cpu[$1,$2]}" || echo "n/a"; }
fmt_rss() { [ -n "${rss[$1,$2]:-}" ] && printf '%d MiB' "$((${rss[$1,$2]} / 1024))" || echo "n/a"; }
fmt_ratio() {
    if [ -n "${wall[$1,restic]:-}" ] && [ -n "${wall[$1,backupctl]:-}" ]; then
        awk -v r="${wall[$1,restic]}" -v b="${wall[$1,backupctl]}" 'BEGIN { if (b > 0) printf "%.2f", r / b; else print "n/a" }'
    else
        echo "n/a"
    fi
}
gb() { if [ "$1" = - ]; then echo n/a; else awk -v b="$1" 'BEGIN { printf "%.2f GB", b / 1e9 }'; fi; }

steps=()
[ "$parts" = yes ] && steps+=("initial: large files" "initial: small files")
steps+=("initial backup" "no-change backup" "backup after mutate" "restore")

report="$workdir/results-$(date -u +%Y%m%dT%H%M%SZ).md"
{
    echo "## backupctl vs restic, scale $scale ($(date -u '+%Y-%m-%d %H:%M UTC'))"
    echo
    echo "- machine: $machine; workdir $workdir ($filesystem)"
    echo "- $restic_version; dotnet $dotnet_version"
    enabled backupctl && echo "- backupctl: $backupctl, source tree $backupctl_root at commit $backupctl_commit"
    echo "- dataset: $dataset_name, $dataset_files files, $(gb "$dataset_bytes")"
    echo "- load before: ${load_before#*load average: }; after: ${load_after#*load average: }"
    echo "- page caches were not dropped; the source was read once before the first measurement, so it was"
    echo "  likely in the page cache for both tools. A sync ran before every measurement."
    echo "- order: the tool that runs first alternates by step (column \"first\")$([ "$swap" = yes ] && echo ", swapped with --swap-order")."
    echo
    echo "| step | restic wall | backupctl wall | ratio | restic CPU | backupctl CPU | restic peak RSS | backupctl peak RSS | first |"
    echo "|---|---:|---:|---:|---:|---:|---:|---:|---|"
    for step in "${steps[@]}"; do
        echo "| $step | $(fmt_wall "$step" restic) | $(fmt_wall "$step" backupctl) | $(fmt_ratio "$step") | $(fmt_cpu "$step" restic) | $(fmt_cpu "$step" backupctl) | $(fmt_rss "$step" restic) | $(fmt_rss "$step" backupctl) | ${first_tool[$step]} |"
    done
    echo
    echo "ratio = restic wall / backupctl wall: above 1 means backupctl was faster. CPU = user + system time."
    echo "Peak RSS is GNU time's maximum resident set size of the process."
    echo
    echo "Load average (1 min) just before each measurement:"
    for step in "${steps[@]}"; do
        echo "- $step: restic ${load[$step,restic]:-n/a}, backupctl ${load[$step,backupctl]:-n/a}"
    done
    echo
    echo "Repository sizes:"
    if [ "$parts" = yes ]; then
        echo "- large files only: restic $(gb "${repo_bytes[large,restic]}"), backupctl $(gb "${repo_bytes[large,backupctl]}")"
        echo "- small files only: restic $(gb "${repo_bytes[small,restic]}"), backupctl $(gb "${repo_bytes[small,backupctl]}")"
    fi
    echo "- whole dataset after the initial backup: restic $(gb "${repo_bytes[initial,restic]}"), backupctl $(gb "${repo_bytes[initial,backupctl]}")"
    echo "- after all three backups: restic $(gb "${repo_bytes[final,restic]}"), backupctl $(gb "${repo_bytes[final,backupctl]}")"
    echo
    echo "Restore check (restored tree against the source after mutate):"
    echo "- restic: ${verified[restic]}"
    echo "- backupctl: ${verified[backupctl]}"
    if [ -s "$tmp/failures" ]; then
        echo
        echo "Failures:"
        echo '```'
        cat "$tmp/failures"
        echo '```'
    fi
    echo
    echo "Command lines (run from $workdir; logs in $logs):"
    echo "- restic: \`RESTIC_PASSWORD=... RESTIC_CACHE_DIR=$workdir/restic-cache restic -r $workdir/restic-repo init --repository-version 2 | backup $dataset_name | restore latest --target restore-restic\`"
    echo "- backupctl: \`BACKUP_REPOSITORY=$workdir/backupctl-repo BACKUP_PASSWORD=... $backupctl init | backup $dataset_name | restore latest --target restore-backupctl\`"
} >"$report"
echo
cat "$report"
echo
echo "(saved as $report)"
[ ! -s "$tmp/failures" ] && [[ "${verified[restic]}${verified[backupctl]}" != *FAILED* ]] && [[ "${verified[restic]}${verified[backupctl]}" != *"not checked"* ]]

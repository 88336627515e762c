#!/usr/bin/env bash
# Long-run memory benchmark (issue #17): starts the Release gateway, sends it many small CT instances over 1, then 4,
# then 10 parallel associations (stock DCMTK storescu), with a round of malformed inputs before each group and at the
# end, while a sampler reads the gateway's VmRSS every 100 ms. Prints the peak, the kernel's high-water mark (VmHWM)
# and a time series summary. Loopback (127.0.0.1) only. Not part of ./test.sh.
#
#   bench/longrun/run.sh [--instances 10000] [--studies 50] [--groups 1,4,10] [--rows 128] [--malformed-rounds 3]
#                        [--time-limit 900] [--budget-mb 150] [--no-flush] [--no-build] [--keep]
#
# Exit status 1 when the peak is over the budget or instances are missing. See bench/README.md.
set -euo pipefail

readonly REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
readonly OUT="$REPO/bench/out/longrun"
readonly GATEWAY="$REPO/Gateway/bin/Release/net10.0/DicomGateway"
readonly HOST=127.0.0.1
readonly AE=DICOMGATEWAY
readonly LISTEN_WAIT_TICKS=300      # x 0.1 s: how long the gateway may take to listen
readonly STOP_WAIT_TICKS=100        # x 0.1 s: how long it may take to exit on SIGTERM

instances=10000
studies=50
groups=1,4,10
rows=128
malformed_rounds=3
time_limit=900
budget_mb=150
flush=true
build=1
keep=0
while (($#)); do
    case "$1" in
        --instances) instances="$2"; shift 2 ;;
        --studies) studies="$2"; shift 2 ;;
        --groups) groups="$2"; shift 2 ;;
        --rows) rows="$2"; shift 2 ;;
        --malformed-rounds) malformed_rounds="$2"; shift 2 ;;
        --time-limit) time_limit="$2"; shift 2 ;;
        --budget-mb) budget_mb="$2"; shift 2 ;;
        --no-flush) flush=false; shift ;;
        --no-build) build=0; shift ;;
        --keep) keep=1; shift ;;
        -h|--help) sed -n '2,11p' "$0"; exit 0 ;;
        *) echo "unknown option: $1" >&2; exit 2 ;;
    esac
done
for n in "$instances" "$studies" "$rows" "$time_limit" "$budget_mb"; do
    [[ "$n" =~ ^[1-9][0-9]*$ ]] || { echo "sizes, --time-limit and --budget-mb must be positive integers" >&2; exit 2; }
done
[[ "$malformed_rounds" =~ ^[0-9]+$ && "$groups" =~ ^[1-9][0-9]*(,[1-9][0-9]*)*$ ]] || { echo "bad --malformed-rounds or --groups" >&2; exit 2; }
IFS=, read -r -a group_list <<<"$groups"
for tool in dotnet storescu python3 ss awk timeout; do
    command -v "$tool" >/dev/null || { echo "missing $tool (DCMTK: apt-get install -y dcmtk)" >&2; exit 2; }
done

# ---- clean-up: every process this script starts is recorded and ended by its id on exit ---------------------------
gateway_pid=""
sampler_pid=""
work=""
cleanup() {
    [[ -n "$sampler_pid" ]] && { kill -TERM "$sampler_pid" 2>/dev/null || true; wait "$sampler_pid" 2>/dev/null || true; }
    if [[ -n "$gateway_pid" ]] && kill -0 "$gateway_pid" 2>/dev/null; then
        kill -TERM "$gateway_pid" 2>/dev/null || true
        for ((tick = 0; tick < STOP_WAIT_TICKS; tick++)); do kill -0 "$gateway_pid" 2>/dev/null || break; sleep 0.1; done
        kill -KILL "$gateway_pid" 2>/dev/null || true
    fi
    if [[ -n "$work" && -d "$work" ]]; then
        if ((keep)); then echo "kept $work"; else rm -rf "$work"; fi
    fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

if ((build)); then
    echo "Building the Gateway (Release)"
    dotnet build -c Release "$REPO/Gateway" -v quiet -nologo >/dev/null
fi
[[ -x "$GATEWAY" ]] || { echo "no $GATEWAY: run without --no-build" >&2; exit 2; }

# Instances are cached by their parameters: generating 10,000 files takes a few seconds of CPU, but not every time.
data="$OUT/data-$instances-$studies-${groups//,/_}-$rows"
if [[ ! -f "$data/complete" ]]; then
    echo "Generating $instances instances of ${rows}x$rows in $studies studies under $data"
    rm -rf "$data"
    python3 "$REPO/bench/longrun/driver.py" generate "$data" --instances "$instances" --studies "$studies" --groups "$groups" --rows "$rows"
    touch "$data/complete"
fi

mkdir -p "$OUT"
work="$(mktemp -d "$OUT/run.XXXXXX")"
port=$((20000 + RANDOM % 10000))
for ((i = 0; i < 200; i++)); do
    [[ -z "$(ss -Htan "sport = :$port")" ]] && break
    port=$((20000 + RANDOM % 10000))
done

# From the repository root, so it reads the repository's appsettings.json like `dotnet run --project Gateway`. A
# routing rule sends every study to one recipient, so studies are sealed into shipments and notified (outboxes
# under the data directory) while the load goes on. Ten associations from one address are more than a stranger's
# default allowance (Dicom:MaxConnectionsPerAddress), as they would be for a modality registered as a node.
(cd "$REPO" && exec env Routing__Rules__0__Name=Everything Routing__Rules__0__Recipients__0__Email=dr@example.org \
    Routing__Rules__0__Recipients__0__Phone=+420603000000 \
    "$GATEWAY" --Dicom:Port "$port" --Dicom:BindAddress "$HOST" --Dicom:AeTitle "$AE" --Storage:DataDirectory "$work/data" \
    --Dicom:MaxConnectionsPerAddress 16 --Storage:FlushToDisk "$flush" --Web:Urls "http://$HOST:0" --Shipments:StableStudySeconds 5) >"$work/gateway.log" 2>&1 &
gateway_pid=$!
for ((tick = 0; tick < LISTEN_WAIT_TICKS; tick++)); do
    [[ -n "$(ss -Hltn "src $HOST:$port")" ]] && break
    kill -0 "$gateway_pid" 2>/dev/null || break
    sleep 0.1
done
[[ -n "$(ss -Hltn "src $HOST:$port")" ]] || { echo "the gateway did not listen on $HOST:$port; its log:" >&2; tail -n 20 "$work/gateway.log" >&2; exit 1; }

# The sampler: one line per 100 ms, "milliseconds-since-start rss-kB phase"; the phase is read from a file the
# script rewrites as it goes.
phase_file="$work/phase"
echo start >"$phase_file"
series="$work/rss.tsv"
t_start="$(date +%s%N)"
(
    while kill -0 "$gateway_pid" 2>/dev/null; do
        kb="$(awk '/^VmRSS:/ { print $2 }' "/proc/$gateway_pid/status" 2>/dev/null || true)"
        [[ -n "$kb" ]] && printf '%s\t%s\t%s\n' "$((($(date +%s%N) - t_start) / 1000000))" "$kb" "$(cat "$phase_file")"
        sleep 0.1
    done
) >"$series" &
sampler_pid=$!

deadline=$(($(date +%s) + time_limit))
remaining() { local r=$((deadline - $(date +%s))); echo $((r > 1 ? r : 1)); }
status=0

malformed_round() {
    local r
    for ((r = 0; r < malformed_rounds; r++)); do
        python3 "$REPO/bench/longrun/driver.py" malformed "$port" "$AE" || status=1
    done
}

for g in "${group_list[@]}"; do
    echo "malformed-before-$g" >"$phase_file"
    malformed_round
    echo "$g-associations" >"$phase_file"
    echo "Sending $(find "$data/$g" -type f | wc -l) instances over $g association(s)"
    pids=()
    for dir in "$data/$g"/a*; do
        timeout "$(remaining)" storescu -aet LONGRUN -aec "$AE" +sd "$HOST" "$port" "$dir" >"$work/scu.$g.$(basename "$dir").log" 2>&1 &
        pids+=($!)
    done
    for pid in "${pids[@]}"; do wait "$pid" || { status=1; echo "  a storescu failed (or hit --time-limit)" >&2; }; done
done
echo malformed-end >"$phase_file"
malformed_round
# Settle: the last studies become stable and are sealed and notified.
echo settle >"$phase_file"
sleep 10

hwm="$(awk '/^VmHWM:/ { print $2 }' "/proc/$gateway_pid/status")"
# Where the resident memory is at the end: mapped files (assemblies, native libraries), the JIT's double-mapped code,
# the native heap (malloc's main arena: SQLite, OpenSSL, ICU) and other anonymous memory (the GC heap, thread stacks,
# malloc's other arenas).
breakdown="$(awk '/^[0-9a-f]+-[0-9a-f]+ / { name = $6; kind = name == "" ? "anonymous" : name == "[heap]" ? "native heap" : name ~ /doublemapper/ ? "JIT code" : name ~ /^\// ? "files" : "other" }
    /^Rss:/ { kb[kind] += $2 }
    END { for (k in kb) printf "%s %.1f MB; ", k, kb[k] / 1024 }' "/proc/$gateway_pid/smaps" 2>/dev/null || true)"
t_end="$(date +%s%N)"
kill -TERM "$sampler_pid" 2>/dev/null || true
wait "$sampler_pid" 2>/dev/null || true
sampler_pid=""
stored="$(find "$work/data/blobs" -type f ! -name '*.part' 2>/dev/null | wc -l)"
mails="$(find "$work/data/outbox/mail" -type f 2>/dev/null | wc -l)"
aborts="$(grep -c 'aborted' "$work/gateway.log" || true)"

echo
echo "$(dotnet --version | sed 's/^/.NET SDK /'); $(nproc) cores; flush to disk $flush; $(((t_end - t_start) / 1000000000)) s"
echo "$instances instances of ${rows}x$rows in $studies studies over groups of $groups association(s); $malformed_rounds malformed round(s) before each group and at the end"
echo "blob files: $stored (the $instances instances and the sealed shipments); mails in the outbox: $mails; associations logged as aborted: $aborts"
echo "resident at the end: $breakdown"
echo
echo "| phase | samples | RSS MB: first | mean | max | last |"
echo "|---|---:|---:|---:|---:|---:|"
awk -F '\t' '
    { if (!($3 in n)) { order[++k] = $3; first[$3] = $2 }
      n[$3]++; sum[$3] += $2; if ($2 > max[$3]) max[$3] = $2; last[$3] = $2 }
    END { for (i = 1; i <= k; i++) { p = order[i]
            printf "| %s | %d | %.1f | %.1f | %.1f | %.1f |\n", p, n[p], first[p] / 1024, sum[p] / n[p] / 1024, max[p] / 1024, last[p] / 1024 } }' "$series"
echo
echo "RSS every 10 s (MB): $(awk -F '\t' '$1 >= next_at { printf "%s%.0f", sep, $2 / 1024; sep = " "; next_at = $1 + 10000 }' "$series")"
peak="$(awk -F '\t' '$2 > m { m = $2 } END { print m + 0 }' "$series")"
samples="$(wc -l <"$series")"
printf 'Peak RSS sampled every 100 ms: %.1f MB over %d samples; VmHWM (the kernel'"'"'s own peak): %.1f MB; budget %d MB\n' \
    "$(awk -v k="$peak" 'BEGIN { print k / 1024 }')" "$samples" "$(awk -v k="$hwm" 'BEGIN { print k / 1024 }')" "$budget_mb"
# The blob directory also holds one sealed file per shipment: fewer files than instances means some are missing.
((stored >= instances)) || { echo "MISSING INSTANCES: $stored blob files for $instances instances" >&2; status=1; }
if ((peak > budget_mb * 1024 || hwm > budget_mb * 1024)); then echo "OVER BUDGET" >&2; status=1; fi
exit $status

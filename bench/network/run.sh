#!/usr/bin/env bash
# Network benchmark (issue #3): a stock DCMTK storescu sends a generated 300-slice CT to our Gateway and to
# DCMTK storescp, stock and with TCP_NODELAY forced by nodelay-shim.c, and to Orthanc (a PACS that fsyncs what
# it stores), over one association and over four parallel ones. Prints instances/s, MB/s and peak RSS of each
# receiver. Loopback (127.0.0.1) only.
#
#   bench/network/run.sh [--repeats 3] [--warmup 10] [--data-root DIR] [--no-build] [--no-sender-shim]
#                        [--receivers gateway,gateway-noflush,gateway-tls,gateway-tls-noflush,orthanc-shim,orthanc-nosync-shim,
#                                     orthanc-shim+scu-shim,storescp-shim,storescp-stock,storescp-stock+scu-shim]
#
# See bench/network/README.md for what each row means.
set -euo pipefail

readonly REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
readonly OUT="$REPO/bench/out"
readonly SHIM="$OUT/nodelay-shim.so"
readonly GATEWAY="$REPO/Gateway/bin/Release/net10.0/DicomGateway"
readonly HOST=127.0.0.1
readonly AE=DICOMGATEWAY
readonly SLICES=300
readonly PARALLEL=4
readonly LISTEN_WAIT_TICKS=150      # x 0.1 s: how long a receiver may take to listen
readonly REST_TIMEOUT=30            # s: one request to Orthanc's REST API on the loopback
readonly STOP_WAIT_TICKS=50         # x 0.1 s: how long a receiver may take to exit on SIGTERM
readonly SAMPLE_MAX_TICKS=36000     # x 0.05 s: the RSS sampler gives up after 30 minutes

repeats=3
warmup=10
data_root="$OUT/net"
build=1
sender_shim=1
only=""
while (($#)); do
    case "$1" in
        --repeats) repeats="$2"; shift 2 ;;
        --warmup) warmup="$2"; shift 2 ;;
        --data-root) data_root="$2"; shift 2 ;;
        --no-build) build=0; shift ;;
        --no-sender-shim) sender_shim=0; shift ;;
        --receivers) only="$2"; shift 2 ;;
        -h|--help) sed -n '2,11p' "$0"; exit 0 ;;
        *) echo "unknown option: $1" >&2; exit 2 ;;
    esac
done
[[ "$repeats" =~ ^[1-9][0-9]*$ && "$warmup" =~ ^[0-9]+$ ]] || { echo "--repeats must be >= 1, --warmup >= 0" >&2; exit 2; }
((warmup < SLICES)) || { echo "--warmup must be below $SLICES" >&2; exit 2; }

receivers=(gateway gateway-noflush gateway-tls gateway-tls-noflush storescp-shim storescp-stock)
((sender_shim)) && receivers+=(storescp-stock+scu-shim)
if [[ -n "$only" ]]; then
    IFS=, read -r -a receivers <<<"$only"
    for name in "${receivers[@]}"; do
        [[ "$name" =~ ^(gateway|gateway-noflush|gateway-tls|gateway-tls-noflush|orthanc-shim|orthanc-nosync-shim|orthanc-shim\+scu-shim|storescp-shim|storescp-stock|storescp-stock\+scu-shim)$ ]] || { echo "unknown receiver: $name" >&2; exit 2; }
    done
fi
want_orthanc=0
[[ " ${receivers[*]} " == *" orthanc-"* ]] && want_orthanc=1

for tool in gcc dotnet storescu storescp ss awk; do
    command -v "$tool" >/dev/null || { echo "missing $tool (DCMTK: apt-get install -y dcmtk)" >&2; exit 2; }
done
if ((want_orthanc)); then
    command -v curl >/dev/null || { echo "missing curl (apt-get install -y curl)" >&2; exit 2; }
    if ! command -v Orthanc >/dev/null; then
        # On demand only: Debian's package. Its service is not used (each cell starts its own Orthanc); where
        # systemd runs, the package starts that service on install, so stop it afterwards if you do not want it.
        ((EUID == 0)) || { echo "missing Orthanc: apt-get install -y orthanc, or leave the orthanc rows out" >&2; exit 2; }
        echo "Installing Orthanc (Debian package orthanc)"
        DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends orthanc >/dev/null \
            || { apt-get update >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends orthanc >/dev/null; } \
            || { echo "could not install orthanc" >&2; exit 2; }
    fi
fi

# ---- clean-up: every process this script starts is recorded here and ended by its id on exit ----------------
receiver_pid=""
http_port=""
sampler_pid=""
work=""

children_of() { cat "/proc/$1/task/"*/children 2>/dev/null || true; }

stop_receiver() {
    [[ -n "$receiver_pid" ]] || return 0
    local pid="$receiver_pid" kids tick
    kids="$(children_of "$pid")"
    kill -TERM "$pid" 2>/dev/null || true
    for ((tick = 0; tick < STOP_WAIT_TICKS; tick++)); do
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.1
    done
    kill -KILL "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
    # storescp --fork: a child still serving an association outlives its parent; end it by its id.
    for kid in $kids; do kill -KILL "$kid" 2>/dev/null || true; done
    receiver_pid=""
}

stop_sampler() {
    [[ -n "$sampler_pid" ]] || return 0
    kill -TERM "$sampler_pid" 2>/dev/null || true
    wait "$sampler_pid" 2>/dev/null || true
    sampler_pid=""
}

cleanup() {
    stop_sampler
    stop_receiver
    [[ -n "$work" && -d "$work" ]] && rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# ---- preparation -----------------------------------------------------------------------------------------------
mkdir -p "$OUT"
echo "Building $SHIM"
gcc -shared -fPIC -O2 -Wall -Wextra -o "$SHIM" "$REPO/bench/network/nodelay-shim.c" -ldl
if ((build)); then
    echo "Building the Gateway (Release)"
    dotnet build -c Release "$REPO/Gateway" -v quiet -nologo >/dev/null
fi
[[ -x "$GATEWAY" ]] || { echo "no $GATEWAY: run without --no-build" >&2; exit 2; }
# The header benchmark's corpus: bench/out/ct/CT0001..0300.dcm, 512x512 16-bit, Explicit VR LE, cached by manifest.
dotnet run -c Release --project "$REPO/bench/DicomKit.Benchmarks" -- generate "$OUT" --slices "$SLICES"
mapfile -t files < <(ls "$OUT"/ct/CT*.dcm)
((${#files[@]} == SLICES)) || { echo "expected $SLICES files in $OUT/ct, found ${#files[@]}" >&2; exit 2; }
total_bytes="$(cat "${files[@]}" | wc -c)"
# Warm-up instances: the first slices under other UIDs, so that no receiver meets them again in the timed run
# (the Gateway acknowledges a SOP Instance UID it already holds without storing it twice, which would flatter it).
mkdir -p "$OUT/warmup"
warmup_files=()
for ((i = 0; i < warmup && i < SLICES; i++)); do
    w="$OUT/warmup/W$(printf %04d "$i").dcm"
    if [[ ! -f "$w" ]]; then
        cp "${files[$i]}" "$w.tmp"
        dcmodify -nb -m "(0008,0018)=1.2.826.0.1.3680043.10.1234.99.$i" -m "(0020,000D)=1.2.826.0.1.3680043.10.1234.99" "$w.tmp" >/dev/null
        mv "$w.tmp" "$w"
    fi
    warmup_files+=("$w")
done

# DICOM over TLS rows: a CA and a server certificate for 127.0.0.1 (P-256), made once and kept in bench/out/tls.
readonly TLS_DIR="$OUT/tls"
if [[ " ${receivers[*]} " == *" gateway-tls"* && ! -f "$TLS_DIR/server.pem" ]]; then
    command -v openssl >/dev/null || { echo "missing openssl (apt-get install -y openssl)" >&2; exit 2; }
    mkdir -p "$TLS_DIR"
    openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$TLS_DIR/ca.key" -out "$TLS_DIR/ca.pem" \
        -days 3650 -subj "/CN=DicomGateway bench CA" -addext basicConstraints=critical,CA:TRUE 2>/dev/null
    openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$TLS_DIR/server.key" -out "$TLS_DIR/server.csr" \
        -subj "/CN=$HOST" 2>/dev/null
    printf 'subjectAltName=IP:%s\nextendedKeyUsage=serverAuth\n' "$HOST" >"$TLS_DIR/server.ext"
    openssl x509 -req -in "$TLS_DIR/server.csr" -CA "$TLS_DIR/ca.pem" -CAkey "$TLS_DIR/ca.key" -CAcreateserial -days 3650 \
        -out "$TLS_DIR/server.pem.tmp" -extfile "$TLS_DIR/server.ext" 2>/dev/null
    mv "$TLS_DIR/server.pem.tmp" "$TLS_DIR/server.pem"
fi

mkdir -p "$data_root"
work="$(mktemp -d "$data_root/run.XXXXXX")"
[[ "$work" != *[\"\\]* ]] || { echo "--data-root must not contain \" or \\ (it goes into Orthanc's JSON configuration)" >&2; exit 2; }
results="$work/results.tsv"
: >"$results"

# A port below the kernel's ephemeral range (where outgoing connections, storescu's among them, take theirs), with
# no socket on it at all: a connection in TIME_WAIT on a port also makes a listener's bind fail.
free_port() {
    local port i low
    read -r low _ </proc/sys/net/ipv4/ip_local_port_range 2>/dev/null || low=32768
    ((low > 21000)) || low=32768
    for ((i = 0; i < 200; i++)); do
        port=$((20000 + RANDOM % (low - 20000)))
        if [[ -z "$(ss -Htan "sport = :$port")" ]]; then echo "$port"; return 0; fi
    done
    echo "no free port found" >&2
    return 1
}

# Sum of VmRSS over a process and its children, in kB (storescp --fork serves each association in a child).
tree_rss_kb() {
    local sum=0 pid kb
    for pid in "$1" $(children_of "$1"); do
        kb="$(awk '/^VmRSS:/ { print $2 }' "/proc/$pid/status" 2>/dev/null || true)"
        sum=$((sum + ${kb:-0}))
    done
    echo "$sum"
}

# Writes the largest tree RSS seen to $2 every 50 ms until killed or the process is gone.
sample_rss() {
    local pid="$1" into="$2" peak=0 now tick
    for ((tick = 0; tick < SAMPLE_MAX_TICKS; tick++)); do
        kill -0 "$pid" 2>/dev/null || break
        now="$(tree_rss_kb "$pid")"
        if ((now > peak)); then peak=$now; echo "$peak" >"$into"; fi
        sleep 0.05
    done
}

# Orthanc's REST API on its loopback HTTP port, never through a proxy: orthanc_rest PORT METHOD PATH.
orthanc_rest() {
    curl -sSf --noproxy '*' --max-time "$REST_TIMEOUT" -X "$2" "http://$HOST:$1$3"
}

# Instances in Orthanc's index (GET /statistics -> CountInstances); 0 if it does not answer.
orthanc_count() {
    local n
    n="$(orthanc_rest "$1" GET /statistics 2>/dev/null | grep -o '"CountInstances" *: *[0-9]*' | grep -o '[0-9]*$' || true)"
    echo "${n:-0}"
}

# Deletes every patient (so every instance, and its file) from Orthanc; fails unless it is then empty. The
# warm-up sends the first slices of the series again, which Orthanc would otherwise find already stored.
orthanc_clear() {
    local port="$1" id
    for id in $(orthanc_rest "$port" GET /patients | grep -oE '[0-9a-f]{8}(-[0-9a-f]{8}){4}'); do
        orthanc_rest "$port" DELETE "/patients/$id" >/dev/null || return 1
    done
    [[ "$(orthanc_count "$port")" == 0 ]]
}

# start_receiver NAME PORT DIR MODE: sets receiver_pid, received_dir and http_port (Orthanc's, else empty).
start_receiver() {
    local name="$1" port="$2" dir="$3" mode="$4" fork=() tick
    http_port=""
    [[ "$mode" == "$PARALLEL"* ]] && fork=(--fork)
    mkdir -p "$dir"
    case "$name" in
        gateway|gateway-noflush|gateway-tls|gateway-tls-noflush)
            # From the repository root, so it reads the repository's appsettings.json like `dotnet run --project Gateway`.
            local flush=true tls=()
            [[ "$name" == *-noflush ]] && flush=false
            # The TLS rows serve DICOM over TLS only, on the cell's port.
            [[ "$name" == gateway-tls* ]] && tls=(--Dicom:Tls:Port "$port" --Dicom:Tls:Only true
                --Dicom:Tls:CertificateFile "$TLS_DIR/server.pem" --Dicom:Tls:KeyFile "$TLS_DIR/server.key")
            (cd "$REPO" && exec "$GATEWAY" --Dicom:Port "$port" --Dicom:BindAddress "$HOST" --Dicom:AeTitle "$AE" \
                --Storage:DataDirectory "$dir" --Storage:FlushToDisk "$flush" --Web:Urls "http://$HOST:0" \
                --Shipments:StableStudySeconds 3600 "${tls[@]}") >"$dir.log" 2>&1 &
            receiver_pid=$!
            # Each instance arrives as an encrypted blob with an index row (docs/shipment-format.md).
            received_dir="$dir/blobs" ;;
        storescp-*)
            # storescp 3.6.7 cannot choose its address: the shim rebinds its 0.0.0.0 listener to 127.0.0.1. For the
            # stock rows it does only that (NODELAY_SHIM_NODELAY=0); storescp-shim also gets TCP_NODELAY on accept().
            local nodelay=0
            [[ "$name" == storescp-shim ]] && nodelay=1
            LD_PRELOAD="$SHIM" NODELAY_SHIM_LOOPBACK=1 NODELAY_SHIM_NODELAY="$nodelay" \
                storescp "${fork[@]}" -aet "$AE" -od "$dir" +B "$port" >"$dir.log" 2>&1 &
            receiver_pid=$!
            received_dir="$dir" ;;
        orthanc-*)
            # Debian's Orthanc 1.10.1 with only this file: no plugins (Debian's default configuration would load
            # /usr/share/orthanc/plugins/), no Lua, no modalities or peers, no proxy; REST on the loopback only.
            # It has no option to choose its listening addresses: the shim rebinds its 0.0.0.0 DICOM and HTTP
            # listeners to 127.0.0.1, and sets TCP_NODELAY on accept(), which Orthanc's DICOM side never does.
            # SyncStorageArea (its default, true) fsyncs each stored file before the C-STORE response.
            local sync=true
            [[ "$name" == orthanc-nosync-* ]] && sync=false
            http_port="$(free_port)"
            for ((tick = 0; tick < 20 && http_port == port; tick++)); do http_port="$(free_port)"; done
            cat >"$dir/orthanc.json" <<EOF
{
  "Name" : "DicomGateway benchmark",
  "DicomAet" : "$AE",
  "DicomPort" : $port,
  "DicomCheckCalledAet" : false,
  "StorageDirectory" : "$dir/storage",
  "IndexDirectory" : "$dir/index",
  "SyncStorageArea" : $sync,
  "HttpServerEnabled" : true,
  "HttpPort" : $http_port,
  "RemoteAccessAllowed" : false,
  "AuthenticationEnabled" : false,
  "Plugins" : [],
  "LuaScripts" : [],
  "DicomModalities" : {},
  "OrthancPeers" : {},
  "HttpProxy" : "",
  "SaveJobs" : false
}
EOF
            LD_PRELOAD="$SHIM" NODELAY_SHIM_LOOPBACK=1 NODELAY_SHIM_NODELAY=1 \
                Orthanc "$dir/orthanc.json" >"$dir.log" 2>&1 &
            receiver_pid=$!
            received_dir="$dir/storage" ;;
    esac
    for ((tick = 0; tick < LISTEN_WAIT_TICKS; tick++)); do
        if [[ -n "$(ss -Hltn "src $HOST:$port")" ]]; then
            [[ -z "$http_port" ]] && return 0
            [[ -n "$(ss -Hltn "src $HOST:$http_port")" ]] && orthanc_rest "$http_port" GET /system >/dev/null 2>&1 && return 0
        fi
        kill -0 "$receiver_pid" 2>/dev/null || break
        sleep 0.1
    done
    echo "$name did not listen on $HOST:$port; its log:" >&2
    tail -n 20 "$dir.log" >&2 || true
    return 1
}

# count_received NAME DIR: files received. Orthanc: the smaller of the files in its storage area (a two-level
# hex tree; its index is elsewhere) and the instances its index has.
count_received() {
    local files
    case "$1" in
        orthanc-*)
            files="$(find "$2" -type f | wc -l)"
            local indexed
            indexed="$(orthanc_count "$http_port")"
            echo $((files < indexed ? files : indexed)) ;;
        *) find "$2" -maxdepth 1 -type f ! -name '*.part' | wc -l ;;
    esac
}

# send NAME PORT LOGPREFIX CHUNKS FILES...: stock storescu (or with the shim for the sender-side row), CHUNKS
# parallel processes over consecutive slices of FILES. Returns non-zero if any storescu did.
send() {
    local name="$1" port="$2" logs="$3" chunks="$4"; shift 4
    local all=("$@") per=$((($# + chunks - 1) / chunks)) pids=() i rc=0 pre=() tls=()
    [[ "$name" == *+scu-shim ]] && pre=(env "LD_PRELOAD=$SHIM")
    # DCMTK's default TLS profile (non-downgrading BCP 195), no client certificate, the server's checked against the CA.
    [[ "$name" == gateway-tls* ]] && tls=(+tla +cf "$TLS_DIR/ca.pem")
    for ((i = 0; i < chunks; i++)); do
        "${pre[@]}" storescu "${tls[@]}" -aet BENCHSCU -aec "$AE" "$HOST" "$port" "${all[@]:i*per:per}" >"$logs.$i.log" 2>&1 &
        pids+=($!)
    done
    for i in "${!pids[@]}"; do wait "${pids[$i]}" || { rc=1; tail -n 5 "$logs.$i.log" >&2; }; done
    return $rc
}

# cpu_ticks PID: clock ticks of CPU (user + system) used by PID, its reaped children and its children still
# present (storescp --fork's, zombies included: they keep their counts until reaped).
cpu_ticks() {
    local pid="$1" total=0 kid
    for kid in "$pid" $(children_of "$pid"); do
        # Fields 14-17 of /proc/PID/stat (utime stime cutime cstime), counted after the ")" that ends the name.
        # A process gone in between counts 0.
        total=$((total + $(sed 's/^.*) //' "/proc/$kid/stat" 2>/dev/null | awk '{ t = $12 + $13 + $14 + $15 } END { print t + 0 }')))
    done
    echo "$total"
}

# busy_ticks: clock ticks all CPUs spent running something since boot (/proc/stat: user nice system idle iowait irq
# softirq steal); steal, time the hypervisor gave to other machines, is not ours.
busy_ticks() { awk '/^cpu / { print $2 + $3 + $4 + $7 + $8; exit }' /proc/stat; }

# run_cell NAME MODE REP: one receiver, fresh, one measurement appended to $results.
run_cell() {
    local name="$1" mode="$2" rep="$3" chunks=1 port dir t0 t1 got hwm sampled status=ok
    [[ "$mode" == "$PARALLEL"* ]] && chunks=$PARALLEL
    port="$(free_port)"
    dir="$work/$name.$chunks.$rep"
    # A receiver that could not listen (its port was taken in the meantime) gets two more ports to try.
    local attempt started=0
    for ((attempt = 1; attempt <= 3; attempt++)); do
        if start_receiver "$name" "$port" "$dir" "$mode"; then started=1; break; fi
        stop_receiver
        rm -rf "$dir" "$dir.log"
        port="$(free_port)"
    done
    if ((!started)); then
        printf '%s\t%s\t%s\t0\t0\tfailed\n' "$name" "$mode" "$rep" >>"$results"
        return 0
    fi
    if ((warmup > 0)); then
        # Untimed: the Gateway JIT-compiles its store path here, as a long-running service has long done.
        send "$name" "$port" "$dir.warmup" 1 "${warmup_files[@]}" || status=failed
        if [[ -n "$http_port" ]]; then
            orthanc_clear "$http_port" || { echo "  $name: could not empty Orthanc after the warm-up" >&2; status=failed; }
        else
            find "$received_dir" -maxdepth 1 -type f -delete
        fi
    fi
    echo 0 >"$dir.peak"
    sample_rss "$receiver_pid" "$dir.peak" &
    sampler_pid=$!
    local c0 b0 c1 b1 scu
    c0="$(cpu_ticks "$receiver_pid")"
    b0="$(busy_ticks)"
    t0="$(date +%s%N)"
    # The senders' CPU: `times` in the subshell that waited for them (its second line: children's user and system).
    # (`times` itself, not in a pipe: a pipeline would run it in a child that waited for nobody.)
    scu="$( send "$name" "$port" "$dir.scu" "$chunks" "${files[@]}" >&2; rc=$?; times; exit $rc )" || status=failed
    scu="$(sed -n 2p <<<"$scu")"
    t1="$(date +%s%N)"
    c1="$(cpu_ticks "$receiver_pid")"
    b1="$(busy_ticks)"
    got="$(count_received "$name" "$received_dir")"
    hwm="$(awk '/^VmHWM:/ { print $2 }' "/proc/$receiver_pid/status" 2>/dev/null || echo 0)"
    stop_sampler
    sampled="$(cat "$dir.peak")"
    stop_receiver
    ((got == SLICES)) || status=failed
    # CPU in ms per instance: receiver, senders (from "XmY.YYYs" pairs), and the whole machine's busy time.
    local tck cpu_rx cpu_tx cpu_all
    tck="$(getconf CLK_TCK)"
    cpu_rx="$(awk -v t="$((c1 - c0))" -v hz="$tck" -v n="$SLICES" 'BEGIN { printf "%.2f", t * 1000 / hz / n }')"
    cpu_tx="$(awk -v s="$scu" -v n="$SLICES" 'BEGIN { split(s, p, " "); ms = 0; for (i = 1; i <= 2; i++) { split(p[i], q, "m"); ms += (q[1] * 60 + q[2]) * 1000 }; printf "%.2f", ms / n }')"
    cpu_all="$(awk -v t="$((b1 - b0))" -v hz="$tck" -v n="$SLICES" 'BEGIN { printf "%.2f", t * 1000 / hz / n }')"
    printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$name" "$mode" "$rep" "$(((t1 - t0) / 1000))" "$((hwm > sampled ? hwm : sampled))" "$status" \
        "$cpu_rx" "$cpu_tx" "$cpu_all" >>"$results"
    printf '  %-24s %-16s #%s  %6.2f s  %3s files  %s  CPU ms/instance: receiver %s, storescu %s, machine %s\n' "$name" "$mode" "$rep" \
        "$(awk "BEGIN { print ($t1 - $t0) / 1e9 }")" "$got" "$status" "$cpu_rx" "$cpu_tx" "$cpu_all"
    rm -rf "$dir"
}

modes=("1 association" "$PARALLEL associations")

echo "Sending $SLICES files, $((total_bytes / 1048576)) MiB, $repeats round(s), receivers writing under $work"
for ((rep = 1; rep <= repeats; rep++)); do
    order=("${receivers[@]}")
    if ((rep % 2 == 0)); then
        order=()
        for ((i = ${#receivers[@]} - 1; i >= 0; i--)); do order+=("${receivers[$i]}"); done
    fi
    for name in "${order[@]}"; do
        for mode in "${modes[@]}"; do run_cell "$name" "$mode" "$rep"; done
    done
done

# ---- report: medians of time, max of peak RSS, ratios of ours to storescp and Orthanc ---------------------------
echo
orthanc_version=""
((want_orthanc)) && orthanc_version="; $(Orthanc --version | head -n 1)"
echo "$(storescp --version | head -n 1 | sed 's/^\$dcmtk: //; s/ \$$//')$orthanc_version; $(dotnet --version | sed 's/^/.NET SDK /'); $(nproc) cores; $repeats round(s); data under $data_root"
echo "stock storescu -> receiver on $HOST; $SLICES CT files of 512x512x16 ($((total_bytes / 1048576)) MiB); $PARALLEL associations = $PARALLEL storescu processes x $((SLICES / PARALLEL)) files"
# What the Gateway's cryptography alone costs per instance on this CPU: its content hash is HMAC-SHA-256 and its
# encryption AES-256-GCM, both over every byte (OpenSSL is what .NET uses on Linux). Bytes per second, 64 KiB blocks.
crypto_ms=0
if command -v openssl >/dev/null; then
    speed() { openssl speed -seconds 1 -bytes 65536 -evp "$1" 2>/dev/null | awk -v a="$1" 'tolower($1) == tolower(a) { v = $2; sub(/k$/, "", v); print v * 1000 }'; }
    sha="$(speed sha256)"; gcm="$(speed aes-256-gcm)"
    if [[ -n "$sha" && -n "$gcm" ]]; then
        crypto_ms="$(awk -v b="$total_bytes" -v n="$SLICES" -v s="$sha" -v g="$gcm" 'BEGIN { printf "%.2f", (b / n) * (1 / s + 1 / g) * 1000 }')"
        echo "openssl speed, 64 KiB blocks: SHA-256 $(awk -v v="$sha" 'BEGIN { printf "%.0f", v / 1e6 }') MB/s, AES-256-GCM $(awk -v v="$gcm" 'BEGIN { printf "%.0f", v / 1e6 }') MB/s: hashing and encrypting one instance costs at least $crypto_ms ms of CPU"
    fi
fi
echo
awk -F '\t' -v n="$SLICES" -v bytes="$total_bytes" -v receivers="${receivers[*]}" -v modes="${modes[0]}|${modes[1]}" -v crypto="$crypto_ms" '
    { key = $1 SUBSEP $2; k = ++count[key]; us[key, k] = $4; if ($5 > peak[key]) peak[key] = $5; if ($6 != "ok") failed[key] = 1
      rx[key, k] = $7; tx[key, k] = $8; all[key, k] = $9 }
    # mid(ARR, KEY, M): the median of ARR[KEY, 1..M]; it also leaves their least and greatest in low and high.
    function mid(arr, key, m,    i, j, t, a) {
        for (i = 1; i <= m; i++) a[i] = arr[key, i]
        for (i = 2; i <= m; i++) { t = a[i]; for (j = i - 1; j >= 1 && a[j] > t; j--) a[j + 1] = a[j]; a[j + 1] = t }
        low = a[1]; high = a[m]
        return m % 2 ? a[(m + 1) / 2] : (a[m / 2] + a[m / 2 + 1]) / 2
    }
    function median(key,    r) { r = mid(us, key, count[key]); lo[key] = low; hi[key] = high; return r }
    END {
        split(receivers, rs, " "); split(modes, ms, "|")
        print "| receiver | mode | instances/s (min-max) | MB/s | peak RSS MB | CPU ms/inst: receiver | storescu | machine | status |"
        print "|---|---|---:|---:|---:|---:|---:|---:|---|"
        for (mi = 1; mi in ms; mi++) {
            for (ri = 1; ri in rs; ri++) {
                key = rs[ri] SUBSEP ms[mi]
                if (!(key in count)) continue
                med = median(key)
                if (lo[key] == 0) { printf "| %s | %s | - | - | - | - | - | - | FAILED |\n", rs[ri], ms[mi]; continue }
                rate[key] = n / (med / 1e6)
                cpu[key] = mid(rx, key, count[key])
                printf "| %s | %s | %.0f (%.0f-%.0f) | %.1f | %.1f | %.2f | %.2f | %.2f | %s |\n", rs[ri], ms[mi], rate[key], n / (hi[key] / 1e6), n / (lo[key] / 1e6),
                    bytes / 1048576 / (med / 1e6), peak[key] / 1024, cpu[key], mid(tx, key, count[key]), mid(all, key, count[key]), (key in failed) ? "FAILED" : "ok"
            }
            # Ours over a peer: storescp-shim (no fsync) for both; Orthanc with and without its fsync like for like.
            np = split("gateway/storescp-shim gateway-noflush/storescp-shim gateway/orthanc-shim gateway-noflush/orthanc-nosync-shim gateway-tls/gateway gateway-tls-noflush/gateway-noflush", pairs, " ")
            for (pi = 1; pi <= np; pi++) {
                split(pairs[pi], pr, "/")
                ours = pr[1] SUBSEP ms[mi]; peer = pr[2] SUBSEP ms[mi]
                if ((ours in rate) && (peer in rate) && peak[peer] > 0) {
                    # Also round by round: the peer time over ours in the same round, which cancels some of a
                    # shared machine slow spells; median and min-max of those ratios.
                    m = count[ours] < count[peer] ? count[ours] : count[peer]
                    for (k = 1; k <= m; k++) { paired[ours, k] = us[ours, k] > 0 ? us[peer, k] / us[ours, k] : 0 }
                    pm = mid(paired, ours, m)
                    printf "| ratio %s | %s | %.2fx (by round %.2fx, %.2f-%.2f) | %.2fx | %.2fx | %.2fx | | | |\n", pairs[pi], ms[mi], rate[ours] / rate[peer], pm, low, high,
                        rate[ours] / rate[peer], peak[ours] / peak[peer], (cpu[peer] > 0 ? cpu[ours] / cpu[peer] : 0)
                    # The best a receiver could do that added only the hash and the encryption to storescp: over one
                    # association sender and receiver take turns (time = their CPU added up); over four the
                    # machine is the limit (time = its CPU per instance, on the cores there are).
                    # With the flush to disk as well, its CPU taken from the Gateway (gateway minus gateway-noflush).
                    if (crypto > 0 && pr[2] == "storescp-shim" && pr[1] == "gateway") {
                        serial = mid(rx, peer, count[peer]) + mid(tx, peer, count[peer])
                        base = mi == 1 ? serial : mid(all, peer, count[peer])
                        printf "| ceiling: storescp + hash + encryption | %s | %.2fx | | | | | | |\n", ms[mi], base / (base + crypto)
                        noflush = "gateway-noflush" SUBSEP ms[mi]
                        if ((noflush in rate) && cpu[ours] > cpu[noflush])
                            printf "| ceiling: the same + the flush to disk | %s | %.2fx | | | | | | |\n", ms[mi], base / (base + crypto + cpu[ours] - cpu[noflush])
                    }
                }
            }
        }
    }' "$results"

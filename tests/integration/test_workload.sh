#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# The pods and containers behind network namespaces (issue 11): kubelet pods
# of the systemd and cgroupfs drivers (containerd, CRI-O; Burstable,
# BestEffort, Guaranteed; one in a named cgroup v1 hierarchy) and a Docker
# container, built as their runtimes build them (cgroups, a cni-* netns,
# pod log directories, Docker's config.v2.json) in a cgroup2 view of our
# own. Exact drops in each netns; dropmon_netns_info names each, the host
# netns is "host"; a real Prometheus joins the drops with the info and with
# kube-state-metrics' kube_pod_info by pod UID, evaluates the k8s recording
# rules and dashboard queries; the names outlive the processes (grace
# period); a dropmon in a cgroup namespace of its own (paths seen as
# /../...) names them too.
. "$(dirname "$0")/lib.sh"
require_kernel
command -v prometheus >/dev/null || skip "prometheus is not installed (Debian package prometheus)"
command -v python3 >/dev/null || skip "python3 is not installed (serves the kube-state-metrics lines)"
command -v unshare >/dev/null || skip "unshare is not installed (Debian package util-linux)"
TOP="${SRCDIR:-$(dirname "$0")/../..}"
RULES="$TOP/deploy/prometheus/dropmon-rules.yml"
DASHBOARD="$TOP/dashboards/dropmon.json"
README="$TOP/README.md"
NO_SOCKET=$(reason NO_SOCKET)

# --- cleanup: processes out of our cgroups, cgroups deepest first, mounts --------
MOUNTS=()  # mount points, unmounted last first
CGDIRS=()  # cgroup directories made, parents before children
WL_PIDS=() # the workloads' processes
cgroup_empty() { [ -z "$(cat "$1/cgroup.procs" 2>/dev/null)" ]; }
workload_cleanup() {
	local pid d i
	for pid in "${WL_PIDS[@]}"; do
		kill -KILL "$pid" 2>/dev/null || true
	done
	for pid in "${WL_PIDS[@]}"; do
		wait "$pid" 2>/dev/null || true
	done
	# Anything still in them (the dropmon in a cgroup namespace, a process
	# a failed step left): gently first, its exit is waited for below.
	for ((i = ${#CGDIRS[@]} - 1; i >= 0; i--)); do
		for pid in $(cat "${CGDIRS[i]}/cgroup.procs" 2>/dev/null); do
			kill -TERM "$pid" 2>/dev/null || true
		done
	done
	for ((i = ${#CGDIRS[@]} - 1; i >= 0; i--)); do
		d=${CGDIRS[i]}
		[ -d "$d" ] || continue
		if ! wait_for 5 cgroup_empty "$d"; then
			for pid in $(cat "$d/cgroup.procs" 2>/dev/null); do
				kill -KILL "$pid" 2>/dev/null || true
			done
			wait_for 5 cgroup_empty "$d" || true
		fi
		rmdir "$d" 2>/dev/null || echo "cleanup: cannot remove cgroup $d"
	done
	# A mount point left mounted would let lib.sh's rm -rf walk the whole
	# cgroup hierarchy: detach it lazily if it is busy.
	for ((i = ${#MOUNTS[@]} - 1; i >= 0; i--)); do
		umount "${MOUNTS[i]}" 2>/dev/null || umount -l "${MOUNTS[i]}" ||
			echo "cleanup: cannot unmount ${MOUNTS[i]}"
	done
}
trap 'workload_cleanup; cleanup' EXIT

# --- cgroups ---------------------------------------------------------------
# Our own view of the cgroup2 hierarchy (whether the host mounts it at
# /sys/fs/cgroup or, hybrid, at /sys/fs/cgroup/unified): everything of the
# test lives under dropmon-$TAG, so /proc/PID/cgroup shows
# 0::/dropmon-$TAG/kubepods.slice/... (any prefix is accepted). No
# controller is enabled below it, so processes may sit anywhere.
CG2="$TMP/cg2"
mkdir "$CG2"
mount -t cgroup2 none "$CG2" 2>/dev/null || skip "cannot mount cgroup2"
MOUNTS+=("$CG2")
# A named cgroup v1 hierarchy (N:name=...:/PATH lines), where the kernel
# still mounts one.
CG1="$TMP/cg1"
mkdir "$CG1"
if mount -t cgroup -o "none,name=dm$TAG" cgroup "$CG1" 2>/dev/null; then
	MOUNTS+=("$CG1")
else
	log "no named cgroup v1 hierarchy here (mount -t cgroup -o none,name=dm$TAG failed): the v1 pod goes to cgroup2"
	CG1=
fi

# cg_mkdir ROOT PATH: makes each missing directory of PATH under ROOT.
cg_mkdir() {
	local d=$1 c parts
	IFS=/ read -ra parts <<<"$2"
	for c in "${parts[@]}"; do
		d="$d/$c"
		if [ ! -d "$d" ]; then
			mkdir "$d"
			CGDIRS+=("$d")
		fi
	done
}

hex64() { od -An -N32 -tx1 /dev/urandom | tr -d ' \n'; }
new_uuid() { cat /proc/sys/kernel/random/uuid; }
in_netns() { [ "$(stat -L -c %i "/proc/$1/ns/net" 2>/dev/null)" = "$2" ]; }

# start_in NETNS CGROUP_DIR...: a process (sleep) in NETNS, moved into each
# cgroup directory given (one per hierarchy); its pid in LAST_PID.
start_in() {
	local ns=$1 d
	shift
	ip netns exec "$ns" sleep 900 &
	LAST_PID=$!
	WL_PIDS+=("$LAST_PID")
	for d in "$@"; do
		echo "$LAST_PID" >"$d/cgroup.procs"
	done
	wait_for 5 in_netns "$LAST_PID" "$(netns_inode "$ns")"
}

# expect_cgroup PID REGEX: /proc/PID/cgroup has a line matching REGEX (the
# set-up is what the test means it to be).
expect_cgroup() {
	if grep -qE -- "$2" "/proc/$1/cgroup"; then
		pass "pid $1 in cgroup $(grep -E -- "$2" "/proc/$1/cgroup")"
	else
		fail "pid $1: no cgroup line matches $2: $(tr '\n' ' ' <"/proc/$1/cgroup")"
	fi
}

# The client side of every veth pair: the drops are caused from here.
C="${TAG}c"
netns_add "$C"

# A kubelet pod, systemd cgroup driver, Burstable, run by containerd: a
# sandbox and an application container, a netns as containerd makes it
# (ip netns cni-UUID: that name must not win), a pod log directory.
K8S_NS1="shop-$TAG"
POD1="web-7d4b9c6f5-x2x9p.v1"
UID1=$(new_uuid)
SANDBOX1=$(hex64)
APP1=$(hex64)
NS1="cni-$(new_uuid)"
POD1_CG="dropmon-$TAG/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod${UID1//-/_}.slice"
cg_mkdir "$CG2" "$POD1_CG/cri-containerd-$SANDBOX1.scope"
cg_mkdir "$CG2" "$POD1_CG/cri-containerd-$APP1.scope"
netns_add "$NS1"
mkdir -p "$TMP/pods/${K8S_NS1}_${POD1}_$UID1/web"
: >"$TMP/pods/${K8S_NS1}_${POD1}_$UID1/web/0.log"
start_in "$NS1" "$CG2/$POD1_CG/cri-containerd-$SANDBOX1.scope"
POD1_SANDBOX=$LAST_PID
start_in "$NS1" "$CG2/$POD1_CG/cri-containerd-$APP1.scope"
POD1_APP=$LAST_PID
expect_cgroup "$POD1_SANDBOX" "^0::/(.*/)?dropmon-$TAG/kubepods\.slice/kubepods-burstable\.slice/kubepods-burstable-pod${UID1//-/_}\.slice/cri-containerd-$SANDBOX1\.scope$"
expect_cgroup "$POD1_APP" "^0::/(.*/)?dropmon-$TAG/.*/cri-containerd-$APP1\.scope$"

# A kubelet pod, cgroupfs driver, BestEffort: /kubepods/besteffort/podUID/ID.
K8S_NS2="jobs-$TAG"
POD2="batch-28391740-q8z7k"
UID2=$(new_uuid)
CID2=$(hex64)
NS2="cni-$(new_uuid)"
POD2_CG="dropmon-$TAG/kubepods/besteffort/pod$UID2/$CID2"
cg_mkdir "$CG2" "$POD2_CG"
netns_add "$NS2"
mkdir -p "$TMP/pods/${K8S_NS2}_${POD2}_$UID2/batch"
start_in "$NS2" "$CG2/$POD2_CG"
POD2_PID=$LAST_PID
expect_cgroup "$POD2_PID" "^0::/(.*/)?dropmon-$TAG/kubepods/besteffort/pod$UID2/$CID2$"

# A Guaranteed pod of the cgroupfs driver (/kubepods/podUID/ID), in the
# named v1 hierarchy where there is one (its cgroup2 path says nothing of
# pods), and without a pod log directory: named by its UID.
UID3=$(new_uuid)
CID3=$(hex64)
NS3="cni-$(new_uuid)"
netns_add "$NS3"
if [ -n "$CG1" ]; then
	cg_mkdir "$CG1" "kubepods/pod$UID3/$CID3"
	cg_mkdir "$CG2" "dropmon-$TAG/system.slice/containerd.service"
	start_in "$NS3" "$CG1/kubepods/pod$UID3/$CID3" "$CG2/dropmon-$TAG/system.slice/containerd.service"
	POD3_PID=$LAST_PID
	expect_cgroup "$POD3_PID" "^[0-9]+:name=dm$TAG:/kubepods/pod$UID3/$CID3$"
else
	cg_mkdir "$CG2" "dropmon-$TAG/kubepods/pod$UID3/$CID3"
	start_in "$NS3" "$CG2/dropmon-$TAG/kubepods/pod$UID3/$CID3"
	POD3_PID=$LAST_PID
	expect_cgroup "$POD3_PID" "^0::/(.*/)?dropmon-$TAG/kubepods/pod$UID3/$CID3$"
fi

# A Guaranteed pod of the systemd driver (kubepods-podUID.slice, no QoS
# slice) run by CRI-O, in the first pod's Kubernetes namespace; CRI-O pins
# its netns as /run/netns/UUID, a name the pod must beat too.
POD4="api-0"
UID4=$(new_uuid)
CID4=$(hex64)
NS4=$(new_uuid)
POD4_CG="dropmon-$TAG/kubepods.slice/kubepods-pod${UID4//-/_}.slice/crio-$CID4.scope"
cg_mkdir "$CG2" "$POD4_CG"
netns_add "$NS4"
mkdir -p "$TMP/pods/${K8S_NS1}_${POD4}_$UID4/api"
start_in "$NS4" "$CG2/$POD4_CG"
POD4_PID=$LAST_PID
expect_cgroup "$POD4_PID" "^0::/(.*/)?dropmon-$TAG/kubepods\.slice/kubepods-pod${UID4//-/_}\.slice/crio-$CID4\.scope$"

# A Docker container (systemd cgroup driver): docker-ID.scope, its name in
# DATA_ROOT/containers/ID/config.v2.json (0600, as dockerd writes it). Its
# netns here has an ip netns name, which the container's name must beat;
# it goes with the container (Docker removes its own netns mount).
DID=$(hex64)
DNAME="web_$TAG"
DNS="${TAG}dk"
DOCKER_CG="dropmon-$TAG/system.slice/docker-$DID.scope"
cg_mkdir "$CG2" "$DOCKER_CG"
netns_add "$DNS"
docker_config() { # ID NAME
	mkdir -p "$TMP/docker/containers/$1"
	(
		umask 077
		printf '{"StreamConfig":{},"State":{"Running":true,"Paused":false,"Pid":%s},"ID":"%s","Created":"2026-12-02T06:00:00.000000000Z","Path":"nginx","Args":["-g","daemon off;"],"Config":{"Hostname":"%s","Image":"nginx:1.25","Labels":{}},"Image":"sha256:%s","Name":"/%s","RestartCount":0,"Driver":"overlay2"}\n' \
			"${3:-0}" "$1" "${1:0:12}" "$(hex64)" "$2" >"$TMP/docker/containers/$1/config.v2.json"
	)
}
start_in "$DNS" "$CG2/$DOCKER_CG"
DOCKER_PID=$LAST_PID
docker_config "$DID" "$DNAME" "$DOCKER_PID"
# Another container, stopped: its name is not ours.
docker_config "$(hex64)" "stopped_$TAG"
expect_cgroup "$DOCKER_PID" "^0::/(.*/)?dropmon-$TAG/system\.slice/docker-$DID\.scope$"

veth_pair "$C" c1 198.18.1.1 - "$NS1" eth0 198.18.1.2 -
veth_pair "$C" c2 198.18.2.1 - "$NS2" eth0 198.18.2.2 -
veth_pair "$C" c3 198.18.3.1 - "$NS3" eth0 198.18.3.2 -
veth_pair "$C" c4 198.18.4.1 - "$DNS" eth0 198.18.4.2 -
veth_pair "$C" c5 198.18.5.1 - "$NS4" eth0 198.18.5.2 -
INO1=$(netns_inode "$NS1")
INO2=$(netns_inode "$NS2")
INO3=$(netns_inode "$NS3")
INO4=$(netns_inode "$NS4")
INOD=$(netns_inode "$DNS")
# The initial netns: pid 1's, or, where pid 1 cannot be read even by root
# (a VM's own init), kthreadd's: kernel threads live in it.
if HOSTNS=$(stat -L -c %i /proc/1/ns/net 2>/dev/null); then
	:
else
	HOSTNS=$(stat -L -c %i /proc/2/ns/net)
	log "/proc/1/ns/net cannot be read here; the initial netns is kthreadd's (pid 2)"
fi
log "netns: $NS1 $INO1 (systemd pod), $NS2 $INO2 (cgroupfs pod), $NS3 $INO3 (Guaranteed pod), $NS4 $INO4 (CRI-O pod), $DNS $INOD (Docker), host $HOSTNS"

# --- dropmon, and one in a cgroup namespace of its own ----------------------
WL_FLAGS=(--kubernetes.pod-logs-dir="$TMP/pods" --docker.data-root="$TMP/docker")
if ! "$DROPMON" serve --help 2>&1 | grep -q -- --kubernetes.pod-logs-dir; then
	# The rest still runs, to show every label that is missing.
	fail "dropmon serve has no --kubernetes.pod-logs-dir (the build lacks issue 11)"
	WL_FLAGS=()
fi
start_dropmon --netns.grace-period=1h "${WL_FLAGS[@]}"

# Its cgroup is dropmon-$TAG/dropmon.service: every other cgroup of the test
# is /../kubepods.slice/... to it.
CGNS_CG="dropmon-$TAG/dropmon.service"
cg_mkdir "$CG2" "$CGNS_CG"
PORT2=$(free_port)
(
	echo "$BASHPID" >"$CG2/$CGNS_CG/cgroup.procs"
	exec unshare --cgroup "$DROPMON" serve --web.listen-address="127.0.0.1:$PORT2" \
		--netns.grace-period=1h "${WL_FLAGS[@]}"
) >"$TMP/dropmon-cgns.log" 2>&1 &
CGNS_PID=$!
PIDS+=("$CGNS_PID")
cgns_up() { curl -fsS -o /dev/null "http://127.0.0.1:$PORT2/metrics" 2>/dev/null || ! kill -0 "$CGNS_PID" 2>/dev/null; }
wait_for 10 cgns_up || true
if curl -fsS -o /dev/null "http://127.0.0.1:$PORT2/metrics"; then
	# /proc/PID/cgroup shows paths as the reader's cgroup namespace sees them.
	expect_eq "dropmon in its cgroup namespace: its own cgroup" "0::/" \
		"$(nsenter -t "$CGNS_PID" -C cat "/proc/$CGNS_PID/cgroup" | grep '^0::')"
	log "pod cgroup as it sees it: $(nsenter -t "$CGNS_PID" -C cat "/proc/$POD1_SANDBOX/cgroup" | grep '^0::')"
else
	fail "dropmon in a cgroup namespace did not start: $(cat "$TMP/dropmon-cgns.log")"
fi

# --- Prometheus, and kube-state-metrics' lines --------------------------------
# As kube-state-metrics prints them; Python's file server sends text/plain,
# which Prometheus 2 takes as the 0.0.4 text format.
mkdir "$TMP/ksm"
ksm_pods() { # FAMILY: NS POD UID KIND OWNER APP, one pod a line, on stdin
	local ns pod uid kind owner app
	while read -r ns pod uid kind owner app; do
		case "$1" in
		kube_pod_info)
			printf 'kube_pod_info{namespace="%s",pod="%s",uid="%s",host_ip="192.0.2.10",pod_ip="10.244.1.%s",node="node-1",created_by_kind="%s",created_by_name="%s",priority_class="",host_network="false"} 1\n' \
				"$ns" "$pod" "$uid" $((RANDOM % 250 + 2)) "$kind" "$owner"
			;;
		kube_pod_labels)
			printf 'kube_pod_labels{namespace="%s",pod="%s",uid="%s",label_app="%s",label_app_kubernetes_io_name="%s"} 1\n' \
				"$ns" "$pod" "$uid" "$app" "$app"
			;;
		esac
	done
}
cat >"$TMP/ksm/pods" <<EOP
$K8S_NS1 $POD1 $UID1 ReplicaSet web-7d4b9c6f5 web
$K8S_NS2 $POD2 $UID2 Job batch-28391740 batch
db-$TAG postgres-0 $UID3 StatefulSet postgres db
$K8S_NS1 $POD4 $UID4 StatefulSet api api
EOP
{
	echo '# HELP kube_pod_info Information about pod.'
	echo '# TYPE kube_pod_info gauge'
	ksm_pods kube_pod_info <"$TMP/ksm/pods"
	echo '# HELP kube_pod_labels Kubernetes labels converted to Prometheus labels.'
	echo '# TYPE kube_pod_labels gauge'
	ksm_pods kube_pod_labels <"$TMP/ksm/pods"
} >"$TMP/ksm/metrics.txt"
KPORT=$(free_port)
python3 -m http.server --bind 127.0.0.1 --directory "$TMP/ksm" "$KPORT" >"$TMP/ksm.log" 2>&1 &
KSM_PID=$!
PIDS+=("$KSM_PID")
ksm_up() { curl -fsS -o /dev/null "http://127.0.0.1:$KPORT/metrics.txt" 2>/dev/null || ! kill -0 "$KSM_PID" 2>/dev/null; }
wait_for 10 ksm_up || true
expect_eq "kube-state-metrics stand-in: content type" "text/plain" \
	"$(curl -fsS -o /dev/null -w '%{content_type}' "http://127.0.0.1:$KPORT/metrics.txt")"

HAVE_RULES=false
if [ -f "$RULES" ] && grep -q 'record: *instance_k8s_pod_reason:dropmon_drops:rate5m' "$RULES" &&
	grep -q 'record: *job_k8s_namespace_reason:dropmon_drops:rate5m' "$RULES"; then
	HAVE_RULES=true
else
	log "$RULES has no k8s recording rules: their checks are left out"
fi
PPORT=$(free_port)
mkdir "$TMP/prom"
{
	echo 'global:'
	echo '  scrape_interval: 1s'
	echo '  evaluation_interval: 1s'
	if [ "$HAVE_RULES" = true ]; then
		echo 'rule_files:'
		echo "  - $RULES"
	fi
	cat <<EOC
scrape_configs:
  - job_name: dropmon
    static_configs:
      - targets: ['127.0.0.1:$PORT']
  - job_name: kube-state-metrics
    honor_labels: true
    metrics_path: /metrics.txt
    static_configs:
      - targets: ['127.0.0.1:$KPORT']
EOC
} >"$TMP/prom.yml"
prometheus --config.file="$TMP/prom.yml" --storage.tsdb.path="$TMP/prom" \
	--web.listen-address="127.0.0.1:$PPORT" >"$TMP/prometheus.log" 2>&1 &
PROM_PID=$!
PIDS+=("$PROM_PID")
PROM="http://127.0.0.1:$PPORT"
prom_up() { curl -fs -o /dev/null "$PROM/-/ready" || ! kill -0 "$PROM_PID" 2>/dev/null; }
wait_for 20 prom_up || true
curl -fs -o /dev/null "$PROM/-/ready" || {
	echo "prometheus did not start:"
	tail -20 "$TMP/prometheus.log"
	exit 1
}
query() { curl -fsS --data-urlencode "query=$1" "$PROM/api/v1/query"; }
# samples EXPR: each sample of an instant query, one a line, sorted:
# {label="value",...} VALUE (labels sorted by name).
samples() {
	query "$1" | python3 -c '
import json, sys
r = json.load(sys.stdin)
if r.get("status") != "success":
    print("error: " + r.get("error", "?"))
for s in r["data"]["result"]:
    m = s["metric"]
    print("{" + ",".join("%s=\"%s\"" % (k, m[k]) for k in sorted(m)) + "} " + s["value"][1])
' | sort
}
has_sample() { [ -n "$(samples "$1")" ]; }
# expect_samples WHAT EXPR EXPECTED_LINES
expect_samples() {
	local got
	got=$(samples "$2")
	if [ "$got" = "$3" ]; then pass "$1: $(echo "$got" | wc -l) sample(s) as expected"; else fail "$1: $2
  expected: $3
  got:      $got"; fi
}

# --- drops ------------------------------------------------------------------
N1=37
N2=23
N3=11
N4=29
ND=19
NH=3
IF1=$(ifindex_in "$NS1" eth0)
IF2=$(ifindex_in "$NS2" eth0)
IF3=$(ifindex_in "$NS3" eth0)
IFD=$(ifindex_in "$DNS" eth0)
S1=$(drops_series "$NO_SOCKET" eth0 "$IF1" "$INO1" tcp_v4_rcv)
S2=$(drops_series "$NO_SOCKET" eth0 "$IF2" "$INO2" tcp_v4_rcv)
S3=$(drops_series "$NO_SOCKET" eth0 "$IF3" "$INO3" tcp_v4_rcv)
S4=$(drops_series "$NO_SOCKET" eth0 "$(ifindex_in "$NS4" eth0)" "$INO4" tcp_v4_rcv)
SD=$(drops_series "$NO_SOCKET" eth0 "$IFD" "$INOD" tcp_v4_rcv)
SH=$(drops_series "$NO_SOCKET" lo 1 "$HOSTNS" tcp_v4_rcv)
syns() { ip netns exec "$C" "$DROPGEN" tcp-syn "$1" 8080 --count "$2" >/dev/null; }
HOST_PORT=$(free_port)
host_syns() { "$DROPGEN" tcp-syn 127.0.0.1 "$HOST_PORT" --count "$1" >/dev/null; }

# One drop in each first, so that Prometheus has the series before the
# rest (rate() and increase() need a start).
syns 198.18.1.2 1
syns 198.18.2.2 1
syns 198.18.3.2 1
syns 198.18.4.2 1
syns 198.18.5.2 1
host_syns 1
scraped_twice() {
	local ino
	for ino in "$INO1" "$INO2" "$INO3" "$INO4" "$INOD" "$HOSTNS"; do
		has_sample "count_over_time(dropmon_drops_total{job=\"dropmon\",reason=\"$NO_SOCKET\",function=\"tcp_v4_rcv\",netns=\"$ino\"}[1m]) >= 2" || return 1
	done
	has_sample 'count_over_time(kube_pod_info[1m]) >= 2'
}
wait_for 30 scraped_twice || fail "Prometheus did not scrape the first drops and kube_pod_info twice"
syns 198.18.1.2 $((N1 - 1))
syns 198.18.2.2 $((N2 - 1))
syns 198.18.3.2 $((N3 - 1))
syns 198.18.4.2 $((ND - 1))
syns 198.18.5.2 $((N4 - 1))
host_syns $((NH - 1))
all_in() {
	scrape >"$TMP/m.txt" &&
		[ "$(value "$TMP/m.txt" "$S1")" -ge $N1 ] && [ "$(value "$TMP/m.txt" "$S2")" -ge $N2 ] &&
		[ "$(value "$TMP/m.txt" "$S3")" -ge $N3 ] && [ "$(value "$TMP/m.txt" "$S4")" -ge $N4 ] && [ "$(value "$TMP/m.txt" "$SD")" -ge $ND ] &&
		[ "$(value "$TMP/m.txt" "$SH")" -ge $NH ]
}
wait_for 5 all_in || true
expect_eq "drops in the systemd pod's netns" $N1 "$(value "$TMP/m.txt" "$S1")"
expect_eq "drops in the cgroupfs pod's netns" $N2 "$(value "$TMP/m.txt" "$S2")"
expect_eq "drops in the Guaranteed pod's netns" $N3 "$(value "$TMP/m.txt" "$S3")"
expect_eq "drops in the CRI-O pod's netns" $N4 "$(value "$TMP/m.txt" "$S4")"
expect_eq "drops in the Docker container's netns" $ND "$(value "$TMP/m.txt" "$SD")"
# Anything on the host may add to the host's (a client of a port not yet
# open): at least ours.
if [ "$(value "$TMP/m.txt" "$SH")" -ge $NH ]; then
	pass "host netns: $(value "$TMP/m.txt" "$SH") drops on lo, ours ($NH) among them"
else
	fail "host netns: $(value "$TMP/m.txt" "$SH") drops on lo, expected at least $NH"
fi

# --- dropmon_netns_info -------------------------------------------------------
INFO_LABELS="name k8s_namespace_name k8s_pod_name k8s_pod_uid container_id container_runtime container_name"
# info_label FILE NETNS LABEL: LABEL of NETNS's info sample ("" when it is
# absent or empty; "<no info>" when NETNS has no info sample).
info_label() {
	local l
	l=$(grep -E "^dropmon_netns_info\\{(.*,)?netns=\"$2\"[,}]" "$1" | head -1)
	[ -n "$l" ] || {
		echo "<no info>"
		return
	}
	printf '%s\n' "$l" | sed -n "s/.*[{,]$3=\"\\([^\"]*\\)\".*/\\1/p"
}
# expect_info FILE NETNS WHAT VALUE...: one VALUE for each of INFO_LABELS.
expect_info() {
	local f=$1 ns=$2 what=$3 l
	shift 3
	expect_eq "$what: info samples" 1 "$(grep -cE "^dropmon_netns_info\\{(.*,)?netns=\"$ns\"[,}]" "$f" || true)"
	for l in $INFO_LABELS; do
		expect_eq "$what: $l" "$1" "$(info_label "$f" "$ns" "$l")"
		shift
	done
}
# expect_all_info FILE WHEN
expect_all_info() {
	expect_info "$1" "$INO1" "$2: systemd pod" "$K8S_NS1/$POD1" "$K8S_NS1" "$POD1" "$UID1" "" containerd ""
	expect_info "$1" "$INO2" "$2: cgroupfs pod" "$K8S_NS2/$POD2" "$K8S_NS2" "$POD2" "$UID2" "" "" ""
	expect_info "$1" "$INO3" "$2: Guaranteed pod without log dir" "$UID3" "" "" "$UID3" "" "" ""
	expect_info "$1" "$INO4" "$2: CRI-O pod" "$K8S_NS1/$POD4" "$K8S_NS1" "$POD4" "$UID4" "" cri-o ""
	expect_info "$1" "$INOD" "$2: Docker container" "$DNAME" "" "" "" "$DID" docker "$DNAME"
}
expect_all_info "$TMP/m.txt" "running"
expect_info "$TMP/m.txt" "$HOSTNS" "host netns" host "" "" "" "" "" ""
grep '^dropmon_netns_info' "$TMP/m.txt" | sed 's/^/# /'

# --- Prometheus: the joins, the rules, the dashboard --------------------------
# Other tests may drop packets meanwhile, in namespaces of their own.
ours="dropmon_drops_total{job=\"dropmon\",reason=\"$NO_SOCKET\",function=\"tcp_v4_rcv\",netns=~\"$INO1|$INO2|$INO3|$INO4|$INOD\"}"
prom_has() { has_sample "dropmon_drops_total{job=\"dropmon\",reason=\"$NO_SOCKET\",function=\"tcp_v4_rcv\",netns=\"$1\"} == $2"; }
at_all() { prom_has "$INO1" $N1 && prom_has "$INO2" $N2 && prom_has "$INO3" $N3 && prom_has "$INO4" $N4 && prom_has "$INOD" $ND; }
wait_for 20 at_all || fail "Prometheus never saw all the drops"
# The join of the spec (and README): drops by pod.
by_pod="sum by (k8s_namespace_name, k8s_pod_name) ($ours * on (job, instance, netns) group_left (k8s_namespace_name, k8s_pod_name) dropmon_netns_info{k8s_pod_name!=\"\"})"
expect_samples "drops by pod (join with dropmon_netns_info)" "$by_pod" \
	"$(printf '{k8s_namespace_name="%s",k8s_pod_name="%s"} %s\n' "$K8S_NS1" "$POD1" $N1 "$K8S_NS2" "$POD2" $N2 "$K8S_NS1" "$POD4" $N4 | sort)"
expect_samples "drops by container" \
	"sum by (container_runtime, container_name, container_id) ($ours * on (job, instance, netns) group_left (container_runtime, container_name, container_id) dropmon_netns_info{container_id!=\"\"})" \
	"{container_id=\"$DID\",container_name=\"$DNAME\",container_runtime=\"docker\"} $ND"
# With kube-state-metrics, by pod UID: the pod's owner and node, and the
# name of the pod that had no log directory.
by_uid="label_replace($ours * on (job, instance, netns) group_left (k8s_pod_uid) dropmon_netns_info{k8s_pod_uid!=\"\"}, \"uid\", \"\$1\", \"k8s_pod_uid\", \"(.+)\")"
expect_samples "drops by owner (join with kube_pod_info on uid)" \
	"sum by (namespace, pod, node, created_by_kind, created_by_name) ($by_uid * on (uid) group_left (namespace, pod, node, created_by_kind, created_by_name) kube_pod_info)" \
	"$(printf '{created_by_kind="%s",created_by_name="%s",namespace="%s",node="node-1",pod="%s"} %s\n' \
		ReplicaSet web-7d4b9c6f5 "$K8S_NS1" "$POD1" $N1 \
		Job batch-28391740 "$K8S_NS2" "$POD2" $N2 \
		StatefulSet postgres "db-$TAG" postgres-0 $N3 \
		StatefulSet api "$K8S_NS1" "$POD4" $N4 | sort)"
expect_samples "drops by app label (join with kube_pod_labels on uid)" \
	"sum by (label_app) ($by_uid * on (uid) group_left (label_app) kube_pod_labels)" \
	"$(printf '{label_app="%s"} %s\n' api $N4 batch $N2 db $N3 web $N1 | sort)"

if [ "$HAVE_RULES" = true ]; then
	rules_have_pods() {
		has_sample "job_k8s_namespace_reason:dropmon_drops:rate5m{k8s_namespace_name=\"$K8S_NS1\",reason=\"$NO_SOCKET\"} > 0" &&
			has_sample "instance_k8s_pod_reason:dropmon_drops:rate5m{k8s_pod_name=\"$POD2\",reason=\"$NO_SOCKET\"} > 0"
	}
	wait_for 20 rules_have_pods || true
	expect_samples "recording rule by k8s namespace" \
		"count by (job, k8s_namespace_name, reason) (job_k8s_namespace_reason:dropmon_drops:rate5m{k8s_namespace_name=~\".*$TAG\",reason=\"$NO_SOCKET\"} > 0)" \
		"$(printf '{job="dropmon",k8s_namespace_name="%s",reason="%s"} 1\n' "$K8S_NS1" "$NO_SOCKET" "$K8S_NS2" "$NO_SOCKET" | sort)"
	expect_samples "recording rule by pod" \
		"count by (job, instance, k8s_namespace_name, k8s_pod_name, k8s_pod_uid, reason) (instance_k8s_pod_reason:dropmon_drops:rate5m{k8s_pod_uid=~\"$UID1|$UID2|$UID3|$UID4\",reason=\"$NO_SOCKET\"} > 0)" \
		"$(printf '{instance="127.0.0.1:%s",job="dropmon",k8s_namespace_name="%s",k8s_pod_name="%s",k8s_pod_uid="%s",reason="%s"} 1\n' \
			"$PORT" "$K8S_NS1" "$POD1" "$UID1" "$NO_SOCKET" "$PORT" "$K8S_NS2" "$POD2" "$UID2" "$NO_SOCKET" \
			"$PORT" "$K8S_NS1" "$POD4" "$UID4" "$NO_SOCKET" | sort)
{instance=\"127.0.0.1:$PORT\",job=\"dropmon\",k8s_pod_uid=\"$UID3\",reason=\"$NO_SOCKET\"} 1"
	# The rate of the pod's drops, within what a 5m rate of 36 drops seen
	# over a few seconds can be.
	log "pod rate: $(samples "instance_k8s_pod_reason:dropmon_drops:rate5m{k8s_pod_uid=\"$UID1\",reason=\"$NO_SOCKET\"}")"
fi

# Every dashboard query about pods (mentioning k8s_), its variables as
# Grafana sets them for "All", returns data.
if [ -f "$DASHBOARD" ]; then
	nk=0
	while IFS= read -r expr; do
		q=$(printf '%s' "$expr" | sed 's/\\"/"/g; s/\\\\/\\/g;
			s/\$__rate_interval\|\$__interval\|\$__range/1m/g; s/\$job/dropmon/g;
			s/\${\{0,1\}[a-z_][a-z0-9_]*}\{0,1\}/.*/g')
		case "$q" in *k8s_*) ;; *) continue ;; esac
		nk=$((nk + 1))
		if ! query "$q" >"$TMP/q.json" || ! grep -q '"status":"success"' "$TMP/q.json"; then
			fail "dashboard query does not evaluate: $q ($(head -c 300 "$TMP/q.json"))"
		elif ! grep -q '"value"' "$TMP/q.json"; then
			fail "dashboard query about pods returns nothing: $q"
		else
			pass "dashboard query returns data: $q"
		fi
		# With one Kubernetes namespace chosen: data, of that namespace only.
		case "$expr" in *'$k8s_namespace'*) ;; *) continue ;; esac
		q=$(printf '%s' "$q" | sed 's/k8s_namespace_name=~"\.\*"/k8s_namespace_name=~"'"$K8S_NS1"'"/g')
		samples "$q" >"$TMP/q.txt"
		if [ ! -s "$TMP/q.txt" ] || grep -q '^error' "$TMP/q.txt"; then
			fail "dashboard query with k8s_namespace=$K8S_NS1 returns nothing: $q ($(head -c 300 "$TMP/q.txt"))"
		elif grep 'k8s_namespace_name=' "$TMP/q.txt" | grep -qv "k8s_namespace_name=\"$K8S_NS1\""; then
			fail "dashboard query with k8s_namespace=$K8S_NS1 returns other namespaces: $q: $(cat "$TMP/q.txt")"
		else
			pass "dashboard query with k8s_namespace=$K8S_NS1: $(tr '\n' ' ' <"$TMP/q.txt")"
		fi
	done < <(sed -n 's/^ *"expr": "\(.*\)",\{0,1\}$/\1/p' "$DASHBOARD")
	if [ "$nk" -eq 0 ]; then
		if [ "$HAVE_RULES" = true ]; then
			fail "no dashboard query mentions k8s_ in $DASHBOARD"
		else
			log "no dashboard query mentions k8s_ yet"
		fi
	fi
	if grep -q '"name": *"k8s_namespace"' "$DASHBOARD"; then
		pass "dashboard has a k8s_namespace variable"
	elif [ "$HAVE_RULES" = true ]; then
		fail "dashboard has no k8s_namespace variable"
	fi
else
	fail "$DASHBOARD is missing"
fi

# Every PromQL example of the README's section on joining pod names
# evaluates and returns data (the ones on recording rules where those
# exist).
readme_queries() {
	awk '/^### Joining pod names/ { on = 1; next } on && /^##/ { on = 0 }
		on && /^```promql/ { q = ""; inq = 1; next }
		on && inq && /^```/ { print q; inq = 0; next }
		on && inq { sub(/^ +/, ""); q = q (q == "" ? "" : " ") $0 }' "$README"
}
nr=0
while IFS= read -r q; do
	nr=$((nr + 1))
	samples "$q" >"$TMP/q.txt"
	if grep -q '^error' "$TMP/q.txt"; then
		fail "README query does not evaluate: $q: $(cat "$TMP/q.txt")"
	elif [ -s "$TMP/q.txt" ]; then
		pass "README query returns data: $q: $(tr '\n' ' ' <"$TMP/q.txt")"
	elif [ "$HAVE_RULES" = true ] || [[ ! "$q" =~ :dropmon_ ]]; then
		fail "README query returns nothing: $q"
	fi
done < <(readme_queries)
[ "$nr" -gt 0 ] || log "README.md has no section on joining pod names yet"

# --- dropmon in its own cgroup namespace ----------------------------------------
scrape2() { curl -fsS "http://127.0.0.1:$PORT2/metrics"; }
cgns_all_in() {
	scrape2 >"$TMP/m2.txt" &&
		[ "$(value "$TMP/m2.txt" "$S1")" -ge $N1 ] && [ "$(value "$TMP/m2.txt" "$SD")" -ge $ND ]
}
wait_for 5 cgns_all_in || true
expect_eq "cgroup namespace: drops in the systemd pod's netns" $N1 "$(value "$TMP/m2.txt" "$S1")"
expect_all_info "$TMP/m2.txt" "in a cgroup namespace"

# --- the names outlive the processes ----------------------------------------
# The pods' processes end, their netns live on (cni-* mounts); the Docker
# container ends with its netns.
for pid in "$POD1_SANDBOX" "$POD1_APP" "$POD2_PID" "$POD3_PID" "$POD4_PID" "$DOCKER_PID"; do
	kill -KILL "$pid"
	wait "$pid" 2>/dev/null || true
done
ip netns del "$DNS"
gone() { ! ip netns exec "$C" ping -c1 -W1 198.18.4.2 >/dev/null 2>&1; }
wait_for 10 gone || fail "the Docker container's netns lives on"
# A new netns with a drop makes dropmon rescan at once: once it is named,
# the scan that found the workloads' processes gone is done.
R="${TAG}r"
netns_add "$R"
ip netns exec "$R" "$DROPGEN" udp 127.0.0.1 9 --count 1 >/dev/null
INOR=$(netns_inode "$R")
rescanned() { scrape >"$TMP/m3.txt" && [ "$(info_label "$TMP/m3.txt" "$INOR" name)" = "$R" ]; }
wait_for 10 rescanned || fail "dropmon did not name the new netns $R"
expect_all_info "$TMP/m3.txt" "after the processes ended"
expect_eq "after the processes ended: systemd pod's drops" $N1 "$(value "$TMP/m3.txt" "$S1")"
expect_eq "after the processes ended: Docker container's drops" $ND "$(value "$TMP/m3.txt" "$SD")"
rescanned2() { scrape2 >"$TMP/m4.txt" && [ "$(info_label "$TMP/m4.txt" "$INOR" name)" = "$R" ]; }
wait_for 10 rescanned2 || fail "dropmon in a cgroup namespace did not name the new netns $R"
expect_all_info "$TMP/m4.txt" "in a cgroup namespace, after the processes ended"

kill "$PROM_PID"
wait "$PROM_PID" 2>/dev/null || true
kill -TERM "$CGNS_PID"
rc=0
wait "$CGNS_PID" || rc=$?
expect_eq "dropmon in a cgroup namespace: exit status after SIGTERM" 0 "$rc"
stop_dropmon
finish

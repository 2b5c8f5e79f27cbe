# shellcheck shell=bash
# The pieces of the two-node kernel lab shared by two-node.sh and faults.sh: namespaces named nl-*-<suffix>,
# the topology, servers, tcpdump captures (text and pcap of the same packets) and the per-node state files
# with a terminal transcript of the same commands. Sourced, never run; the caller sets `set -euo pipefail`.
#
# Globals after lab_init: SUFFIX, NS_SW NS_A NS_B NS_C NS_A1 NS_A2 NS_B1 NS_B2, ALL_NS, WORK, PIDS, CAPTURES.
# Files go under LAB_NODES_DIR/<node>/ and LAB_TRANSCRIPTS_DIR/<node>.txt, which the caller sets.
#
# Topology (node network 192.168.56.0/24 is a bridge in its own "switch" namespace, so a client can join it):
#   client 192.168.56.100 ─┐
#   nodea  192.168.56.11  ─┼─ switch (br0)        nodea: cbr0 10.40.1.1/24, pods a1 .2 (endpoint), a2 .3 (client)
#   nodeb  192.168.56.12  ─┘                      nodeb: cbr0 10.40.2.1/24, pods b1 .2 (endpoint), b2 .3

LAB_NAME=${LAB_NAME:-lab}

lab_require() {
  [[ $(id -u) -eq 0 ]] || { echo "$LAB_NAME: needs root (network namespaces)" >&2; exit 2; }
  local tool
  for tool in "$@"; do
    command -v "$tool" >/dev/null || { echo "$LAB_NAME: $tool not found" >&2; exit 2; }
  done
  PYTHON=$(python3 -c 'import sys; print(sys.executable)')
}

# lab_init: fresh names for one lab; nothing is created yet.
lab_init() {
  SUFFIX=$(printf '%04x' $(( ($$ ^ RANDOM) & 0xffff )))
  NS_SW=nl-sw-$SUFFIX NS_A=nl-nodea-$SUFFIX NS_B=nl-nodeb-$SUFFIX NS_C=nl-client-$SUFFIX
  NS_A1=nl-a1-$SUFFIX NS_A2=nl-a2-$SUFFIX NS_B1=nl-b1-$SUFFIX NS_B2=nl-b2-$SUFFIX
  ALL_NS=("$NS_A1" "$NS_A2" "$NS_B1" "$NS_B2" "$NS_C" "$NS_A" "$NS_B" "$NS_SW")
  WORK=$(mktemp -d "/tmp/nl-$LAB_NAME-$SUFFIX.XXXXXX")
  PIDS=()
  CAPTURES=()
}

# lab_cleanup: stops what this lab started and deletes its namespaces (safe to call twice).
lab_cleanup() {
  set +e
  local pid ns
  for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null; done
  for pid in "${PIDS[@]}"; do wait "$pid" 2>/dev/null; done
  # Anything still running inside our namespaces was started by this script.
  for ns in "${ALL_NS[@]}"; do
    for pid in $(ip netns pids "$ns" 2>/dev/null); do kill "$pid" 2>/dev/null; done
  done
  # Deleting a namespace removes the veths, bridges and rules inside it; nothing was created outside them.
  for ns in "${ALL_NS[@]}"; do ip netns del "$ns" 2>/dev/null; done
  [[ -n ${WORK:-} ]] && rm -rf "$WORK"
  PIDS=() CAPTURES=() ALL_NS=() WORK=
  set -e
}

in_ns() { local ns=$1; shift; ip netns exec "$ns" "$@"; }

node_ns() {
  case $1 in
    nodea) echo "$NS_A" ;;
    nodeb) echo "$NS_B" ;;
    *) echo "$LAB_NAME: unknown node $1" >&2; exit 1 ;;
  esac
}

# ---- topology --------------------------------------------------------------------------------

# attach NS ADDR/PREFIX PORT: eth0 in NS, its peer a port of the switch bridge
lab_attach_to_switch() {
  local ns=$1 addr=$2 port=$3
  in_ns "$ns" ip link add eth0 type veth peer name "$port" netns "$NS_SW"
  in_ns "$NS_SW" ip link set "$port" master br0 up
  in_ns "$ns" ip addr add "$addr" dev eth0
  in_ns "$ns" ip link set eth0 up
}

# node NS CBR_ADDR OTHER_POD_CIDR OTHER_NODE_IP
lab_setup_node() {
  local ns=$1 cbr=$2 other_cidr=$3 other_node=$4
  in_ns "$ns" ip link add cbr0 type bridge
  in_ns "$ns" ip addr add "$cbr" dev cbr0
  in_ns "$ns" ip link set cbr0 up
  in_ns "$ns" ip route add "$other_cidr" via "$other_node" dev eth0
  in_ns "$ns" sysctl -qw net.ipv4.ip_forward=1
  # Bridged pod-to-pod frames skip iptables here (br_netfilter's per-namespace switch), whatever the host has loaded.
  if in_ns "$ns" test -e /proc/sys/net/bridge/bridge-nf-call-iptables; then
    in_ns "$ns" sysctl -qw net.bridge.bridge-nf-call-iptables=0
  fi
}

# pod NODE_NS POD_NS HOST_VETH ADDR GATEWAY
lab_add_pod() {
  local node=$1 pod=$2 hostif=$3 addr=$4 gw=$5
  in_ns "$pod" ip link add eth0 type veth peer name "$hostif" netns "$node"
  in_ns "$node" ip link set "$hostif" master cbr0 up
  in_ns "$pod" ip addr add "$addr" dev eth0
  in_ns "$pod" ip link set eth0 up
  in_ns "$pod" ip route add default via "$gw"
}

# lab_topology: the switch, the client, both nodes with their bridges and pods.
lab_topology() {
  local ns
  for ns in "${ALL_NS[@]}"; do
    ip netns add "$ns"
    in_ns "$ns" ip link set lo up
    # No IPv6: keeps router solicitations and MLD reports out of the captures.
    in_ns "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
  done
  in_ns "$NS_SW" ip link add br0 type bridge
  in_ns "$NS_SW" ip link set br0 up
  lab_attach_to_switch "$NS_A" 192.168.56.11/24 swp-a
  lab_attach_to_switch "$NS_B" 192.168.56.12/24 swp-b
  lab_attach_to_switch "$NS_C" 192.168.56.100/24 swp-c
  lab_setup_node "$NS_A" 10.40.1.1/24 10.40.2.0/24 192.168.56.12
  lab_setup_node "$NS_B" 10.40.2.1/24 10.40.1.0/24 192.168.56.11
  lab_add_pod "$NS_A" "$NS_A1" veth-a1 10.40.1.2/24 10.40.1.1
  lab_add_pod "$NS_A" "$NS_A2" veth-a2 10.40.1.3/24 10.40.1.1
  lab_add_pod "$NS_B" "$NS_B1" veth-b1 10.40.2.2/24 10.40.2.1
  lab_add_pod "$NS_B" "$NS_B2" veth-b2 10.40.2.3/24 10.40.2.1
}

# ---- servers: a tiny HTTP server in a pod, answering with the pod's name ---------------------

lab_start_server() {
  local pod=$1 name=$2
  mkdir -p "$WORK/www-$name"
  printf 'hello from %s\n' "$name" > "$WORK/www-$name/index.html"
  ip netns exec "$pod" "$PYTHON" -m http.server 8080 --bind 0.0.0.0 --directory "$WORK/www-$name" >"$WORK/server-$name.log" 2>&1 &
  PIDS+=($!)
}

lab_wait_listening() {
  local pod=$1 addr=$2 port=${3:-8080}
  for _ in $(seq 1 100); do
    in_ns "$pod" "$PYTHON" -c "import socket,sys; s=socket.socket(); s.settimeout(0.2); sys.exit(s.connect_ex(('$addr', $port)))" 2>/dev/null && return 0
    sleep 0.1
  done
  echo "$LAB_NAME: server $addr:$port did not start" >&2
  exit 1
}

# ---- captures: tcpdump prints text and writes the pcap of the same packets ---------------------

# lab_start_capture NODE_NS NODE IFACE FILTER TCPDUMP_OPTIONS...
lab_start_capture() {
  local ns=$1 node=$2 iface=$3 filter=$4; shift 4
  local base="$LAB_NODES_DIR/$node/$iface"
  mkdir -p "$LAB_NODES_DIR/$node"
  # Started without a shell function so $! is tcpdump itself (ip netns exec execs). A script's background
  # jobs start with SIGINT ignored; env restores it so tcpdump can flush and exit on SIGINT.
  ip netns exec "$ns" env --default-signal=INT tcpdump -i "$iface" -Z root -U -l "$@" -w "$base.pcap" --print ${filter:+"$filter"} >"$base.tcpdump.txt" 2>"$WORK/$node-$iface.err" &
  local pid=$!
  PIDS+=("$pid")
  CAPTURES+=("$pid:$WORK/$node-$iface.err")
  for _ in $(seq 1 100); do
    grep -qs 'listening on' "$WORK/$node-$iface.err" && return 0
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.05
  done
  echo "$LAB_NAME: tcpdump on $node $iface did not start:" >&2
  cat "$WORK/$node-$iface.err" >&2
  exit 1
}

# lab_stop_captures: SIGINT, then wait so the pcap and the text are complete.
lab_stop_captures() {
  local entry pid
  for entry in "${CAPTURES[@]}"; do kill -INT "${entry%%:*}" 2>/dev/null || true; done
  for entry in "${CAPTURES[@]}"; do
    pid=${entry%%:*}
    for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    if kill -0 "$pid" 2>/dev/null; then
      echo "$LAB_NAME: tcpdump $pid ignored SIGINT; stopping it with SIGTERM" >&2
      kill -TERM "$pid" 2>/dev/null || true
    fi
    wait "$pid" 2>/dev/null || true
  done
  CAPTURES=()
}

# ---- state of each node, and a terminal transcript of the same commands --------------------------

# lab_record NODE_NS NODE FILE COMMAND...: writes the output to the node's folder (unless FILE is -) and the transcript
lab_record() {
  local ns=$1 node=$2 file=$3; shift 3
  local out
  mkdir -p "$LAB_NODES_DIR/$node" "$LAB_TRANSCRIPTS_DIR"
  out=$(in_ns "$ns" "$@" 2>"$WORK/stderr") || true
  [[ $file == - ]] || printf '%s\n' "$out" >"$LAB_NODES_DIR/$node/$file"
  {
    printf 'root@%s:~# %s\n' "$node" "$*"
    printf '%s\n' "$out"
    cat "$WORK/stderr"
  } >>"$LAB_TRANSCRIPTS_DIR/$node.txt"
}

# lab_record_tcpdump_read NODE_NS NODE PCAP FILTER: tcpdump as typed at the node, banner on stderr, then the packets.
lab_record_tcpdump_read() {
  local ns=$1 node=$2 pcap=$3 filter=$4
  {
    printf "root@%s:~# tcpdump -n -r %s '%s'\n" "$node" "$pcap" "$filter"
    in_ns "$ns" tcpdump -n -r "$LAB_NODES_DIR/$node/$pcap" "$filter" 2>&1 | sed "s|$LAB_NODES_DIR/$node/||"
  } >>"$LAB_TRANSCRIPTS_DIR/$node.txt"
}

lab_end_transcript() {
  printf 'root@%s:~# \n' "$1" >>"$LAB_TRANSCRIPTS_DIR/$1.txt"
}

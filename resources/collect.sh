#!/bin/sh
# natlens collector: gathers a Linux/Kubernetes node's network state into one tarball that
# `natlens import` reads as one node. Run as root on the node:
#
#   sh collect.sh [-i IFACE]... [-c COUNT] [-G SECONDS] [-n NETNS_PATTERN] [-t SECONDS] [OUTDIR]
#
#   OUTDIR  where the tarball is written (default: the current directory); its path is the last
#           line printed on stdout. Progress goes to stderr.
#   -i      capture packets on IFACE (repeatable; also NATLENS_TCPDUMP_IFACES="a b"), as pcapng with
#           dumpcap where installed, else as pcap with tcpdump. Nothing is captured unless named.
#   -c      packets per interface at most (default 1000; NATLENS_TCPDUMP_COUNT)
#   -G      seconds per interface at most (default 10; NATLENS_TCPDUMP_SECONDS)
#   -n      only network namespaces whose name matches this shell pattern (default *; NATLENS_NETNS)
#   -t      seconds any one command may run (default 20; NATLENS_TIMEOUT)
#
# It only reads: no rule, route or setting is changed, and nothing is sent anywhere. A tool not
# installed is recorded in the manifest and skipped. manifest.tsv (tab-separated):
#   line 1 `natlens-collect<TAB>1`, then `key<TAB>value` lines (host, kernel, time, ...), then the
#   header `file status exit started version netns command` and one row per command run
#   (status: ok | failed | timeout | missing; file `-` when the output was not kept; stderr, when
#   any, is kept in FILE.stderr).

set -u
umask 077

ifaces=${NATLENS_TCPDUMP_IFACES:-}
count=${NATLENS_TCPDUMP_COUNT:-1000}
seconds=${NATLENS_TCPDUMP_SECONDS:-10}
netns_pattern=${NATLENS_NETNS:-*}
limit=${NATLENS_TIMEOUT:-20}

usage() {
  echo "usage: sh collect.sh [-i IFACE]... [-c COUNT] [-G SECONDS] [-n NETNS_PATTERN] [-t SECONDS] [OUTDIR]" >&2
  exit 2
}

is_number() {
  case $1 in '' | *[!0-9]*) return 1 ;; esac
  return 0
}

while getopts 'i:c:G:n:t:h' opt; do
  case $opt in
    i) ifaces="$ifaces $OPTARG" ;;
    c) count=$OPTARG ;;
    G) seconds=$OPTARG ;;
    n) netns_pattern=$OPTARG ;;
    t) limit=$OPTARG ;;
    *) usage ;;
  esac
done
shift $((OPTIND - 1))
[ $# -le 1 ] || usage
outdir=${1:-.}
for n in "$count" "$seconds" "$limit"; do
  is_number "$n" || { echo "collect.sh: '$n' is not a whole number" >&2; exit 2; }
done
[ -d "$outdir" ] || { echo "collect.sh: $outdir is not a folder" >&2; exit 2; }
[ -w "$outdir" ] || { echo "collect.sh: cannot write to $outdir" >&2; exit 2; }

say() { echo "collect.sh: $*" >&2; }

# Milliseconds where date has them (GNU), so commands of the same second keep their order.
case $(date -u +%3N 2>/dev/null) in
  [0-9][0-9][0-9]) utc_now() { date -u +%Y-%m-%dT%H:%M:%S.%3NZ; } ;;
  *) utc_now() { date -u +%Y-%m-%dT%H:%M:%SZ; } ;;
esac

have() { command -v "$1" >/dev/null 2>&1; }

# One field of a manifest row: no tab or line break may reach the file.
field() { printf '%s' "$1" | tr '\t\n\r' '   '; }

# The command line as a shell would read it back: words with special characters single-quoted.
quoted() {
  out=''
  for word in "$@"; do
    case $word in
      '' | *[!A-Za-z0-9_./:=@%+,-]*) word="'$(printf '%s' "$word" | sed "s/'/'\\\\''/g")'" ;;
    esac
    out="${out:+$out }$word"
  done
  printf '%s' "$out"
}

# `timeout` from coreutils (timeout N cmd) or an older busybox (timeout -t N cmd); none: unbounded.
if have timeout && timeout 5 true >/dev/null 2>&1; then
  bounded() { secs=$1; shift; timeout "$secs" "$@"; }
  timeout_kind=timeout
elif have timeout && timeout -t 5 true >/dev/null 2>&1; then
  bounded() { secs=$1; shift; timeout -t "$secs" "$@"; }
  timeout_kind='timeout -t'
else
  bounded() { shift; "$@"; }
  timeout_kind=none
fi

version_of() {
  tool=$1
  case $tool in
    ip | bridge) line=$(bounded 5 "$tool" -V 2>&1 | head -n 1) ;;
    ipset) line=$(bounded 5 ipset version 2>&1 | head -n 1) ;;
    cat | grep | readlink | nsenter) line=- ;;
    *) line=$(bounded 5 "$tool" --version 2>&1 | head -n 1) ;;
  esac
  printf '%s' "${line:--}"
}

host=$(hostname 2>/dev/null || uname -n)
host=${host:-unknown}
stamp=$(date -u +%Y%m%dT%H%M%SZ)
safe_host=$(printf '%s' "$host" | tr -c 'A-Za-z0-9._-' '_')
name="natlens-collect-$safe_host-$stamp"
work=$(mktemp -d "$outdir/.natlens-collect.XXXXXX" 2>/dev/null) || {
  work="$outdir/.natlens-collect.$$"
  mkdir "$work" || { echo "collect.sh: cannot create a folder in $outdir" >&2; exit 1; }
}
trap 'rm -rf "$work"' EXIT
trap 'exit 130' INT TERM
bundle="$work/$name"
mkdir "$bundle"
manifest="$bundle/manifest.tsv"

{
  printf 'natlens-collect\t1\n'
  printf 'host\t%s\n' "$(field "$host")"
  printf 'kernel\t%s\n' "$(field "$(uname -r)")"
  printf 'time\t%s\n' "$(utc_now)"
  printf 'uid\t%s\n' "$(id -u 2>/dev/null || echo -)"
  printf 'netns\t%s\n' "$(field "$(readlink /proc/self/ns/net 2>/dev/null || echo -)")"
  printf 'timeout\t%s\n' "$timeout_kind"
  printf 'file\tstatus\texit\tstarted\tversion\tnetns\tcommand\n'
} >"$manifest"

# row FILE STATUS EXIT STARTED VERSION NETNS COMMAND: one printf, so rows of parallel jobs stay whole.
row() {
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$(field "$1")" "$2" "$3" "$4" "$(field "$5")" "$(field "$6")" "$(field "$7")" >>"$manifest"
}

# run FILE NETNS CMD...: CMD's stdout into FILE (relative to the bundle), its stderr beside it.
run() {
  file=$1 ns=$2
  shift 2
  started=$(utc_now)
  command=$(quoted "$@")
  if ! have "$1"; then
    row - missing 127 "$started" - "$ns" "$command"
    return 127
  fi
  out="$bundle/$file"
  mkdir -p "${out%/*}"
  bounded "$limit" "$@" >"$out" 2>"$out.stderr"
  rc=$?
  [ -s "$out.stderr" ] || rm -f "$out.stderr"
  status=ok
  if [ "$rc" -eq 124 ] && [ "$timeout_kind" != none ]; then status=timeout; elif [ "$rc" -ne 0 ]; then status=failed; fi
  row "$file" "$status" "$rc" "$started" "$(version_of "$1")" "$ns" "$command"
  return "$rc"
}

# probe CMD...: output the collector itself needs (namespace lists, pids); recorded, not kept.
probe() {
  started=$(utc_now)
  command=$(quoted "$@")
  if ! have "$1"; then
    row - missing 127 "$started" - - "$command"
    return 127
  fi
  bounded "$limit" "$@" 2>/dev/null
  rc=$?
  status=ok
  [ "$rc" -eq 0 ] || status=failed
  row - "$status" "$rc" "$started" "$(version_of "$1")" - "$command"
  return "$rc"
}

say "collecting into $name"
[ "$(id -u 2>/dev/null)" = 0 ] || say "not running as root: iptables, nft, conntrack and namespaces will be missing or partial (see the manifest)"

# --- the node's own network namespace
# Links before addresses: both are read as interfaces, and the later, fuller one is the node's.
run ip/link.txt - ip -d link
run ip/addr.txt - ip -d addr
run ip/route.txt - ip route show table all
run ip/route6.txt - ip -6 route show table all
run ip/rule.txt - ip rule
run ip/rule6.txt - ip -6 rule
run ip/neigh.txt - ip neigh

# -c: each rule's packet and byte counters show which rules traffic has hit.
for tool in iptables-legacy-save iptables-nft-save iptables-save ip6tables-legacy-save ip6tables-nft-save ip6tables-save; do
  run "netfilter/$tool.txt" - "$tool" -c
done
run netfilter/nft-ruleset.txt - nft list ruleset
run netfilter/ipset.txt - ipset list

if have conntrack; then
  run conntrack/conntrack.txt - conntrack -L
  run conntrack/conntrack-extended.txt - conntrack -L -o extended
else
  run conntrack/conntrack.txt - conntrack -L
  [ -r /proc/net/nf_conntrack ] && run conntrack/nf_conntrack.txt - cat /proc/net/nf_conntrack
fi

run bridge/link.txt - bridge link
run bridge/fdb.txt - bridge fdb

# Keys in sysctl's slash form where an interface name holds a dot (eth0.100), which the dotted form splits.
sysctl_keys='net.ipv4.ip_forward net.ipv6.conf.all.forwarding'
for dir in /proc/sys/net/ipv4/conf/*; do
  [ -d "$dir" ] || continue
  iface=${dir##*/}
  case $iface in
    *.*) sysctl_keys="$sysctl_keys net/ipv4/conf/$iface/forwarding net/ipv4/conf/$iface/rp_filter net/ipv4/conf/$iface/route_localnet" ;;
    *) sysctl_keys="$sysctl_keys net.ipv4.conf.$iface.forwarding net.ipv4.conf.$iface.rp_filter net.ipv4.conf.$iface.route_localnet" ;;
  esac
done
sysctl_keys="$sysctl_keys net.bridge.bridge-nf-call-iptables net.bridge.bridge-nf-call-ip6tables net.netfilter.nf_conntrack_count net.netfilter.nf_conntrack_max"
if have sysctl; then
  # shellcheck disable=SC2086 # one word per key
  run sysctl/net.txt - sysctl $sysctl_keys
else
  sysctl_files=''
  for key in $sysctl_keys; do
    case $key in */*) ;; *) key=$(printf '%s' "$key" | tr . /) ;; esac
    sysctl_files="$sysctl_files /proc/sys/$key"
  done
  # shellcheck disable=SC2086 # one word per file
  run sysctl/net.txt - grep -H '' $sysctl_files
fi

# --- named network namespaces (ip netns) and containers' namespaces (crictl, docker)
# Namespaces are told apart by their nsfs inode: the collector's own is not visited again.
inode_of() { stat -L -c %i "$1" 2>/dev/null || echo "?$1"; }
seen_netns=" $(inode_of /proc/self/ns/net) "

collect_netns() {  # collect_netns DIR LABEL IP...: IP is how to run `ip` in that namespace
  dir=$1 label=$2
  shift 2
  run "$dir/addr.txt" "$label" "$@" -d addr
  run "$dir/route.txt" "$label" "$@" route show table all
  run "$dir/route6.txt" "$label" "$@" -6 route show table all
  run "$dir/rule.txt" "$label" "$@" rule
}

netns_list=$(probe ip netns list | sed 's/ .*//')
for ns in $netns_list; do
  # shellcheck disable=SC2254 # the pattern is the user's
  case $ns in $netns_pattern) ;; *) continue ;; esac
  if [ -e "/run/netns/$ns" ]; then inode=$(inode_of "/run/netns/$ns"); else inode=$(inode_of "/var/run/netns/$ns"); fi
  case $seen_netns in *" $inode "*) continue ;; esac
  seen_netns="$seen_netns$inode "
  safe=$(printf '%s' "$ns" | tr -c 'A-Za-z0-9._-' '_')
  say "netns $ns"
  collect_netns "netns/$safe" "$ns" ip -n "$ns"
done

container_netns() {  # container_netns RUNTIME ID PID
  runtime=$1 id=$2 pid=$3
  is_number "$pid" && [ "$pid" -gt 0 ] || return 0
  [ -e "/proc/$pid/ns/net" ] || return 0
  inode=$(inode_of "/proc/$pid/ns/net")
  case $seen_netns in *" $inode "*) return 0 ;; esac
  seen_netns="$seen_netns$inode "
  short=$(printf '%s' "$id" | cut -c1-12)
  say "$runtime container $short (pid $pid)"
  collect_netns "containers/$runtime-$short" "$runtime:$short" nsenter -t "$pid" -n ip
}

if have crictl; then
  for id in $(probe crictl ps -q); do
    pid=$(probe crictl inspect -o go-template --template '{{.info.pid}}' "$id")
    container_netns crictl "$id" "$pid"
  done
fi
if have docker; then
  for id in $(probe docker ps -q); do
    pid=$(probe docker inspect -f '{{.State.Pid}}' "$id")
    container_netns docker "$id" "$pid"
  done
fi

# --- packets, only on the interfaces named; each capture bounded by count and time
capture_packets() {  # capture_packets IFACE
  safe=$(printf '%s' "$1" | tr -c 'A-Za-z0-9._-' '_')
  if have dumpcap; then
    # dumpcap writes pcapng, which keeps the interface's name with its packets.
    file="pcap/$safe.pcapng"
    set -- dumpcap -q -n -i "$1" -c "$count" -a "duration:$seconds" -w "$file"
    tool=dumpcap
  else
    file="pcap/$safe.pcap"
    # -G with -W 1 stops after one period once a packet arrives; the timeout below stops an idle one.
    # -Z: tcpdump would otherwise drop to its own user, which cannot write into this private folder.
    set -- tcpdump -n -i "$1" -Z "$(id -un)" -c "$count" -G "$seconds" -W 1 -w "$file"
    tool=tcpdump
  fi
  started=$(utc_now)
  if ! have "$tool"; then
    row - missing 127 "$started" - - "$(quoted "$@")"
    return
  fi
  mkdir -p "$bundle/pcap"
  (cd "$bundle" && bounded $((seconds + 5)) "$@") >/dev/null 2>"$bundle/$file.stderr"
  rc=$?
  [ -s "$bundle/$file.stderr" ] || rm -f "$bundle/$file.stderr"
  status=ok
  if [ "$rc" -eq 124 ] && [ "$timeout_kind" != none ]; then status=timeout; elif [ "$rc" -ne 0 ]; then status=failed; fi
  [ -e "$bundle/$file" ] || file=-
  row "$file" "$status" "$rc" "$started" "$(version_of "$tool")" - "$(quoted "$@")"
}

if [ -n "$(printf '%s' "$ifaces" | tr -d ' ')" ]; then
  for iface in $ifaces; do
    say "capturing packets on $iface: at most $count packets or $seconds s"
    capture_packets "$iface" &
  done
  wait
fi

tar -czf "$work/$name.tar.gz" -C "$work" "$name" || { echo "collect.sh: tar failed" >&2; exit 1; }
mv "$work/$name.tar.gz" "$outdir/$name.tar.gz" || exit 1
say "done"
printf '%s\n' "$outdir/$name.tar.gz"

# ports.sh — one rule for picking a TCP port on 127.0.0.1 to listen on; sourced by the stack
# script, the benchmarks and the tests (bash).
#
# A port is taken when something listens on it.  A port inside the kernel's ephemeral range
# (net.ipv4.ip_local_port_range, 32768-60999 on Debian) can also be taken at any moment by the
# local end of an outgoing connection (curl, libpq, nginx's upstreams): a connect to it finds
# nobody, yet a listener's bind on it fails with "Address already in use".  So free_port picks
# below that range, leaving ROOM ports above the pick for callers that add small offsets.

# port_free PORT — 0 when nothing listens on 127.0.0.1:PORT.
port_free() { ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# free_port [ROOM] — prints a free port in [20000, start of the ephemeral range - ROOM);
# returns 1 (printing nothing) when 200 tries found none.
free_port() {
  local room=${1:-32} lo=20000 hi p _
  hi=$(cut -f1 /proc/sys/net/ipv4/ip_local_port_range 2>/dev/null || echo 32768)
  hi=$((hi - room)); [ "$hi" -gt $((lo + 1000)) ] || { lo=1024; hi=$((lo + 8000)); }
  for _ in $(seq 1 200); do
    p=$((lo + RANDOM % (hi - lo)))
    port_free "$p" && { echo "$p"; return 0; }
  done
  return 1
}

# Sourced by mariadb.sh and galera.sh: picking loopback ports for private servers.
#
# Ports come from below the kernel's ephemeral range (net.ipv4.ip_local_port_range, 32768 by default): a port in
# that range can be taken at any moment by some process's outgoing connection, which no listen check sees, and the
# server then fails to bind ("Address already in use"). Below it only another listener can collide, which
# port_is_free sees; mariadb.sh also retries on another port if one wins the race between check and bind.

port_is_free() { ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# The first port of the ephemeral range.
ephemeral_low() {
  local low
  read -r low _ </proc/sys/net/ipv4/ip_local_port_range 2>/dev/null || low=32768
  echo "${low:-32768}"
}

# pick_ports COUNT: the first of COUNT consecutive free ports between 20000 and the ephemeral range.
pick_ports() {
  local count=$1 low span b ok i
  low=$(ephemeral_low)
  span=$(( (low - 20000) / count ))
  [ "$span" -gt 0 ] || span=$(( 10000 / count ))
  for _ in $(seq 1 100); do
    b=$(( 20000 + (RANDOM * 32768 + RANDOM) % span * count ))
    ok=1
    for i in $(seq 0 $((count - 1))); do port_is_free $((b + i)) || { ok=0; break; }; done
    [ "$ok" = 1 ] && { echo "$b"; return 0; }
  done
  echo "no $count free port(s) found below $low" >&2; return 1
}

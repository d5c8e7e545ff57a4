#!/bin/bash
# Container health check: GET /healthz on the address the service listens
# on (EQ_LISTEN), with nothing but bash's /dev/tcp and coreutils' timeout,
# so the runtime image needs no curl or wget. Exit 0 on an HTTP 200, 1 on
# anything else (what Docker's HEALTHCHECK expects).
set -u

# The whole check is bounded in time, connect included: run again under
# timeout(1) once.
if [ -z "${EQ_HEALTHCHECK_TIMED:-}" ]; then
    EQ_HEALTHCHECK_TIMED=1 exec timeout 5 "$0" "$@"
fi

listen="${EQ_LISTEN:-127.0.0.1:8080}"
port="${listen##*:}"
host="${listen%:*}"
host="${host#[}"
host="${host%]}"
# A wildcard address is not one to connect to: use the loopback address of
# the same family.
case "$host" in
    ''|0.0.0.0) host=127.0.0.1 ;;
    ::) host=::1 ;;
esac

# A peer that closes early makes the write fail, not kill the check.
trap '' PIPE
if ! exec 3<>"/dev/tcp/$host/$port"; then
    echo "healthcheck: cannot connect to $host:$port" >&2
    exit 1
fi
printf 'GET /healthz HTTP/1.0\r\nHost: localhost\r\nUser-Agent: equalities-healthcheck\r\n\r\n' >&3
status=""
IFS= read -r status <&3 || true
status="${status%$'\r'}"
case "$status" in
    "HTTP/1."[01]" 200 "*) exit 0 ;;
esac
echo "healthcheck: /healthz on $host:$port answered '${status:-nothing}'" >&2
exit 1

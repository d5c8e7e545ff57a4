#!/bin/sh
# The db service's entrypoint: refuse the example passwords of
# docker/.env.example (and empty ones) at every start, then hand over to the
# postgres image's own entrypoint.
set -eu
for var in POSTGRES_PASSWORD EQ_SERVICE_DB_PASSWORD; do
    eval "value=\${$var:-}"
    case "$value" in
        ''|change-me)
            echo "refusing to start: set a real $var in docker/.env (not empty, not the example's)" >&2
            exit 64 ;;
    esac
done
exec docker-entrypoint.sh "$@"

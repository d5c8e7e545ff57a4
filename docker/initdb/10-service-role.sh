#!/bin/sh
# Run once by the postgres image when it creates the cluster: the service's
# own login role.  It is no superuser and owns nothing; `migrate`
# (EQ_SERVICE_ROLE=equalities_service) grants it the rights it needs.
set -eu
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname "$POSTGRES_DB" \
     --set=pw="$EQ_SERVICE_DB_PASSWORD" <<'SQL'
CREATE ROLE equalities_service LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION
    PASSWORD :'pw';
SQL

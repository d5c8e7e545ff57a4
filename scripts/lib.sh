# shellcheck shell=bash
# Shared helpers for scripts/run, scripts/test, scripts/pg and .ci/run.
#
# Source it from a bash script that has `set -euo pipefail`:
#
#     . "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
#
# Every function is safe to call more than once. Functions return non-zero
# on failure (and log why) instead of exiting, so callers decide what to do.
#
# Environment knobs (all optional):
#   EQ_PGDATA    cluster directory            (default: $ROOT/.pgdata)
#   EQ_PGPORT    cluster TCP port             (default: 55432)
#   EQ_PGBIN     PostgreSQL server bin dir    (default: newest /usr/lib/postgresql/*/bin)
#   EQ_SKIP_DEPS=1  do not check/install Debian packages

# The repository root: the parent of the directory holding this file. It is
# computed from this file's own location, never from $PWD, so the scripts
# work from any clone and any working directory.
_EQ_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)"

EQ_DB_ROLE=equalities
EQ_DB_NAME=equalities
# The role the service itself may connect as: not a superuser, owns nothing,
# and holds only the rights `EQ_SERVICE_ROLE=... equalities-api migrate`
# grants it (migrations/0015: no DDL, audit tables append-only).  The owner
# role above runs migrate and seed.
EQ_DB_SERVICE_ROLE=equalities_service

eq_root() {
    printf '%s\n' "$_EQ_ROOT"
}

eq_log() {
    printf '[eq %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2
}

eq_die() {
    eq_log "ERROR: $*"
    return 1
}

_eq_is_root() {
    [ "$(id -u)" -eq 0 ]
}

# Run a command with root privileges (directly when root, else through sudo).
_eq_as_root() {
    if _eq_is_root; then
        "$@"
    elif command -v sudo >/dev/null 2>&1; then
        sudo "$@"
    else
        eq_die "need root (or sudo) to run: $*"
    fi
}

# ---------------------------------------------------------------------------
# Debian packages
# ---------------------------------------------------------------------------

EQ_DEB_PACKAGES=(
    build-essential meson ninja-build pkg-config
    libmicrohttpd-dev libjansson-dev libpq-dev libcmocka-dev libglpk-dev
    postgresql postgresql-contrib
    wrk curl tzdata
    python3 python3-pytest python3-requests python3-yaml python3-jsonschema
    prometheus
    chromium
)

_eq_deb_installed() {
    # grep without -q reads all input: no SIGPIPE under `set -o pipefail`.
    dpkg-query -W -f='${Status}\n' "$1" 2>/dev/null | grep '^install ok installed$' >/dev/null
}

eq_install_deps() {
    if [ "${EQ_SKIP_DEPS:-0}" = 1 ]; then
        eq_log "EQ_SKIP_DEPS=1: not checking Debian packages"
        return 0
    fi
    if ! command -v dpkg-query >/dev/null 2>&1; then
        eq_log "dpkg-query not found (not Debian?): assuming dependencies are installed"
        return 0
    fi
    local missing=() pkg
    for pkg in "${EQ_DEB_PACKAGES[@]}"; do
        _eq_deb_installed "$pkg" || missing+=("$pkg")
    done
    # Node.js may come from elsewhere (NodeSource, nvm): only install Debian's
    # packages when the commands are not on PATH at all.
    command -v node >/dev/null 2>&1 || missing+=(nodejs)
    command -v npm >/dev/null 2>&1 || missing+=(npm)

    if [ "${#missing[@]}" -eq 0 ]; then
        eq_log "Debian packages: all present"
        return 0
    fi
    eq_log "installing missing Debian packages: ${missing[*]}"
    _eq_as_root env DEBIAN_FRONTEND=noninteractive apt-get update -q || return 1
    _eq_as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${missing[@]}" || return 1
}

# ---------------------------------------------------------------------------
# Build
# ---------------------------------------------------------------------------

# eq_build BUILDDIR [meson setup args...]
# BUILDDIR is relative to the repository root unless absolute.
eq_build() {
    [ "$#" -ge 1 ] || { eq_die "usage: eq_build BUILDDIR [meson args...]"; return 1; }
    local dir="$1"
    shift
    case "$dir" in
        /*) ;;
        *) dir="$_EQ_ROOT/$dir" ;;
    esac
    if [ ! -f "$dir/build.ninja" ]; then
        # A setup that failed half-way leaves a folder meson will neither
        # reuse nor --wipe ("not a valid build tree"): start it afresh.
        if [ -e "$dir" ]; then
            eq_log "removing the incomplete build folder ${dir#"$_EQ_ROOT"/}"
            rm -rf "$dir"
        fi
        eq_log "meson setup ${dir#"$_EQ_ROOT"/} $*"
        meson setup "$@" "$dir" "$_EQ_ROOT" || return 1
    elif [ "$#" -gt 0 ]; then
        eq_log "meson configure ${dir#"$_EQ_ROOT"/} $*"
        # `meson configure` refuses an option added to meson_options.txt
        # since the folder was set up; a reconfigure reads the new file.
        if ! meson configure "$dir" "$@"; then
            eq_log "meson setup --reconfigure ${dir#"$_EQ_ROOT"/} $*"
            meson setup --reconfigure "$@" "$dir" "$_EQ_ROOT" || return 1
        fi
    fi
    eq_log "meson compile -C ${dir#"$_EQ_ROOT"/}"
    meson compile -C "$dir" || return 1
}

# ---------------------------------------------------------------------------
# PostgreSQL: a private cluster for development and tests
# ---------------------------------------------------------------------------

eq_pg_port() {
    printf '%s\n' "${EQ_PGPORT:-55432}"
}

# Directory with initdb/pg_ctl/postgres/psql. Prefers the major version the
# cluster was created with, then the newest installed version.
eq_pg_bindir() {
    if [ -n "${EQ_PGBIN:-}" ]; then
        printf '%s\n' "$EQ_PGBIN"
        return 0
    fi
    local data ver d
    data="$(_eq_pg_datadir_guess)"
    if [ -f "$data/PG_VERSION" ]; then
        ver="$(cat "$data/PG_VERSION")"
        if [ -x "/usr/lib/postgresql/$ver/bin/pg_ctl" ]; then
            printf '%s\n' "/usr/lib/postgresql/$ver/bin"
            return 0
        fi
    fi
    d="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)"
    if [ -n "$d" ] && [ -x "$d/pg_ctl" ]; then
        printf '%s\n' "$d"
        return 0
    fi
    if command -v pg_ctl >/dev/null 2>&1; then
        dirname "$(command -v pg_ctl)"
        return 0
    fi
    eq_die "PostgreSQL server binaries not found (install the postgresql package or set EQ_PGBIN)"
}

# Fallback location when the postgres user cannot reach $ROOT/.pgdata (for
# example a clone under /root, which is mode 0700): a directory in the
# postgres user's home, one per checkout.
_eq_pg_fallback_dir() {
    local home hash
    home="$(getent passwd postgres | cut -d: -f6)"
    [ -n "$home" ] || home=/var/lib/postgresql
    hash="$(printf '%s' "$_EQ_ROOT" | md5sum | cut -c1-12)"
    printf '%s\n' "$home/equalities-dev/$hash"
}

# Where the cluster lives (without creating anything).
_eq_pg_datadir_guess() {
    if [ -n "${EQ_PGDATA:-}" ]; then
        printf '%s\n' "$EQ_PGDATA"
    elif [ -f "$_EQ_ROOT/.pgdata/PG_VERSION" ] || ! _eq_is_root; then
        printf '%s\n' "$_EQ_ROOT/.pgdata"
    elif [ -f "$(_eq_pg_fallback_dir)/PG_VERSION" ]; then
        _eq_pg_fallback_dir
    else
        printf '%s\n' "$_EQ_ROOT/.pgdata"
    fi
}

# Run a PostgreSQL server program as the user that owns the cluster:
# PostgreSQL refuses to run as root, so root runs it as `postgres`.
# The working directory is / so that an unreadable $PWD does not matter.
_eq_pg_run() {
    if _eq_is_root; then
        (cd / && runuser -u postgres -- "$@")
    else
        (cd / && "$@")
    fi
}

# Can the cluster owner create files in DIR (all parents traversable)?
_eq_pg_owner_can_write() {
    _eq_pg_run test -w "$1" -a -x "$1"
}

# Prints the cluster directory, creating it (owned by the cluster owner,
# mode 0700) when needed.
eq_pg_datadir() {
    local data
    data="$(_eq_pg_datadir_guess)"
    if [ -f "$data/PG_VERSION" ]; then
        printf '%s\n' "$data"
        return 0
    fi
    mkdir -p "$data" || return 1
    if _eq_is_root; then
        if ! getent passwd postgres >/dev/null; then
            eq_die "system user 'postgres' not found (install the postgresql package)"
            return 1
        fi
        chown postgres:postgres "$data" || return 1
    fi
    chmod 700 "$data" || return 1
    if _eq_pg_owner_can_write "$data"; then
        printf '%s\n' "$data"
        return 0
    fi
    if [ -n "${EQ_PGDATA:-}" ] || ! _eq_is_root; then
        eq_die "the cluster owner cannot write to $data (a parent directory is not traversable); set EQ_PGDATA to another place"
        return 1
    fi
    # The postgres user cannot reach the clone (e.g. it is under /root):
    # put the cluster in a postgres-owned directory instead.
    rmdir "$data" 2>/dev/null || true
    data="$(_eq_pg_fallback_dir)"
    eq_log "postgres cannot reach $_EQ_ROOT/.pgdata (a parent directory is not traversable);"
    eq_log "using the postgres-owned directory $data for the cluster instead"
    mkdir -p "$data" || return 1
    chown postgres:postgres "$(dirname "$data")" "$data" || return 1
    chmod 700 "$data" || return 1
    _eq_pg_owner_can_write "$data" || { eq_die "postgres cannot write to $data"; return 1; }
    printf '%s\n' "$data"
}

# Writes the settings that scripts/lib.sh owns. Called at every start, so a
# changed EQ_PGPORT takes effect on the next start.
_eq_pg_write_config() {
    local data="$1" port sockdir
    port="$(eq_pg_port)"
    sockdir="$data"
    # A unix socket path must fit in sun_path (108 bytes); with a deep
    # checkout, listen on TCP only (pg_ctl -w then checks over TCP).
    if [ "$(printf '%s/.s.PGSQL.%s' "$data" "$port" | wc -c)" -gt 100 ]; then
        eq_log "cluster path too long for a unix socket: TCP (127.0.0.1:$port) only"
        sockdir=""
    fi
    _eq_pg_run tee "$data/equalities.conf" >/dev/null <<EOF
# Written by scripts/lib.sh at every start; local edits are overwritten.
# Put your own settings in postgresql.auto.conf (ALTER SYSTEM) instead.
listen_addresses = '127.0.0.1'
port = $port
unix_socket_directories = '$sockdir'
max_connections = 200
shared_buffers = 128MB
# Writes must be durable: the integration tests stop the server with
# "immediate" mode and expect every committed write to be there afterwards.
fsync = on
synchronous_commit = on
full_page_writes = on
timezone = 'UTC'
log_timezone = 'UTC'
log_line_prefix = '%m [%p] %q%u@%d '
log_min_messages = warning
log_min_error_statement = error
EOF
    # Trust authentication, but only on the unix socket (inside the 0700
    # cluster directory) and on 127.0.0.1: this is a private development and
    # test cluster bound to the loopback interface, so there is no password
    # to manage and nothing reachable from other machines.
    _eq_pg_run tee "$data/pg_hba.conf" >/dev/null <<'EOF'
# Written by scripts/lib.sh. Private dev/test cluster bound to loopback only:
# trust for the unix socket in the cluster directory and for 127.0.0.1.
# TYPE  DATABASE  USER  ADDRESS        METHOD
local   all       all                  trust
host    all       all   127.0.0.1/32   trust
EOF
    if ! grep -q "^include_if_exists 'equalities.conf'" "$data/postgresql.conf"; then
        printf "\n# Settings managed by scripts/lib.sh\ninclude_if_exists 'equalities.conf'\n" \
            | _eq_pg_run tee -a "$data/postgresql.conf" >/dev/null
    fi
}

_eq_pg_initdb() {
    local data="$1" bin="$2" locale=()
    if locale -a 2>/dev/null | grep -ix 'c\.utf-\?8' >/dev/null; then
        locale=(--locale=C.UTF-8)
    else
        locale=(--no-locale)
    fi
    eq_log "initdb: creating the cluster in $data"
    _eq_pg_run "$bin/initdb" -D "$data" -U postgres -E UTF8 "${locale[@]}" \
        --data-checksums --auth-local=trust --auth-host=reject >/dev/null || return 1
}

_eq_pg_logfile() {
    printf '%s/postgres.log\n' "$1"
}

# psql as the cluster superuser; extra args go to psql.
_eq_pg_admin_psql() {
    local bin
    bin="$(eq_pg_bindir)" || return 1
    PGOPTIONS="-c client_min_messages=warning" \
        "$bin/psql" -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$(eq_pg_port)" -U postgres "$@"
}

_eq_pg_running() {
    local data="$1" bin="$2"
    [ -f "$data/PG_VERSION" ] || return 1
    _eq_pg_run "$bin/pg_ctl" status -D "$data" >/dev/null 2>&1
}

# Role and database for the service, created when missing.
_eq_pg_ensure_role_and_db() {
    _eq_pg_admin_psql -d postgres <<EOF || return 1
SELECT format('CREATE ROLE %I LOGIN', '$EQ_DB_ROLE')
 WHERE NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '$EQ_DB_ROLE')
\\gexec
SELECT format('CREATE ROLE %I LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION', '$EQ_DB_SERVICE_ROLE')
 WHERE NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '$EQ_DB_SERVICE_ROLE')
\\gexec
SELECT format('CREATE DATABASE %I OWNER %I', '$EQ_DB_NAME', '$EQ_DB_ROLE')
 WHERE NOT EXISTS (SELECT 1 FROM pg_database WHERE datname = '$EQ_DB_NAME')
\\gexec
EOF
}

eq_pg_start() {
    local data bin ver binver log
    data="$(eq_pg_datadir)" || return 1
    bin="$(eq_pg_bindir)" || return 1
    if [ -f "$data/PG_VERSION" ]; then
        ver="$(cat "$data/PG_VERSION")"
        binver="$("$bin/pg_ctl" --version | sed -E 's/.* ([0-9]+)(\.[0-9]+)*.*/\1/')"
        if [ "$ver" != "$binver" ]; then
            eq_die "cluster $data is PostgreSQL $ver but $bin is PostgreSQL $binver; set EQ_PGBIN or delete $data"
            return 1
        fi
    else
        if [ -n "$(ls -A "$data")" ]; then
            eq_die "$data exists, is not empty and is not a PostgreSQL cluster"
            return 1
        fi
        _eq_pg_initdb "$data" "$bin" || return 1
    fi
    log="$(_eq_pg_logfile "$data")"
    if _eq_pg_running "$data" "$bin"; then
        eq_log "PostgreSQL already running ($data, port $(eq_pg_port))"
    else
        _eq_pg_write_config "$data" || return 1
        eq_log "starting PostgreSQL ($data, 127.0.0.1:$(eq_pg_port), log $log)"
        if ! _eq_pg_run "$bin/pg_ctl" start -D "$data" -l "$log" -w -t 60 -s; then
            eq_log "PostgreSQL did not start; last lines of $log:"
            tail -n 20 "$log" >&2 || true
            return 1
        fi
    fi
    _eq_pg_ensure_role_and_db || return 1
}

# eq_pg_stop [fast|smart|immediate]
eq_pg_stop() {
    local mode="${1:-fast}" data bin
    case "$mode" in
        fast|smart|immediate) ;;
        *) eq_die "unknown stop mode '$mode' (fast, smart, immediate)"; return 1 ;;
    esac
    data="$(_eq_pg_datadir_guess)"
    bin="$(eq_pg_bindir)" || return 1
    if ! _eq_pg_running "$data" "$bin"; then
        eq_log "PostgreSQL is not running ($data)"
        return 0
    fi
    eq_log "stopping PostgreSQL ($mode)"
    _eq_pg_run "$bin/pg_ctl" stop -D "$data" -m "$mode" -w -t 60 -s || return 1
}

# Prints the state; returns 0 when running, 1 when not, 2 when no cluster.
eq_pg_status() {
    local data bin
    data="$(_eq_pg_datadir_guess)"
    bin="$(eq_pg_bindir)" || return 2
    if [ ! -f "$data/PG_VERSION" ]; then
        printf 'no cluster in %s\n' "$data"
        return 2
    fi
    if _eq_pg_running "$data" "$bin"; then
        printf 'running: %s, port %s, %s\n' "$data" "$(eq_pg_port)" "$(eq_database_url "$EQ_DB_NAME")"
        return 0
    fi
    printf 'stopped: %s\n' "$data"
    return 1
}

_eq_check_dbname() {
    case "$1" in
        ''|[!a-z_]*|*[!a-z0-9_]*)
            eq_die "database name '$1' must match [a-z_][a-z0-9_]*"
            return 1 ;;
    esac
}

# eq_pg_recreate_db NAME: drop (disconnecting its clients) and create again,
# owned by the service role.
eq_pg_recreate_db() {
    local name="${1:?usage: eq_pg_recreate_db NAME}"
    _eq_check_dbname "$name" || return 1
    if [ "$name" = postgres ] || [ "$name" = template0 ] || [ "$name" = template1 ]; then
        eq_die "refusing to recreate database '$name'"
        return 1
    fi
    eq_log "recreating database $name"
    _eq_pg_admin_psql -d postgres \
        -c "DROP DATABASE IF EXISTS \"$name\" WITH (FORCE)" \
        -c "CREATE DATABASE \"$name\" OWNER \"$EQ_DB_ROLE\"" || return 1
}

# eq_database_url [NAME]
eq_database_url() {
    local name="${1:-$EQ_DB_NAME}"
    printf 'postgresql://%s@127.0.0.1:%s/%s\n' "$EQ_DB_ROLE" "$(eq_pg_port)" "$name"
}

# eq_service_database_url [NAME]: the same database as the service's own
# least-privileged role.
eq_service_database_url() {
    local name="${1:-$EQ_DB_NAME}"
    printf 'postgresql://%s@127.0.0.1:%s/%s\n' "$EQ_DB_SERVICE_ROLE" "$(eq_pg_port)" "$name"
}

# eq_pg_psql [DB] [psql args...]: psql as the owner role.
eq_pg_psql() {
    local db="$EQ_DB_NAME" bin
    if [ "$#" -gt 0 ] && [ "${1#-}" = "$1" ]; then
        db="$1"
        shift
    fi
    bin="$(eq_pg_bindir)" || return 1
    "$bin/psql" -X -h 127.0.0.1 -p "$(eq_pg_port)" -U "$EQ_DB_ROLE" -d "$db" "$@"
}

# ---------------------------------------------------------------------------
# Fuzzing: clang with libFuzzer and the sanitizer runtimes, for scripts/fuzz
# (and so the short fuzz pass of scripts/test).  Kept out of
# EQ_DEB_PACKAGES so that scripts/run does not pay for them.
# ---------------------------------------------------------------------------

EQ_FUZZ_DEB_PACKAGES=(clang libclang-rt-14-dev)

eq_install_fuzz_deps() {
    if [ "${EQ_SKIP_DEPS:-0}" = 1 ] || ! command -v dpkg-query >/dev/null 2>&1; then
        return 0
    fi
    local missing=() pkg
    for pkg in "${EQ_FUZZ_DEB_PACKAGES[@]}"; do
        _eq_deb_installed "$pkg" || missing+=("$pkg")
    done
    [ "${#missing[@]}" -eq 0 ] && return 0
    eq_log "installing missing Debian packages for fuzzing: ${missing[*]}"
    _eq_as_root env DEBIAN_FRONTEND=noninteractive apt-get update -q || return 1
    _eq_as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${missing[@]}" || return 1
}

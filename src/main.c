/*
 * main.c - the equalities-api command: serve (default), migrate, seed,
 * import census, --help, --version.
 *
 * Exit codes: 0 success, 1 the work failed (database refused, bad file),
 * 2 bad usage or configuration (one line on stderr saying which).
 */
#include <ctype.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "api/routes.h"
#include "config.h"
#include "db/db.h"
#include "db/housekeeping.h"
#include "db/listener.h"
#include "db/migrate.h"
#include "domain/period.h"
#include "eq_version.h"
#include "http/cache.h"
#include "http/ratelimit.h"
#include "http/response.h"
#include "http/server.h"
#include "http/waitlist.h"
#include "import/census.h"
#include "import/workforce.h"
#include "keys_cli.h"
#include "release_cli.h"
#include "seed.h"
#include "seed_history.h"
#include "util/buf.h"
#include "util/log.h"

static const char usage[] =
	"Usage: equalities-api [COMMAND] [OPTIONS]\n"
	"\n"
	"The Equalities Data API: a London borough's equalities data, served over HTTP.\n"
	"\n"
	"Commands:\n"
	"  serve                       serve the API (the default)\n"
	"  migrate                     apply pending migrations from migrations/\n"
	"  seed [--no-history]         load the demo data set from data/ (idempotent), then\n"
	"                              make the demo release history through the service\n"
	"                              (not with --no-history or EQ_SEED_HISTORY=off)\n"
	"  import census FILE --dataset SLUG\n"
	"                              load an ONS Census 2021 bulk CSV into a data set\n"
	"  import workforce FILE --as-of DATE\n"
	"                              load a workforce snapshot (one row per employee)\n"
	"  keys create --org SLUG --scopes a,b   print a new API key (once)\n"
	"  keys list [--org SLUG]      key prefixes, scopes, created and last used\n"
	"  keys revoke PREFIX          the key stops working on its next request\n"
	"  purge                       sweep stored idempotent answers and purge reports\n"
	"                              past EQ_REPORT_RETENTION_DAYS now (serve does it\n"
	"                              every EQ_SWEEP_INTERVAL seconds)\n"
	"\n"
	"Options (each also an environment variable):\n"
	"  --database-url URL          EQ_DATABASE_URL   libpq conninfo or URI (no password:\n"
	"                              argv is visible to every user of the machine)\n"
	"  --database-url-file FILE    EQ_DATABASE_URL_FILE  read the URL from FILE\n"
	"  --listen HOST:PORT          EQ_LISTEN         default 127.0.0.1:8080\n"
	"  --threads N                 EQ_THREADS        default: the number of cores\n"
	"  --root DIR                  EQ_ROOT           folder with api/, migrations/, data/\n"
	"  --log-level LEVEL           EQ_LOG_LEVEL      debug, info, warn, error\n"
	"  --help, --version\n"
	"\n"
	"Other settings: EQ_DB_POOL_SIZE, EQ_DB_QUEUE, EQ_DB_QUEUE_TIMEOUT_MS,\n"
	"EQ_CORS_ORIGINS, EQ_MAX_BODY_BYTES,\n"
	"EQ_SUPPRESS_BELOW, EQ_MAX_CONNECTIONS, EQ_MAX_CONNECTIONS_PER_IP,\n"
	"EQ_CONNECTION_TIMEOUT, EQ_STATEMENT_TIMEOUT_MS, EQ_CACHE_MAX_AGE,\n"
	"EQ_REPORT_RETENTION_DAYS, EQ_IDEMPOTENCY_KEEP_HOURS, EQ_SWEEP_INTERVAL,\n"
	"EQ_SERVICE_ROLE (migrate) (see README.md).\n";

/* The variable of a flag: "--log-level" -> "EQ_LOG_LEVEL", into out
 * (size > 3). */
static void flag_env(const char *flag, char *out, size_t size)
{
	snprintf(out, size, "EQ_%s", flag + 2);
	for (char *p = out + 3; *p; p++)
		*p = *p == '-' ? '_' : (char)toupper((unsigned char)*p);
}

static int usage_error(const char *what)
{
	fprintf(stderr, "equalities-api: %s (see --help)\n", what);
	return 2;
}

/*
 * A password given on the command line is visible to every user of the
 * machine (ps, /proc/PID/cmdline): refused, with where to put it instead.
 * Both URI ("postgresql://u:pw@h/db") and keyword ("password=pw") forms.
 */
static bool url_has_password(const char *url)
{
	const char *scheme = strstr(url, "://");
	const char *at, *colon;

	if (strstr(url, "password="))
		return true;
	if (!scheme)
		return false;
	at = strchr(scheme + 3, '@');
	colon = strchr(scheme + 3, ':');
	return at && colon && colon < at;
}

/* EQ_DATABASE_URL_FILE (a Docker or systemd secret): its first line becomes
 * EQ_DATABASE_URL.  0, or -1 after one line on stderr. */
static int database_url_from_file(void)
{
	const char *path = getenv("EQ_DATABASE_URL_FILE");
	struct buf b = BUF_INIT;
	char *nl;
	int rc = 0;

	if (!path || !*path)
		return 0;
	if (buf_read_file(&b, path, 8192) != 0) {
		fprintf(stderr, "equalities-api: EQ_DATABASE_URL_FILE: cannot read %s\n", path);
		rc = -1;
	} else {
		nl = strpbrk(b.data ? b.data : "", "\r\n");
		if (nl)
			*nl = '\0';
		setenv("EQ_DATABASE_URL", buf_cstr(&b), 1);
	}
	buf_release(&b);
	return rc;
}

/* Turn known flags into their environment variables; leave the rest in
 * argv (compacted).  Returns the new argc, or -1 on a flag without value. */
static int apply_flags(int argc, char **argv)
{
	/* Each sets its variable: --log-level sets EQ_LOG_LEVEL (flag_env). */
	static const char *const flags[] = {
		"--database-url", "--database-url-file", "--listen", "--threads", "--root",
		"--log-level",
	};
	int out = 1;

	for (int i = 1; i < argc; i++) {
		bool matched = false;

		for (size_t k = 0; k < sizeof(flags) / sizeof(flags[0]); k++) {
			size_t len = strlen(flags[k]);
			char env[32];

			if (strncmp(argv[i], flags[k], len) != 0)
				continue;
			flag_env(flags[k], env, sizeof(env));
			if (argv[i][len] == '=') {
				setenv(env, argv[i] + len + 1, 1);
			} else if (argv[i][len] == '\0') {
				if (i + 1 >= argc)
					return -1;
				setenv(env, argv[++i], 1);
			} else {
				continue;
			}
			if (strcmp(flags[k], "--database-url") == 0 &&
			    url_has_password(getenv("EQ_DATABASE_URL")))
				return -2;
			matched = true;
			break;
		}
		if (!matched)
			argv[out++] = argv[i];
	}
	argv[out] = NULL;
	return out;
}

/* The private cluster scripts/run and scripts/pg start (scripts/lib.sh:
 * role and database equalities, port EQ_PGPORT or 55432). */
static void private_cluster_url(char *out, size_t size)
{
	const char *port = getenv("EQ_PGPORT");

	snprintf(out, size, "postgresql://equalities@127.0.0.1:%s/equalities?connect_timeout=3",
		 port && *port && strlen(port) <= 5 && strspn(port, "0123456789") == strlen(port)
			 ? port : "55432");
}

/* The subcommands' database: EQ_DATABASE_URL, or when it is unset the
 * private cluster if it is running, so that the README's commands work in
 * a second terminal after scripts/run. */
static PGconn *connect_cli(const struct config *cfg)
{
	char err[512], other[512], url[160];
	PGconn *pg;

	if (*cfg->database_url) {
		pg = db_connect_direct(cfg->database_url, err, sizeof(err));
		if (!pg)
			fprintf(stderr, "equalities-api: %s\n", err);
		return pg;
	}
	private_cluster_url(url, sizeof(url));
	pg = db_connect_direct(url, err, sizeof(err));
	if (!pg)   /* libpq's own defaults (PGHOST, PGPORT, ... or its socket) */
		pg = db_connect_direct("", other, sizeof(other));
	if (pg)
		return pg;
	fprintf(stderr, "equalities-api: EQ_DATABASE_URL is not set and the private cluster is not running at %s (%s).\n"
		"Start it with scripts/run (or scripts/pg start), or set EQ_DATABASE_URL to your database.\n",
		url, err);
	return NULL;
}

/* The end of a subcommand's work on pg, which it closes: 0 when the work
 * succeeded (failed 0), else 1 after "equalities-api: what: err". */
static int cli_done(PGconn *pg, int failed, const char *what, const char *err)
{
	if (failed)
		fprintf(stderr, "equalities-api: %s: %s\n", what, err);
	PQfinish(pg);
	return failed ? 1 : 0;
}

/* The owner runs migrate; with EQ_SERVICE_ROLE set, the service's own
 * role is then given exactly the rights it needs (eq_grant_service,
 * migrations/0015).  Read here, not in config.c: only migrate uses it. */
static int grant_service_role(PGconn *pg, char *err, size_t errlen)
{
	const char *role = getenv("EQ_SERVICE_ROLE");

	if (!role || !*role)
		return 0;
	if (db_direct_exec(pg, "SELECT eq_grant_service($1)", 1, &role, NULL, err, errlen) != 0)
		return -1;
	log_msgf(LOG_INFO, "service role %s granted its rights", role);
	return 0;
}

static int cmd_migrate(const struct config *cfg)
{
	struct migration_set set;
	struct buf dir = BUF_INIT;
	char err[512];
	PGconn *pg;
	int rc = 1;

	if (buf_appendf(&dir, "%s/migrations", cfg->root) ||
	    migration_set_load(buf_cstr(&dir), &set, err, sizeof(err))) {
		fprintf(stderr, "equalities-api: %s\n", err);
		buf_release(&dir);
		return 1;
	}
	buf_release(&dir);
	pg = connect_cli(cfg);
	if (pg) {
		int failed = migrate_apply(pg, &set, err, sizeof(err));

		if (!failed)
			log_msgf(LOG_INFO, "migrations current (%zu files)", set.n);
		if (!failed)
			failed = grant_service_role(pg, err, sizeof(err));
		rc = cli_done(pg, failed, "migrate", err);
	}
	migration_set_release(&set);
	return rc;
}

/* The data, then (unless asked not to) the release history made from it. */
static int cmd_seed(const struct config *cfg, bool history)
{
	char err[768];
	PGconn *pg = connect_cli(cfg);
	int failed;

	if (!pg)
		return 1;
	failed = seed_run(pg, cfg->root, err, sizeof(err)) ||
		 release_cli_demographics(cfg, pg, NULL, "Seeded: the demo Census tables (data/census/manifest.csv) loaded.",
					  err, sizeof(err));
	if (!failed && history)
		failed = seed_history(pg, cfg->suppress_below, err, sizeof(err));
	return cli_done(pg, failed, "seed", err);
}

/* seed --no-history, or EQ_SEED_HISTORY=off: the data alone (the test
 * suites that read live figures after inserting their own). */
static bool seed_wants_history(int argc, char **argv)
{
	const char *env = getenv("EQ_SEED_HISTORY");

	if (argc > 2 && strcmp(argv[2], "--no-history") == 0)
		return false;
	return !env || !(strcmp(env, "off") == 0 || strcmp(env, "0") == 0 || strcmp(env, "false") == 0);
}

/* The arguments after "import KIND": one FILE and "OPTION VALUE" or
 * "OPTION=VALUE", in any order.  0, or -1 on anything else; what is not
 * given stays NULL. */
static int file_and_option(int argc, char **argv, const char *option, const char **file,
			   const char **value)
{
	size_t len = strlen(option);

	for (int i = 3; i < argc; i++) {
		if (strcmp(argv[i], option) == 0 && i + 1 < argc)
			*value = argv[++i];
		else if (strncmp(argv[i], option, len) == 0 && argv[i][len] == '=')
			*value = argv[i] + len + 1;
		else if (!*file && argv[i][0] != '-')
			*file = argv[i];
		else
			return -1;
	}
	return 0;
}

static int cmd_import_workforce(const struct config *cfg, int argc, char **argv)
{
	const char *file = NULL, *as_of = NULL;
	char err[2048], outcome[32];
	PGconn *pg;
	int failed;

	if (file_and_option(argc, argv, "--as-of", &file, &as_of) != 0)
		return usage_error("import workforce takes FILE --as-of DATE");
	if (!file || !as_of)
		return usage_error("import workforce needs FILE and --as-of DATE");
	{
		struct date d;
		char check[11];

		if (date_parse(as_of, &d) != 0 || date_format(&d, check, sizeof(check)) < 0 ||
		    strcmp(check, as_of) != 0)
			return usage_error("--as-of must be a date such as 2024-03-31");
	}
	pg = connect_cli(cfg);
	if (!pg)
		return 1;
	failed = workforce_import_file(pg, file, as_of, "import", "", outcome, sizeof(outcome), err,
				       sizeof(err));
	if (!failed)
		printf("imported %s as the workforce snapshot of %s: %s\n", file, as_of, outcome);
	return cli_done(pg, failed, "import", err);
}

static int cmd_import(const struct config *cfg, int argc, char **argv)
{
	const char *file = NULL, *dataset = NULL;
	struct census_import_result result;
	char err[768];
	PGconn *pg;
	int failed;

	if (argc >= 3 && strcmp(argv[2], "workforce") == 0)
		return cmd_import_workforce(cfg, argc, argv);
	if (argc < 3 || strcmp(argv[2], "census") != 0)
		return usage_error("import takes: import census FILE --dataset SLUG, or import workforce FILE --as-of DATE");
	if (file_and_option(argc, argv, "--dataset", &file, &dataset) != 0)
		return usage_error("import census takes FILE --dataset SLUG");
	if (!file || !dataset)
		return usage_error("import census needs FILE and --dataset SLUG");
	pg = connect_cli(cfg);
	if (!pg)
		return 1;
	failed = census_import_file(pg, file, dataset, &result, err, sizeof(err));
	if (!failed) {
		char reason[400];

		printf("imported %s into %s: %s for %zu areas (%zu rows for other areas skipped, %zu counts changed)\n",
		       file, dataset, result.characteristic, result.rows_loaded, result.rows_skipped,
		       result.cells_changed);
		snprintf(reason, sizeof(reason), "Imported %.64s into %.100s: %zu counts changed (%.150s).",
			 result.characteristic, dataset, result.cells_changed, file);
		failed = release_cli_demographics(cfg, pg, dataset, reason, err, sizeof(err));
	}
	return cli_done(pg, failed, "import", err);
}

static int cmd_purge(const struct config *cfg)
{
	struct housekeeping_result done;
	char err[512];
	PGconn *pg = connect_cli(cfg);
	int failed;

	if (!pg)
		return 1;
	failed = housekeeping_run(pg, cfg, "cli-purge", &done, err, sizeof(err));
	if (!failed)
		printf("purge: %ld idempotency records swept, %ld reports purged (retention %u days%s)\n",
		       done.swept, done.purged, cfg->report_retention_days,
		       cfg->report_retention_days ? "" : ": off");
	return cli_done(pg, failed, "purge", err);
}

static int cmd_keys(const struct config *cfg, int argc, char **argv)
{
	PGconn *pg = connect_cli(cfg);
	int rc;

	if (!pg)
		return 1;
	rc = keys_cli_run(pg, argc - 1, argv + 1);
	PQfinish(pg);
	return rc;
}

/* The change listener (db/listener.h) reports here, and the HTTP side acts:
 * db/ never calls up into http/. */
static void listener_connected(void *ctx, bool up)
{
	const struct config *cfg = ctx;

	/* While the listener is down a change could pass unseen: no cache,
	 * and derived tables are built for each request. */
	cache_set_listening(up);
	cache_set_enabled(up && cfg->response_cache);
}

static unsigned listener_area_mask(void *ctx, const char *payload)
{
	(void)ctx;
	return cache_area_parse(payload);
}

/* Which data areas are illustrative (data_status, migration 0016), for
 * every public response to say so.  On failure (no such table yet, the
 * database away) the last answer stands.  True when it changed. */
/* The connection data_status_load keeps between calls (the listener's
 * thread only, after the first call before it starts): a new backend per
 * change cost PostgreSQL more than the query (about 9 ms of its CPU). */
static PGconn *status_pg;

static bool data_status_load(const struct config *cfg)
{
	static unsigned last;
	bool changed = false;
	char err[256];
	PGresult *r = NULL;
	unsigned areas = 0;

	if (status_pg && PQstatus(status_pg) != CONNECTION_OK) {
		PQfinish(status_pg);
		status_pg = NULL;
	}
	if (!status_pg) {
		if (!(status_pg = db_connect_direct(cfg->database_url, err, sizeof(err))))
			return false;
		/* Named apart from the pool's connections, as the listener's
		 * and the notifier's are, in pg_stat_activity. */
		if (db_direct_exec(status_pg, "SELECT set_config('application_name',"
				   " left(current_setting('application_name'), 48) || ' status', false)",
				   0, NULL, NULL, err, sizeof(err)) != 0) {
			PQfinish(status_pg);
			status_pg = NULL;
			return false;
		}
	}
	if (db_direct_exec(status_pg, "SELECT area FROM data_status WHERE status = 'illustrative'",
			   0, NULL, &r, err, sizeof(err)) == 0) {
		for (int i = 0; i < PQntuples(r); i++)
			areas |= cache_area_parse(PQgetvalue(r, i, 0));
		response_set_illustrative(areas);
		changed = areas != last;
		last = areas;
		PQclear(r);
	} else {
		/* A broken connection is replaced on the next change. */
		PQfinish(status_pg);
		status_pg = NULL;
	}
	return changed;
}

static void listener_changed(void *ctx, unsigned areas)
{
	cache_invalidate(areas);
	/* Parked long polls and streams look for the news. */
	waitlist_wake_all();
	/* After the news, which must not wait on a second connection; a
	 * changed status changes what every public read says. */
	if (data_status_load(ctx)) {
		cache_invalidate(DATA_ALL);
		waitlist_wake_all();
	}
}

static int cmd_serve(const struct config *cfg)
{
	const struct listener_callbacks on_change = {
		.ctx = (void *)(uintptr_t)cfg,
		.connected = listener_connected,
		.area_mask = listener_area_mask,
		.changed = listener_changed,
	};
	const struct route *table;
	size_t n;
	char err[512];
	int rc;

	if (routes_init(cfg, err, sizeof(err)) != 0) {
		fprintf(stderr, "equalities-api: %s\n", err);
		routes_release();
		return 2;
	}
	/* Before the first thread: the stop signals must reach sigwait only. */
	server_block_signals();
	/* From here stderr is JSON lines only, even when a library prints:
	 * libpq's default notice processor does for a FATAL that arrives while
	 * a connection is still being set up, before ours is installed. */
	(void)log_capture_stdio_stderr();
	/* Dates that decide answers (overdue, late) are the council's local
	 * ones; the cache turns over at local midnight (http/cache.c).  Logs
	 * stay in UTC. */
	setenv("TZ", "Europe/London", 1);
	tzset();
	/* Before the listener's thread, which reloads it on every change. */
	(void)data_status_load(cfg);
	if (cache_init() != 0 || ratelimit_init(cfg) != 0 || db_pool_init(cfg) != 0 ||
	    listener_start(cfg, &on_change) != 0) {
		fprintf(stderr, "equalities-api: cannot start (out of memory or threads)\n");
		routes_release();
		return 1;
	}
	table = routes_table(&n);
	rc = server_run(cfg, table, n);
	listener_stop();
	PQfinish(status_pg);
	status_pg = NULL;
	db_pool_shutdown();
	cache_shutdown();
	ratelimit_shutdown();
	routes_release();
	return rc;
}

int main(int argc, char **argv)
{
	struct config cfg;
	char err[512];
	const char *cmd;
	int rc;

	argc = apply_flags(argc, argv);
	if (argc == -2)
		return usage_error("--database-url must not carry a password (anyone on the machine can read argv): "
				   "use EQ_DATABASE_URL, --database-url-file FILE, or ~/.pgpass");
	if (argc < 0)
		return usage_error("an option is missing its value");
	if (database_url_from_file() != 0)
		return 2;
	cmd = argc > 1 ? argv[1] : "serve";
	if (strcmp(cmd, "--help") == 0 || strcmp(cmd, "-h") == 0 || strcmp(cmd, "help") == 0) {
		fputs(usage, stdout);
		return 0;
	}
	if (strcmp(cmd, "--version") == 0 || strcmp(cmd, "version") == 0) {
		printf("equalities-api %s\n", EQ_VERSION);
		return 0;
	}
	if (strcmp(cmd, "serve") && strcmp(cmd, "migrate") && strcmp(cmd, "seed") &&
	    strcmp(cmd, "import") && strcmp(cmd, "keys") && strcmp(cmd, "purge"))
		return usage_error("unknown command");
	if (strcmp(cmd, "import") != 0 && strcmp(cmd, "keys") != 0 && argc > 2 &&
	    !(strcmp(cmd, "seed") == 0 && argc == 3 && strcmp(argv[2], "--no-history") == 0))
		return usage_error("unexpected argument");
	/* Help needs no database (nor any configuration). */
	if (strcmp(cmd, "keys") == 0 && keys_cli_is_help(argc, argv)) {
		keys_cli_usage(stdout);
		return 0;
	}

	if (config_load(&cfg, err, sizeof(err)) != 0) {
		fprintf(stderr, "equalities-api: %s\n", err);
		return 2;
	}
	log_set_level((enum log_level)cfg.log_level);

	if (strcmp(cmd, "migrate") == 0)
		rc = cmd_migrate(&cfg);
	else if (strcmp(cmd, "seed") == 0)
		rc = cmd_seed(&cfg, seed_wants_history(argc, argv));
	else if (strcmp(cmd, "import") == 0)
		rc = cmd_import(&cfg, argc, argv);
	else if (strcmp(cmd, "keys") == 0)
		rc = cmd_keys(&cfg, argc, argv);
	else if (strcmp(cmd, "purge") == 0)
		rc = cmd_purge(&cfg);
	else
		rc = cmd_serve(&cfg);
	config_release(&cfg);
	return rc;
}

/*
 * rows-tool.c - drives the row loader (restore_rows(), restore.h) for the
 * end-to-end tests until `dockreset restore` calls it:
 *
 *   rows-tool CONFIG TARGET custom|plain|json FILE all|reset replace|merge [DB_CONTAINER]
 *
 * Connects with PGHOST, PGPORT, PGDATABASE, PGUSER and PGPASSWORD, loads the
 * catalog and the target's reset plan, then BEGIN, restore_rows(), and
 * COMMIT when it returned 0 (else ROLLBACK). custom backups run pg_restore
 * in DB_CONTAINER (an id) through the Docker endpoint dockreset would use.
 * Prints {"loaded": ..., "merged": ...} on stdout; exits with the loader's
 * code (1 for a failure of the tool itself).
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "catalog.h"
#include "config.h"
#include "docker.h"
#include "pg.h"
#include "plan.h"
#include "restore.h"
#include "sig.h"
#include "ui.h"

static char *env_dup(const char *name)
{
	const char *v = getenv(name);

	return v ? xstrdup(v) : NULL;
}

int main(int argc, char **argv)
{
	struct ui_opts uo = { 0 };
	struct pg_params pp = { 0 };
	struct config *cfg = NULL;
	struct cfg_target *t;
	struct catalog cat = { 0 };
	struct plan plan = { 0 };
	struct docker *d = NULL;
	struct docker_container db = { 0 };
	struct restore_rows_req q = { 0 };
	char *endpoint = NULL;
	PGconn *c = NULL;
	int rc = 1, planned = 0;

	if (argc < 7) {
		fprintf(stderr, "usage: rows-tool CONFIG TARGET custom|plain|json FILE all|reset "
				"replace|merge [DB_CONTAINER]\n");
		return 1;
	}
	ui_init(&uo);
	sig_init();
	if (config_load(&cfg, argv[1]) < 0)
		return 1;
	t = config_target(cfg, argv[2]);
	if (!t)
		goto out;
	if (backup_format_parse(&q.format, argv[3]) < 0)
		goto out;
	pp.host = env_dup("PGHOST");
	pp.port = env_dup("PGPORT");
	pp.dbname = env_dup("PGDATABASE");
	pp.user = env_dup("PGUSER");
	pp.password = env_dup("PGPASSWORD");
	pp.appname = xstrdup("dockreset:rows-tool");
	c = pg_connect(&pp);
	if (!c)
		goto out;
	if (argc > 7) {
		if (docker_endpoint_resolve(&endpoint, NULL) < 0 || docker_open(&d, endpoint))
			goto out;
		db.id = argv[7];
		db.name = argv[7];
		q.d = d;
		q.db = &db;
	}
	if (catalog_load(c, &cat) < 0)
		goto out;
	plan_build(&plan, t, &cat);
	planned = 1;
	if (pg_run(c, "BEGIN") < 0)
		goto out;
	q.conn = c;
	q.t = t;
	q.cat = &cat;
	q.plan = &plan;
	q.path = argv[4];
	q.scope = strcmp(argv[5], "reset") ? RESTORE_SCOPE_ALL : RESTORE_SCOPE_RESET;
	q.mode = strcmp(argv[6], "merge") ? RESTORE_MODE_REPLACE : RESTORE_MODE_MERGE;
	rc = restore_rows(&q);
	if (rc == 0) {
		PGresult *r = pg_exec_finish(c, "COMMIT");
		if (!r || PQresultStatus(r) != PGRES_COMMAND_OK)
			rc = 1;
		PQclear(r);
	} else {
		pg_cleanup_run(c, "ROLLBACK");
	}
	if (rc == 0) {
		json_t *o = json_pack("{s:O?,s:O?}", "loaded", q.loaded, "merged", q.merged);
		char *s = json_dumps(o, JSON_SORT_KEYS | JSON_COMPACT);
		printf("%s\n", s);
		free(s);
		json_decref(o);
	}
	json_decref(q.loaded);
	json_decref(q.merged);
out:
	if (planned)
		plan_release(&plan);
	catalog_release(&cat);
	if (c)
		PQfinish(c);
	docker_close(d);
	free(endpoint);
	pg_params_release(&pp);
	config_free(cfg);
	return rc;
}

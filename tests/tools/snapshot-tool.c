/*
 * snapshot-tool.c - opens dockreset's snapshot transaction (pg_snapshot_begin,
 * SPEC 4 step 6) for the end-to-end tests of its locking guarantee.
 *
 *   snapshot-tool [TABLE...]
 *
 * Connects with PGHOST, PGPORT, PGDATABASE, PGUSER and PGPASSWORD, locks the
 * named tables ("schema.table") IN EXCLUSIVE MODE as the transaction's first
 * statement, prints the exported snapshot's id on a line of its own, then
 * holds the transaction until its standard input ends. Exits 0, 1 on a
 * failure (reported), 2 for a table that does not exist.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pg.h"
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
	struct pg_table *all = NULL, *lock;
	size_t n = 0, nlock = 0;
	char *snapshot = NULL, line[64];
	PGconn *c;
	int rc = 1;

	ui_init(&uo);
	pp.host = env_dup("PGHOST");
	pp.port = env_dup("PGPORT");
	pp.dbname = env_dup("PGDATABASE");
	pp.user = env_dup("PGUSER");
	pp.password = env_dup("PGPASSWORD");
	pp.appname = xstrdup("dockreset:snapshot-tool");
	c = pg_connect(&pp);
	if (!c)
		goto out;
	if (pg_list_tables(c, &all, &n) < 0)
		goto out;
	lock = xcalloc((size_t)argc, sizeof(*lock));
	for (int i = 1; i < argc; i++) {
		size_t k = 0;
		while (k < n && strcmp(all[k].qualified, argv[i]))
			k++;
		if (k == n) {
			fprintf(stderr, "snapshot-tool: no table '%s'\n", argv[i]);
			free(lock);
			rc = 2;
			goto out;
		}
		lock[nlock++] = all[k];
	}
	if (pg_snapshot_begin(c, lock, nlock, 0, &snapshot) == 0) {
		printf("%s\n", snapshot);
		fflush(stdout);
		while (fgets(line, sizeof(line), stdin))
			;
		pg_snapshot_end(c);
		rc = 0;
	}
	free(lock);
out:
	free(snapshot);
	pg_tables_free(all, n);
	if (c)
		PQfinish(c);
	pg_params_release(&pp);
	return rc;
}

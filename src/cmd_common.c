/*
 * cmd_common.c - the set-up most commands share: Docker, the target's
 * containers, its database.
 */
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "ui.h"

int session_open(struct session *s, const struct cmd_ctx *ctx, int need_db, int connect)
{
	int err;

	memset(s, 0, sizeof(*s));
	if (docker_endpoint_resolve(&s->url, ctx->opt->host) < 0)
		return EXIT_DOCKER;
	err = docker_open(&s->d, s->url);
	if (err == 0)
		err = target_find_containers(s->d, ctx->cfg, ctx->target, &s->tc);
	if (err < 0)
		return docker_exit_code(err);
	if (!need_db)
		return 0;
	s->db = target_database(&s->tc, ctx->target);
	if (!s->db)
		return EXIT_CONTAINER;
	if (!connect)
		return 0;
	if (pg_params_from_container(&s->pp, ctx->target, s->db, ctx->name) < 0)
		return EXIT_CONTAINER;
	s->conn = pg_connect(&s->pp);
	return s->conn ? 0 : pg_exit_code(s->d, s->db, EXIT_CONTAINER);
}

void session_close(struct session *s)
{
	if (s->conn)
		PQfinish(s->conn);
	pg_params_release(&s->pp);
	target_containers_release(&s->tc);
	docker_close(s->d);
	free(s->url);
	memset(s, 0, sizeof(*s));
}

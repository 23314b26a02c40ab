/*
 * cmd_targets.c - `dockreset targets`: every target with its containers.
 */
#include <stdio.h>
#include <stdlib.h>

#include "cmd.h"
#include "docker.h"
#include "target.h"
#include "ui.h"

int cmd_targets(struct cmd_ctx *ctx)
{
	struct docker *d = NULL;
	char *url = NULL;
	json_t *list = json_array();
	int rc = EXIT_OK, err;

	json_object_set_new(ui_json(), "targets", list);
	if (docker_endpoint_resolve(&url, ctx->opt->host) < 0) {
		rc = EXIT_DOCKER;
		goto out;
	}
	err = docker_open(&d, url);
	if (err < 0) {
		rc = docker_exit_code(err);
		goto out;
	}
	for (size_t i = 0; i < ctx->cfg->ntargets; i++) {
		const struct cfg_target *t = &ctx->cfg->targets[i];
		struct target_containers tc;

		err = target_find_containers(d, ctx->cfg, t, &tc);
		if (err < 0) {
			target_containers_release(&tc);
			rc = docker_exit_code(err);
			goto out;
		}
		json_array_append_new(list, json_pack("{s:s, s:s, s:s, s:b, s:o}", "name", t->name,
						      "project", tc.project, "project_source",
						      config_project_source_name(tc.project_source),
						      "production", t->production, "containers",
						      target_containers_json(&tc)));
		if (!ctx->opt->json) {
			printf("%s%s%s (project %s, from %s)\n", ui_color("bold"), t->name,
			       ui_reset(), ui_field(tc.project),
			       config_project_source_name(tc.project_source));
			target_containers_print(stdout, &tc);
		}
		target_containers_release(&tc);
	}
out:
	docker_close(d);
	free(url);
	return rc;
}

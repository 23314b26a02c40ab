/*
 * cmd_backups.c - `dockreset backups TARGET`: the target's backups, newest
 * first.
 */
#include <stdio.h>

#include "backup.h"
#include "cmd.h"
#include "ui.h"

int cmd_backups(struct cmd_ctx *ctx)
{
	const struct cfg_target *t = ctx->target;
	struct backup_list l = BACKUP_LIST_INIT;
	json_t *arr = json_array();
	int e;

	json_object_set_new(ui_json(), "backups", arr);
	e = backup_list_load(&l, t->backup_dir, t->name);
	if (e < 0) {
		backup_list_release(&l);
		return backup_exit_code(e);
	}
	if (!ctx->opt->json && l.n)
		printf("%-40s %-20s %10s %-7s %-12s %-20s %s\n", "ID", "CREATED", "SIZE", "FORMAT",
		       "REASON", "VERIFIED", "LABEL");
	for (size_t i = 0; i < l.n; i++) {
		const struct backup_entry *b = &l.v[i];
		json_t *label = json_object_get(b->manifest, "label");
		char created[BACKUP_TIME_LEN], verified[BACKUP_TIME_LEN], size[32];

		json_array_append(arr, b->manifest);
		if (ctx->opt->json)
			continue;
		/* the label is the user's text, kept exact in the manifest:
		 * escaped here, so that it can neither clear the screen nor
		 * forge a row */
		printf("%-40s %-20s %10s %-7s %-12s %-20s %s\n", ui_field(b->id),
		       backup_time_format(created, b->created_at),
		       human_size(size, sizeof(size), b->size), backup_format_name(b->format),
		       b->reason,
		       b->verified_at ? backup_time_format(verified, b->verified_at) : "never",
		       ui_field(json_is_string(label) ? json_string_value(label) : ""));
		if (b->missing)
			ui_warn("the file of backup '%s' is missing", b->id);
	}
	if (!ctx->opt->json && l.n == 0)
		ui_info("no backups of '%s' in '%s'", t->name, t->backup_dir);
	for (size_t i = 0; i < l.damaged.n; i++)
		ui_warn("damaged manifest %s", l.damaged.v[i]);
	backup_list_release(&l);
	return EXIT_OK;
}

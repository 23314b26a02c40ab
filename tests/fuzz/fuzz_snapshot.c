/*
 * fuzz_snapshot - a snapshot's record file as dockreset reads it back
 * (json_loadb with duplicate keys refused, then snapshot_record_check),
 * the settings the record puts back (snapshot_setting_sql,
 * snapshot_guc_split) and the quoting of what goes into SQL
 * (snapshot_sql_literal, snapshot_sql_ident), all in src/snapshot.h.
 *
 * Properties: a record that passes the check names a valid snapshot and
 * databases inside the target's prefix (a record changed by hand never
 * makes dockreset drop another database), and every setting item in it
 * gives a statement; a list setting that splits, written back with every
 * element quoted, splits to the same elements (split → write → split);
 * the input text as a literal or an identifier reads back as itself
 * (text → quoted → text); a valid name gives database names of at most 63
 * bytes inside the prefix.
 */
#include "fuzz_util.h"
#include "snapshot.h"

#define PREFIX "dockreset_01234567_"

/* The text inside quote q of quoted, doubled quotes undone; new string. */
static char *unquote(const char *quoted, char q)
{
	size_t n = strlen(quoted), k = 0;
	char *out;

	FUZZ_CHECK(n >= 2 && quoted[0] == q && quoted[n - 1] == q);
	out = malloc(n);
	FUZZ_CHECK(out);
	for (size_t i = 1; i + 1 < n; i++) {
		if (quoted[i] == q) {
			FUZZ_CHECK(quoted[i + 1] == q && i + 2 < n);
			i++;
		}
		out[k++] = quoted[i];
	}
	out[k] = '\0';
	return out;
}

static void check_list(const char *value)
{
	struct strlist a = STRLIST_INIT, b = STRLIST_INIT;
	struct strbuf sb = STRBUF_INIT;

	if (snapshot_guc_split(&a, value) == 0) {
		for (size_t i = 0; i < a.n; i++) {
			strbuf_addf(&sb, "%s\"", i ? ", " : "");
			for (const char *p = a.v[i]; *p; p++)
				strbuf_addf(&sb, "%s", *p == '"' ? "\"\"" : (char[]){ *p, 0 });
			strbuf_addf(&sb, "\"");
		}
		FUZZ_CHECK(snapshot_guc_split(&b, strbuf_str(&sb)) == 0);
		FUZZ_CHECK(a.n == b.n);
		for (size_t i = 0; i < a.n; i++)
			FUZZ_CHECK(!strcmp(a.v[i], b.v[i]));
	}
	strlist_clear(&a);
	strlist_clear(&b);
	strbuf_release(&sb);
}

static void check_record(const json_t *r)
{
	char *why = NULL;
	const json_t *settings, *e, *item;
	size_t i, k;

	if (snapshot_record_check(&why, r, NULL, PREFIX) < 0) {
		FUZZ_CHECK(why && *why);
		free(why);
		return;
	}
	FUZZ_CHECK(snapshot_name_valid(snapshot_record_str(r, "name")));
	FUZZ_CHECK(!strncmp(snapshot_record_db(r, "copy"), PREFIX, strlen(PREFIX)));
	FUZZ_CHECK(!strncmp(snapshot_record_db(r, "spare"), PREFIX, strlen(PREFIX)));
	settings = json_object_get(r, "settings");
	json_array_foreach(settings, i, e)
	{
		const char *role = json_string_value(json_object_get(e, "role"));
		json_array_foreach(json_object_get(e, "settings"), k, item)
		{
			const char *s = json_string_value(item), *eq = strchr(s, '=');
			char *sql = snapshot_setting_sql("db", role, s), *key;

			FUZZ_CHECK(sql && eq);
			free(sql);
			key = fuzz_strndup((const uint8_t *)s, (size_t)(eq - s));
			if (snapshot_guc_is_list(key))
				check_list(eq + 1);
			free(key);
		}
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = fuzz_strndup(data, size), *q, *back;
	json_t *r = json_loadb((const char *)data, size, JSON_REJECT_DUPLICATES, NULL);

	if (r)
		check_record(r);
	json_decref(r);

	check_list(text);
	q = snapshot_sql_literal(text);
	back = unquote(q, '\'');
	FUZZ_CHECK(!strcmp(back, text));
	free(q);
	free(back);
	q = snapshot_sql_ident(text);
	back = unquote(q, '"');
	FUZZ_CHECK(!strcmp(back, text));
	free(q);
	free(back);
	if (snapshot_name_valid(text)) {
		char *db = snapshot_db_name(PREFIX, text, 'c', "0123456789abcdef");
		FUZZ_CHECK(strlen(db) <= 63 && snapshot_db_is_ours(PREFIX, db));
		free(db);
	}
	free(text);
	return 0;
}

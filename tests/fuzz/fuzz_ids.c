/*
 * fuzz_ids - backup ids, times and durations (src/backup.h).
 *
 * Input: a target, a NUL byte, then a text. Properties: an id that
 * parses formats back to the same text (parse → format → parse); a time
 * that parses formats back to the same text; a time_t from the first 8
 * bytes formats to a text that parses back to it (or to the epoch
 * outside years 0000-9999); backup_id_valid agrees with backup_id_parse;
 * backup_parse_duration gives -1 or a non-negative value.
 */
#include <time.h>

#include "backup.h"
#include "fuzz_util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *nul = memchr(data, '\0', size);
	char *whole = fuzz_strndup(data, size), buf[BACKUP_TIME_LEN];
	time_t t;
	long long d;

	d = backup_parse_duration(whole);
	FUZZ_CHECK(d == -1 || d >= 0);

	if (backup_time_parse(&t, whole) == 0) {
		time_t t2;

		FUZZ_CHECK(strcmp(backup_time_format(buf, t), whole) == 0);
		FUZZ_CHECK(backup_time_parse(&t2, buf) == 0 && t2 == t);
	}

	if (size >= 8) {
		int64_t v;
		time_t back;

		memcpy(&v, data, sizeof(v));
		t = (time_t)v;
		backup_time_format(buf, t);
		FUZZ_CHECK(backup_time_parse(&back, buf) == 0);
		FUZZ_CHECK(back == t || back == 0);
	}

	if (nul) {
		const char *target = whole, *id = whole + (nul - data) + 1;
		unsigned seq;
		int valid = backup_id_valid(target, id);

		if (backup_id_parse(&t, &seq, target, id) == 0) {
			char *again = backup_id_format(target, t, seq);
			time_t t2;
			unsigned seq2;

			FUZZ_CHECK(valid == 1);
			FUZZ_CHECK(backup_target_valid(target));
			FUZZ_CHECK(strcmp(again, id) == 0);
			FUZZ_CHECK(backup_id_parse(&t2, &seq2, target, again) == 0);
			FUZZ_CHECK(t2 == t && seq2 == seq);
			free(again);
		} else {
			FUZZ_CHECK(valid == 0);
		}
		(void)backup_id_prefix(target, id);
	}
	free(whole);
	return 0;
}

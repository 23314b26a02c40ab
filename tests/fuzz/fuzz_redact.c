/*
 * fuzz_redact - redact() and redact_escape_n() (src/redact.h).
 *
 * Input: a secret, a NUL byte, then a text. Properties: the escaped text
 * is valid UTF-8 with no C0/C1 control, DEL, U+2028/U+2029 or bidi
 * control; a secret free of '*' (the mask could form it) never survives
 * redact(), nor does any registered secret when inserted in the text.
 */
#include "fuzz_util.h"
#include "redact.h"
#include "util.h"

/* Valid UTF-8 with nothing a terminal would act on. */
static void check_escaped(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;

	while (*p) {
		unsigned cp;
		size_t n;

		if (*p < 0x80) {
			FUZZ_CHECK(*p >= 0x20 && *p != 0x7f);
			p++;
			continue;
		}
		if ((*p & 0xe0) == 0xc0) {
			cp = *p & 0x1f;
			n = 1;
		} else if ((*p & 0xf0) == 0xe0) {
			cp = *p & 0x0f;
			n = 2;
		} else {
			FUZZ_CHECK((*p & 0xf8) == 0xf0);
			cp = *p & 0x07;
			n = 3;
		}
		for (size_t i = 1; i <= n; i++) {
			FUZZ_CHECK((p[i] & 0xc0) == 0x80);
			cp = cp << 6 | (p[i] & 0x3f);
		}
		FUZZ_CHECK(cp >= (n == 1 ? 0x80u : n == 2 ? 0x800u : 0x10000u));
		FUZZ_CHECK(cp <= 0x10ffff && !(cp >= 0xd800 && cp <= 0xdfff));
		FUZZ_CHECK(!(cp >= 0x80 && cp <= 0x9f));
		FUZZ_CHECK(cp != 0x2028 && cp != 0x2029);
		FUZZ_CHECK(!(cp >= 0x202a && cp <= 0x202e) && !(cp >= 0x2066 && cp <= 0x2069));
		p += n + 1;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *nul = memchr(data, '\0', size);
	char *secret, *text, *r, *e;
	size_t slen;

	e = redact_escape_n((const char *)data, size);
	FUZZ_CHECK(e != NULL);
	check_escaped(e);
	free(e);

	if (!nul)
		return 0;
	slen = (size_t)(nul - data);
	secret = fuzz_strndup(data, slen);
	text = fuzz_strndup(nul + 1, size - slen - 1);
	redact_clear();
	redact_add_secret(secret);

	r = redact(text);
	FUZZ_CHECK(r != NULL);
	if (slen && !strchr(secret, '*'))
		FUZZ_CHECK(strstr(r, secret) == NULL);
	e = redact_for_people(text);
	FUZZ_CHECK(e != NULL);
	check_escaped(e);
	free(e);
	free(r);

	/* The text with the secret in its middle. */
	if (slen && !strchr(secret, '*') && !memchr(text, '\0', size - slen - 1)) {
		size_t tlen = strlen(text);
		char *mixed = xasprintf("%.*s%s%s", (int)(tlen / 2), text, secret, text + tlen / 2);

		r = redact(mixed);
		FUZZ_CHECK(strstr(r, secret) == NULL);
		free(r);
		free(mixed);
	}
	redact_clear();
	free(secret);
	free(text);
	return 0;
}

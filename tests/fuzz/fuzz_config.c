/*
 * fuzz_config - config_parse (src/config.h) on arbitrary text, as the file
 * "dockreset.json" of a temporary directory.
 *
 * Properties: no crash; success gives a config, failure exactly one
 * non-empty message naming the file.
 */
#include <unistd.h>

#include "config.h"
#include "fuzz_util.h"

static char dir[] = "/tmp/dockreset-fuzz-config-XXXXXX";
static char *path;

/* config_parse writes nothing: the directory is still empty. */
static void remove_dir(void)
{
	rmdir(dir);
}

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	if (!mkdtemp(dir))
		abort();
	atexit(remove_dir);
	path = xasprintf("%s/dockreset.json", dir);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct strbuf err = STRBUF_INIT;
	struct config *cfg = NULL;
	int rc = config_parse(&cfg, (const char *)data, size, path, &err);

	if (rc == 0) {
		FUZZ_CHECK(cfg != NULL);
		FUZZ_CHECK(err.len == 0);
		for (size_t i = 0; i < cfg->ntargets; i++)
			FUZZ_CHECK(config_valid_target_name(cfg->targets[i].name));
		config_free(cfg);
	} else {
		FUZZ_CHECK(rc == -1);
		FUZZ_CHECK(err.len > 0);
		FUZZ_CHECK(strstr(strbuf_str(&err), path) != NULL);
	}
	strbuf_release(&err);
	return 0;
}

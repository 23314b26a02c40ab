/*
 * guard.c - production markers: matchers, environment, labels, git branch,
 * database setting; the confirmations each case of SPEC 3 needs.
 */
#include "guard.h"

#include <ctype.h>
#include <fnmatch.h>
#include <git2.h>
#include <stdarg.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "pg.h"
#include "sig.h"
#include "target.h"
#include "ui.h"
#include "util.h"

void guard_markers_add(struct guard_markers *m, const char *kind, const char *where, int unreadable,
		       const char *fmt, ...)
{
	struct guard_marker *g;
	struct strbuf sb = STRBUF_INIT;
	va_list ap;

	va_start(ap, fmt);
	strbuf_vaddf(&sb, fmt, ap);
	va_end(ap);
	m->v = xrealloc(m->v, (m->n + 1) * sizeof(*m->v));
	g = &m->v[m->n++];
	g->kind = xstrdup(kind);
	g->where = xstrdup(where);
	g->detail = strbuf_detach(&sb);
	g->unreadable = unreadable;
}

void guard_markers_release(struct guard_markers *m)
{
	for (size_t i = 0; i < m->n; i++) {
		free(m->v[i].kind);
		free(m->v[i].where);
		free(m->v[i].detail);
	}
	free(m->v);
	m->v = NULL;
	m->n = 0;
}

json_t *guard_markers_json(const struct guard_markers *m)
{
	json_t *a = json_array();

	for (size_t i = 0; i < m->n; i++)
		json_array_append_new(a, json_pack("{s:s, s:s, s:s, s:b}", "kind", m->v[i].kind,
						   "where", m->v[i].where, "detail", m->v[i].detail,
						   "unreadable", m->v[i].unreadable));
	return a;
}

int guard_value_matches(const struct strlist *values, const char *value)
{
	const char *b = value, *e;

	while (*b && isspace((unsigned char)*b))
		b++;
	e = b + strlen(b);
	while (e > b && isspace((unsigned char)e[-1]))
		e--;
	for (size_t i = 0; i < values->n; i++)
		if (strlen(values->v[i]) == (size_t)(e - b) &&
		    !strncasecmp(values->v[i], b, (size_t)(e - b)))
			return 1;
	return 0;
}

int guard_branch_matches(const struct strlist *globs, const char *branch)
{
	for (size_t i = 0; i < globs->n; i++)
		if (fnmatch(globs->v[i], branch, 0) == 0)
			return 1;
	return 0;
}

void guard_scan_env(struct guard_markers *m, const struct config *cfg, char *const *env,
		    const char *where)
{
	for (; env && *env; env++) {
		const char *eq = strchr(*env, '=');
		if (!eq)
			continue;
		for (size_t i = 0; i < cfg->env_names.n; i++) {
			const char *name = cfg->env_names.v[i];
			if (strlen(name) == (size_t)(eq - *env) &&
			    !strncmp(name, *env, eq - *env) &&
			    guard_value_matches(&cfg->env_values, eq + 1))
				guard_markers_add(m, "env", where, 0, "%s", *env);
		}
	}
}

void guard_scan_container(struct guard_markers *m, const struct config *cfg,
			  const struct docker_container *c)
{
	char *where = xasprintf("container '%s'", c->name);
	json_t *env = json_object_get(json_object_get(c->inspect, "Config"), "Env");
	const char *label = docker_label_get(c, "dockreset.production");

	if (label && guard_value_matches(&(struct strlist){ (char *[]){ "true" }, 1 }, label))
		guard_markers_add(m, "label", where, 0, "dockreset.production=%s", label);
	if (env && !json_is_array(env) && !json_is_null(env)) {
		guard_markers_add(m, "env", where, 1, "its environment cannot be read");
	} else if (json_is_array(env)) {
		size_t i, n = json_array_size(env);
		char **v = xcalloc(n + 1, sizeof(*v));
		json_t *e;
		json_array_foreach(env, i, e) v[i] =
		    (char *)(json_is_string(e) ? json_string_value(e) : "");
		guard_scan_env(m, cfg, v, where);
		free(v);
	}
	free(where);
}

static int libgit2_ready;

/* 1 when dir or one of its parents holds a `.git` file (a gitdir link). */
static int git_file_above(const char *dir)
{
	char *p = xstrdup(dir), *slash;
	struct stat st;
	int found = 0;

	for (;;) {
		char *g = xasprintf("%s/.git", *p ? p : "");
		found = lstat(g, &st) == 0 && S_ISREG(st.st_mode);
		free(g);
		if (found || !(slash = strrchr(p, '/')))
			break;
		*slash = '\0';
	}
	free(p);
	return found;
}

int guard_git_head(const char *dir, char **branch, char **commit, char **why)
{
	git_repository *repo = NULL;
	git_reference *head = NULL;
	int rc = -1, e;

	*branch = *commit = *why = NULL;
	if (!libgit2_ready) {
		git_libgit2_init();
		libgit2_ready = 1;
	}
	e = git_repository_open_ext(&repo, dir, 0, NULL);
	/*
	 * libgit2 says "not found" too for a `.git` file whose gitdir does not
	 * resolve; git itself fails there ("not a git repository: PATH"), so
	 * that is a repository that cannot be read, not the absence of one.
	 */
	if (e == GIT_ENOTFOUND && !git_file_above(dir))
		return 0;
	if (e < 0) {
		const git_error *ge = git_error_last();
		*why = xasprintf("cannot open the git repository holding '%s': %s", dir,
				 ge && ge->message ? ge->message : "unknown error");
		goto out;
	}
	e = git_repository_head(&head, repo);
	if (e == GIT_EUNBORNBRANCH || e == GIT_ENOTFOUND) {
		/* No commit yet: HEAD still names its branch. */
		git_reference *sym = NULL;
		if (git_reference_lookup(&sym, repo, "HEAD") == 0) {
			const char *t = git_reference_symbolic_target(sym);
			if (t && !strncmp(t, "refs/heads/", 11))
				*branch = xstrdup(t + 11);
			git_reference_free(sym);
		}
		rc = *branch ? 0 : -1;
		if (rc)
			*why = xasprintf("cannot read HEAD of the repository holding '%s'", dir);
		goto out;
	}
	if (e < 0) {
		const git_error *ge = git_error_last();
		*why = xasprintf("cannot read HEAD of the repository holding '%s': %s", dir,
				 ge && ge->message ? ge->message : "unknown error");
		goto out;
	}
	if (git_reference_target(head)) {
		char hex[GIT_OID_HEXSZ + 1];
		git_oid_tostr(hex, sizeof(hex), git_reference_target(head));
		*commit = xstrdup(hex);
	}
	*branch =
	    xstrdup(git_repository_head_detached(repo) ? "HEAD" : git_reference_shorthand(head));
	rc = 0;
out:
	git_reference_free(head);
	git_repository_free(repo);
	return rc;
}

/* On a detached HEAD: the production branches whose tip is commit. */
static void scan_detached(struct guard_markers *m, const struct config *cfg, const char *dir,
			  const char *commit)
{
	git_repository *repo = NULL;
	git_branch_iterator *it = NULL;
	git_reference *ref;
	git_branch_t type;

	if (git_repository_open_ext(&repo, dir, 0, NULL) < 0)
		return;
	if (git_branch_iterator_new(&it, repo, GIT_BRANCH_LOCAL) == 0) {
		while (git_branch_next(&ref, &type, it) == 0) {
			const char *name = NULL;
			char hex[GIT_OID_HEXSZ + 1] = "";
			git_branch_name(&name, ref);
			if (git_reference_target(ref))
				git_oid_tostr(hex, sizeof(hex), git_reference_target(ref));
			if (name && !strcmp(hex, commit) &&
			    guard_branch_matches(&cfg->branches, name))
				guard_markers_add(m, "branch", dir, 0,
						  "detached HEAD at the tip of branch '%s'", name);
			git_reference_free(ref);
		}
		git_branch_iterator_free(it);
	}
	git_repository_free(repo);
}

void guard_scan_git(struct guard_markers *m, const struct config *cfg)
{
	char *branch, *commit, *why;

	if (guard_git_head(cfg->dir, &branch, &commit, &why) < 0) {
		guard_markers_add(m, "branch", cfg->dir, 1, "%s", why);
	} else if (branch && !strcmp(branch, "HEAD") && commit) {
		scan_detached(m, cfg, cfg->dir, commit);
	} else if (branch && guard_branch_matches(&cfg->branches, branch)) {
		guard_markers_add(m, "branch", cfg->dir, 0, "branch '%s'", branch);
	}
	free(branch);
	free(commit);
	free(why);
}

void guard_scan_database(struct guard_markers *m, const struct config *cfg, PGconn *c)
{
	/* bounded: a signal or a silent server makes the marker unreadable */
	PGresult *r = pg_exec_unchecked(c, "SELECT current_setting('dockreset.environment', true)");

	if (PQresultStatus(r) != PGRES_TUPLES_OK) {
		guard_markers_add(m, "database", PQdb(c), 1, "cannot read dockreset.environment");
	} else if (!PQgetisnull(r, 0, 0) &&
		   guard_value_matches(&cfg->env_values, PQgetvalue(r, 0, 0))) {
		guard_markers_add(m, "database", PQdb(c), 0, "dockreset.environment=%s",
				  PQgetvalue(r, 0, 0));
	}
	PQclear(r);
}

extern char **environ;

void guard_scan_target(struct guard_markers *m, const struct config *cfg,
		       const struct cfg_target *t, const struct target_containers *tc, PGconn *conn)
{
	if (t->production)
		guard_markers_add(m, "config", cfg->path, 0, "\"production\": true in the target");
	guard_scan_env(m, cfg, environ, "host");
	guard_scan_git(m, cfg);
	if (!tc || !tc->groups) {
		guard_markers_add(m, "env", t->name, 1,
				  "the containers' environments and labels could not be read");
	} else {
		for (size_t i = 0; i < tc->ngroups; i++)
			if (strcmp(tc->groups[i].role, "cache"))
				for (size_t j = 0; j < tc->groups[i].n; j++)
					guard_scan_container(m, cfg, tc->groups[i].v[j]);
	}
	if (conn)
		guard_scan_database(m, cfg, conn);
	else
		guard_markers_add(m, "database", t->name, 1,
				  "the database could not be asked for dockreset.environment");
}

static int is_production(const struct guard_confirm_req *r)
{
	return !r->markers || r->markers->n > 0;
}

struct guard_decision guard_decide(int production, int interactive, int yes, int production_flag,
				   const char *env_value, const char *target)
{
	struct guard_decision d = { GUARD_GO, 0 };

	if (!production) {
		if (yes)
			d.ask = GUARD_GO;
		else if (interactive)
			d.ask = GUARD_ASK_NAME;
		else {
			d.ask = GUARD_REFUSE;
			d.missing = GUARD_MISSING_YES;
		}
		return d;
	}
	if (interactive) {
		/* -y and the variable do not skip the phrase on a terminal:
		 * both are too easy to carry over from shell history */
		if (production_flag) {
			d.ask = GUARD_ASK_PHRASE;
		} else {
			d.ask = GUARD_REFUSE;
			d.missing = GUARD_MISSING_PRODUCTION;
		}
		return d;
	}
	if (!yes)
		d.missing |= GUARD_MISSING_YES;
	if (!production_flag)
		d.missing |= GUARD_MISSING_PRODUCTION;
	if (!env_value)
		d.missing |= GUARD_MISSING_ENV;
	else if (strcmp(env_value, target))
		d.missing |= GUARD_WRONG_ENV;
	d.ask = d.missing ? GUARD_REFUSE : GUARD_GO;
	return d;
}

char *guard_confirmation_text(const struct guard_confirm_req *r)
{
	if (!is_production(r))
		return xasprintf("type the target's name '%s' (or -y)", r->target);
	return xasprintf("production: pass --production, then type '%s production %s' and wait "
			 "%d s; without a terminal: -y --production and " GUARD_CONFIRM_ENV "=%s",
			 r->verb, r->target, GUARD_COUNTDOWN_S, r->target);
}

/* "delete 4 backups of 'x'", or "VERB 'TARGET'"; new string. */
static char *what_of(const struct guard_confirm_req *r)
{
	return r->what ? xstrdup(r->what) : xasprintf("%s '%s'", r->verb, r->target);
}

static void hint_markers(const struct guard_confirm_req *r)
{
	if (!r->markers) {
		ui_hint("its production markers were not read, so it counts as production");
		return;
	}
	for (size_t i = 0; i < r->markers->n; i++) {
		const struct guard_marker *m = &r->markers->v[i];
		ui_hint("production marker: %s%s: %s", m->unreadable ? "unreadable, " : "",
			m->where, m->detail);
	}
}

static int interrupted(void)
{
	fputc('\n', stderr);
	ui_error("interrupted by %s: nothing done",
		 sig_exit_code() == EXIT_SIGTERM ? "SIGTERM" : "SIGINT");
	return sig_exit_code();
}

int guard_read_answer(const char *prompt, char *line, size_t size)
{
	fputs(prompt, stderr);
	fflush(stderr);
	if (!fgets(line, (int)size, stdin)) {
		if (sig_pending())
			return interrupted();
		fputc('\n', stderr);
		ui_error("not confirmed: nothing done");
		return EXIT_REFUSED;
	}
	if (sig_pending())
		return interrupted();
	line[strcspn(line, "\n")] = '\0';
	/* a terminal in raw-ish modes may hand over a carriage return */
	line[strcspn(line, "\r")] = '\0';
	return 0;
}

/* "resetting", "rolling back", ... */
static char *gerund(const char *verb)
{
	static const char *const v[][2] = {
		{ "reset", "resetting" }, { "restore", "restoring" },	  { "prune", "pruning" },
		{ "seed", "seeding" },	  { "rollback", "rolling back" }, { "delete", "deleting" },
		{ "mark", "marking" },
	};
	for (size_t i = 0; i < ARRAY_SIZE(v); i++)
		if (!strcmp(v[i][0], verb))
			return xstrdup(v[i][1]);
	return xasprintf("%sing", verb);
}

/* The countdown on stderr; 0, or 130/143 when a signal came. */
static int countdown(const struct guard_confirm_req *r)
{
	char *ing = gerund(r->verb);
	const struct timespec step = { 0, 100 * 1000 * 1000 };

	fprintf(stderr, "%s production %s in", ing, r->target);
	free(ing);
	for (int s = GUARD_COUNTDOWN_S; s > 0; s--) {
		fprintf(stderr, " %d...", s);
		fflush(stderr);
		for (int i = 0; i < 10; i++) {
			if (sig_pending())
				return interrupted();
			nanosleep(&step, NULL);
		}
	}
	if (sig_pending())
		return interrupted();
	fputc('\n', stderr);
	return 0;
}

static int refuse(const struct guard_confirm_req *r, const struct guard_decision *d,
		  int interactive, const char *env)
{
	char *what = what_of(r);

	if (!is_production(r)) {
		ui_error("refusing to %s without confirmation: standard input is not a terminal",
			 what);
		ui_hint("pass -y to confirm");
	} else if (interactive) {
		ui_error("refusing to %s: '%s' is production and --production was not given", what,
			 r->target);
		hint_markers(r);
		ui_hint("pass --production, then type '%s production %s' when asked", r->verb,
			r->target);
	} else {
		ui_error("refusing to %s: '%s' is production, and without a terminal it needs -y, "
			 "--production and " GUARD_CONFIRM_ENV "=%s",
			 what, r->target, r->target);
		hint_markers(r);
		if (d->missing & GUARD_MISSING_YES)
			ui_hint("missing: -y");
		if (d->missing & GUARD_MISSING_PRODUCTION)
			ui_hint("missing: --production");
		if (d->missing & GUARD_MISSING_ENV)
			ui_hint("missing: " GUARD_CONFIRM_ENV "=%s in the environment", r->target);
		if (d->missing & GUARD_WRONG_ENV)
			ui_hint("missing: " GUARD_CONFIRM_ENV "=%s in the environment (it is "
				"'%s', which is not the target's name)",
				r->target, env);
	}
	free(what);
	return EXIT_REFUSED;
}

int guard_confirm_req(const struct guard_confirm_req *r)
{
	const char *env = getenv(GUARD_CONFIRM_ENV);
	int interactive = isatty(STDIN_FILENO);
	struct guard_decision d =
	    guard_decide(is_production(r), interactive, r->yes, r->production_flag, env, r->target);
	char line[512], *what, *prompt, *want;
	int rc;

	if (sig_pending())
		return interrupted();
	switch (d.ask) {
	case GUARD_GO:
		return 0;
	case GUARD_REFUSE:
		return refuse(r, &d, interactive, env);
	case GUARD_ASK_NAME:
		what = what_of(r);
		prompt = xasprintf("To %s, type the target's name (%s): ", what, r->target);
		want = xstrdup(r->target);
		break;
	case GUARD_ASK_PHRASE:
	default:
		what = what_of(r);
		fprintf(stderr, "'%s' is production:\n", r->target);
		if (!r->markers)
			fprintf(stderr, "  its markers were not read\n");
		for (size_t i = 0; r->markers && i < r->markers->n; i++)
			fprintf(stderr, "  %s%s: %s\n",
				r->markers->v[i].unreadable ? "unreadable, " : "",
				r->markers->v[i].where, r->markers->v[i].detail);
		if (r->yes)
			fprintf(stderr, "(-y does not skip this on a terminal)\n");
		want = xasprintf("%s production %s", r->verb, r->target);
		prompt = xasprintf("To %s, type '%s': ", what, want);
		break;
	}
	rc = guard_read_answer(prompt, line, sizeof(line));
	if (rc == 0 && strcmp(line, want)) {
		ui_error("not confirmed ('%s' is not '%s'): nothing done", line, want);
		rc = EXIT_REFUSED;
	}
	if (rc == 0 && d.ask == GUARD_ASK_PHRASE)
		rc = countdown(r);
	free(what);
	free(prompt);
	free(want);
	return rc;
}

int guard_refuse_no_backup(const struct guard_confirm_req *r, const char *option)
{
	char *what;

	if (!is_production(r))
		return 0;
	what = what_of(r);
	ui_error("refusing to %s with %s: '%s' is production", what, option, r->target);
	free(what);
	hint_markers(r);
	ui_hint("run it without %s: a backup is taken first", option);
	return EXIT_REFUSED;
}

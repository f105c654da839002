#include "config.h"

#include "safefile.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

struct safefile {
	FILE *f;
	char *tmp;	/* its name while it is written */
	char *path;	/* where it goes */
};

struct safefile *safefile_open(const char *path, char *err, size_t errlen)
{
	struct safefile *sf = calloc(1, sizeof *sf);
	size_t n = strlen(path) + 16;
	if (!sf || !(sf->path = strdup(path)) || !(sf->tmp = malloc(n))) {
		snprintf(err, errlen, "out of memory");
		safefile_abort(&sf);
		return NULL;
	}
	snprintf(sf->tmp, n, "%s.tmp-XXXXXX", path);	/* beside it: the rename stays on one file system */
	int fd = mkostemp(sf->tmp, O_CLOEXEC);		/* O_CREAT|O_EXCL, 0600, an unguessable name */
	if (fd < 0 || !(sf->f = fdopen(fd, "w+b"))) {
		snprintf(err, errlen, "cannot create a file beside %s: %s", path, strerror(errno));
		if (fd >= 0) {
			close(fd);
			unlink(sf->tmp);
		}
		free(sf->tmp);
		sf->tmp = NULL;
		safefile_abort(&sf);
		return NULL;
	}
	return sf;
}

FILE *safefile_stream(struct safefile *sf)
{
	return sf->f;
}

const char *safefile_tmpname(const struct safefile *sf)
{
	return sf->tmp;
}

int safefile_commit(struct safefile **sfp, int replace, char *err, size_t errlen)
{
	struct safefile *sf = *sfp;
	int bad = fflush(sf->f) != 0 || fsync(fileno(sf->f)) != 0;
	bad |= fclose(sf->f) != 0;
	sf->f = NULL;
	if (!bad)
		bad = replace ? rename(sf->tmp, sf->path) != 0 : link(sf->tmp, sf->path) != 0;
	int e = errno;
	if (bad)
		snprintf(err, errlen, "cannot write %s: %s%s", sf->path, strerror(e),
			 !replace && e == EEXIST ? " (it is not overwritten: give another name)" : "");
	if (bad || !replace)
		unlink(sf->tmp);
	free(sf->tmp);
	free(sf->path);
	free(sf);
	*sfp = NULL;
	errno = e;
	return bad ? -1 : 0;
}

void safefile_abort(struct safefile **sfp)
{
	struct safefile *sf = *sfp;
	if (!sf)
		return;
	if (sf->f)
		fclose(sf->f);
	if (sf->tmp)
		unlink(sf->tmp);
	free(sf->tmp);
	free(sf->path);
	free(sf);
	*sfp = NULL;
}

int safefile_write(const char *path, const void *data, size_t len, int replace, char *err, size_t errlen)
{
	struct safefile *sf = safefile_open(path, err, errlen);
	if (!sf)
		return -1;
	if (fwrite(data, 1, len, sf->f) != len) {
		snprintf(err, errlen, "cannot write %s: %s", path, strerror(errno));
		safefile_abort(&sf);
		return -1;
	}
	return safefile_commit(&sf, replace, err, errlen);
}

void safefile_name(const char *name, char *out, size_t len)
{
	size_t k = 0;
	for (; name[k] && k + 1 < len && k < 200; k++) {
		unsigned char c = (unsigned char)name[k];
		out[k] = (c < 128 && (isalnum(c) || c == '-' || c == '_' || (c == '.' && k > 0))) ? (char)c : '_';
	}
	if (!k && len > 1)
		out[k++] = '_';
	if (len)
		out[k] = '\0';
}

int safefile_dir_check(const char *dir, char *err, size_t errlen)
{
	struct stat st;
	if (lstat(dir, &st) != 0) {
		snprintf(err, errlen, "%s: %s", dir, strerror(errno));
		return -1;
	}
	const char *why = !S_ISDIR(st.st_mode) ? "is not a folder (a link is not followed)"
			  : st.st_uid != geteuid() && !(st.st_uid == 0 && (st.st_mode & S_ISVTX))
			  ? "belongs to another user" : (st.st_mode & (S_IWGRP | S_IWOTH)) && !(st.st_mode & S_ISVTX)
			  ? "can be written by other users (and has no sticky bit)" : NULL;
	if (why)
		snprintf(err, errlen, "%s %s: files holding patient data are not written there", dir, why);
	return why ? -1 : 0;
}

/* csvread.c — the RFC 4180 reader of northstar-import (csvread.h). */
#include <stdlib.h>
#include <string.h>

#include "csvread.h"

struct csvread {
	FILE			*fp;
	char			*buf;	/* every field of the record, each NUL-terminated */
	size_t			 len, cap;
	size_t			*offs;	/* start of each field in buf */
	char			**ptrs;	/* the fields as handed out */
	size_t			 nf, fcap;
	unsigned long		 line;	/* the line the reader is on */
	unsigned long		 errline;
	unsigned long		 start;	/* the line the record being read starts on */
	unsigned long long	 off;
	enum csvread_err	 err;
	int			 started;
};

struct csvread *
csvread_new(FILE *fp)
{
	struct csvread	*r = calloc(1, sizeof(*r));

	if (r == NULL)
		return NULL;
	r->fp = fp;
	r->line = 1;
	return r;
}

void
csvread_free(struct csvread *r)
{
	if (r == NULL)
		return;
	free(r->buf);
	free(r->offs);
	free(r->ptrs);
	free(r);
}

/* Appends one byte to the current field; -1 (err set) when it is too long or memory runs out. */
static int
csvread_put(struct csvread *r, char c, size_t fstart)
{
	if (r->len - fstart >= CSVREAD_MAX_FIELD) {
		r->err = CSVREAD_EFIELD;
		return -1;
	}
	if (r->len + 1 >= r->cap) {
		size_t	 ncap = r->cap == 0 ? 1024 : r->cap * 2;
		char	*n = realloc(r->buf, ncap);

		if (n == NULL) {
			r->err = CSVREAD_ENOMEM;
			return -1;
		}
		r->buf = n;
		r->cap = ncap;
	}
	r->buf[r->len++] = c;
	return 0;
}

/* Ends the current field (NUL) and opens the next one at buf[len]; -1 (err set) on a limit. */
static int
csvread_endfield(struct csvread *r, size_t *fstart)
{
	if (csvread_put(r, '\0', *fstart) != 0)
		return -1;
	if (r->nf + 1 >= CSVREAD_MAX_FIELDS) {
		r->err = CSVREAD_EFIELDS;
		return -1;
	}
	if (r->nf + 2 > r->fcap) {
		size_t	 ncap = r->fcap == 0 ? 64 : r->fcap * 2;
		size_t	*n = realloc(r->offs, ncap * sizeof(*n));

		if (n == NULL) {
			r->err = CSVREAD_ENOMEM;
			return -1;
		}
		r->offs = n;
		r->fcap = ncap;
	}
	r->offs[++r->nf] = r->len;
	*fstart = r->len;
	return 0;
}

/* The next byte, counting it; EOF at the end (err set when the stream failed). */
static int
csvread_getc(struct csvread *r)
{
	int	 c = getc(r->fp);

	if (c == EOF) {
		if (ferror(r->fp))
			r->err = CSVREAD_EIO;
		return EOF;
	}
	r->off++;
	if (c == '\0') {
		r->err = CSVREAD_ENUL;
		return EOF;
	}
	return c;
}

/* After a CR: swallow the LF of a CRLF.  Line counting happens at the caller. */
static void
csvread_crlf(struct csvread *r)
{
	int	 c = getc(r->fp);

	if (c == '\n')
		r->off++;
	else if (c != EOF)
		ungetc(c, r->fp);
}

/* Skips a byte-order mark at the very start of the stream. */
static void
csvread_bom(struct csvread *r)
{
	int	 c[3], i, n = 0;

	r->started = 1;
	for (i = 0; i < 3; i++) {
		c[i] = getc(r->fp);
		if (c[i] == EOF)
			break;
		n++;
	}
	if (n == 3 && c[0] == 0xEF && c[1] == 0xBB && c[2] == 0xBF) {
		r->off = 3;
		return;
	}
	while (n > 0)	/* glibc allows several pushed-back bytes on a regular stream */
		ungetc(c[--n], r->fp);
}

/* Reads a quoted field's body (after its opening quote); 0 at its closing quote, -1 on an error. */
static int
csvread_quoted(struct csvread *r, size_t fstart)
{
	unsigned long	 opened = r->line;

	for (;;) {
		int	 c = csvread_getc(r);

		if (c == EOF) {
			if (r->err == CSVREAD_OK) {
				r->err = CSVREAD_EQUOTE;
				r->errline = opened;
			}
			return -1;
		}
		if (c == '"') {
			c = getc(r->fp);
			if (c != '"') {
				if (c != EOF)
					ungetc(c, r->fp);
				return 0;
			}
			r->off++;
		} else if (c == '\n')
			r->line++;
		else if (c == '\r') {
			r->line++;
			if (csvread_put(r, '\r', fstart) != 0)
				return -1;
			c = getc(r->fp);
			if (c != '\n') {
				if (c != EOF)
					ungetc(c, r->fp);
				continue;
			}
			r->off++;
		}
		if (csvread_put(r, (char)c, fstart) != 0)
			return -1;
	}
}

/* Reads one record into buf/offs; 1 for a record, 0 at the end, -1 on an error. */
static int
csvread_record(struct csvread *r)
{
	size_t	 fstart = 0;
	int	 any = 0, atstart = 1;

	r->len = 0;
	r->nf = 0;
	if (r->fcap == 0 && csvread_endfield(r, &fstart) != 0)	/* allocates offs */
		return -1;
	r->len = 0;
	r->nf = 0;
	r->offs[0] = 0;
	fstart = 0;
	for (;;) {
		int	 c = csvread_getc(r);

		if (c == EOF) {
			if (r->err != CSVREAD_OK)
				return -1;
			if (!any)
				return 0;
			break;
		}
		if (c == '\n' || c == '\r') {
			if (c == '\r')
				csvread_crlf(r);
			r->line++;
			if (!any) {	/* a blank line */
				r->start = r->line;
				continue;
			}
			break;
		}
		any = 1;
		if (c == ',') {
			if (csvread_endfield(r, &fstart) != 0)
				return -1;
			atstart = 1;
			continue;
		}
		if (c == '"' && atstart) {
			if (csvread_quoted(r, fstart) != 0)
				return -1;
			c = getc(r->fp);
			if (c != EOF && c != ',' && c != '\n' && c != '\r') {
				r->err = CSVREAD_EAFTERQUOTE;
				return -1;
			}
			if (c != EOF)
				ungetc(c, r->fp);
			atstart = 0;
			continue;
		}
		atstart = 0;
		if (csvread_put(r, (char)c, fstart) != 0)
			return -1;
	}
	return csvread_put(r, '\0', fstart) == 0 ? 1 : -1;
}

int
csvread_next(struct csvread *r, char *const **fields, size_t *nfields, unsigned long *line)
{
	size_t	 i;
	int	 rc;

	if (r->err != CSVREAD_OK)
		return -1;
	if (!r->started)
		csvread_bom(r);
	/* the record starts on the current line, after any blank lines the reader skips */
	r->start = r->line;
	rc = csvread_record(r);
	if (rc != 1) {
		if (rc < 0 && r->err != CSVREAD_EQUOTE)
			r->errline = r->line;
		return rc;
	}
	*line = r->start;
	{
		char	**n = realloc(r->ptrs, (r->nf + 1) * sizeof(*n));

		if (n == NULL) {
			r->err = CSVREAD_ENOMEM;
			return -1;
		}
		r->ptrs = n;
	}
	for (i = 0; i <= r->nf; i++)
		r->ptrs[i] = r->buf + r->offs[i];
	*fields = r->ptrs;
	*nfields = r->nf + 1;
	return 1;
}

enum csvread_err
csvread_errno(const struct csvread *r)
{
	return r->err;
}

unsigned long
csvread_errline(const struct csvread *r)
{
	return r->errline;
}

unsigned long long
csvread_offset(const struct csvread *r)
{
	return r->off;
}

const char *
csvread_strerror(enum csvread_err e)
{
	static const char *const msg[CSVREAD_ERR__MAX] = {
		[CSVREAD_OK] = "no error",
		[CSVREAD_EQUOTE] = "a quoted field opened here is never closed (a missing \")",
		[CSVREAD_EAFTERQUOTE] = "text after a closing quote (a quote inside a quoted field is written \"\")",
		[CSVREAD_ENUL] = "a NUL byte: the file is not text (UTF-16? save it as UTF-8 CSV)",
		[CSVREAD_EFIELD] = "a field longer than 1 MB",
		[CSVREAD_EFIELDS] = "a record of more than 4096 fields",
		[CSVREAD_ENOMEM] = "out of memory",
		[CSVREAD_EIO] = "the file could not be read",
	};

	return (unsigned)e < CSVREAD_ERR__MAX && msg[e] != NULL ? msg[e] : "unknown error";
}

/* csvread.h: a streaming RFC 4180 CSV reader that knows the line each record starts on. */
#ifndef CSVREAD_H
#define CSVREAD_H

#include <stddef.h>
#include <stdio.h>

/*
 * RFC 4180 with the habits of real exports: a UTF-8 byte-order mark at the
 * start is skipped; records end with CRLF, LF or a lone CR; a field that
 * starts with a double quote is quoted (commas, line breaks and "" inside
 * it), a quote inside an unquoted field is kept as it is; blank lines are
 * skipped.  Errors are reported, never repaired: a quoted field that is
 * never closed, text after a closing quote, a NUL byte, a field over
 * CSVREAD_MAX_FIELD bytes or a record over CSVREAD_MAX_FIELDS fields.
 */
#define CSVREAD_MAX_FIELD	(1024 * 1024)
#define CSVREAD_MAX_FIELDS	4096

enum csvread_err {
	CSVREAD_OK = 0,
	CSVREAD_EQUOTE,		/* a quoted field is never closed */
	CSVREAD_EAFTERQUOTE,	/* a character other than , or a line end after a closing quote */
	CSVREAD_ENUL,		/* a NUL byte */
	CSVREAD_EFIELD,		/* a field longer than CSVREAD_MAX_FIELD */
	CSVREAD_EFIELDS,	/* more than CSVREAD_MAX_FIELDS fields */
	CSVREAD_ENOMEM,		/* out of memory */
	CSVREAD_EIO,		/* the stream failed */
	CSVREAD_ERR__MAX
};

struct csvread;

/* A reader of fp (not closed by it); NULL when out of memory.  Free with csvread_free. */
struct csvread	*csvread_new(FILE *fp);
/* Frees the reader; NULL is allowed. */
void		 csvread_free(struct csvread *r);

/*
 * Reads the next record: *fields points at *nfields NUL-terminated strings
 * owned by the reader and valid until the next call; *line is the line the
 * record starts on (1-based).  Returns 1 for a record, 0 at the end, -1 on an
 * error (csvread_errno, and the line it is on from csvread_errline).
 */
int		 csvread_next(struct csvread *r, char *const **fields, size_t *nfields,
		    unsigned long *line);
enum csvread_err csvread_errno(const struct csvread *r);
unsigned long	 csvread_errline(const struct csvread *r);
/* Bytes consumed so far (for progress). */
unsigned long long csvread_offset(const struct csvread *r);
/* A sentence for an error code; never NULL. */
const char	*csvread_strerror(enum csvread_err e);

#endif

/* alerts.h — what the files of the alerts service share. */
#ifndef ALERTS_H
#define ALERTS_H

#include "northstar.h"

/* notify.c */
/*
 * Pass the notification settings of the environment (NS_ALERTS_WEBHOOK_URL,
 * NS_SMTP_URL, NS_SMTP_FROM, NS_SMTP_USER, NS_DELIVERY_MAX_ATTEMPTS,
 * NS_DELIVERY_BACKOFF_S, NS_DELIVERY_BACKOFF_MAX_S) to the SQL as
 * northstar.alerts_* session settings (alert_session_setup); a malformed
 * number is logged and left out (its default holds).  Run on every new
 * connection of the job (the service's job_setup) and of the delivery
 * thread.  Returns 0, or -1 (logged).
 */
int	 notify_session_setup(PGconn *);
/* Start the delivery thread once (webhooks and e-mail, retried with backoff). */
void	 notify_start(void);
/*
 * Standard padded base64 of n bytes of s into dst (dstsz at least
 * (n + 2) / 3 * 4 + 1), NUL-terminated.  0, or -1 when it does not fit.
 */
int	 notify_base64(char *dst, size_t dstsz, const unsigned char *s, size_t n);

#endif /* ALERTS_H */

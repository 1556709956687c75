/* alerts.h — what the files of the alerts service share. */
#ifndef ALERTS_H
#define ALERTS_H

#include "northstar.h"

/* notify.c */
/*
 * Pass the notification settings of the environment (NS_ALERTS_WEBHOOK_URL,
 * NS_SMTP_URL, NS_SMTP_FROM, NS_SMTP_USER, NS_ALERTS_REPORT_HOUR) to the
 * SQL as northstar.alerts_* session settings (alert_session_setup).  Run
 * on every new connection of the job (the service's job_setup) and of the
 * delivery thread.  Returns 0, or -1 (logged).
 */
int	 notify_session_setup(PGconn *);
/* Start the delivery thread once (webhooks and e-mail, retried with backoff). */
void	 notify_start(void);

#endif /* ALERTS_H */

/*
 * priv.c — giving root up, as OpenBSD's daemons do: a program started as
 * root (make run as root, a container) does what needs root first — bind
 * its socket, read its secrets — then becomes an unprivileged user for
 * good, before it reads any request.  Used by every service (app.c) and
 * by the simulator.
 */
#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "northstar.h"

int
priv_drop(const char *own, char *why, size_t whysz)
{
	const char	*name = getenv("NS_USER");
	struct passwd	*pw;

	if (geteuid() != 0)
		return 0;
	if (name == NULL || *name == '\0')
		name = "northstar";
	if ((pw = getpwnam(name)) == NULL || pw->pw_uid == 0) {
		snprintf(why, whysz, "started as root, this program runs as NS_USER=%s, which is %s: "
		    "create it (useradd --system --no-create-home --shell /usr/sbin/nologin %s) "
		    "or start it as an unprivileged user", name,
		    pw == NULL ? "not a user of this system" : "root", name);
		return -1;
	}
	if (own != NULL && chown(own, pw->pw_uid, (gid_t)-1) != 0) {
		snprintf(why, whysz, "cannot give %s to %s: %s", own, name, strerror(errno));
		return -1;
	}
	if (initgroups(name, pw->pw_gid) != 0 || setgid(pw->pw_gid) != 0 ||
	    setuid(pw->pw_uid) != 0) {
		snprintf(why, whysz, "cannot become %s: %s", name, strerror(errno));
		return -1;
	}
	/* A switch that could be undone would be no switch. */
	if (setuid(0) == 0 || geteuid() == 0) {
		snprintf(why, whysz, "still able to become root after switching to %s", name);
		return -1;
	}
	snprintf(why, whysz, "running as %s (uid %u)", name, (unsigned)pw->pw_uid);
	return 1;
}

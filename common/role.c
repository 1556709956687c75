/*
 * role.c — the three roles by name, and the views of the web app each may
 * open.  Kept apart from auth.c so that logging and routing can name a
 * role without the token code.
 */
#include <string.h>

#include "internal.h"

const char *
role_name(unsigned role)
{
	switch (role) {
	case NS_ROLE_CEO: return "ceo";
	case NS_ROLE_CS: return "cs";
	case NS_ROLE_SALES: return "sales";
	default: return "-";
	}
}

unsigned
role_parse(const char *s)
{
	if (s == NULL)
		return 0;
	if (strcmp(s, "ceo") == 0)
		return NS_ROLE_CEO;
	if (strcmp(s, "cs") == 0)
		return NS_ROLE_CS;
	if (strcmp(s, "sales") == 0)
		return NS_ROLE_SALES;
	return 0;
}

/*
 * The views of the web app each role may open.  The routes themselves
 * are guarded by their own role lists; this only shapes the navigation.
 */
const char *
role_views_json(unsigned role)
{
	switch (role) {
	case NS_ROLE_CEO:
		return "[\"executive\",\"revenue\",\"customers\",\"sales\",\"marketing\","
		    "\"product\",\"financial\",\"forecast\",\"alerts\",\"operations\"]";
	case NS_ROLE_CS:
		return "[\"customers\",\"product\",\"forecast\",\"alerts\",\"operations\"]";
	case NS_ROLE_SALES:
		return "[\"revenue\",\"sales\",\"alerts\"]";
	default:
		return "[]";
	}
}

/* marketing.c — the marketing service. */
#include "northstar.h"

static const struct ns_route marketing_routes[] = {
	{ "GET", "/api/marketing/health", NS_PUBLIC, NULL, 0, 0, NULL, NULL, db_health },
	{ NULL, NULL, 0, NULL, 0, 0, NULL, NULL, NULL }
};

static const struct ns_service marketing_service = { "marketing", marketing_routes, NULL, 0 };

int
main(int argc, char *argv[])
{
	return app_main(&marketing_service, argc, argv);
}

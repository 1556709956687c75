/* forecast.c — the forecast service. */
#include "northstar.h"

static const struct ns_route forecast_routes[] = {
	{ "GET", "/api/forecast/health", NS_PUBLIC, NULL, 0, 0, NULL, NULL, db_health },
	{ NULL, NULL, 0, NULL, 0, 0, NULL, NULL, NULL }
};

static const struct ns_service forecast_service = { "forecast", forecast_routes, NULL, 0 };

int
main(int argc, char *argv[])
{
	return app_main(&forecast_service, argc, argv);
}

/* product.c — the product service. */
#include "northstar.h"

static const struct ns_route product_routes[] = {
	{ "GET", "/api/product/health", NS_PUBLIC, NULL, 0, 0, NULL, NULL, db_health },
	{ NULL, NULL, 0, NULL, 0, 0, NULL, NULL, NULL }
};

static const struct ns_service product_service = { "product", product_routes, NULL, 0 };

int
main(int argc, char *argv[])
{
	return app_main(&product_service, argc, argv);
}

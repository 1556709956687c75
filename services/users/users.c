/* users.c — the users service: customers and their behaviour, and sign-in. */
#include "northstar.h"

static const struct ns_route users_routes[] = {
	{ "GET", "/api/users/health", NS_PUBLIC, NULL, 0, 0, NULL, NULL, db_health },
	{ "POST", "/api/auth/login", NS_PUBLIC, NULL, NS_F_BODY, 0, NULL, NULL, auth_login },
	{ "POST", "/api/auth/logout", NS_ROLES_ALL, NULL, 0, 0, NULL, NULL, auth_logout },
	{ "GET", "/api/auth/me", NS_ROLES_ALL, NULL, 0, 0, NULL, NULL, auth_me },
	{ NULL, NULL, 0, NULL, 0, 0, NULL, NULL, NULL }
};

static const struct ns_service users_service = { "users", users_routes, NULL, 0 };

int
main(int argc, char *argv[])
{
	return app_main(&users_service, argc, argv);
}

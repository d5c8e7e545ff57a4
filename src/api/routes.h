/*
 * routes.h - the service's whole route table, assembled from the modules.
 */
#ifndef EQ_API_ROUTES_H
#define EQ_API_ROUTES_H

#include <stddef.h>

#include "http/router.h"

struct config;

/* Register every module's statements, run their init, build the table.
 * 0, or -1 with a reason in err. */
__attribute__((warn_unused_result))
int routes_init(const struct config *cfg, char *err, size_t errlen);

const struct route *routes_table(size_t *n);

void routes_release(void);

#endif

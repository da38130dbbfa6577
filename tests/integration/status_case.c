/*
 * status_case DIR URL: one mortgage's life against a running
 * `lienlogd --demo DIR` (demo/demo.h demo_case_*), paced by the test
 * (tests/integration/test_status.py): record a new vehicle and register a
 * mortgage on it, print "VIN <vin>" and wait for a line on stdin; then
 * release the mortgage and print "RELEASED". Every receipt is verified.
 * Exit 0, or 1 with the reason on stderr.
 */
#include <stdio.h>
#include <string.h>

#include "crypto/sign.h"
#include "demo/demo.h"

int
main(int argc, char **argv)
{
	struct demo_world *w = NULL;
	struct demo_case *c = NULL;
	char why[DEMO_WHY_MAX] = "", line[16];
	int rc = 1;

	if (argc != 3) {
		fprintf(stderr, "usage: status_case DIR URL\n");
		return 2;
	}
	if (lcrypto_init() != LIEN_OK ||
	    demo_world_load(argv[1], &w, why, sizeof why) != LIEN_OK ||
	    demo_case_mortgage(w, argv[2], 0, &c, why, sizeof why) != LIEN_OK)
		goto out;
	printf("VIN %s\n", demo_case_vin(c));
	fflush(stdout);
	if (fgets(line, sizeof line, stdin) == NULL ||
	    demo_case_release(c, why, sizeof why) != LIEN_OK)
		goto out;
	printf("RELEASED\n");
	fflush(stdout);
	rc = 0;
out:
	if (rc != 0)
		fprintf(stderr, "status_case: %s\n", why[0] ? why : "failed");
	demo_case_free(c);
	demo_world_free(w);
	return rc;
}

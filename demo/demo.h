/*
 * The demonstration world of `lienlogd --demo DIR` (docs/demo.md):
 *
 *   demo_world_create  DIR/demo/: two CAs (institutions: P-256; police:
 *                      Ed25519), two filed banks (Ed25519 and SM2, valid
 *                      unified social credit codes), an officer, a
 *                      registry mirror, an auditor (P-256), an
 *                      administrator, a face-ID issuer (Ed25519) and an
 *                      SMS-verification issuer (P-256); every private key
 *                      as PKCS#8 PEM (0600) beside its certificate, and a
 *                      README naming each file. DIR/trust/ per
 *                      docs/trust.md, so lienlogd's trust loader accepts
 *                      it.
 *   demo_world_load    the parties and issuers back from those files, and
 *                      the log's verifier key (DIR/log.vkey), for the
 *                      seeder and for `lienlog load`.
 *   demo_seed          fills an empty log through the real signed-request
 *                      path over HTTP (client/regclient.h): filings, 100
 *                      vehicles, ~415 mortgage applications with
 *                      decisions, releases, restrictions, in-person
 *                      diversions (grey face scores) and refusals (a
 *                      mortgage on a seized vehicle: 409, no entry);
 *                      exactly DEMO_SEED_MIN_ENTRIES entries, the last
 *                      applications left in the officer's queue.
 *
 * Plus generators of valid identifiers (VIN check digit, GB 11643 ID
 * numbers, GB 32100 credit codes, Zhejiang plates) that the load generator
 * reuses. Nothing here prints; progress goes to an optional callback.
 */
#ifndef LIEN_DEMO_DEMO_H
#define LIEN_DEMO_DEMO_H

#include <stddef.h>
#include <stdint.h>
#include "common/status.h"
#include "client/regclient.h"

#define DEMO_SEED_MIN_ENTRIES 1000u
/* Synthetic institutions in DIR/demo/institutions.csv (filed with
 * `lienlog file-institutions`, docs/demo.md) */
#define DEMO_INSTITUTIONS 400u
#define DEMO_WHY_MAX 512u
/* The registry name (JWT audience) of the demo trust configuration. */
#define DEMO_REGISTRY_NAME "registry.demo.lienlog.cn"
#define DEMO_FACE_ISS "https://face.demo.lienlog.cn"
#define DEMO_SMS_ISS "https://sms.demo.lienlog.cn"

enum demo_party_id {
	DEMO_BANK_A = 0,	/* Ed25519, institution */
	DEMO_BANK_B = 1,	/* SM2, institution */
	DEMO_OFFICER = 2,	/* Ed25519, officer */
	DEMO_REGISTRY = 3,	/* Ed25519, registry mirror */
	DEMO_AUDITOR = 4,	/* P-256, auditor */
	DEMO_ADMIN = 5,		/* Ed25519, administrator (trust/admins.pem) */
	DEMO_POST = 6,		/* Ed25519, post office (EMS), institution CA */
	DEMO_PARTIES_ = 7
};

/* Create DIR/demo/ and DIR/trust/ (DIR must exist). Refuses with
 * LIEN_EEXIST when DIR/trust or DIR/demo already exists (never
 * overwrites a key). Certificates are valid from now - 1 day for 3 years
 * (CAs 10 years). LIEN_EIO with why naming the file, or pki/pkey
 * statuses. */
enum lien_status demo_world_create(const char *dir, int64_t now, char *why,
    size_t why_cap) LIEN_MUST_CHECK;

struct demo_world;

/* Load DIR/demo/ and DIR/log.vkey. *out: demo_world_free. LIEN_EIO /
 * LIEN_EPARSE with why naming the file. */
enum lien_status demo_world_load(const char *dir, struct demo_world **out,
    char *why, size_t why_cap) LIEN_MUST_CHECK;
void demo_world_free(struct demo_world *w);

/* Borrowed, valid until demo_world_free; thread-safe to use. */
const struct regclient_party *demo_party(const struct demo_world *w,
    enum demo_party_id id);
/* The bank's party id on the ledger (its USCC). */
const char *demo_bank_uscc(const struct demo_world *w, enum demo_party_id id);
const struct regclient_issuer *demo_face_issuer(const struct demo_world *w);
const struct regclient_issuer *demo_sms_issuer(const struct demo_world *w);
const struct note_verifier *demo_log_verifier(const struct demo_world *w);
const char *demo_registry_name(const struct demo_world *w);

/* The i-th filing of the demo world, in the order demo_seed files them
 * (an administrator's POST /v1/institutions for the two banks, then POST
 * /v1/parties for the officer, registry mirror, auditor and post office):
 * its party id (a bank's or the post office's USCC, the others' party
 * ids), role ("institution", "officer", "registry", "auditor", "post"),
 * display name, certificate (PEM text) and, for a bank, its contact.
 * Borrowed, valid until demo_world_free. LIEN_ENOTFOUND past the last.
 * bench_growth files them through the registry path without HTTP. */
#define DEMO_FILINGS 6u
struct demo_filing {
	enum demo_party_id id;
	const char *party, *role, *name, *contact;	/* contact: or NULL */
	const char *cert;
	size_t cert_len;
};
enum lien_status demo_filing_get(const struct demo_world *w, unsigned i,
    struct demo_filing *out) LIEN_MUST_CHECK;

/* ---- seeding --------------------------------------------------------------- */

/* Applications the demo README shows an owner (docs/web-owner.md): [0] an
 * approved mortgage, [1] one still submitted, [2] one still in in-person
 * review (app_id "" when the seeding made none). */
#define DEMO_OWNER_EXAMPLES 3
#define DEMO_SEED_VINS 100	/* = the seeding plan's vehicles */
struct demo_owner_example {
	char app_id[REGCLIENT_APP_ID_LEN + 1];
	char owner_code[REGCLIENT_OWNER_CODE_MAX + 1];	/* from the receipt */
	char id_number[19];	/* the owner's, for the demo face-ID provider */
	char vin[18];
};

struct demo_seed_stats {
	uint64_t entries;	/* 201 receipts, each verified */
	uint64_t refused;	/* refusals the seeder expected (409 ...) */
	uint64_t diverted;	/* applications sent to in-person review */
	uint64_t mortgages, releases, decisions, vehicles, restrictions;
	uint64_t deliveries;	/* EMS delivery events (docs/demo.md) */
	/* the counter (窗口兜底, docs/demo.md): bank vouchers issued and
	 * counter applications filed by the officer */
	uint64_t vouchers, counter;
	char counter_pending[REGCLIENT_APP_ID_LEN + 1];	/* in the queue */
	/* the application whose certificate the demo delivers */
	char delivered[REGCLIENT_APP_ID_LEN + 1];
	struct demo_owner_example owners[DEMO_OWNER_EXAMPLES];
	/* the VINs of the vehicles the seeder recorded, in order (the
	 * registry keeps no VIN: docs/privacy.md) */
	char vins[DEMO_SEED_VINS][18];
	unsigned nvins;
};

/* Called after every request (may be NULL). */
typedef void (*demo_progress_fn)(void *arg, const struct demo_seed_stats *s);

/* Seed the log served at url ("http://127.0.0.1:PORT") as the demo
 * parties. Every write is a signed request; every receipt is verified
 * against the log key; an unexpected answer stops the seeding with
 * LIEN_EVERIFY (or LIEN_EIO when no answer came) and why saying which
 * request got which code. rng_seed makes the data reproducible. */
enum lien_status demo_seed(const struct demo_world *w, const char *url,
    uint64_t rng_seed, struct demo_seed_stats *stats, demo_progress_fn fn,
    void *fn_arg, char *why, size_t why_cap) LIEN_MUST_CHECK;

/* Append the owner section to DIR/demo/README: the access codes of the
 * example applications with their owners' ID numbers (for the demo
 * face-ID provider), and how the officer signs in. LIEN_EIO with why. */
enum lien_status demo_readme_owners(const char *dir,
    const struct demo_seed_stats *st, char *why, size_t why_cap)
    LIEN_MUST_CHECK;

/* One VIN of each lien status the log proves (docs/lien-status.md), read
 * from the state of l (demo/status_examples.c) for the n VINs vins the
 * seeder recorded (the registry keeps vehicle keys, not VINs): ex[DEMO_STATUS_LIEN]
 * under a lien, [..._RESTRICTED] with a restriction in force,
 * [..._RELEASED] whose liens were all released, [..._NONE] a valid VIN
 * never recorded; "" when the log holds no such vehicle. */
enum {
	DEMO_STATUS_LIEN = 0,
	DEMO_STATUS_RESTRICTED = 1,
	DEMO_STATUS_RELEASED = 2,
	DEMO_STATUS_NONE = 3,
	DEMO_STATUS_EXAMPLES = 4
};
struct ledger;
enum lien_status demo_status_examples(struct ledger *l,
    const char (*vins)[18], unsigned n, char ex[DEMO_STATUS_EXAMPLES][18])
    LIEN_MUST_CHECK;

/* One mortgage's life in steps, through the seeder's own signed
 * requests (for tests and walkthroughs): demo_case_mortgage records a new
 * vehicle (registry mirror), registers a mortgage on it by its bank and
 * has the officer approve it; demo_case_release has the bank release it
 * and the officer approve. Every receipt is verified. *out:
 * demo_case_free. LIEN_EVERIFY / LIEN_EIO with why. */
struct demo_case;
enum lien_status demo_case_mortgage(const struct demo_world *w,
    const char *url, uint64_t rng_seed, struct demo_case **out, char *why,
    size_t why_cap) LIEN_MUST_CHECK;
const char *demo_case_vin(const struct demo_case *c);	/* borrowed */
enum lien_status demo_case_release(struct demo_case *c, char *why,
    size_t why_cap) LIEN_MUST_CHECK;
void demo_case_free(struct demo_case *c);

/* Append those examples to DIR/demo/README with the command that checks
 * them. LIEN_EIO with why. */
enum lien_status demo_readme_status(const char *dir, struct ledger *l,
    const struct demo_seed_stats *st, char *why, size_t why_cap)
    LIEN_MUST_CHECK;

/* ---- identifiers (registry/ids.h validates them) ----------------------------- */

/* A small deterministic generator (xorshift64*), state != 0. */
/* The log of a --demo server with a trust/ of its own (no demo world to
 * sign with): n made-up mortgage and release records as JSON text (valid
 * VINs, realistic plates, banks and amounts), ENTRY_TYPE_DEMO, appended
 * in batches. The same n gives the same records. LIEN_ENOMEM, or the
 * ledger's status. */
#define DEMO_OPAQUE_ENTRIES 1000u
enum lien_status demo_opaque_fill(struct ledger *l, uint64_t n)
    LIEN_MUST_CHECK __attribute__((nonnull));

uint64_t demo_rand(uint64_t *state);

/* 17 characters + NUL: a Chinese WMI, random body, check digit. */
void demo_vin_make(uint64_t *rng, char out[18]);
/* 18 + NUL: Zhejiang address code, birth 1960..1999, check character. */
void demo_citizen_id_make(uint64_t *rng, char out[19]);
/* 18 + NUL: "91" + Zhejiang division + organisation code + check. */
void demo_uscc_make(uint64_t *rng, char out[19]);
/* Zhejiang Jiaxing plate "浙F" + serial (UTF-8, NUL-terminated; at
 * least IDS_PLATE_MAX + 1 bytes) for plate_type "02" or "52". */
void demo_plate_make(uint64_t *rng, const char *plate_type, char *out,
    size_t cap);
/* 11-digit mainland mobile number + NUL. */
void demo_phone_make(uint64_t *rng, char out[12]);

#endif

/*
 * The demonstration world (demo/demo.h, docs/demo.md).
 *
 * Design. Everything a real deployment gets from outside is made here
 * with the project's own code: keys with crypto/pkey (PKCS#8 PEM export),
 * certificates with crypto/pki, the trust files in exactly the formats
 * api/trust.c parses (docs/trust.md). Then the log is seeded only through
 * the public HTTP API as the parties themselves, with api/regclient: each
 * write is an RFC 9421-signed request carrying, where the contract asks,
 * a face-ID token (and for a company an SMS attestation) bound to the
 * application digest and the owner's identity commitment; each receipt is
 * verified against the log key. So the demo exercises the same path as a
 * bank would, and `lienlog audit` afterwards replays what it produced.
 *
 * The data are invented but well-formed: VINs with their GB 16735 check
 * digit, GB 11643 ID numbers, GB 32100 credit codes, Zhejiang Jiaxing
 * plates ("浙F"), registration certificate and contract numbers. A fixed
 * generator seed makes a demo reproducible apart from keys and times.
 *
 * Not here: starting the server (tools/lienlogd.c), load generation
 * (tools/cli_load.c).
 */
#include "demo/demo.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "common/file.h"
#include "crypto/cert.h"
#include "crypto/cert_issue.h"
#include "registry/ids.h"
#include "registry/jcs.h"

#define DEMO_PATH_MAX 4096u
#define DEMO_FILE_MAX (64u * 1024u)
#define DEMO_DAY 86400
#define DEMO_LEAF_DAYS (3 * 365)
#define DEMO_CA_DAYS (10 * 365)

/* Seeding plan (docs/demo.md). */
#define SEED_VEHICLES 100u	/* <= DEMO_SEED_VINS */
#define SEED_RELEASE_EVERY 4u		/* every 4th approved mortgage */
#define SEED_CASE_MAX 4u		/* entries of one seed_one */
#define SEED_REJECT_EVERY 23u		/* every 23rd mortgage rejected */
#define SEED_COMPANIES 3u		/* company-owned applications */
#define SEED_NAME_MAX 64u
#define SEED_REMINDER_DAYS 30u		/* = lienlogd's default */
/* The banks' switchboards, filed with them (public, docs/privacy.md):
 * the office calls them to confirm a legacy release at the counter. */
static const char *const seed_contact[2] = { "0573-82286000",
	"0571-87065555" };

struct party_def {
	const char *file;		/* DIR/demo/<file>.key / .pem */
	enum pkey_alg alg;
	int institution;		/* chains to the institution CA */
	const char *cn;
	const char *o;
	const char *party_id;		/* filed id (officer/registry/auditor) */
	const char *role;		/* "institution", "officer", ... */
	const char *what;		/* README line */
};

static const struct party_def parties[DEMO_PARTIES_] = {
	{ "bank-a", PKEY_ED25519, 1, "嘉兴示范农村商业银行",
	    "嘉兴示范农村商业银行股份有限公司", NULL, "institution",
	    "Bank A (institution, Ed25519): signs mortgages and releases" },
	{ "bank-b", PKEY_SM2, 1, "浙江示范汽车金融",
	    "浙江示范汽车金融有限公司", NULL, "institution",
	    "Bank B (institution, SM2 with SM3): signs mortgages and releases" },
	{ "officer", PKEY_ED25519, 0, "嘉兴市公安局车管所 王警官",
	    "嘉兴市公安局交通警察支队", "officer-jx-0001", "officer",
	    "Officer (officer, Ed25519): decides applications" },
	{ "registry", PKEY_ED25519, 0, "嘉兴车辆登记镜像",
	    "嘉兴市公安局交通警察支队", "registry-jx", "registry",
	    "Registry mirror (registry, Ed25519): records vehicles, sets and"
	    " lifts restrictions" },
	{ "auditor", PKEY_P256, 0, "浙江示范审计 审计员01",
	    "浙江示范审计事务所", "auditor-zj-01", "auditor",
	    "Auditor (auditor, ECDSA P-256): reads applications and evidence" },
	{ "admin", PKEY_ED25519, 0, "lienlog 演示管理员",
	    "嘉兴市公安局交通警察支队", NULL, "admin",
	    "Administrator (admin, Ed25519, pinned in trust/admins.pem): files"
	    " banks and parties" },
	{ "post", PKEY_ED25519, 1, "中国邮政速递物流嘉兴示范分公司",
	    "中国邮政速递物流股份有限公司嘉兴示范分公司", NULL, "post",
	    "Post office (post, Ed25519, institution CA): picks up, dispatches"
	    " and delivers registration certificates (EMS)" },
};

/* The parties filed under a credit code: the banks and the post office;
 * their index into demo_world.uscc, or -1. */
static int
uscc_slot(size_t i)
{
	return i <= DEMO_BANK_B ? (int)i : i == DEMO_POST ? 2 : -1;
}

struct demo_world {
	struct regclient_party party[DEMO_PARTIES_];
	char *cert[DEMO_PARTIES_];		/* PEM text, malloc'd */
	size_t cert_len[DEMO_PARTIES_];
	char uscc[3][IDS_USCC_LEN + 1];		/* banks A, B, post */
	char name[DEMO_PARTIES_][CERT_CN_MAX + 1];
	struct regclient_issuer face, sms;
	struct note_verifier log;
	char registry[TRUST_NAME_MAX + 1];
};

/* ---- small helpers ------------------------------------------------------------ */

static enum lien_status LIEN_MUST_CHECK
path_join(char *out, const char *a, const char *b, const char *c)
{
	int n = snprintf(out, DEMO_PATH_MAX, "%s/%s%s%s", a, b, c ? "/" : "",
	    c ? c : "");

	return n > 0 && (size_t)n < DEMO_PATH_MAX ? LIEN_OK : LIEN_ETOOBIG;
}

/* Create path (never overwriting) with mode, write all, fsync. */
static enum lien_status LIEN_MUST_CHECK
file_write(const char *path, const void *data, size_t len, mode_t mode)
{
	const char *p = data;
	size_t off = 0;
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC |
	    O_NOFOLLOW, mode);

	if (fd < 0)
		return errno == EEXIST ? LIEN_EEXIST : LIEN_EIO;
	while (off < len) {
		ssize_t w = write(fd, p + off, len - off);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			close(fd);
			unlink(path);
			return LIEN_EIO;
		}
		off += (size_t)w;
	}
	/* The umask may have narrowed the mode; keys must be exactly 0600
	 * and public files readable. */
	if (fchmod(fd, mode) != 0 || fsync(fd) != 0) {
		close(fd);
		unlink(path);
		return LIEN_EIO;
	}
	return close(fd) == 0 ? LIEN_OK : LIEN_EIO;
}

/* Wipe and free key text read from a file. */
static void
secret_text_free(char *p, size_t len)
{
	if (p == NULL)
		return;
	pkey_pem_free(p, len);
}

/* ---- identifiers ---------------------------------------------------------------- */

uint64_t
demo_rand(uint64_t *state)
{
	uint64_t x = *state;

	if (x == 0)
		x = 0x9e3779b97f4a7c15ull;
	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	*state = x;
	return x * 0x2545f4914f6cdd1dull;
}

static unsigned
rnd(uint64_t *rng, unsigned n)
{
	return (unsigned)(demo_rand(rng) % n);
}

void
demo_vin_make(uint64_t *rng, char out[18])
{
	static const char *const wmi[] = { "LSV", "LFV", "LGB", "LVS", "LSJ",
		"LBV", "LHG", "LGX" };
	static const char vds[] = "0123456789ABCDEFGHJKLMNPRSTUVWXYZ";
	static const char years[] = "NPRS";	/* 2022 .. 2025 */
	char c = '0';

	memcpy(out, wmi[rnd(rng, sizeof(wmi) / sizeof(wmi[0]))], 3);
	for (int i = 3; i < 8; i++)
		out[i] = vds[rnd(rng, sizeof(vds) - 1)];
	out[8] = '0';
	out[9] = years[rnd(rng, sizeof(years) - 1)];
	out[10] = vds[rnd(rng, sizeof(vds) - 1)];
	for (int i = 11; i < 17; i++)
		out[i] = (char)('0' + rnd(rng, 10));
	out[17] = '\0';
	if (ids_vin_check_char(out, 17, &c) == LIEN_OK)
		out[8] = c;
}

void
demo_citizen_id_make(uint64_t *rng, char out[19])
{
	static const char *const area[] = { "330402", "330411", "330421",
		"330424", "330481", "330482", "330483" };
	char c = '0';

	(void)snprintf(out, 19, "%s%04u%02u%02u%03u0",
	    area[rnd(rng, sizeof(area) / sizeof(area[0]))],
	    1960 + rnd(rng, 40), 1 + rnd(rng, 12), 1 + rnd(rng, 28),
	    rnd(rng, 1000));
	if (ids_citizen_id_check_char(out, 17, &c) == LIEN_OK)
		out[17] = c;
}

void
demo_uscc_make(uint64_t *rng, char out[19])
{
	/* GB 11714 organisation code: 8 digits + MOD 11 check. */
	static const unsigned w[8] = { 3, 7, 9, 10, 5, 8, 4, 2 };
	unsigned sum = 0, ck;
	char c = '0';

	memcpy(out, "91330400", 8);
	for (int i = 0; i < 8; i++) {
		unsigned d = rnd(rng, 10);

		out[8 + i] = (char)('0' + d);
		sum += d * w[i];
	}
	ck = 11 - sum % 11;
	out[16] = ck == 10 ? 'X' : ck == 11 ? '0' : (char)('0' + ck);
	out[17] = '0';
	out[18] = '\0';
	if (ids_uscc_check_char(out, 17, &c) == LIEN_OK)
		out[17] = c;
}

void
demo_plate_make(uint64_t *rng, const char *plate_type, char *out, size_t cap)
{
	static const char al[] = "0123456789ABCDEFGHJKLMNPQRSTUVWXYZ";
	static const char letters[] = "ABCDEFGHJKLMNPQRSTUVWXYZ";
	char serial[8];

	if (plate_type != NULL && strcmp(plate_type, "52") == 0) {
		serial[0] = rnd(rng, 2) ? 'D' : 'F';
		serial[1] = rnd(rng, 2) ? letters[rnd(rng, sizeof(letters) - 1)]
		    : (char)('0' + rnd(rng, 10));
		for (int i = 2; i < 6; i++)
			serial[i] = (char)('0' + rnd(rng, 10));
		serial[6] = '\0';
	} else {
		for (int i = 0; i < 5; i++)
			serial[i] = al[rnd(rng, sizeof(al) - 1)];
		serial[5] = '\0';
	}
	(void)snprintf(out, cap, "浙F%s", serial);
}

void
demo_phone_make(uint64_t *rng, char out[12])
{
	static const char *const pfx[] = { "138", "139", "158", "159", "188",
		"135", "136", "150" };

	(void)snprintf(out, 12, "%s%08u", pfx[rnd(rng, 8)],
	    rnd(rng, 100000000));
}

/* ---- world creation ----------------------------------------------------------------- */

static enum lien_status LIEN_MUST_CHECK
key_write(const char *dir, const char *name, const struct pkey *k,
    char *why, size_t cap)
{
	char path[DEMO_PATH_MAX], file[128];
	char *pem = NULL;
	size_t n = 0;
	enum lien_status st;

	(void)snprintf(file, sizeof(file), "%s.key", name);
	if (path_join(path, dir, "demo", file) != LIEN_OK)
		return LIEN_EINVAL;
	if ((st = pkey_export_pem(k, 1, &pem, &n)) != LIEN_OK) {
		why_set(why, cap, "demo/%s: cannot export the key", file);
		return st;
	}
	st = file_write(path, pem, n, 0600);
	pkey_pem_free(pem, n);
	if (st != LIEN_OK)
		why_set(why, cap, "demo/%s: cannot write: %s", file,
		    strerror(errno));
	return st;
}

static enum lien_status LIEN_MUST_CHECK
text_write(const char *dir, const char *sub, const char *file,
    const char *text, size_t len, char *why, size_t cap)
{
	char path[DEMO_PATH_MAX];
	enum lien_status st;

	if (path_join(path, dir, sub, file) != LIEN_OK)
		return LIEN_EINVAL;
	st = file_write(path, text, len, 0644);
	if (st != LIEN_OK)
		why_set(why, cap, "%s/%s: cannot write: %s", sub, file,
		    strerror(errno));
	return st;
}

/* One JWKS entry with our "iss" extension (docs/trust.md). */
static enum lien_status LIEN_MUST_CHECK
jwks_write(const char *dir, const char *file, const struct pkey *k,
    const char *kid, const char *iss, const char *alg, char *why,
    size_t cap)
{
	char *jwk = NULL, *text = NULL;
	size_t tlen = 0;
	json_t *o = NULL, *keys = NULL, *top = NULL;
	json_error_t jerr;
	enum lien_status st;

	if ((st = pkey_export_jwk(k, kid, &jwk)) != LIEN_OK) {
		why_set(why, cap, "trust/%s: cannot export the key", file);
		return st;
	}
	o = json_loads(jwk, JSON_REJECT_DUPLICATES, &jerr);
	free(jwk);
	st = LIEN_ENOMEM;
	if (o == NULL ||
	    json_object_set_new(o, "iss", json_string(iss)) != 0 ||
	    json_object_set_new(o, "use", json_string("sig")) != 0 ||
	    json_object_set_new(o, "alg", json_string(alg)) != 0)
		goto out;
	if ((keys = json_array()) == NULL || json_array_append(keys, o) != 0)
		goto out;
	if ((top = json_object()) == NULL ||
	    json_object_set(top, "keys", keys) != 0)
		goto out;
	if ((st = jcs_serialize(top, &text, &tlen)) != LIEN_OK)
		goto out;
	st = text_write(dir, "trust", file, text, tlen, why, cap);
out:
	free(text);
	json_decref(o);
	json_decref(keys);
	json_decref(top);
	return st;
}

static const char readme_head[] =
    "lienlog demo world (created by `lienlogd --demo`; docs/demo.md)\n"
    "==============================================================\n"
    "\n"
    "Everything here is for demonstration only: the private keys are\n"
    "unencrypted PKCS#8 PEM files (mode 0600) and the data are invented.\n"
    "\n"
    "Certification authorities\n"
    "  institution-ca.key/.pem  CA of the banks (ECDSA P-256); its\n"
    "                           certificate is trust/institution-roots.pem\n"
    "  police-ca.key/.pem       CA of officers, the registry mirror,\n"
    "                           auditors and administrators (Ed25519);\n"
    "                           trust/officer-roots.pem\n"
    "\n"
    "Parties (request-signing keys; keyid = lienlog cert-fingerprint X.pem)\n";

static const char readme_tail[] =
    "\n"
    "Evidence providers (their public keys are in trust/*.jwks)\n"
    "  face-issuer.key  face-ID provider (Ed25519, kid demo-face-01,\n"
    "                   iss " DEMO_FACE_ISS "): signs face tokens\n"
    "  sms-issuer.key   SMS second-verification provider (ECDSA P-256,\n"
    "                   kid demo-sms-01, iss " DEMO_SMS_ISS ")\n"
    "\n"
    "Trust configuration: ../trust/ (config.json: registry name\n"
    DEMO_REGISTRY_NAME ", the JWT audience). Log verifier key: ../log.vkey.\n"
    "\n"
    "Try it (lienlogd serving on 127.0.0.1:8080):\n"
    "  lienlog submit --key bank-a.key --keyid $(lienlog cert-fingerprint"
    " bank-a.pem) \\\n"
    "      --url http://127.0.0.1:8080/v1/identity-commitments --body id.json\n"
    "  lienlog load --url http://127.0.0.1:8080 --demo .. --requests 200\n";

static enum lien_status LIEN_MUST_CHECK
readme_write(const char *dir, const struct demo_world *w, char *why,
    size_t cap)
{
	char *buf;
	size_t len = 0, bcap = 8192;
	enum lien_status st;

	if ((buf = malloc(bcap)) == NULL)
		return LIEN_ENOMEM;
	len = (size_t)snprintf(buf, bcap, "%s", readme_head);
	for (size_t i = 0; i < DEMO_PARTIES_ && len < bcap; i++) {
		int n = snprintf(buf + len, bcap - len,
		    "  %s.key/.pem\n      %s\n      party %s%s, keyid %s\n",
		    parties[i].file, parties[i].what,
		    uscc_slot(i) >= 0 ? w->uscc[uscc_slot(i)] :
		    parties[i].party_id ? parties[i].party_id :
		    "admin:<keyid>",
		    uscc_slot(i) >= 0 ? " (unified social credit code)" : "",
		    w->party[i].keyid);

		if (n < 0)
			break;
		len += (size_t)n;
	}
	if (len < bcap)
		len += (size_t)snprintf(buf + len, bcap - len, "%s",
		    readme_tail);
	if (len >= bcap) {
		free(buf);
		return LIEN_ETOOBIG;
	}
	st = text_write(dir, "demo", "README", buf, len, why, cap);
	free(buf);
	return st;
}

static const char config_json[] =
    "{\n"
    "  \"registry\": \"" DEMO_REGISTRY_NAME "\",\n"
    "  \"created_window\": 300,\n"
    "  \"token_skew\": 60,\n"
    "  \"token_lifetime_max\": 600,\n"
    "  \"face\": {\"liveness_pass\": 9000, \"liveness_grey\": 7000,\n"
    "           \"match_pass\": 9000, \"match_grey\": 7000},\n"
    "  \"sm2_id\": \"1234567812345678\"\n"
    "}\n";

/* Several hundred synthetic institutions at the seed's scale (412 filed
 * in the news report; docs/demo.md "Filed institutions at scale"): names
 * of real kinds (a national bank's city branch, a local rural commercial
 * bank, a village bank, a leasing or auto-finance company), valid GB 32100
 * credit codes, each with a certificate from the demo institution CA bound
 * to its code; DIR/demo/institutions.csv (uscc,name,certificate) and the
 * certificates in DIR/demo/institutions/. Their keys are not kept: in the
 * demo they are filed, never sign. `lienlog file-institutions` files
 * them. */
static enum lien_status LIEN_MUST_CHECK
institutions_make(const char *dir, const struct pkey *ca, const char *ca_pem,
    size_t ca_len, int64_t now, uint64_t *rng, unsigned n, char *why,
    size_t why_cap)
{
	static const char *const cities[] = { "嘉兴", "湖州", "绍兴", "宁波",
		"温州", "台州", "金华", "衢州", "丽水", "舟山", "杭州", "海宁",
		"平湖", "桐乡", "嘉善", "海盐", "德清", "长兴", "安吉", "诸暨",
		"上虞", "余姚", "慈溪", "乐清", "瑞安", "义乌", "东阳", "永康",
		"临海", "温岭" };
	static const char *const banks[] = { "中国工商银行股份有限公司",
		"中国农业银行股份有限公司", "中国银行股份有限公司",
		"中国建设银行股份有限公司", "交通银行股份有限公司",
		"中国邮政储蓄银行股份有限公司", "招商银行股份有限公司",
		"浙商银行股份有限公司", "杭州银行股份有限公司",
		"宁波银行股份有限公司" };
	static const char *const local[] = { "农村商业银行股份有限公司",
		"民泰村镇银行股份有限公司", "融资租赁有限公司",
		"汽车金融服务有限公司" };
	const size_t nc = sizeof cities / sizeof cities[0];
	const size_t nb = sizeof banks / sizeof banks[0];
	const size_t nl = sizeof local / sizeof local[0];
	char path[DEMO_PATH_MAX], name[160], file[64];
	char (*codes)[19] = NULL;
	FILE *csv = NULL;
	enum lien_status st = LIEN_OK;

	if (n > nc * (nb + nl))
		return LIEN_EINVAL;
	if (path_join(path, dir, "demo", "institutions") != LIEN_OK ||
	    mkdir(path, 0755) != 0) {
		why_set(why, why_cap, "cannot create demo/institutions: %s",
		    strerror(errno));
		return LIEN_EIO;
	}
	if (path_join(path, dir, "demo", "institutions.csv") != LIEN_OK ||
	    (csv = fopen(path, "w")) == NULL ||
	    (codes = calloc(n, sizeof *codes)) == NULL) {
		if (csv != NULL)
			fclose(csv);
		why_set(why, why_cap, "cannot write demo/institutions.csv");
		return LIEN_EIO;
	}
	fputs("uscc,name,certificate\n", csv);
	for (unsigned i = 0; i < n && st == LIEN_OK; i++) {
		/* city by city: the national banks' branches, then the local
		 * institutions */
		size_t k = i % (nb + nl), c = i / (nb + nl);
		struct pkey *key = NULL;
		struct cert_issue_req is;
		char *pem = NULL;
		size_t pem_len = 0;
		int dup;
		FILE *f;

		if (k < nb)
			(void)snprintf(name, sizeof name, "%s%s分行", banks[k],
			    cities[c]);
		else
			(void)snprintf(name, sizeof name, "%s%s", cities[c],
			    local[k - nb]);
		do {		/* distinct codes */
			demo_uscc_make(rng, codes[i]);
			dup = 0;
			for (unsigned j = 0; j < i && !dup; j++)
				dup = strcmp(codes[i], codes[j]) == 0;
		} while (dup);
		memset(&is, 0, sizeof is);
		is.not_before = now - DEMO_DAY;
		is.not_after = now + (int64_t)DEMO_LEAF_DAYS * DEMO_DAY;
		is.subject.c = "CN";
		is.subject.cn = name;
		is.subject.o = name;
		is.subject.uscc = codes[i];
		if ((st = pkey_generate(PKEY_ED25519, &key)) == LIEN_OK)
			st = cert_issue(key, ca, ca_pem, ca_len, &is, &pem,
			    &pem_len);
		pkey_free(key);
		if (st != LIEN_OK) {
			why_set(why, why_cap, "cannot certify institution %u",
			    i);
			break;
		}
		/* public certificates of demo data: no fsync per file (400
		 * of them would cost seconds on a busy disk) */
		(void)snprintf(file, sizeof file, "%s.pem", codes[i]);
		if (path_join(path, dir, "demo/institutions", file) != LIEN_OK ||
		    (f = fopen(path, "wx")) == NULL) {
			why_set(why, why_cap, "cannot write %s", file);
			st = LIEN_EIO;
		} else if (fwrite(pem, 1, pem_len, f) != pem_len ||
		    fclose(f) != 0) {
			why_set(why, why_cap, "cannot write %s", file);
			st = LIEN_EIO;
		}
		free(pem);
		fprintf(csv, "%s,%s,institutions/%s\n", codes[i], name, file);
	}
	free(codes);
	if (fclose(csv) != 0 && st == LIEN_OK)
		st = LIEN_EIO;
	return st;
}

enum lien_status
demo_world_create(const char *dir, int64_t now, char *why, size_t why_cap)
{
	struct pkey *ca_i = NULL, *ca_p = NULL, *face = NULL, *sms = NULL;
	struct pkey *keys[DEMO_PARTIES_] = { NULL };
	char *ca_i_pem = NULL, *ca_p_pem = NULL;
	size_t ca_i_len = 0, ca_p_len = 0;
	char path[DEMO_PATH_MAX];
	struct demo_world *w = NULL;
	struct cert_issue_req is;
	struct cert *c = NULL;
	uint64_t rng = (uint64_t)now * 2654435761u + 17;
	enum lien_status st = LIEN_EINVAL;

	if (why != NULL && why_cap > 0)
		why[0] = '\0';
	if (dir == NULL)
		return LIEN_EINVAL;
	if (path_join(path, dir, "trust", NULL) != LIEN_OK)
		return LIEN_EINVAL;
	if (access(path, F_OK) == 0) {
		why_set(why, why_cap, "%s exists: not overwriting it", path);
		return LIEN_EEXIST;
	}
	if (path_join(path, dir, "demo", NULL) != LIEN_OK)
		return LIEN_EINVAL;
	if (mkdir(path, 0700) != 0) {
		why_set(why, why_cap, "cannot create %s: %s", path,
		    strerror(errno));
		return errno == EEXIST ? LIEN_EEXIST : LIEN_EIO;
	}
	if ((w = calloc(1, sizeof(*w))) == NULL)
		return LIEN_ENOMEM;
	for (size_t b = 0; b < 3; b++)
		demo_uscc_make(&rng, w->uscc[b]);

	/* The two CAs. */
	if ((st = pkey_generate(PKEY_P256, &ca_i)) != LIEN_OK ||
	    (st = pkey_generate(PKEY_ED25519, &ca_p)) != LIEN_OK)
		goto out;
	memset(&is, 0, sizeof(is));
	is.is_ca = 1;
	is.not_before = now - DEMO_DAY;
	is.not_after = now + (int64_t)DEMO_CA_DAYS * DEMO_DAY;
	is.subject.c = "CN";
	is.subject.o = "lienlog demo";
	is.subject.cn = "lienlog Demo Institution CA";
	if ((st = cert_issue(ca_i, ca_i, NULL, 0, &is, &ca_i_pem,
	    &ca_i_len)) != LIEN_OK) {
		why_set(why, why_cap, "cannot make the institution CA");
		goto out;
	}
	is.subject.cn = "lienlog Demo Police CA";
	if ((st = cert_issue(ca_p, ca_p, NULL, 0, &is, &ca_p_pem,
	    &ca_p_len)) != LIEN_OK) {
		why_set(why, why_cap, "cannot make the police CA");
		goto out;
	}
	if ((st = key_write(dir, "institution-ca", ca_i, why, why_cap)) !=
	    LIEN_OK || (st = text_write(dir, "demo", "institution-ca.pem",
	    ca_i_pem, ca_i_len, why, why_cap)) != LIEN_OK ||
	    (st = key_write(dir, "police-ca", ca_p, why, why_cap)) != LIEN_OK ||
	    (st = text_write(dir, "demo", "police-ca.pem", ca_p_pem, ca_p_len,
	    why, why_cap)) != LIEN_OK)
		goto out;

	/* The parties. */
	for (size_t i = 0; i < DEMO_PARTIES_; i++) {
		const struct party_def *d = &parties[i];
		char file[128];

		if ((st = pkey_generate(d->alg, &keys[i])) != LIEN_OK)
			goto out;
		memset(&is, 0, sizeof(is));
		is.not_before = now - DEMO_DAY;
		is.not_after = now + (int64_t)DEMO_LEAF_DAYS * DEMO_DAY;
		is.subject.c = "CN";
		is.subject.cn = d->cn;
		is.subject.o = d->o;
		is.subject.uscc = uscc_slot(i) >= 0 ? w->uscc[uscc_slot(i)] :
		    NULL;
		/* bound to the party it is filed for (docs/certificates.md
		 * "Party binding") */
		is.subject.serial_number = d->party_id;
		st = d->institution ?
		    cert_issue(keys[i], ca_i, ca_i_pem, ca_i_len, &is,
		    &w->cert[i], &w->cert_len[i]) :
		    cert_issue(keys[i], ca_p, ca_p_pem, ca_p_len, &is,
		    &w->cert[i], &w->cert_len[i]);
		if (st != LIEN_OK) {
			why_set(why, why_cap, "cannot certify %s", d->file);
			goto out;
		}
		if ((st = cert_parse_text(w->cert[i], w->cert_len[i], &c)) !=
		    LIEN_OK)
			goto out;
		cert_keyid_hex(c, w->party[i].keyid);
		cert_free(c);
		c = NULL;
		(void)snprintf(file, sizeof(file), "%s.pem", d->file);
		if ((st = key_write(dir, d->file, keys[i], why, why_cap)) !=
		    LIEN_OK || (st = text_write(dir, "demo", file, w->cert[i],
		    w->cert_len[i], why, why_cap)) != LIEN_OK)
			goto out;
	}

	if ((st = institutions_make(dir, ca_i, ca_i_pem, ca_i_len, now, &rng,
	    DEMO_INSTITUTIONS, why, why_cap)) != LIEN_OK)
		goto out;

	/* Evidence providers. */
	if ((st = pkey_generate(PKEY_ED25519, &face)) != LIEN_OK ||
	    (st = pkey_generate(PKEY_P256, &sms)) != LIEN_OK)
		goto out;
	if ((st = key_write(dir, "face-issuer", face, why, why_cap)) !=
	    LIEN_OK || (st = key_write(dir, "sms-issuer", sms, why, why_cap))
	    != LIEN_OK)
		goto out;
	if ((st = readme_write(dir, w, why, why_cap)) != LIEN_OK)
		goto out;

	/* The trust directory, last: its presence means "world complete". */
	if (path_join(path, dir, "trust", NULL) != LIEN_OK ||
	    mkdir(path, 0755) != 0) {
		why_set(why, why_cap, "cannot create %s: %s", path,
		    strerror(errno));
		st = LIEN_EIO;
		goto out;
	}
	if ((st = text_write(dir, "trust", "config.json", config_json,
	    sizeof(config_json) - 1, why, why_cap)) != LIEN_OK ||
	    (st = text_write(dir, "trust", "institution-roots.pem", ca_i_pem,
	    ca_i_len, why, why_cap)) != LIEN_OK ||
	    (st = text_write(dir, "trust", "officer-roots.pem", ca_p_pem,
	    ca_p_len, why, why_cap)) != LIEN_OK ||
	    (st = text_write(dir, "trust", "admins.pem", w->cert[DEMO_ADMIN],
	    w->cert_len[DEMO_ADMIN], why, why_cap)) != LIEN_OK ||
	    (st = jwks_write(dir, "face-issuers.jwks", face, "demo-face-01",
	    DEMO_FACE_ISS, "EdDSA", why, why_cap)) != LIEN_OK ||
	    (st = jwks_write(dir, "sms-issuers.jwks", sms, "demo-sms-01",
	    DEMO_SMS_ISS, "ES256", why, why_cap)) != LIEN_OK)
		goto out;
	st = LIEN_OK;
out:
	for (size_t i = 0; i < DEMO_PARTIES_; i++)
		pkey_free(keys[i]);
	pkey_free(ca_i);
	pkey_free(ca_p);
	pkey_free(face);
	pkey_free(sms);
	free(ca_i_pem);
	free(ca_p_pem);
	demo_world_free(w);
	return st;
}

/* ---- world loading ---------------------------------------------------------------- */

static enum lien_status LIEN_MUST_CHECK
issuer_load(const char *dir, const char *file, const char *kid,
    const char *iss, struct regclient_issuer *out, char *why, size_t cap)
{
	char path[DEMO_PATH_MAX];
	char *pem = NULL;
	size_t n = 0;
	enum lien_status st;

	if (path_join(path, dir, "demo", file) != LIEN_OK)
		return LIEN_EINVAL;
	if ((st = file_read(path, PKEY_TEXT_MAX, &pem, &n)) != LIEN_OK) {
		why_set(why, cap, "demo/%s: cannot read", file);
		return st;
	}
	st = pkey_from_pem(pem, n, &out->key);
	secret_text_free(pem, n);
	if (st != LIEN_OK) {
		why_set(why, cap, "demo/%s: not a PKCS#8 key", file);
		return st;
	}
	(void)snprintf(out->kid, sizeof(out->kid), "%s", kid);
	(void)snprintf(out->iss, sizeof(out->iss), "%s", iss);
	return LIEN_OK;
}

enum lien_status
demo_world_load(const char *dir, struct demo_world **out, char *why,
    size_t why_cap)
{
	struct demo_world *w;
	char path[DEMO_PATH_MAX], file[128];
	char *key = NULL, *vk = NULL;
	size_t klen = 0, vlen = 0;
	struct cert *c = NULL;
	struct cert_info ci;
	enum lien_status st = LIEN_OK;

	if (out == NULL)
		return LIEN_EINVAL;
	*out = NULL;
	if (dir == NULL)
		return LIEN_EINVAL;
	if ((w = calloc(1, sizeof(*w))) == NULL)
		return LIEN_ENOMEM;
	(void)snprintf(w->registry, sizeof(w->registry), "%s",
	    DEMO_REGISTRY_NAME);
	for (size_t i = 0; i < DEMO_PARTIES_ && st == LIEN_OK; i++) {
		(void)snprintf(file, sizeof(file), "%s.pem", parties[i].file);
		if (path_join(path, dir, "demo", file) != LIEN_OK ||
		    file_read(path, CERT_TEXT_MAX, &w->cert[i],
		    &w->cert_len[i]) != LIEN_OK) {
			why_set(why, why_cap, "demo/%s: cannot read", file);
			st = LIEN_EIO;
			break;
		}
		(void)snprintf(file, sizeof(file), "%s.key", parties[i].file);
		if (path_join(path, dir, "demo", file) != LIEN_OK ||
		    file_read(path, PKEY_TEXT_MAX, &key, &klen) != LIEN_OK) {
			why_set(why, why_cap, "demo/%s: cannot read", file);
			st = LIEN_EIO;
			break;
		}
		st = regclient_party_load(key, klen, w->cert[i],
		    w->cert_len[i], &w->party[i]);
		secret_text_free(key, klen);
		key = NULL;
		if (st != LIEN_OK) {
			why_set(why, why_cap, "demo/%s.key/.pem: not a key and"
			    " its certificate", parties[i].file);
			break;
		}
		if ((st = cert_parse_text(w->cert[i], w->cert_len[i], &c)) !=
		    LIEN_OK || (st = cert_info_get(c, &ci)) != LIEN_OK) {
			cert_free(c);
			c = NULL;
			why_set(why, why_cap, "demo/%s.pem: unreadable",
			    parties[i].file);
			break;
		}
		cert_free(c);
		c = NULL;
		memcpy(w->name[i], ci.cn, ci.cn_len + 1);
		if (uscc_slot(i) >= 0) {
			if (ci.uscc_len != IDS_USCC_LEN) {
				why_set(why, why_cap, "demo/%s.pem: no credit"
				    " code", parties[i].file);
				st = LIEN_EPARSE;
				break;
			}
			memcpy(w->uscc[uscc_slot(i)], ci.uscc,
			    IDS_USCC_LEN + 1);
		}
	}
	if (st == LIEN_OK)
		st = issuer_load(dir, "face-issuer.key", "demo-face-01",
		    DEMO_FACE_ISS, &w->face, why, why_cap);
	if (st == LIEN_OK)
		st = issuer_load(dir, "sms-issuer.key", "demo-sms-01",
		    DEMO_SMS_ISS, &w->sms, why, why_cap);
	if (st == LIEN_OK) {
		if (path_join(path, dir, "log.vkey", NULL) != LIEN_OK ||
		    file_read(path, VKEY_FILE_MAX, &vk, &vlen) != LIEN_OK) {
			why_set(why, why_cap, "log.vkey: cannot read");
			st = LIEN_EIO;
		} else if (note_verifier_parse(vk, vlen, &w->log) != LIEN_OK) {
			why_set(why, why_cap, "log.vkey: not a verifier key");
			st = LIEN_EPARSE;
		}
		free(vk);
	}
	if (st != LIEN_OK) {
		demo_world_free(w);
		return st;
	}
	*out = w;
	return LIEN_OK;
}

void
demo_world_free(struct demo_world *w)
{
	if (w == NULL)
		return;
	for (size_t i = 0; i < DEMO_PARTIES_; i++) {
		regclient_party_clear(&w->party[i]);
		free(w->cert[i]);
	}
	regclient_issuer_clear(&w->face);
	regclient_issuer_clear(&w->sms);
	free(w);
}

const struct regclient_party *
demo_party(const struct demo_world *w, enum demo_party_id id)
{
	return (unsigned)id < DEMO_PARTIES_ ? &w->party[id] : NULL;
}

const char *
demo_bank_uscc(const struct demo_world *w, enum demo_party_id id)
{
	return id == DEMO_BANK_A || id == DEMO_BANK_B ? w->uscc[id] : NULL;
}

const struct regclient_issuer *
demo_face_issuer(const struct demo_world *w)
{
	return &w->face;
}

const struct regclient_issuer *
demo_sms_issuer(const struct demo_world *w)
{
	return &w->sms;
}

const struct note_verifier *
demo_log_verifier(const struct demo_world *w)
{
	return &w->log;
}

const char *
demo_registry_name(const struct demo_world *w)
{
	return w->registry;
}

/* ---- seeding -------------------------------------------------------------------------- */

struct seed_vehicle {
	char vin[18];
	char plate[IDS_PLATE_MAX + 8];
	const char *plate_type;
	char cert_number[16];
	char owner_id[19];
	char owner_name[SEED_NAME_MAX];
	char phone[12];
	uint8_t owner_commit[REGCLIENT_COMMIT_LEN];
	enum demo_party_id bank;	/* the vehicle's lender */
	char approved[REGCLIENT_APP_ID_LEN + 1];	/* a registered lien */
	char pending[REGCLIENT_APP_ID_LEN + 1];		/* undecided */
	int restricted;
	/* Owned by a company (recorded with owner {"uscc"}): owner_id is
	 * then the person acting for it, and every mortgage and release
	 * carries its legal representative's SMS authorisation. */
	char company[IDS_USCC_LEN + 1];			/* "" for a person */
	char rep_phone[12];
	uint8_t rep_commit[REGCLIENT_COMMIT_LEN];
};

struct seed {
	const struct demo_world *w;
	struct regclient *rc;
	struct demo_seed_stats *stats;
	demo_progress_fn fn;
	void *fn_arg;
	struct regclient_cpcache cache;
	uint64_t rng;
	unsigned contract_seq[2];
	char *why;
	size_t why_cap;
};

static const char *const surnames[] = { "王", "李", "张", "刘", "陈", "杨",
	"黄", "赵", "吴", "周", "徐", "孙", "马", "朱", "胡", "沈", "钱", "褚" };
static const char *const given[] = { "伟", "芳", "娜", "敏", "静", "强",
	"磊", "军", "洋", "勇", "艳", "杰", "娟", "涛", "明", "超", "秀英",
	"建华", "志强", "晓东", "丽萍", "海燕" };

static int64_t
seed_now(void)
{
	return (int64_t)time(NULL);
}

/* Send; on 201 (or 200 replay) verify the receipt. want: the status the
 * plan expects (201, or the refusal code's HTTP status with code). */
static enum lien_status LIEN_MUST_CHECK
seed_post(struct seed *s, enum demo_party_id who, const char *path,
    const char *body, size_t len, long want, const char *want_code,
    struct regclient_receipt *rcpt, const char *what)
{
	struct regclient_reply r;
	struct regclient_receipt tmp;
	enum lien_status st;

	if (rcpt == NULL)
		rcpt = &tmp;
	memset(rcpt, 0, sizeof(*rcpt));
	st = regclient_send(s->rc, demo_party(s->w, who), "POST", path, body,
	    len, seed_now(), &r);
	if (st != LIEN_OK) {
		why_set(s->why, s->why_cap, "%s: POST %s: no answer (%s)", what,
		    path, lien_status_message(st));
		return st == LIEN_EIO ? LIEN_EIO : st;
	}
	if (r.http != want || (want_code != NULL &&
	    strcmp(r.code, want_code) != 0)) {
		why_set(s->why, s->why_cap, "%s: POST %s answered %ld %s (%.200s),"
		    " expected %ld %s", what, path, r.http, r.code,
		    r.body != NULL ? r.body : "", want,
		    want_code != NULL ? want_code : "");
		regclient_reply_clear(&r);
		return LIEN_EVERIFY;
	}
	if (want == 201) {
		st = regclient_receipt_verify(&s->w->log, r.body, r.len,
		    &s->cache, rcpt);
		if (st != LIEN_OK) {
			why_set(s->why, s->why_cap, "%s: receipt does not verify"
			    " (%s)", what, lien_status_message(st));
			regclient_reply_clear(&r);
			return LIEN_EVERIFY;
		}
		s->stats->entries++;
		if (strcmp(rcpt->status, "in_person_review") == 0)
			s->stats->diverted++;
	} else {
		s->stats->refused++;
	}
	regclient_reply_clear(&r);
	if (s->fn != NULL)
		s->fn(s->fn_arg, s->stats);
	return LIEN_OK;
}

enum lien_status
demo_filing_get(const struct demo_world *w, unsigned i,
    struct demo_filing *out)
{
	static const enum demo_party_id order[DEMO_FILINGS] = { DEMO_BANK_A,
		DEMO_BANK_B, DEMO_OFFICER, DEMO_REGISTRY, DEMO_AUDITOR,
		DEMO_POST };
	enum demo_party_id id;

	if (i >= DEMO_FILINGS)
		return LIEN_ENOTFOUND;
	id = order[i];
	memset(out, 0, sizeof *out);
	out->id = id;
	out->role = parties[id].role;
	out->name = w->name[id];
	out->cert = w->cert[id];
	out->cert_len = w->cert_len[id];
	if (id == DEMO_BANK_A || id == DEMO_BANK_B) {
		out->party = w->uscc[id];
		out->contact = seed_contact[id];
	} else if (id == DEMO_POST) {
		/* a legal entity, filed under its credit code */
		out->party = w->uscc[2];
	} else {
		out->party = parties[id].party_id;
	}
	return LIEN_OK;
}

static enum lien_status LIEN_MUST_CHECK
seed_file_parties(struct seed *s)
{
	struct demo_filing f;
	char *body = NULL;
	size_t len = 0;
	enum lien_status st;

	for (unsigned i = 0; demo_filing_get(s->w, i, &f) == LIEN_OK; i++) {
		int inst = f.contact != NULL;

		st = inst ? regclient_institution_contact_body(f.party,
		    f.name, f.contact, f.cert, f.cert_len, &body, &len) :
		    regclient_party_body(f.party, f.role, f.name, f.cert,
		    f.cert_len, &body, &len);
		if (st != LIEN_OK)
			return st;
		st = seed_post(s, DEMO_ADMIN, inst ? "/v1/institutions" :
		    "/v1/parties", body, len, 201, NULL, NULL, inst ?
		    "file bank" : f.id == DEMO_POST ? "file post office" :
		    "file party");
		free(body);
		if (st != LIEN_OK)
			return st;
	}
	return LIEN_OK;
}

/* One EMS delivery event on application app_id (docs/registry.md
 * "Certificate delivery"); want/want_code as seed_post. */
static enum lien_status LIEN_MUST_CHECK
seed_delivery(struct seed *s, const char *app_id, const char *event,
    const char *tracking, long want, const char *want_code)
{
	char path[64], body[160];
	int n;
	enum lien_status st;

	(void)snprintf(path, sizeof(path), "/v1/applications/%s/delivery",
	    app_id);
	n = tracking != NULL ? snprintf(body, sizeof body,
	    "{\"event\":\"%s\",\"tracking_number\":\"%s\"}", event,
	    tracking) : snprintf(body, sizeof body, "{\"event\":\"%s\"}",
	    event);
	if (n < 0 || (size_t)n >= sizeof body)
		return LIEN_EINVAL;
	st = seed_post(s, strcmp(event, "endorsed") == 0 ? DEMO_OFFICER :
	    DEMO_POST, path, body, (size_t)n, want, want_code, NULL,
	    "delivery event");
	if (st == LIEN_OK && want == 201)
		s->stats->deliveries++;
	return st;
}

/* The certificate of an approved mortgage goes home by EMS (上门揽收、
 * 中心签注、送证到家): a dispatch before the endorsement is refused
 * (409, no entry), then picked up, endorsed, dispatched, delivered. */
static enum lien_status LIEN_MUST_CHECK
seed_ems(struct seed *s, const char *app_id)
{
	char tracking[16];
	enum lien_status st;

	(void)snprintf(tracking, sizeof tracking, "EA%09uCN",
	    rnd(&s->rng, 1000000000));
	if ((st = seed_delivery(s, app_id, "picked_up", tracking, 201,
	    NULL)) != LIEN_OK ||
	    (st = seed_delivery(s, app_id, "dispatched", NULL, 409,
	    "delivery_out_of_order")) != LIEN_OK ||
	    (st = seed_delivery(s, app_id, "endorsed", NULL, 201, NULL)) !=
	    LIEN_OK ||
	    (st = seed_delivery(s, app_id, "dispatched", NULL, 201, NULL)) !=
	    LIEN_OK ||
	    (st = seed_delivery(s, app_id, "delivered", NULL, 201, NULL)) !=
	    LIEN_OK)
		return st;
	(void)snprintf(s->stats->delivered, sizeof s->stats->delivered, "%s",
	    app_id);
	return LIEN_OK;
}

static enum lien_status LIEN_MUST_CHECK
seed_vehicle(struct seed *s, struct seed_vehicle *v, unsigned i)
{
	char *body = NULL;
	size_t len = 0;
	long http = 0;
	enum lien_status st;

	demo_vin_make(&s->rng, v->vin);
	v->plate_type = i % 6 == 5 ? "52" : "02";
	demo_plate_make(&s->rng, v->plate_type, v->plate, sizeof(v->plate));
	(void)snprintf(v->cert_number, sizeof(v->cert_number), "3304%08u",
	    rnd(&s->rng, 100000000));
	demo_citizen_id_make(&s->rng, v->owner_id);
	(void)snprintf(v->owner_name, sizeof(v->owner_name), "%s%s",
	    surnames[rnd(&s->rng, sizeof(surnames) / sizeof(surnames[0]))],
	    given[rnd(&s->rng, sizeof(given) / sizeof(given[0]))]);
	demo_phone_make(&s->rng, v->phone);
	v->bank = i % 5 == 4 ? DEMO_BANK_B : DEMO_BANK_A;
	if ((st = regclient_vehicle_body(v->vin, v->plate, v->plate_type,
	    v->cert_number, v->owner_id, &body, &len)) != LIEN_OK)
		return st;
	st = seed_post(s, DEMO_REGISTRY, "/v1/vehicles", body, len, 201,
	    NULL, NULL, "record vehicle");
	free(body);
	if (st != LIEN_OK)
		return st;
	s->stats->vehicles++;
	/* The owner's identity commitment, as the bank obtains it. */
	st = regclient_commitment(s->rc, demo_party(s->w, v->bank),
	    "id_number", v->owner_id, seed_now(), v->owner_commit, &http);
	if (st != LIEN_OK)
		why_set(s->why, s->why_cap, "identity commitment: %s (HTTP %ld)",
		    lien_status_message(st), http);
	return st;
}

static enum lien_status LIEN_MUST_CHECK
seed_decide(struct seed *s, const char *app_id, const char *decision,
    const char *reason, struct regclient_receipt *rcpt)
{
	char path[64], *body = NULL;
	size_t len = 0;
	enum lien_status st;

	(void)snprintf(path, sizeof(path), "/v1/applications/%s/decision",
	    app_id);
	if ((st = regclient_decision_body(decision, reason, &body, &len)) !=
	    LIEN_OK)
		return st;
	st = seed_post(s, DEMO_OFFICER, path, body, len, 201, NULL, rcpt,
	    "decision");
	free(body);
	if (st == LIEN_OK)
		s->stats->decisions++;
	return st;
}

/* The vehicle passes to a company (docs/api-registration.md "Company
 * owners"): the registry mirror records it with owner {"uscc"}; v's
 * owner_id acts for the company from now on, authorised by the legal
 * representative whose phone commitment the bank obtains. */
static enum lien_status LIEN_MUST_CHECK
seed_company(struct seed *s, struct seed_vehicle *v)
{
	char *body = NULL;
	size_t len = 0;
	long http = 0;
	enum lien_status st;

	demo_uscc_make(&s->rng, v->company);
	demo_phone_make(&s->rng, v->rep_phone);
	if ((st = regclient_company_vehicle_body(v->vin, v->plate,
	    v->plate_type, v->cert_number, v->company, &body, &len)) !=
	    LIEN_OK)
		return st;
	st = seed_post(s, DEMO_REGISTRY, "/v1/vehicles", body, len, 201,
	    NULL, NULL, "record company vehicle");
	free(body);
	if (st != LIEN_OK)
		return st;
	if ((st = regclient_commitment(s->rc, demo_party(s->w, v->bank),
	    "phone", v->rep_phone, seed_now(), v->rep_commit, &http)) !=
	    LIEN_OK)
		why_set(s->why, s->why_cap, "phone commitment: %s (HTTP %ld)",
		    lien_status_message(st), http);
	return st;
}

/* A mortgage application for v; on 201 *rcpt holds its receipt. */
static enum lien_status LIEN_MUST_CHECK
seed_mortgage(struct seed *s, struct seed_vehicle *v, uint32_t liveness,
    uint32_t match, int company, long want, const char *want_code,
    struct regclient_receipt *rcpt)
{
	static const char *const prefix[2] = { "JXRCB-DY", "ZJAF-QCDY" };
	struct regclient_mortgage m;
	char contract[48], term_end[16];
	char *body = NULL;
	size_t len = 0;
	int b = v->bank == DEMO_BANK_B;
	enum lien_status st;
	time_t te;
	struct tm tm;

	(void)snprintf(contract, sizeof(contract), "%s-2026-%06u", prefix[b],
	    ++s->contract_seq[b]);
	/* the loan's term end: one to three years; every 40th mortgage's
	 * falls due within SEED_REMINDER_DAYS, so the demo's SMS gateway
	 * receives due-release reminders (docs/notices.md) */
	te = (time_t)seed_now() + (s->contract_seq[b] % 40 == 7 ?
	    (time_t)(SEED_REMINDER_DAYS / 2) * DEMO_DAY :
	    (time_t)(365 + s->contract_seq[b] * 37u % 730u) * DEMO_DAY);
	if (gmtime_r(&te, &tm) == NULL || strftime(term_end, sizeof term_end,
	    "%Y-%m-%d", &tm) != 10)
		return LIEN_EINVAL;
	memset(&m, 0, sizeof(m));
	m.term_end = term_end;
	m.rq.mortgagee = demo_bank_uscc(s->w, v->bank);
	m.rq.vin = v->vin;
	m.plate = v->plate;
	m.plate_type = v->plate_type;
	m.certificate_number = v->cert_number;
	m.contract_number = contract;
	m.rq.owner_id_number = v->owner_id;
	m.owner_name = v->owner_name;
	m.owner_phone = v->phone;
	m.rq.owner_commit = v->owner_commit;
	m.rq.liveness = liveness;
	m.rq.match = match;
	if (company && v->company[0] == '\0' &&
	    (st = seed_company(s, v)) != LIEN_OK)
		return st;
	if (v->company[0] != '\0') {
		/* the company acts through v's owner_id, authorised by its
		 * legal representative (SMS) */
		m.rq.uscc = v->company;
		m.rq.legal_rep_phone = v->rep_phone;
		m.rq.rep_phone_commit = v->rep_commit;
	}
	if ((st = regclient_mortgage_body(&s->w->face, &s->w->sms,
	    s->w->registry, &m, seed_now(), &body, &len, NULL)) != LIEN_OK)
		return st;
	st = seed_post(s, v->bank, "/v1/mortgages", body, len, want,
	    want_code, rcpt, "mortgage");
	free(body);
	if (st == LIEN_OK && want == 201)
		s->stats->mortgages++;
	return st;
}

static enum lien_status LIEN_MUST_CHECK
seed_release(struct seed *s, struct seed_vehicle *v, enum demo_party_id who,
    long want, const char *want_code, struct regclient_receipt *rcpt)
{
	struct regclient_release r;
	char *body = NULL;
	size_t len = 0;
	enum lien_status st;

	memset(&r, 0, sizeof(r));
	r.rq.mortgagee = demo_bank_uscc(s->w, who);
	r.rq.vin = v->vin;
	r.mortgage = v->approved;
	r.rq.owner_id_number = v->owner_id;
	r.rq.owner_commit = v->owner_commit;
	r.rq.liveness = 9600;
	r.rq.match = 9500;
	if (v->company[0] != '\0') {
		r.rq.uscc = v->company;
		r.rq.legal_rep_phone = v->rep_phone;
		r.rq.rep_phone_commit = v->rep_commit;
	}
	if ((st = regclient_release_body(&s->w->face, &s->w->sms,
	    s->w->registry, &r, seed_now(), &body, &len, NULL)) != LIEN_OK)
		return st;
	st = seed_post(s, who, "/v1/releases", body, len, want, want_code,
	    rcpt, "release");
	free(body);
	if (st == LIEN_OK && want == 201)
		s->stats->releases++;
	return st;
}

static enum lien_status LIEN_MUST_CHECK
seed_restrict(struct seed *s, struct seed_vehicle *v, const char *action,
    const char *what, const char *ref)
{
	char path[64], *body = NULL;
	size_t len = 0;
	enum lien_status st;

	(void)snprintf(path, sizeof(path), "/v1/vehicles/%s/restrictions",
	    v->vin);
	if ((st = regclient_restriction_body(action, what, ref, &body, &len))
	    != LIEN_OK)
		return st;
	st = seed_post(s, DEMO_REGISTRY, path, body, len, 201, NULL, NULL,
	    "restriction");
	free(body);
	if (st == LIEN_OK)
		s->stats->restrictions++;
	return st;
}

static void
owner_example(struct demo_owner_example *e, const char *app_id,
    const char *code, const struct seed_vehicle *v)
{
	(void)snprintf(e->app_id, sizeof(e->app_id), "%s", app_id);
	(void)snprintf(e->owner_code, sizeof(e->owner_code), "%s", code);
	(void)snprintf(e->id_number, sizeof(e->id_number), "%s", v->owner_id);
	(void)snprintf(e->vin, sizeof(e->vin), "%s", v->vin);
}

/* ---- the counter (窗口兜底, docs/demo.md "The counter") ------------------ */

/* The bank's voucher for v: a release of v's registered mortgage, or a
 * new mortgage under contract; *out its id. */
static enum lien_status LIEN_MUST_CHECK
seed_voucher(struct seed *s, struct seed_vehicle *v, const char *contract,
    char out[REGCLIENT_APP_ID_LEN + 1])
{
	struct regclient_receipt r;
	char *body = NULL;
	size_t len = 0;
	enum lien_status st;

	if ((st = regclient_voucher_body(v->vin, contract, contract == NULL ?
	    v->approved : NULL, 7, &body, &len)) != LIEN_OK)
		return st;
	st = seed_post(s, v->bank, "/v1/vouchers", body, len, 201, NULL, &r,
	    "voucher");
	free(body);
	if (st != LIEN_OK)
		return st;
	s->stats->vouchers++;
	memcpy(out, r.voucher_id, REGCLIENT_APP_ID_LEN + 1);
	return LIEN_OK;
}

/* The officer files a counter application for v's owner (identity
 * document checked at the window), with consent c (voucher or phone);
 * contract: a mortgage, NULL: the release of v's registered mortgage. */
static enum lien_status LIEN_MUST_CHECK
seed_counter_app(struct seed *s, struct seed_vehicle *v, const char *bank,
    const char *contract, const char *voucher, const char *phone, long want,
    const char *want_code, struct regclient_receipt *rcpt)
{
	struct regclient_counter c;
	char *body = NULL;
	size_t len = 0;
	enum lien_status st;

	memset(&c, 0, sizeof c);
	c.mortgagee = bank;
	c.voucher = voucher;
	c.phone_contact = phone;
	c.bank_staff = phone != NULL ? "信贷部 王经理 (loan officer)" : NULL;
	c.id_document = "resident_id";
	c.vin = v->vin;
	c.owner_id_number = v->owner_id;
	c.owner_name = v->owner_name;
	c.owner_phone = v->phone;
	if (contract != NULL) {
		c.plate = v->plate;
		c.plate_type = v->plate_type;
		c.certificate_number = v->cert_number;
		c.contract_number = contract;
	} else {
		c.mortgage = v->approved;
	}
	if ((st = regclient_counter_body(contract == NULL, &c, &body, &len)) !=
	    LIEN_OK)
		return st;
	st = seed_post(s, DEMO_OFFICER, contract != NULL ?
	    "/v1/counter/mortgages" : "/v1/counter/releases", body, len, want,
	    want_code, rcpt, "counter application");
	free(body);
	if (st == LIEN_OK && want == 201)
		s->stats->counter++;
	return st;
}

/* 1 when v may be used for a counter release: a person's vehicle with a
 * registered mortgage that is none of the README's examples. */
static int
counter_candidate(const struct seed *s, const struct seed_vehicle *v)
{
	for (size_t k = 0; k < DEMO_OWNER_EXAMPLES; k++)
		if (strcmp(s->stats->owners[k].vin, v->vin) == 0)
			return 0;
	return v->approved[0] != '\0' && v->company[0] == '\0' &&
	    !v->restricted;
}

/* Owners without a smartphone at the registration office's counter:
 * a release with the bank's voucher (a first try naming another bank is
 * refused 422 voucher_bank_mismatch), a legacy release confirmed by phone
 * with the bank's filed switchboard (a wrong number: 409
 * contact_mismatch first), both approved; a new mortgage with the bank's
 * voucher, left in the officer's queue, its voucher refused when
 * presented again (409 voucher_used). 7 entries. */
static enum lien_status LIEN_MUST_CHECK
seed_counter(struct seed *s, struct seed_vehicle *veh, size_t nveh)
{
	struct regclient_receipt r;
	char vo[REGCLIENT_APP_ID_LEN + 1], contract[48];
	struct seed_vehicle *rel = NULL, *leg = NULL, *mor = NULL;
	enum lien_status st;

	for (size_t i = 2; i < nveh && (rel == NULL || leg == NULL); i++)
		if (counter_candidate(s, &veh[i])) {
			if (rel == NULL)
				rel = &veh[i];
			else
				leg = &veh[i];
		}
	/* the new mortgage: the last person's vehicle, which today's round
	 * of applications (below) does not reach */
	for (size_t i = nveh; i-- > 2 && mor == NULL;)
		if (&veh[i] != rel && &veh[i] != leg && !veh[i].restricted &&
		    veh[i].company[0] == '\0')
			mor = &veh[i];
	if (rel == NULL || leg == NULL || mor == NULL) {
		why_set(s->why, s->why_cap, "counter: no vehicles to use");
		return LIEN_EINVAL;
	}
	/* a release with the mortgagee's voucher */
	if ((st = seed_voucher(s, rel, NULL, vo)) != LIEN_OK ||
	    (st = seed_counter_app(s, rel, demo_bank_uscc(s->w, rel->bank ==
	    DEMO_BANK_A ? DEMO_BANK_B : DEMO_BANK_A), NULL, vo, NULL, 422,
	    "voucher_bank_mismatch", NULL)) != LIEN_OK ||
	    (st = seed_counter_app(s, rel, demo_bank_uscc(s->w, rel->bank),
	    NULL, vo, NULL, 201, NULL, &r)) != LIEN_OK ||
	    (st = seed_decide(s, r.app_id, "approve", NULL, NULL)) != LIEN_OK)
		return st;
	rel->approved[0] = '\0';
	/* a legacy release: the officer called the bank's filed number */
	if ((st = seed_counter_app(s, leg, demo_bank_uscc(s->w, leg->bank),
	    NULL, NULL, "0573-12345678", 409, "contact_mismatch", NULL)) !=
	    LIEN_OK ||
	    (st = seed_counter_app(s, leg, demo_bank_uscc(s->w, leg->bank),
	    NULL, NULL, seed_contact[leg->bank == DEMO_BANK_B], 201, NULL,
	    &r)) != LIEN_OK ||
	    (st = seed_decide(s, r.app_id, "approve", NULL, NULL)) != LIEN_OK)
		return st;
	leg->approved[0] = '\0';
	/* a new mortgage at the counter, left for the officer to decide */
	(void)snprintf(contract, sizeof contract, "GMFQ-2026-%06u",
	    ++s->contract_seq[mor->bank == DEMO_BANK_B]);
	if ((st = seed_voucher(s, mor, contract, vo)) != LIEN_OK ||
	    (st = seed_counter_app(s, mor, demo_bank_uscc(s->w, mor->bank),
	    contract, vo, NULL, 201, NULL, &r)) != LIEN_OK)
		return st;
	memcpy(mor->pending, r.app_id, sizeof mor->pending);
	memcpy(s->stats->counter_pending, r.app_id,
	    sizeof s->stats->counter_pending);
	return seed_counter_app(s, mor, demo_bank_uscc(s->w, mor->bank),
	    contract, vo, NULL, 409, "voucher_used", NULL);
}

/* One mortgage's life: apply, decide (approve, reject, or review first),
 * sometimes release. n numbers the mortgage in the plan. */
static enum lien_status LIEN_MUST_CHECK
seed_one(struct seed *s, struct seed_vehicle *v, unsigned n)
{
	struct regclient_receipt r;
	uint32_t live = 9000 + rnd(&s->rng, 1000), match = 9000 +
	    rnd(&s->rng, 1000);
	int grey = n == 7 || n == 211;	/* grey face scores: art. 74 */
	int company = n % 150 == 40 && n / 150 < SEED_COMPANIES;
	enum lien_status st;

	if (grey)
		live = 8200;	/* 7000 <= 8200 < 9000: the grey zone */
	if ((st = seed_mortgage(s, v, live, match, company, 201, NULL, &r)) !=
	    LIEN_OK)
		return st;
	if (n % SEED_REJECT_EVERY == 11) {
		return seed_decide(s, r.app_id, "reject", "抵押合同与申请信息"
		    "不一致 (contract does not match the application)", NULL);
	}
	if (strcmp(r.status, "submitted") == 0 && n % 97 == 50) {
		/* The officer asks the parties to come in (art. 74). */
		if ((st = seed_decide(s, r.app_id, "in_person_review",
		    "请抵押人携带身份证到车管所现场核验", NULL)) != LIEN_OK)
			return st;
	}
	{
		char id[REGCLIENT_APP_ID_LEN + 1];
		char code[REGCLIENT_OWNER_CODE_MAX + 1];

		memcpy(id, r.app_id, sizeof(id));
		memcpy(code, r.owner_code, sizeof(code));
		if ((st = seed_decide(s, id, "approve", NULL, &r)) != LIEN_OK)
			return st;
		memcpy(v->approved, id, sizeof(id));
		if (s->stats->owners[0].app_id[0] == '\0' &&
		    n % SEED_RELEASE_EVERY != 0)	/* stays registered */
			owner_example(&s->stats->owners[0], id, code, v);
	}
	if (n % SEED_RELEASE_EVERY != 0)
		return LIEN_OK;
	/* Loan repaid: the mortgagee releases, the officer approves. */
	if ((st = seed_release(s, v, v->bank, 201, NULL, &r)) != LIEN_OK)
		return st;
	if ((st = seed_decide(s, r.app_id, "approve", NULL, NULL)) != LIEN_OK)
		return st;
	v->approved[0] = '\0';
	return LIEN_OK;
}

enum lien_status
demo_seed(const struct demo_world *w, const char *url, uint64_t rng_seed,
    struct demo_seed_stats *stats, demo_progress_fn fn, void *fn_arg,
    char *why, size_t why_cap)
{
	struct regclient_config cfg;
	struct seed_vehicle *veh = NULL;
	struct demo_seed_stats local;
	struct seed s;
	enum lien_status st;
	unsigned n = 0;
	int full = 0;

	if (why != NULL && why_cap > 0)
		why[0] = '\0';
	if (w == NULL || url == NULL)
		return LIEN_EINVAL;
	if (stats == NULL)
		stats = &local;
	memset(stats, 0, sizeof(*stats));
	memset(&s, 0, sizeof(s));
	s.w = w;
	s.stats = stats;
	s.fn = fn;
	s.fn_arg = fn_arg;
	s.rng = rng_seed != 0 ? rng_seed : 20260315;
	s.why = why;
	s.why_cap = why_cap;
	memset(&cfg, 0, sizeof(cfg));
	cfg.url = url;
	if ((st = regclient_new(&cfg, &s.rc)) != LIEN_OK) {
		why_set(why, why_cap, "bad URL %s", url);
		return st;
	}
	if ((veh = calloc(SEED_VEHICLES, sizeof(*veh))) == NULL) {
		st = LIEN_ENOMEM;
		goto out;
	}
	if ((st = seed_file_parties(&s)) != LIEN_OK)
		goto out;
	for (unsigned i = 0; i < SEED_VEHICLES; i++) {
		if ((st = seed_vehicle(&s, &veh[i], i)) != LIEN_OK)
			goto out;
		if (stats->nvins < DEMO_SEED_VINS)
			memcpy(stats->vins[stats->nvins++], veh[i].vin, 18);
	}

	/* A court seizes vehicle 0 (art. 36): the bank's mortgage is refused
	 * (409 vehicle_seized, no entry). */
	if ((st = seed_restrict(&s, &veh[0], "set", "seized",
	    "(2026)浙0402执保1234号")) != LIEN_OK)
		goto out;
	veh[0].restricted = 1;
	if ((st = seed_mortgage(&s, &veh[0], 9700, 9600, 0, 409,
	    "vehicle_seized", NULL)) != LIEN_OK)
		goto out;
	/* Vehicle 1 is reported stolen and stays so. */
	if ((st = seed_restrict(&s, &veh[1], "set", "stolen",
	    "嘉公刑(2026)0815号")) != LIEN_OK)
		goto out;
	veh[1].restricted = 1;
	if ((st = seed_mortgage(&s, &veh[1], 9700, 9600, 0, 409,
	    "vehicle_stolen", NULL)) != LIEN_OK)
		goto out;

	/* The seizure of vehicle 0 is lifted; its owner's bank may now
	 * register. */
	if ((st = seed_restrict(&s, &veh[0], "lift", "seized",
	    "(2026)浙0402执保1234号之一")) != LIEN_OK)
		goto out;
	veh[0].restricted = 0;
	if ((st = seed_one(&s, &veh[0], n++)) != LIEN_OK)
		goto out;

	/* Decided mortgages, round-robin over the vehicles, while there is
	 * room for one more case and a last round of applications. */
	for (unsigned round = 0; round < 64 && !full; round++) {
		for (unsigned i = 2; i < SEED_VEHICLES; i++) {
			if (stats->entries + SEED_CASE_MAX + SEED_VEHICLES >
			    DEMO_SEED_MIN_ENTRIES) {
				full = 1;
				break;
			}
			if (round > 0 && rnd(&s.rng, 4) == 0)
				continue;	/* not every car every round */
			if ((st = seed_one(&s, &veh[i], n++)) != LIEN_OK)
				goto out;
		}
	}
	/* The first owner example's certificate is delivered by EMS. */
	if (stats->owners[0].app_id[0] != '\0' &&
	    (st = seed_ems(&s, stats->owners[0].app_id)) != LIEN_OK)
		goto out;
	/* A bank that is not the mortgagee cannot release (403). */
	for (unsigned i = 2; i < SEED_VEHICLES; i++) {
		if (veh[i].approved[0] == '\0')
			continue;
		if ((st = seed_release(&s, &veh[i], veh[i].bank == DEMO_BANK_A ?
		    DEMO_BANK_B : DEMO_BANK_A, 403, "not_mortgagee", NULL)) !=
		    LIEN_OK)
			goto out;
		break;
	}
	/* The counter: vouchers, counter applications, a legacy release. */
	if ((st = seed_counter(&s, veh, SEED_VEHICLES)) != LIEN_OK)
		goto out;
	/* Today's applications, still in the officer's queue: one per
	 * vehicle until the log holds exactly DEMO_SEED_MIN_ENTRIES entries
	 * (other tests and the docs count on that size). */
	for (unsigned i = 0; i < SEED_VEHICLES && stats->entries <
	    DEMO_SEED_MIN_ENTRIES; i++) {
		struct regclient_receipt r;

		if (veh[i].restricted || veh[i].pending[0] != '\0')
			continue;
		if ((st = seed_mortgage(&s, &veh[i], 9000 + rnd(&s.rng, 1000),
		    9000 + rnd(&s.rng, 1000), 0, 201, NULL, &r)) != LIEN_OK)
			goto out;
		memcpy(veh[i].pending, r.app_id, sizeof(veh[i].pending));
		/* the last of each kind: the fallback below decides the
		 * earliest ones */
		if (strcmp(r.status, "submitted") == 0)
			owner_example(&stats->owners[1], r.app_id,
			    r.owner_code, &veh[i]);
		else if (strcmp(r.status, "in_person_review") == 0)
			owner_example(&stats->owners[2], r.app_id,
			    r.owner_code, &veh[i]);
	}
	/* Should the last round have fallen short, the officer decides the
	 * earliest of them; not vehicle 0's, whose only lien was released:
	 * it stays the demo's "all liens released" example for the lien
	 * status (docs/lien-status.md, demo_status_examples). */
	for (unsigned i = 1; i < SEED_VEHICLES && stats->entries <
	    DEMO_SEED_MIN_ENTRIES; i++) {
		if (veh[i].pending[0] == '\0')
			continue;
		if ((st = seed_decide(&s, veh[i].pending, "approve", NULL,
		    NULL)) != LIEN_OK)
			goto out;
	}
	if (stats->entries != DEMO_SEED_MIN_ENTRIES) {
		why_set(why, why_cap, "%llu entries instead of %u",
		    (unsigned long long)stats->entries, DEMO_SEED_MIN_ENTRIES);
		st = LIEN_EINVAL;
	}
out:
	free(veh);
	regclient_free(s.rc);
	return st;
}

/* ---- the owner section of the README ----------------------------------------- */

enum lien_status
demo_readme_owners(const char *dir, const struct demo_seed_stats *st,
    char *why, size_t why_cap)
{
	static const char *const what[DEMO_OWNER_EXAMPLES] = {
		"approved", "submitted", "in-person review" };
	char path[DEMO_PATH_MAX];
	FILE *f;
	int bad;

	if (dir == NULL || st == NULL || path_join(path, dir, "demo",
	    "README") != LIEN_OK)
		return LIEN_EINVAL;
	if ((f = fopen(path, "a")) == NULL) {
		why_set(why, why_cap, "demo/README: cannot append: %s",
		    strerror(errno));
		return LIEN_EIO;
	}
	fputs("\nOwner screen: http://127.0.0.1:8080/owner (docs/web-owner.md)\n"
	    "  Every mortgage or release receipt carries the owner's access "
	    "code\n  (查询码, \"owner_code\") for the bank to hand on. Demo "
	    "applications:\n", f);
	for (size_t i = 0; i < DEMO_OWNER_EXAMPLES; i++) {
		const struct demo_owner_example *e = &st->owners[i];

		if (e->app_id[0] == '\0')
			continue;
		fprintf(f, "    %-17s %s  code %s\n%22sowner ID number %s, VIN "
		    "%s\n", what[i], e->app_id, e->owner_code, "",
		    e->id_number, e->vin);
	}
	fputs("  Or sign in with the DEMO face-ID provider on that page "
	    "(lienlogd --demo\n  only): give one of the owner ID numbers "
	    "above; any other valid ID\n  number signs in as another person, "
	    "who sees none of these.\n"
	    "\nOfficer workstation: http://127.0.0.1:8080/officer "
	    "(docs/web-officer.md)\n"
	    "  Load officer.key (PKCS#8) and officer.pem in the page: the key "
	    "stays in\n  the browser, which signs each request (RFC 9421) "
	    "with it.\n", f);
	if (st->counter_pending[0] != '\0')
		fprintf(f, "  A counter application (窗口办理, filed by the "
		    "officer with the bank's\n  voucher) waits in the queue: %s "
		    "(docs/demo.md, step 7)\n", st->counter_pending);
	bad = ferror(f);
	if (fclose(f) != 0 || bad) {
		why_set(why, why_cap, "demo/README: write failed");
		return LIEN_EIO;
	}
	return LIEN_OK;
}

/* ---- One mortgage's life, in steps (tests, walkthroughs) ------------------ */

struct demo_case {
	struct seed s;
	struct seed_vehicle v;
	struct demo_seed_stats stats;
	char why[DEMO_WHY_MAX];
};

enum lien_status
demo_case_mortgage(const struct demo_world *w, const char *url,
    uint64_t rng_seed, struct demo_case **out, char *why, size_t why_cap)
{
	struct regclient_config cfg;
	struct regclient_receipt r;
	struct demo_case *c;
	char id[REGCLIENT_APP_ID_LEN + 1];
	enum lien_status st;

	*out = NULL;
	if (w == NULL || url == NULL)
		return LIEN_EINVAL;
	if ((c = calloc(1, sizeof *c)) == NULL)
		return LIEN_ENOMEM;
	c->s.w = w;
	c->s.stats = &c->stats;
	c->s.rng = rng_seed != 0 ? rng_seed : 0x5eedcafe;
	c->s.why = c->why;
	c->s.why_cap = sizeof c->why;
	/* Contract numbers of their own: the seeder's start at 1. */
	c->s.contract_seq[0] = c->s.contract_seq[1] =
	    100000u + (unsigned)(c->s.rng % 800000u);
	memset(&cfg, 0, sizeof cfg);
	cfg.url = url;
	if ((st = regclient_new(&cfg, &c->s.rc)) != LIEN_OK) {
		why_set(why, why_cap, "bad URL %s", url);
		free(c);
		return st;
	}
	if ((st = seed_vehicle(&c->s, &c->v, 0)) != LIEN_OK ||
	    (st = seed_mortgage(&c->s, &c->v, 9700, 9600, 0, 201, NULL, &r)) !=
	    LIEN_OK)
		goto fail;
	memcpy(id, r.app_id, sizeof id);
	if ((st = seed_decide(&c->s, id, "approve", NULL, NULL)) != LIEN_OK)
		goto fail;
	memcpy(c->v.approved, id, sizeof id);
	*out = c;
	return LIEN_OK;
fail:
	why_set(why, why_cap, "%s", c->why);
	demo_case_free(c);
	return st;
}

const char *
demo_case_vin(const struct demo_case *c)
{
	return c->v.vin;
}

enum lien_status
demo_case_release(struct demo_case *c, char *why, size_t why_cap)
{
	struct regclient_receipt r;
	enum lien_status st;

	if (c->v.approved[0] == '\0')
		return LIEN_EINVAL;
	if ((st = seed_release(&c->s, &c->v, c->v.bank, 201, NULL, &r)) !=
	    LIEN_OK ||
	    (st = seed_decide(&c->s, r.app_id, "approve", NULL, NULL)) !=
	    LIEN_OK) {
		why_set(why, why_cap, "%s", c->why);
		return st;
	}
	c->v.approved[0] = '\0';
	return LIEN_OK;
}

void
demo_case_free(struct demo_case *c)
{
	if (c == NULL)
		return;
	regclient_free(c->s.rc);
	free(c);
}

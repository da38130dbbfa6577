/*
 * The SMS delivery worker (api/notify.h, docs/notices.md).
 *
 * One pass: under a read view, a batch of the notices after the cursor
 * (PSTATE n/, in key order = log order) and of the reminders (PSTATE r/,
 * in term-end order) that are due, each composed with its recipients;
 * then, the view closed, each posted to every recipient, the cursor
 * persisted after each. The view is never held across a post: a gateway
 * that answers slowly (up to the client timeout) must not pin an LMDB
 * snapshot, which would keep the writer from reusing pages (the store
 * grows) for as long as the gateway is slow. A failure ends the pass; the
 * next starts after a backoff that doubles up to the maximum and resets
 * on success.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "api/app.h"
#include "api/notify.h"
#include "api/owner.h"
#include "api/reg_int.h"
#include "client/fetch.h"
#include "common/file.h"
#include "registry/jcs.h"
#include "registry/registry.h"

#define NOTIFY_KEY_MAX 64u		/* "n/<16 hex>/<kind>", "r/<date>/<app>" */
_Static_assert(REG_NOTICE_NAME_MAX <= NOTIFY_KEY_MAX, "a notice's name fits");
#define NOTIFY_BATCH 16u
#define NOTIFY_TEXT_MAX 1024u
#define NOTIFY_RCPT_MAX 2u		/* the owner, a company's legal rep */
#define NOTIFY_PHONE_MAX 24u
#define NOTIFY_CRED_MAX 512u

struct notify {
	struct notify_config cfg;
	char url[CLIENT_URL_MAX + 1];
	char auth[NOTIFY_CRED_MAX + 32];	/* "Authorization: Bearer ..." */
	char state_path[4096];
	struct ledger *l;
	struct api_app *app;
	struct client *http;
	pthread_t th;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	int stop;
	struct notify_stats stats;
	char ncur[NOTIFY_KEY_MAX + 1];	/* last delivered notice key */
	char rcur[NOTIFY_KEY_MAX + 1];	/* last handled reminder key */
	struct msg *msgs;		/* 2 * NOTIFY_BATCH: notices, then
					 * reminders (the worker's only) */
};

struct item {
	char key[NOTIFY_KEY_MAX + 1];
	json_t *rec;
};

/* One message, composed under the view and sent after it is closed. */
struct msg {
	char key[NOTIFY_KEY_MAX + 1];	/* its outbox key: the cursor */
	char kind[16];
	char app[REG_APP_ID_LEN + 1];
	char text[NOTIFY_TEXT_MAX];
	char to[NOTIFY_RCPT_MAX][NOTIFY_PHONE_MAX];
	size_t nto;
	int send;			/* reminders: 0 when none is due any
					 * more (released): the cursor moves */
};

/* ---- the cursor file ------------------------------------------------------ */

static enum lien_status LIEN_MUST_CHECK
state_load(struct notify *n)
{
	char *text = NULL, *line, *save = NULL;
	size_t len = 0;
	enum lien_status st;

	st = file_read(n->state_path, 4096, &text, &len);
	if (st == LIEN_ENOTFOUND)
		return LIEN_OK;		/* nothing delivered yet */
	if (st != LIEN_OK)
		return LIEN_EIO;
	for (line = strtok_r(text, "\n", &save); line != NULL;
	    line = strtok_r(NULL, "\n", &save)) {
		size_t l = strlen(line);

		if (l < 3 || l - 2 > NOTIFY_KEY_MAX || line[1] != ' ' ||
		    (line[0] != 'n' && line[0] != 'r')) {
			free(text);
			return LIEN_ECORRUPT;
		}
		memcpy(line[0] == 'n' ? n->ncur : n->rcur, line + 2, l - 1);
	}
	free(text);
	return LIEN_OK;
}

static enum lien_status LIEN_MUST_CHECK
state_save(struct notify *n)
{
	char tmp[4096 + 8], buf[2 * NOTIFY_KEY_MAX + 16];
	int fd, len;

	len = snprintf(buf, sizeof buf, "n %s\nr %s\n", n->ncur[0] ? n->ncur :
	    "-", n->rcur[0] ? n->rcur : "-");
	if (len < 0 || (size_t)len >= sizeof buf ||
	    snprintf(tmp, sizeof tmp, "%s.tmp", n->state_path) >=
	    (int)sizeof tmp)
		return LIEN_EINVAL;
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0)
		return LIEN_EIO;
	if (write(fd, buf, (size_t)len) != len || fsync(fd) != 0) {
		close(fd);
		return LIEN_EIO;
	}
	if (close(fd) != 0 || rename(tmp, n->state_path) != 0)
		return LIEN_EIO;
	return LIEN_OK;
}

/* "-" (never delivered) reads back as "" */
static const char *
cur(const char *c)
{
	return strcmp(c, "-") == 0 ? "" : c;
}

/* ---- reading the outbox --------------------------------------------------- */

struct scan {
	const char *prefix;
	const char *after;		/* skip keys <= after */
	struct item *items;
	size_t n, cap;
	enum lien_status rc;
	int notices;			/* binary keys, named here */
};

static int
scan_visit(void *ctx, const uint8_t *key, size_t key_len, const uint8_t *val,
    size_t val_len)
{
	struct scan *s = ctx;
	size_t pl = strlen(s->prefix);
	char name[REG_NOTICE_NAME_MAX + 1];
	json_t *rec = NULL;

	/* a notice by its name (registry.h: names sort as keys do) */
	if (s->notices) {
		if (registry_notice_name(key, key_len, name) != LIEN_OK) {
			s->rc = LIEN_ECORRUPT;
			return 1;
		}
		key = (const uint8_t *)name;
		key_len = strlen(name);
	}
	if (key_len < pl || memcmp(key, s->prefix, pl) != 0)
		return 1;		/* past the prefix */
	if (key_len > NOTIFY_KEY_MAX) {
		s->rc = LIEN_ECORRUPT;
		return 1;
	}
	if (s->after[0] != '\0') {
		size_t al = strlen(s->after);
		int c = memcmp(key, s->after, key_len < al ? key_len : al);

		if (c < 0 || (c == 0 && key_len <= al))
			return 0;	/* delivered already */
	}
	if (s->n == s->cap)
		return 1;
	if (registry_record_parse(val, val_len, &rec) != LIEN_OK) {
		s->rc = LIEN_ECORRUPT;
		return 1;
	}
	memcpy(s->items[s->n].key, key, key_len);
	s->items[s->n].key[key_len] = '\0';
	s->items[s->n].rec = rec;
	s->n++;
	return 0;
}

static enum lien_status LIEN_MUST_CHECK
scan(struct ledger_view *v, const char *prefix, const char *after,
    struct item *items, size_t cap, size_t *n)
{
	struct scan s = { prefix, after, items, 0, cap, LIEN_OK, 0 };
	uint8_t nk[REG_NOTICE_KEY_LEN];
	enum lien_status st;

	/* notices have a table of their own (by entry index and kind, from
	 * the cursor's key), reminders are private state records (by term
	 * end) */
	if (strcmp(prefix, REG_NOTICE_PREFIX) == 0) {
		s.notices = 1;
		if (after[0] != '\0' && registry_notice_name_key(after,
		    strlen(after), nk) != LIEN_OK)
			return LIEN_ECORRUPT;
		st = ledger_view_state_scan(v, LEDGER_T_NOTICES,
		    after[0] ? nk : NULL, after[0] ? sizeof nk : 0,
		    scan_visit, &s);
	} else {
		st = ledger_view_state_scan(v, LEDGER_T_PSTATE, after[0] ?
		    after : prefix, after[0] ? strlen(after) : strlen(prefix),
		    scan_visit, &s);
	}
	*n = s.n;
	return st != LIEN_OK ? st : s.rc;
}

static void
items_free(struct item *items, size_t n)
{
	for (size_t i = 0; i < n; i++)
		json_decref(items[i].rec);
}

/* ---- opening what the message needs ------------------------------------- */

/* The sealed request body of entry index, parsed; NULL when it cannot be
 * opened (an erased subject, an inherited entry). */
static json_t *
sealed_body(struct notify *n, struct ledger_view *v, uint64_t index)
{
	struct reg_call c;
	struct reg_opened o;
	json_t *b = NULL;

	memset(&c, 0, sizeof c);
	c.view = v;
	c.app = n->app;
	if (reg_evidence_open(&c, index, &o) != LIEN_OK)
		return NULL;
	if (jcs_parse((const char *)o.body, o.body_len, 0, &b) != LIEN_OK)
		b = NULL;
	reg_opened_clear(&o);
	return b;
}

/* The public application record of id; NULL if none. */
static json_t *
app_record(struct ledger_view *v, const char *id)
{
	char *out = NULL;
	size_t len = 0;
	json_t *a = NULL;

	if (id == NULL || registry_app_get(v, id, strlen(id), 0, &out, &len) !=
	    LIEN_OK)
		return NULL;
	if (jcs_parse(out, len, 0, &a) != LIEN_OK)
		a = NULL;
	free(out);
	return a;
}

/* The entry index of application id in this log; 0 with LIEN_ENOTFOUND
 * for an application inherited at a key rotation. */
static enum lien_status LIEN_MUST_CHECK
app_index(struct ledger_view *v, const char *id, uint64_t *appv,
    uint64_t *index)
{
	uint64_t base;

	if (id == NULL || registry_app_id_parse(id, strlen(id), appv) !=
	    LIEN_OK || registry_base(v, &base) != LIEN_OK || *appv < base)
		return LIEN_ENOTFOUND;
	*index = *appv - base;
	return LIEN_OK;
}

static void
copy_phone(char out[NOTIFY_PHONE_MAX], const json_t *s)
{
	const char *p = json_string_value(s);

	out[0] = '\0';
	if (p != NULL && strlen(p) < NOTIFY_PHONE_MAX)
		memcpy(out, p, strlen(p) + 1);
}

/* The phone numbers to tell about application id: the owner's (and a
 * company's legal representative's) from the mortgage request that
 * created the lien (for a release: its mortgage's). */
static size_t
recipients(struct notify *n, struct ledger_view *v, const json_t *app,
    char to[NOTIFY_RCPT_MAX][NOTIFY_PHONE_MAX])
{
	const char *mid = json_string_value(json_object_get(app,
	    json_object_get(app, "mortgage") ? "mortgage" : "app"));
	uint64_t appv, ix;
	json_t *b;
	size_t k = 0;

	if (app_index(v, mid, &appv, &ix) != LIEN_OK ||
	    (b = sealed_body(n, v, ix)) == NULL)
		return 0;
	copy_phone(to[k], json_object_get(json_object_get(json_object_get(b,
	    "application"), "owner"), "phone"));
	if (to[k][0] != '\0')
		k++;
	copy_phone(to[k], json_object_get(json_object_get(b, "company"),
	    "legal_rep_phone"));
	if (to[k][0] != '\0' && (k == 0 || strcmp(to[0], to[k]) != 0))
		k++;
	json_decref(b);
	return k;
}

/* Anomaly codes in words a person understands (docs/anomaly-rules.md). */
static const char *
reason_words(const char *code)
{
	static const struct {
		const char *code, *words;
	} w[] = {
		{ "face_grey", "人脸识别结果需要人工复核" },
		{ "owner_mismatch", "申请人与登记的车主信息不一致" },
		{ "vehicle_unrecorded", "车辆登记信息尚未同步到系统" },
		{ "vehicle_details_mismatch", "号牌或登记证书信息与登记不一致" },
		{ "multi_bank", "该车辆近期有多家机构申请抵押" },
		{ "institution_burst", "办理机构短时间内申请量异常" },
		{ "owner_burst", "您近期办理的申请较多" },
		{ "cert_expiring", "办理机构的数字证书即将到期" },
		{ "release_soon", "抵押登记后很快申请解除" },
	};

	for (size_t i = 0; i < sizeof w / sizeof w[0]; i++)
		if (code != NULL && strcmp(code, w[i].code) == 0)
			return w[i].words;
	return NULL;
}

/* Append printf text to out (cap NOTIFY_TEXT_MAX). LIEN_OK, LIEN_ETOOBIG
 * when it did not fit (out then holds the text cut to fit), or LIEN_EINVAL
 * when vsnprintf refused the format. */
static enum lien_status LIEN_MUST_CHECK
cat(char *out, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static enum lien_status LIEN_MUST_CHECK
cat(char *out, const char *fmt, ...)
{
	size_t at = strlen(out);
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = vsnprintf(out + at, NOTIFY_TEXT_MAX - at, fmt, ap);
	va_end(ap);
	if (r < 0)
		return LIEN_EINVAL;
	return (size_t)r < NOTIFY_TEXT_MAX - at ? LIEN_OK : LIEN_ETOOBIG;
}

/* The free text the officer or the post office wrote into the request of
 * entry index (member key), copied into out; "" when none. */
static void
sealed_text(struct notify *n, struct ledger_view *v, uint64_t index,
    const char *key, char *out, size_t cap)
{
	json_t *b = sealed_body(n, v, index);
	const char *s = json_string_value(json_object_get(b, key));

	out[0] = '\0';
	if (s != NULL && strlen(s) < cap)
		memcpy(out, s, strlen(s) + 1);
	json_decref(b);
}

/* The message of notice rec about application app (public record) into
 * text. LIEN_OK; LIEN_ECORRUPT when rec lacks its kind or index or app its
 * id; LIEN_EUNSUPPORTED for a kind without a message; cat's LIEN_ETOOBIG
 * (or LIEN_EINVAL) when the text did not fit. The caller sends nothing
 * unless LIEN_OK. */
static enum lien_status LIEN_MUST_CHECK
compose(struct notify *n, struct ledger_view *v, const json_t *rec,
    const json_t *app, char text[NOTIFY_TEXT_MAX])
{
	const char *kind = json_string_value(json_object_get(rec, "kind"));
	const char *id = json_string_value(json_object_get(app, "app"));
	int release = json_is_string(json_object_get(app, "mortgage"));
	const char *what = release ? "解除抵押登记" : "抵押登记";
	json_int_t ix = json_integer_value(json_object_get(rec, "index"));
	char code[OWNER_CODE_MAX], extra[256];
	uint64_t appv = 0, aix;
	enum lien_status st;

	text[0] = '\0';
	if (kind == NULL || id == NULL || ix < 0)
		return LIEN_ECORRUPT;
	code[0] = '\0';
	if (app_index(v, id, &appv, &aix) == LIEN_OK &&
	    owner_code_make(api_app_seal_key(n->app), appv, code) != LIEN_OK)
		code[0] = '\0';
	if ((st = cat(text, "【机动车登记】")) != LIEN_OK)
		return st;
	if (strcmp(kind, "received") == 0)
		return cat(text, "您的%s申请（%s）已受理。查询码：%s，可在车主"
		    "页面查看办理进度。", what, id, code[0] ? code : "请向银行"
		    "索取");
	if (strcmp(kind, "diverted") == 0) {
		const json_t *rs = json_object_get(rec, "reasons");

		if ((st = cat(text, "您的%s申请（%s）需要到车管所登记窗口现场"
		    "办理。原因：", what, id)) != LIEN_OK)
			return st;
		if (json_array_size(rs) == 0) {
			sealed_text(n, v, (uint64_t)ix, "reason", extra,
			    sizeof extra);
			if ((st = cat(text, "%s", extra[0] ? extra : "民警需要"
			    "当面核实")) != LIEN_OK)
				return st;
		}
		for (size_t i = 0; i < json_array_size(rs); i++) {
			const char *w = reason_words(json_string_value(
			    json_array_get(rs, i)));

			if (w != NULL && (st = cat(text, "%s%s", i ? "；" : "",
			    w)) != LIEN_OK)
				return st;
		}
		return cat(text, "。请携带身份证和机动车登记证书，到车管所"
		    "登记窗口办理（工作日 9:00-17:00）。");
	}
	if (strcmp(kind, "approved") == 0)
		return cat(text, "您的%s申请（%s）已核准，登记完成。如需邮寄"
		    "登记证书签注，邮政将上门揽收。", what, id);
	if (strcmp(kind, "rejected") == 0) {
		sealed_text(n, v, (uint64_t)ix, "reason", extra, sizeof extra);
		return cat(text, "您的%s申请（%s）未通过审核%s%s。可联系办理"
		    "银行或到车管所窗口咨询。", what, id, extra[0] ? "：" : "",
		    extra);
	}
	if (strcmp(kind, "dispatched") == 0) {
		sealed_text(n, v, (uint64_t)ix, "tracking_number", extra,
		    sizeof extra);
		return cat(text, "您的机动车登记证书已签注并由邮政EMS寄出%s%s"
		    "（业务 %s）。", extra[0] ? "，运单号 " : "", extra, id);
	}
	if (strcmp(kind, "delivered") == 0)
		return cat(text, "您的机动车登记证书已送达，业务（%s）办结。",
		    id);
	return LIEN_EUNSUPPORTED;
}

/* ---- the gateway ---------------------------------------------------------- */

enum sent { SENT_OK, SENT_REFUSED, SENT_RETRY };

static enum sent
post(struct notify *n, const char *dedup, const char *to, const char *kind,
    const char *app, const char *text)
{
	char idem[NOTIFY_KEY_MAX + 64];
	const char *hdrs[4];
	size_t h = 0;
	json_t *o = json_object();
	char *body = NULL;
	struct client_request rq;
	struct client_reply rp;
	enum lien_status st;
	enum sent r = SENT_RETRY;

	if (o == NULL || json_object_set_new(o, "dedup_key",
	    json_string(dedup)) || json_object_set_new(o, "to",
	    json_string(to)) || json_object_set_new(o, "kind",
	    json_string(kind)) || json_object_set_new(o, "app",
	    json_string(app)) || json_object_set_new(o, "text",
	    json_string(text)) || (body = json_dumps(o, JSON_COMPACT |
	    JSON_SORT_KEYS)) == NULL) {
		json_decref(o);
		return SENT_RETRY;
	}
	json_decref(o);
	(void)snprintf(idem, sizeof idem, "Idempotency-Key: \"%s\"", dedup);
	hdrs[h++] = "Content-Type: application/json";
	hdrs[h++] = idem;
	if (n->auth[0] != '\0')
		hdrs[h++] = n->auth;
	hdrs[h] = NULL;
	memset(&rq, 0, sizeof rq);
	rq.method = "POST";
	rq.url = n->url;
	rq.headers = hdrs;
	rq.body = (const uint8_t *)body;
	rq.body_len = strlen(body);
	rq.cap = 4096;
	rq.any_status = 1;
	memset(&rp, 0, sizeof rp);
	st = client_request(n->http, &rq, &rp);
	if (st == LIEN_OK) {
		if ((rp.http >= 200 && rp.http < 300) || rp.http == 409)
			r = SENT_OK;
		else if (rp.http >= 400 && rp.http < 500 && rp.http != 408 &&
		    rp.http != 429)
			r = SENT_REFUSED;
	}
	if (r == SENT_REFUSED)
		fprintf(stderr, "lienlogd: sms: gateway refused %s (HTTP %ld):"
		    " skipped\n", dedup, rp.http);
	client_reply_clear(&rp);
	free(body);
	return r;
}

/* Send text to every recipient of one outbox record (dedup keys
 * "<key>#<i>"). LIEN_OK when each was delivered or refused, LIEN_EIO to
 * retry later. */
static enum lien_status LIEN_MUST_CHECK
send_all(struct notify *n, const char *key, const char *kind, const char *app,
    const char *text, char to[NOTIFY_RCPT_MAX][NOTIFY_PHONE_MAX], size_t nto)
{
	char dedup[NOTIFY_KEY_MAX + 16];

	for (size_t i = 0; i < nto; i++) {
		enum sent s;

		(void)snprintf(dedup, sizeof dedup, "%s#%zu", key, i);
		s = post(n, dedup, to[i], kind, app, text);
		pthread_mutex_lock(&n->mu);
		if (s == SENT_OK)
			n->stats.sent++;
		else if (s == SENT_REFUSED)
			n->stats.refused++;
		else
			n->stats.retries++;
		pthread_mutex_unlock(&n->mu);
		if (s == SENT_RETRY)
			return LIEN_EIO;
	}
	return LIEN_OK;
}

/* ---- one pass ------------------------------------------------------------- */

static int
stopping(struct notify *n)
{
	int s;

	pthread_mutex_lock(&n->mu);
	s = n->stop;
	pthread_mutex_unlock(&n->mu);
	return s;
}

/* Copy id (an application id) into out; "" when it is not one. */
static void
copy_app(char out[REG_APP_ID_LEN + 1], const char *id)
{
	out[0] = '\0';
	if (id != NULL && strlen(id) == REG_APP_ID_LEN)
		memcpy(out, id, REG_APP_ID_LEN + 1);
}

/* Under the view: the next notices, composed, into m[0..*k). */
static enum lien_status LIEN_MUST_CHECK
prepare_notices(struct notify *n, struct ledger_view *v, struct msg *m,
    size_t *k)
{
	struct item items[NOTIFY_BATCH];
	size_t ni = 0;
	enum lien_status st;

	*k = 0;
	st = scan(v, REG_NOTICE_PREFIX, n->ncur, items, NOTIFY_BATCH, &ni);
	for (size_t i = 0; i < ni && st == LIEN_OK; i++) {
		const json_t *rec = items[i].rec;
		const char *kind = json_string_value(json_object_get(rec,
		    "kind"));
		const char *id = json_string_value(json_object_get(rec, "app"));
		json_t *app = app_record(v, id);
		struct msg *g = &m[(*k)++];

		memset(g, 0, sizeof *g);
		memcpy(g->key, items[i].key, strlen(items[i].key) + 1);
		(void)snprintf(g->kind, sizeof g->kind, "%s", kind ? kind : "");
		copy_app(g->app, id);
		g->send = 1;
		if (app != NULL && compose(n, v, rec, app, g->text) == LIEN_OK)
			g->nto = recipients(n, v, app, g->to);
		json_decref(app);
	}
	items_free(items, ni);
	return st;
}

/* Under the view: the reminders due now, composed, into m[0..*k). */
static enum lien_status LIEN_MUST_CHECK
prepare_reminders(struct notify *n, struct ledger_view *v, struct msg *m,
    size_t *k)
{
	struct item items[NOTIFY_BATCH];
	size_t ni = 0;
	uint64_t now = (uint64_t)time(NULL) * 1000u;
	uint64_t ahead = (uint64_t)n->cfg.reminder_days * 86400000u;
	enum lien_status st;

	*k = 0;
	st = scan(v, REG_REMINDER_PREFIX, n->rcur, items, NOTIFY_BATCH, &ni);
	for (size_t i = 0; i < ni && st == LIEN_OK; i++) {
		const json_t *rec = items[i].rec;
		const char *te = json_string_value(json_object_get(rec,
		    "term_end"));
		const char *id = json_string_value(json_object_get(rec, "app"));
		uint64_t due;
		json_t *app;
		struct msg *g;

		if (te == NULL || registry_date_parse(te, strlen(te), &due) !=
		    LIEN_OK) {
			st = LIEN_ECORRUPT;
			break;
		}
		if (due > ahead && due - ahead > now)
			break;		/* sorted by term end: none later due */
		g = &m[(*k)++];
		memset(g, 0, sizeof *g);
		memcpy(g->key, items[i].key, strlen(items[i].key) + 1);
		memcpy(g->kind, "reminder", sizeof "reminder");
		copy_app(g->app, id);
		app = app_record(v, id);
		/* only while the lien is registered: a released (or never
		 * approved) mortgage needs no reminder */
		if (app != NULL && json_is_string(json_object_get(app,
		    "status")) && strcmp(json_string_value(json_object_get(app,
		    "status")), "approved") == 0) {
			char code[OWNER_CODE_MAX];
			uint64_t appv = 0, aix;

			g->send = 1;
			g->nto = recipients(n, v, app, g->to);
			code[0] = '\0';
			if (app_index(v, id, &appv, &aix) != LIEN_OK ||
			    owner_code_make(api_app_seal_key(n->app), appv,
			    code) != LIEN_OK)
				code[0] = '\0';
			if (cat(g->text, "【机动车登记】您的车辆抵押贷款将于 "
			    "%s 到期（抵押登记 %s）。还清贷款后，请办理银行在线"
			    "申请解除抵押，您用手机人脸识别确认即可，无需到车管"
			    "所；进度可凭查询码 %s 在车主页面查看。", te, id,
			    code) != LIEN_OK) {
				/* LIEN_ETOOBIG: a reminder cut to fit is still
				 * sent; its date and id come first */
			}
		}
		json_decref(app);
	}
	items_free(items, ni);
	return st;
}

/* With no view open: send m[0..k) in order, moving cursor (ncur or rcur)
 * past each one done. */
static enum lien_status LIEN_MUST_CHECK
deliver(struct notify *n, struct msg *m, size_t k, char *cursor,
    int reminders, int *progress)
{
	enum lien_status st = LIEN_OK;

	for (size_t i = 0; i < k && !stopping(n); i++) {
		struct msg *g = &m[i];

		if (g->send && g->nto == 0 && !reminders) {
			pthread_mutex_lock(&n->mu);
			n->stats.no_phone++;
			pthread_mutex_unlock(&n->mu);
		} else if (g->send && g->nto > 0) {
			st = send_all(n, g->key, g->kind, g->app, g->text,
			    g->to, g->nto);
			if (st != LIEN_OK)
				break;
			if (reminders) {
				pthread_mutex_lock(&n->mu);
				n->stats.reminders++;
				pthread_mutex_unlock(&n->mu);
			}
		}
		memcpy(cursor, g->key, strlen(g->key) + 1);
		if ((st = state_save(n)) != LIEN_OK)
			break;
		*progress = 1;
	}
	return st;
}

static void
nap(struct notify *n, unsigned ms)
{
	struct timespec t;

	clock_gettime(CLOCK_REALTIME, &t);
	t.tv_sec += (time_t)(ms / 1000u);
	t.tv_nsec += (long)(ms % 1000u) * 1000000L;
	if (t.tv_nsec >= 1000000000L) {
		t.tv_sec++;
		t.tv_nsec -= 1000000000L;
	}
	pthread_mutex_lock(&n->mu);
	if (!n->stop)
		(void)pthread_cond_timedwait(&n->cv, &n->mu, &t);
	pthread_mutex_unlock(&n->mu);
}

static void *
worker(void *arg)
{
	struct notify *n = arg;
	unsigned backoff = 0;

	while (!stopping(n)) {
		struct ledger_view *v = NULL;
		size_t nn = 0, nr = 0;
		int progress = 0;
		enum lien_status st;

		/* compose under a snapshot, post without one */
		st = ledger_view_open(n->l, &v);
		if (st == LIEN_OK)
			st = prepare_notices(n, v, n->msgs, &nn);
		if (st == LIEN_OK)
			st = prepare_reminders(n, v, n->msgs + NOTIFY_BATCH,
			    &nr);
		ledger_view_close(v);
		if (st == LIEN_OK)
			st = deliver(n, n->msgs, nn, n->ncur, 0, &progress);
		if (st == LIEN_OK)
			st = deliver(n, n->msgs + NOTIFY_BATCH, nr, n->rcur, 1,
			    &progress);
		memset(n->msgs, 0, 2 * NOTIFY_BATCH * sizeof *n->msgs);
		if (st != LIEN_OK && backoff == 0)
			fprintf(stderr, "lienlogd: sms: delivery failed (%s): "
			    "retrying with backoff\n", st == LIEN_EIO ?
			    "gateway unreachable or failing" :
			    lien_status_message(st));
		else if (st == LIEN_OK && backoff != 0)
			fprintf(stderr, "lienlogd: sms: delivering again\n");
		if (st != LIEN_OK) {
			backoff = backoff == 0 ? n->cfg.backoff_min_ms :
			    backoff * 2 > n->cfg.backoff_max_ms ?
			    n->cfg.backoff_max_ms : backoff * 2;
			nap(n, backoff);
			continue;
		}
		backoff = 0;
		if (!progress)
			nap(n, n->cfg.poll_ms);
	}
	return NULL;
}

/* ---- life cycle ------------------------------------------------------------ */

enum lien_status
notify_start(const struct notify_config *cfg, struct ledger *l,
    struct api_app *app, struct notify **out)
{
	struct notify *n;
	struct client_config cc;
	enum lien_status st;

	*out = NULL;
	if (cfg == NULL || cfg->url == NULL || cfg->state_path == NULL ||
	    l == NULL || app == NULL || strlen(cfg->url) > CLIENT_URL_MAX ||
	    (strncmp(cfg->url, "http://", 7) != 0 &&
	    strncmp(cfg->url, "https://", 8) != 0) ||
	    cfg->reminder_days > NOTIFY_DAYS_MAX ||
	    (cfg->credentials != NULL && (strlen(cfg->credentials) == 0 ||
	    strlen(cfg->credentials) > NOTIFY_CRED_MAX ||
	    strpbrk(cfg->credentials, "\r\n") != NULL)) ||
	    strlen(cfg->state_path) >= 4096)
		return LIEN_EINVAL;
	if ((n = calloc(1, sizeof *n)) == NULL)
		return LIEN_ENOMEM;
	n->cfg = *cfg;
	if (n->cfg.reminder_days == 0)
		n->cfg.reminder_days = 30;
	if (n->cfg.backoff_min_ms == 0)
		n->cfg.backoff_min_ms = 200;
	if (n->cfg.backoff_max_ms < n->cfg.backoff_min_ms)
		n->cfg.backoff_max_ms = n->cfg.backoff_min_ms > 30000 ?
		    n->cfg.backoff_min_ms : 30000;
	if (n->cfg.poll_ms == 0)
		n->cfg.poll_ms = 200;
	memcpy(n->url, cfg->url, strlen(cfg->url) + 1);
	if (cfg->credentials != NULL)
		(void)snprintf(n->auth, sizeof n->auth,
		    "Authorization: Bearer %s", cfg->credentials);
	memcpy(n->state_path, cfg->state_path, strlen(cfg->state_path) + 1);
	n->l = l;
	n->app = app;
	if ((n->msgs = calloc(2 * NOTIFY_BATCH, sizeof *n->msgs)) == NULL) {
		free(n);
		return LIEN_ENOMEM;
	}
	if ((st = state_load(n)) != LIEN_OK) {
		free(n->msgs);
		free(n);
		return st;
	}
	memmove(n->ncur, cur(n->ncur), strlen(cur(n->ncur)) + 1);
	memmove(n->rcur, cur(n->rcur), strlen(cur(n->rcur)) + 1);
	memset(&cc, 0, sizeof cc);
	cc.connect_timeout_ms = 2000;
	cc.timeout_ms = 10000;
	cc.user_agent = "lienlogd-sms";
	if ((st = client_new(&cc, &n->http)) != LIEN_OK) {
		free(n->msgs);
		free(n);
		return st;
	}
	pthread_mutex_init(&n->mu, NULL);
	pthread_cond_init(&n->cv, NULL);
	if (pthread_create(&n->th, NULL, worker, n) != 0) {
		client_free(n->http);
		pthread_cond_destroy(&n->cv);
		pthread_mutex_destroy(&n->mu);
		free(n->msgs);
		free(n);
		return LIEN_ENOMEM;
	}
	*out = n;
	return LIEN_OK;
}

void
notify_stats_get(struct notify *n, struct notify_stats *out)
{
	memset(out, 0, sizeof *out);
	if (n == NULL)
		return;
	pthread_mutex_lock(&n->mu);
	*out = n->stats;
	pthread_mutex_unlock(&n->mu);
}

void
notify_stop(struct notify *n)
{
	if (n == NULL)
		return;
	pthread_mutex_lock(&n->mu);
	n->stop = 1;
	pthread_cond_broadcast(&n->cv);
	pthread_mutex_unlock(&n->mu);
	pthread_join(n->th, NULL);
	client_free(n->http);
	pthread_cond_destroy(&n->cv);
	pthread_mutex_destroy(&n->mu);
	if (n->msgs != NULL)	/* phone numbers: wiped */
		memset(n->msgs, 0, 2 * NOTIFY_BATCH * sizeof *n->msgs);
	free(n->msgs);
	free(n);
}

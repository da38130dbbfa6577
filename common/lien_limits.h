/*
 * Every limit on external input, in one place. A length or count that comes
 * from outside is checked against one of these before anything is allocated
 * or read. Changing one is a protocol decision: the API documents
 * (docs/api-log.md, docs/api-registration.md) and docs/cli.md give the
 * ones a client meets.
 */
#ifndef LIEN_COMMON_LIEN_LIMITS_H
#define LIEN_COMMON_LIEN_LIMITS_H

/* C2SP tlog-tiles: entries are uint16 length-prefixed in bundles. */
#define LEDGER_ENTRY_MAX 65535u
/* Hashes per tile and entries per bundle (tlog-tiles, height 8). */
#define TILE_WIDTH 256u
#define TILE_HEIGHT 8u
/* Merkle proofs: at most one element per tree level (64-bit sizes). */
#define MERKLE_PROOF_MAX 64u

/* signed-note: origin / key name length and signature line count.
 * C2SP signed-note requires accepting at least 16 signatures. */
#define NOTE_NAME_MAX 255u
#define NOTE_SIGS_MAX 64u
#define NOTE_TEXT_MAX 16384u	/* a checkpoint body is far smaller */
#define NOTE_MAX 65536u		/* whole note: body + signature lines */
#define CHECKPOINT_EXT_LINES_MAX 16u

/* Witness (witness/witness.h, docs/witness.md). C2SP tlog-witness: at most
 * 63 consistency proof lines per add-checkpoint request. The request is
 * "old <u64>\n", the proof lines (44 base64 chars + '\n' each), a blank
 * line and one checkpoint note; the witness reply is one cosignature line.
 * Logs one witness serves, and the bytes of its logs config file (one
 * "log <vkey>" line each, well under 512 bytes). */
#define WITNESS_PROOF_MAX 63u
#define WITNESS_REQUEST_MAX (NOTE_MAX + 4096u)
#define WITNESS_LOGS_MAX 65536u
#define WITNESS_CONFIG_MAX (WITNESS_LOGS_MAX * 512u)

/* Sequencer: entries per LMDB write transaction. */
#define LEDGER_BATCH_MAX 4096u
/* The body of a deflated pack of private records (ledger/pack.h): 256
 * records of 4 KiB on average, where the registry's average ~290 bytes
 * (a pack of ~75 KiB); a larger pack is stored plain. A reader refuses
 * a stated length above it before it allocates. */
#define LEDGER_PACK_MAX (1024u * 1024u)

/* HTTP (api/): enforced by the handlers, not by civetweb (see DEPS.md). */
#define API_BODY_MAX (256u * 1024u)
#define API_HEADERS_MAX 63u
#define API_QUERY_MAX 1024u
/* civetweb worker threads lienlogd may start (each pins ~100 KiB stack
 * and one connection at a time). */
#define API_THREADS_MAX 1024u
/* Registration API (api/app.c, api/reg_http.c): a request body must
 * arrive within this many milliseconds of the handler starting to read
 * it (civetweb bounds slow headers, not slow bodies: DEPS.md); the
 * optional trust/rules.json is at most this many bytes; GET query pages
 * of the officer queue hold at most REG_QUEUE_LIMIT_MAX items. */
#define API_BODY_DEADLINE_MS 10000u
#define API_RULES_FILE_MAX 8192u
/* Private log key files read by lienlogd: one line "PRIVATE+KEY+" + name
 * + "+" + 8 hex + "+" + 44 base64 + '\n' (signed-note), with headroom. */
#define SKEY_FILE_MAX (NOTE_NAME_MAX + 96u)

/* Proof JSON files read by the CLI. */
#define PROOF_JSON_MAX (64u * 1024u)
/* Verifier key files read by the CLI: one line, name + "+" + 8 hex +
 * "+" + 44 base64 + '\n' (signed-note), with headroom. */
#define VKEY_FILE_MAX (NOTE_NAME_MAX + 64u)

/* Keys (crypto/pkey.h): PEM/DER/JWK text accepted by a loader, and the
 * SM2 distinguishing ID (GM/T 0009 allows up to 8191 bytes; real IDs
 * are 16). */
#define PKEY_TEXT_MAX 16384u
#define PKEY_SM2_ID_MAX 64u

/* Certificates (crypto/cert.h). One certificate from the wire: PEM text
 * or base64 DER, and the DER itself (real leaf certificates are 0.5-2
 * KiB). Trust files: a PEM bundle of roots or intermediates, and one CRL
 * (DER size; PEM text may be 4/3 larger plus armour). Chain depth counts
 * certificates between leaf and root (OpenSSL's verify depth). */
#define CERT_DER_MAX 8192u
#define CERT_TEXT_MAX 12288u
#define CERT_BUNDLE_MAX (1024u * 1024u)
#define CERT_BUNDLE_CERTS_MAX 256u
#define CERT_CRL_MAX (4u * 1024u * 1024u)
#define CERT_CRLS_MAX 64u
#define CERT_CHAIN_DEPTH_MAX 4u
/* Verified-certificate cache slots (direct-mapped by fingerprint). */
#define CERT_CACHE_SLOTS 4096u

/* Commitments and sealed evidence (crypto/seal.h): the committed value and
 * the sealed plaintext (a whole request body plus token at most), and the
 * associated data binding a sealed record to its id. */
#define SEAL_PLAIN_MAX (API_BODY_MAX + 64u * 1024u)
#define SEAL_AD_MAX 1024u

/* JWS tokens (crypto/jws.h): whole compact token, key-set file, keys per
 * set and kid length. A face-ID token is well under 2 KiB. */
#define JWS_TOKEN_MAX 8192u
#define JWKS_FILE_MAX (64u * 1024u)
#define JWKS_KEYS_MAX 64u
#define JWS_KID_MAX 128u

/* RFC 9421 request signatures (crypto/httpsig.h): bytes of the
 * Signature-Input / Signature field values, signatures (labels) per
 * message, covered components per signature, component name, string
 * parameter (keyid, nonce, tag, alg) length, and the signature base. */
#define HTTPSIG_FIELD_MAX 4096u
#define HTTPSIG_LABELS_MAX 4u
#define HTTPSIG_COMPONENTS_MAX 16u
#define HTTPSIG_NAME_MAX 64u
#define HTTPSIG_PARAM_MAX 256u
#define HTTPSIG_BASE_MAX 16384u

/* Canonical JSON (registry/jcs.h): whole text accepted by the strict parser
 * (a request body at most), nesting depth, bytes of one string or key, and
 * members of one object or elements of one array. */
#define JCS_TEXT_MAX API_BODY_MAX
/* Largest JSON text a packed record decodes to (registry/jpack.h): the
 * records are jcs_serialize's output, capped the same. */
#define JPACK_TEXT_MAX JCS_TEXT_MAX
#define JCS_DEPTH_MAX 16u
#define JCS_STRING_MAX 16384u
#define JCS_MEMBERS_MAX 4096u

/* Trust configuration (api/trust.h, docs/trust.md): config.json size, the
 * registry name (JWT audience), a token issuer name bound to a key, and
 * the number of CRL files read from trust/crl/. */
#define TRUST_CONFIG_MAX 16384u
#define TRUST_NAME_MAX 255u
#define TRUST_ISS_MAX 255u
#define TRUST_CRL_FILES_MAX 64u
/* Request authentication (api/auth.h): a party id as the registry files
 * it, and the parsed-certificate cache (direct-mapped slots). */
#define AUTH_PARTY_ID_MAX 128u
#define AUTH_CERT_CACHE_SLOTS 1024u

/* Structured access log (api/accesslog.h): bytes of the request path, the
 * method, the party id and the role copied into one record (longer values
 * are truncated, marked in the line), records waiting for the logger
 * thread (a power of two; beyond it records are dropped and counted), and
 * one formatted line. */
#define ACCESSLOG_PATH_MAX 512u
#define ACCESSLOG_METHOD_MAX 16u
#define ACCESSLOG_PARTY_MAX 128u
#define ACCESSLOG_ROLE_MAX 32u
#define ACCESSLOG_QUEUE_MAX 4096u
#define ACCESSLOG_LINE_MAX 8192u

/* Certification requests (crypto/csr.h): the subject text as typed
 * ("/CN=.../O=..."), attributes in it, and one unescaped value (X.520
 * bounds are at most 128 characters, 4 UTF-8 bytes each). */
#define CSR_SUBJECT_MAX 2048u
#define CSR_ATTRS_MAX 16u
#define CSR_VALUE_MAX 512u
/* `lienlog submit` (tools/cli_request.c): bytes of a server's answer it
 * keeps, and the longest --timeout it accepts (seconds). */
#define CLI_RESPONSE_MAX (1024u * 1024u)
#define CLI_TIMEOUT_MAX 3600u
/* URL given to `lienlog sign-request` / `submit` (whole text). */
#define CLI_URL_MAX 4096u

/* Verifying tlog client (tlog/verifier.h): witnesses in a policy,
 * authenticated tiles kept per tree (16 KiB each), a whole tlog-proof
 * file, and one entry bundle (256 entries of at most LEDGER_ENTRY_MAX
 * bytes, each behind a 2-byte length). */
#define TLOG_WITNESSES_MAX 64u
#define TLOG_TILE_CACHE 64u
#define TLOG_PROOF_MAX (NOTE_MAX + 16384u + 4u * 65536u)
#define TLOG_BUNDLE_MAX (TILE_WIDTH * (2u + LEDGER_ENTRY_MAX))
/* Lien-status proofs (tlog/status.h, docs/lien-status.md): the vehicle
 * identifier a map key is derived from (a VIN is 17 bytes), one public
 * status record (a vehicle with 64 mortgages and every restriction is
 * under 4 KiB), the state-root entry inside a bundle (100 bytes in
 * version 1), and a whole bundle (record, map proof of at most 8,291
 * bytes, entry, 64 inclusion hashes and a checkpoint of NOTE_MAX). */
#define STATUS_ID_MAX 64u
#define STATUS_RECORD_MAX 8192u
#define STATUS_ENTRY_MAX 1024u
#define STATUS_PROOF_MAX (96u * 1024u)
/* Registry sync and monitor (tools/cli_sync.c, cli_monitor.c): one JSON
 * line of the file sink (a 64 KiB payload in base64 plus fields), the
 * checkpoint vantage points of one monitor run, and an HTTP sink reply. */
#define SYNC_LINE_MAX (256u * 1024u)
#define MONITOR_SOURCES_MAX 64u
#define SYNC_REPLY_MAX 4096u

/* The log's witness publisher (witness/publisher.c): witnesses of one
 * log (the note it serves holds the log's signature line and one per
 * witness, and a note of more than NOTE_SIGS_MAX lines parses nowhere),
 * a witness URL, a 200 reply of add-checkpoint (a few cosignature
 * lines), and the stored checkpoints examined at start-up to find the
 * last one that met the quorum. */
#define WITNESS_CLIENT_MAX (NOTE_SIGS_MAX - 1u)
#define WITNESS_URL_MAX 1024u
#define WITNESS_REPLY_MAX 8192u
#define WITNESS_RECOVER_SCAN_MAX 65536u

/* Trusted-proxy headers (httpd/proxy.c): nginx's X-Client-Cert (a PEM
 * certificate, percent-escaped: at most 3 bytes per PEM byte) and an
 * X-Forwarded-For list (nginx sends one address; a list is tolerated up
 * to this size). */
#define PROXY_CERT_HEADER_MAX (3u * CERT_TEXT_MAX)
#define PROXY_XFF_MAX 1024u

#endif

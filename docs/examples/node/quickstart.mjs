// A bank's client for lienlog in Node.js with off-the-shelf libraries:
// http-message-signatures (RFC 9421), jose (JWS) and canonicalize
// (RFC 8785). From a new key to a registered mortgage and its receipt
// verified offline (docs/integration.md "The same in Node.js").
//
//   npm ci && node quickstart.mjs [URL [DEMO_DATA_DIR [OUT_DIR]]]
//
// against `lienlogd --demo DEMO_DATA_DIR` (default http://127.0.0.1:8080
// and ../../../demo-data, the demo of README.md). The bank's key,
// certificate and receipt are kept in OUT_DIR if given (else in a
// temporary folder, removed at the end). Steps marked DEMO play
// a part that is not the bank's, with the demo's keys: the certificate
// authority, the registry's administrator, the registry mirror, the
// face-ID provider and the officer. Each run files a new key for the
// bank and registers a new contract, so it can be run again.
import { execFileSync } from 'node:child_process';
import { createHash, generateKeyPairSync, randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync }
	from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createSigner, httpbis } from 'http-message-signatures';
import { SignJWT, importPKCS8 } from 'jose';
import canonicalize from 'canonicalize';
import { verifyReceipt } from './verify-receipt.mjs';

const URL_BASE = process.argv[2] ?? 'http://127.0.0.1:8080';
const DEMO = join(process.argv[3] ?? '../../../demo-data', 'demo');
const USCC = '91330400MA2B0N0D5G';          // the bank's credit code
const VIN = 'LFV3A24K3N4072918';
const OWNER_ID = '330402199003154024';      // the owner's ID number
const OUT = process.argv[4];
const tmp = OUT ?? mkdtempSync(join(tmpdir(), 'lienlog-node-'));
mkdirSync(tmp, { recursive: true });
const sha256 = (b) => createHash('sha256').update(b).digest();
const b64url = (b) => Buffer.from(b).toString('base64url');

// One signed request (docs/request-signing.md): RFC 9421 over @method,
// @authority, @path (+ @query) and, with a body, Content-Digest (RFC
// 9530); `nonce` is required by lienlogd (the library omits it unless
// asked), `expires` is not used. A write also sends an Idempotency-Key
// (a quoted UUIDv7, covered by the signature) so that it can be retried.
async function send(method, path, body, { key, keyid, alg }) {
	const url = URL_BASE + path;
	const headers = {};
	const fields = ['@method', '@authority', '@path'];
	if (body !== undefined) {
		body = JSON.stringify(body);
		headers['content-type'] = 'application/json';
		headers['content-digest'] =
			`sha-256=:${sha256(body).toString('base64')}:`;
		headers['idempotency-key'] = `"${uuidv7()}"`;
		fields.push('content-digest', 'idempotency-key');
	}
	const signed = await httpbis.signMessage({
		key: createSigner(key, alg, keyid),
		fields,
		params: ['created', 'nonce', 'keyid', 'alg'],
		paramValues: { nonce: b64url(randomBytes(16)) },
	}, { method, url, headers });
	const res = await fetch(url, { method, headers: signed.headers, body });
	const text = await res.text();
	return { status: res.status, json: text ? JSON.parse(text) : null };
}

// Send and insist on the expected status; a refusal's `code` names what
// failed (docs/integration.md section 5).
async function expect(status, what, ...args) {
	const r = await send(...args);
	if (r.status !== status)
		throw new Error(`${what}: HTTP ${r.status} ${JSON.stringify(r.json)}`);
	console.log(`${what}: HTTP ${r.status}`);
	return r.json;
}

function uuidv7() {                          // RFC 9562 5.7
	const b = randomBytes(16);
	b.writeUIntBE(Date.now(), 0, 6);
	b[6] = 0x70 | (b[6] & 0x0f);
	b[8] = 0x80 | (b[8] & 0x3f);
	const h = b.toString('hex');
	return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-` +
		`${h.slice(16, 20)}-${h.slice(20)}`;
}

// A party of the demo world: its key and keyid (SHA-256 of its
// certificate's DER, docs/identity.md "keyid").
function demoParty(name, alg) {
	return { key: readFileSync(join(DEMO, `${name}.key`)), alg,
		keyid: certKeyid(readFileSync(join(DEMO, `${name}.pem`))) };
}
function certKeyid(pem) {
	const b64 = pem.toString().replace(/-----[^-]+-----|\s/g, '');
	return sha256(Buffer.from(b64, 'base64')).toString('hex');
}

// 1. The bank's signing key (in production: in your HSM) and its
//    certificate request (openssl here; your PKI tooling in production).
const { privateKey } = generateKeyPairSync('ed25519');
writeFileSync(join(tmp, 'bank.key'),
	privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600 });
execFileSync('openssl', ['req', '-new', '-key', join(tmp, 'bank.key'),
	'-subj', `/CN=Node Bank/O=Node Bank/organizationIdentifier=NTRCN-${USCC}`,
	'-out', join(tmp, 'bank.csr')]);

// 2. DEMO: the institution CA issues the certificate, the administrator
//    files the bank with it (POST /v1/institutions).
writeFileSync(join(tmp, 'ext.cnf'), 'keyUsage=critical,digitalSignature\n' +
	'basicConstraints=critical,CA:FALSE\n');
execFileSync('openssl', ['x509', '-req', '-in', join(tmp, 'bank.csr'),
	'-CA', join(DEMO, 'institution-ca.pem'),
	'-CAkey', join(DEMO, 'institution-ca.key'), '-days', '365',
	'-extfile', join(tmp, 'ext.cnf'), '-out', join(tmp, 'bank.crt')],
	{ stdio: 'ignore' });
const crt = readFileSync(join(tmp, 'bank.crt'));
await expect(201, 'bank filed', 'POST', '/v1/institutions',
	{ uscc: USCC, name: 'Node Bank', certificate: crt.toString() },
	demoParty('admin', 'ed25519'));
const bank = { key: privateKey, keyid: certKeyid(crt), alg: 'ed25519' };

// 3. DEMO: the registry mirror records the vehicle and its owner.
await expect(201, 'vehicle recorded', 'POST', '/v1/vehicles',
	{ vin: VIN, plate: '浙F6N301', plate_type: '02',
		certificate_number: '330412345680', owner: { id_number: OWNER_ID } },
	demoParty('registry', 'ed25519'));

// 4. The owner's identity commitment: what the face token is bound to.
const { commitment } = await expect(200, 'identity commitment', 'POST',
	'/v1/identity-commitments', { id_number: OWNER_ID }, bank);

// 5. The application and its digest, SHA-256 of the RFC 8785 form of
//    {application, mortgagee, step} (docs/identity.md "Application
//    digest"): the owner consents to this application by this bank.
const application = { vin: VIN, plate: '浙F6N301', plate_type: '02',
	certificate_number: '330412345680', contract_number: `NODE-${Date.now()}`,
	owner: { id_number: OWNER_ID } };
const digest = sha256(canonicalize({ application, mortgagee: USCC,
	step: 'mortgage_application' }));

// 6. DEMO: the face-ID provider verifies the owner and signs a token
//    (docs/identity.md "Face-ID token"); a real provider returns it to you.
const trust = JSON.parse(readFileSync(join(DEMO, '..', 'trust', 'config.json')));
const now = Math.floor(Date.now() / 1000);
const faceToken = await new SignJWT({ sub: commitment, nonce: b64url(digest),
	liveness: 9500, match: 9400 })
	.setProtectedHeader({ alg: 'EdDSA', kid: 'demo-face-01', typ: 'JWT' })
	.setIssuer('https://face.demo.lienlog.cn').setAudience(trust.registry)
	.setIssuedAt(now).setExpirationTime(now + 300)
	.sign(await importPKCS8(readFileSync(join(DEMO, 'face-issuer.key'),
		'utf8'), 'EdDSA'));

// 7. The mortgage: 201 and a receipt.
const receipt = await expect(201, 'mortgage', 'POST', '/v1/mortgages',
	{ application, face_token: faceToken }, bank);
writeFileSync(join(tmp, 'receipt.json'), JSON.stringify(receipt));

// 8. The receipt verifies offline with the log's public key alone
//    (verify-receipt.mjs: C2SP signed-note + RFC 9162 inclusion proof),
//    and the public entry at its index is the one it proves.
verifyReceipt(receipt, readFileSync(join(DEMO, '..', 'log.vkey'), 'utf8'));
const entry = Buffer.from(await (await fetch(
	`${URL_BASE}/v1/entries/${receipt.index}`)).arrayBuffer());
if (!sha256(Buffer.concat([Buffer.of(0), entry]))
	.equals(Buffer.from(receipt.leaf_hash, 'base64')))
	throw new Error('the entry is not the one the receipt proves');
console.log(`receipt verified: entry ${receipt.index} of ${receipt.tree_size}`);

// 9. DEMO: the officer approves; the bank reads its application.
await expect(201, 'officer approves', 'POST',
	`/v1/applications/${receipt.application_id}/decision`,
	{ decision: 'approve' }, demoParty('officer', 'ed25519'));
const app = await expect(200, 'application read', 'GET',
	`/v1/applications/${receipt.application_id}`, undefined, bank);
console.log(`application ${receipt.application_id}: ${app.status}`);
if (OUT === undefined)
	rmSync(tmp, { recursive: true });

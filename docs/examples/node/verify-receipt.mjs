// Checks a lienlog receipt offline with the log's public key alone
// (docs/integration.md section 6): its checkpoint is signed by the log
// (C2SP signed-note, Ed25519) and its leaf is in the tree of that size
// (RFC 9162 2.1.3.2 inclusion proof). Node's own crypto only.
import { createHash, createPublicKey, verify as edVerify } from 'node:crypto';

const sha256 = (b) => createHash('sha256').update(b).digest();

// receipt: the parsed 201 answer; vkey: the log's verifier key line
// (log.vkey, "name+hash+base64(0x01 || key)"). Throws on any mismatch.
export function verifyReceipt(r, vkey) {
	// The checkpoint is signed by the log's key (C2SP signed-note).
	const v = /^(.+?)\+([0-9a-f]{8})\+(.+)$/.exec(vkey.trim());
	const raw = Buffer.from(v?.[3] ?? '', 'base64');  // 0x01 || key
	if (raw.length !== 33 || raw[0] !== 1)
		throw new Error('not an Ed25519 verifier key');
	const [, name, hash] = v;
	const pub = createPublicKey({ format: 'jwk', key: { kty: 'OKP',
		crv: 'Ed25519', x: raw.subarray(1).toString('base64url') } });
	const cut = r.checkpoint.indexOf('\n\n');
	if (cut < 0)
		throw new Error('checkpoint is not a signed note');
	const text = r.checkpoint.slice(0, cut + 1);
	const signed = r.checkpoint.slice(cut + 2).split('\n').some((l) => {
		const m = /^\u2014 (\S+) (\S+)$/.exec(l);
		const sig = m && m[1] === name && Buffer.from(m[2], 'base64');
		return sig && sig.subarray(0, 4).toString('hex') === hash &&
			edVerify(null, Buffer.from(text), pub, sig.subarray(4));
	});
	if (!signed)
		throw new Error('checkpoint not signed by the log key');
	const [, size, root] = text.split('\n');
	if (BigInt(size) !== BigInt(r.tree_size))
		throw new Error('checkpoint is not of the receipt\'s tree size');
	// The leaf is in that tree (RFC 9162 2.1.3.2).
	let fn = BigInt(r.index), sn = BigInt(r.tree_size) - 1n;
	if (fn > sn)
		throw new Error('index beyond the tree');
	let h = Buffer.from(r.leaf_hash, 'base64');
	const node = (a, b) => sha256(Buffer.concat([Buffer.of(1), a, b]));
	for (const p of r.proof.map((x) => Buffer.from(x, 'base64'))) {
		if (sn === 0n)
			throw new Error('inclusion proof too long');
		if ((fn & 1n) === 1n || fn === sn) {
			h = node(p, h);
			while ((fn & 1n) === 0n && fn !== 0n) {
				fn >>= 1n;
				sn >>= 1n;
			}
		} else {
			h = node(h, p);
		}
		fn >>= 1n;
		sn >>= 1n;
	}
	if (sn !== 0n || !h.equals(Buffer.from(root, 'base64')))
		throw new Error('inclusion proof does not reach the checkpoint root');
}

/* Readers of the project's test vectors (tests/vectors/), shared by the
 * node tests of the in-browser verifier. */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';

export const VECTORS = process.env.LIEN_VECTORS ||
    join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'tests', 'vectors');

export function read(name) {
	return readFileSync(join(VECTORS, name), 'utf8');
}

/* Blank-line separated records of "key value" lines; repeated keys
 * become arrays under key + 's'. */
export function records(name) {
	const out = [];
	let cur = null;
	for (const line of read(name).split('\n')) {
		if (line.startsWith('#'))
			continue;
		if (line.trim() === '') {
			if (cur)
				out.push(cur);
			cur = null;
			continue;
		}
		const sp = line.indexOf(' ');
		const k = sp < 0 ? line : line.slice(0, sp);
		const v = sp < 0 ? '' : line.slice(sp + 1);
		cur = cur || {};
		if (k in cur) {
			cur[k + 's'] = cur[k + 's'] || [cur[k]];
			cur[k + 's'].push(v);
		} else {
			cur[k] = v;
		}
	}
	if (cur)
		out.push(cur);
	return out;
}

export function lines(name) {
	return read(name).split('\n').filter((l) => l && !l.startsWith('#'))
	    .map((l) => l.split(' '));
}

# Regenerates ../ed25519_edge.txt: /usr/bin/python3 ed25519_edge.py (needs python3-cryptography).
# Own pure-Python Ed25519 arithmetic (RFC 8032 section 5.1 formulas) to build
# edge-case signatures; cross-checked against python-cryptography (OpenSSL)
# for the ordinary cases.
import hashlib
p = 2**255 - 19
L = 2**252 + 27742317777372353535851937790883648493
d = -121665 * pow(121666, p - 2, p) % p
I = pow(2, (p - 1) // 4, p)
def inv(x): return pow(x, p - 2, p)
def add(P, Q):
    x1, y1, z1, t1 = P; x2, y2, z2, t2 = Q
    A = (y1 - x1) * (y2 - x2) % p; B = (y1 + x1) * (y2 + x2) % p
    C = t1 * 2 * d * t2 % p; D = z1 * 2 * z2 % p
    E, F, G, H = B - A, D - C, D + C, B + A
    return (E * F % p, G * H % p, F * G % p, E * H % p)
def mul(s, P):
    Q = (0, 1, 1, 0)
    while s > 0:
        if s & 1: Q = add(Q, P)
        P = add(P, P); s >>= 1
    return Q
def eq(P, Q):
    return (P[0] * Q[2] - Q[0] * P[2]) % p == 0 and (P[1] * Q[2] - Q[1] * P[2]) % p == 0
def recover_x(y, sign):
    if y >= p: return None
    x2 = (y * y - 1) * inv(d * y * y + 1) % p
    if x2 == 0:
        return None if sign else 0
    x = pow(x2, (p + 3) // 8, p)
    if (x * x - x2) % p != 0: x = x * I % p
    if (x * x - x2) % p != 0: return None
    if (x & 1) != sign: x = p - x
    return x
def enc(P):
    zi = inv(P[2]); x = P[0] * zi % p; y = P[1] * zi % p
    return int.to_bytes(y | ((x & 1) << 255), 32, "little")
def dec(b):
    y = int.from_bytes(b, "little"); sign = y >> 255; y &= (1 << 255) - 1
    x = recover_x(y, sign)
    if x is None: return None
    return (x, y, 1, x * y % p)
gy = 4 * inv(5) % p
B = (recover_x(gy, 0), gy, 1, recover_x(gy, 0) * gy % p)
O = (0, 1, 1, 0)
def H(b): return int.from_bytes(hashlib.sha512(b).digest(), "little")
def secret(seed):
    h = hashlib.sha512(seed).digest()
    a = int.from_bytes(h[:32], "little"); a &= (1 << 254) - 8; a |= 1 << 254
    return a, h[32:]
def sc(x): return int.to_bytes(x, 32, "little")

seed = bytes.fromhex("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60")
a, prefix = secret(seed)
A = mul(a, B); Ab = enc(A)
assert Ab.hex() == "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a"
def sign(msg, a, prefix, Ab):
    r = H(prefix + msg) % L; Rb = enc(mul(r, B))
    h = H(Rb + Ab + msg) % L
    return Rb + sc((r + h * a) % L)
sig1 = sign(b"", a, prefix, Ab)
assert sig1.hex().startswith("e5564300c360ac72")
out = []
def rec(name, expect, pk, msg, sig, why):
    out.append((name, expect, pk.hex(), msg.hex(), sig.hex(), why))

# 0. baseline
rec("rfc8032-test1", "accept", Ab, b"", sig1, "RFC 8032 TEST 1 unchanged")
# 1. S + L: the group equation still holds, but S is not reduced.
S = int.from_bytes(sig1[32:], "little")
rec("s-plus-l", "reject", Ab, b"", sig1[:32] + sc(S + L), "S >= L (non-canonical S); [S]B unchanged")
# 2. A = identity, R = B, S = 1: [1]B = B + [h]O for every message.
msg = b"lienlog edge vector"
rec("a-identity", "reject", enc(O), msg, enc(B) + sc(1), "small-order A (identity); equation holds for any message")
# 3. non-canonical encoding of the identity as A (y = p + 1)
ncid = int.to_bytes(p + 1, 32, "little")
assert dec(ncid) is None  # our strict decoder refuses y >= p
rec("a-noncanonical-identity", "reject", ncid, msg, enc(B) + sc(1), "A encodes y = p+1 (== 1 mod p); equation holds if y is reduced")
# 4. R = identity with a real key: S = h*a.
Rb = enc(O); h = H(Rb + Ab + msg) % L
rec("r-identity", "reject", Ab, msg, Rb + sc(h * a % L), "small-order R (identity); SB = R + hA holds")
# torsion point of order 8
import itertools
T8 = None
for yy in itertools.count(2):
    x = recover_x(yy, 0)
    if x is None: continue
    P = mul(L, (x, yy, 1, x * yy % p))
    if not eq(mul(4, P), O):
        T8 = P; break
assert eq(mul(8, T8), O) and not eq(mul(4, T8), O)
# 5. mixed-order A: A' = A + T8; grind msg so that h = 0 mod 8 => [h]T8 = O
A2 = add(A, T8); A2b = enc(A2)
for i in itertools.count():
    m = b"lienlog mixed-order A %d" % i
    r = H(prefix + m) % L; R = enc(mul(r, B))
    hh = H(R + A2b + m)  % L
    if hh % 8 == 0: break
rec("a-mixed-order", "accept", A2b, m, R + sc((r + hh * a) % L), "A = A + T8 (not small order, canonical); h = 0 mod 8 so the cofactorless equation holds")
# 6. mixed-order R: R' = rB + T8 -> only cofactored verification accepts
r = H(prefix + msg) % L; R2 = enc(add(mul(r, B), T8))
hh = H(R2 + Ab + msg) % L
rec("r-mixed-order", "reject", Ab, msg, R2 + sc((r + hh * a) % L), "R = rB + T8: 8SB = 8R + 8hA holds, SB = R + hA does not (libsodium is cofactorless)")
# 7. non-canonical R: identity as y = p+1 would decode to O; libsodium
# compares R byte-for-byte with the canonical re-encoding.
rec("r-noncanonical-identity", "reject", Ab, msg, ncid + sc(H(ncid + Ab + msg) % L * a % L), "R encodes y = p+1; SB = O + hA if R were reduced")
# sanity: our equation checker
def check_eq(pk, m, sg, cof=False):
    Ap = dec(pk); Rp = dec(sg[:32]); s_ = int.from_bytes(sg[32:], "little")
    if Ap is None or Rp is None: return None
    h_ = H(sg[:32] + pk + m) % L
    lhs = mul(s_, B); rhs = add(Rp, mul(h_, Ap))
    if cof: lhs, rhs = mul(8, lhs), mul(8, rhs)
    return eq(lhs, rhs)
for n, e, pk, m, sg, why in out:
    print(n, e, check_eq(bytes.fromhex(pk), bytes.fromhex(m), bytes.fromhex(sg)), check_eq(bytes.fromhex(pk), bytes.fromhex(m), bytes.fromhex(sg), True))
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
for n, e, pk, m, sg, why in out:
    try:
        Ed25519PublicKey.from_public_bytes(bytes.fromhex(pk)).verify(bytes.fromhex(sg), bytes.fromhex(m)); r = "accept"
    except Exception as ex: r = "reject"
    print("openssl", n, r)
lines = ["# Ed25519 acceptance edge cases, pinned to libsodium 1.0.18",
"# crypto_sign_verify_detached (see docs/ed25519.md). Generated for lienlog",
"# by a pure-Python implementation of the RFC 8032 group law (the script is",
"# tests/vectors/gen/ed25519_edge.py); the key is RFC 8032 TEST 1's.",
"# Fields: name, expect (accept|reject under libsodium 1.0.18), pk, msg, sig",
"# (hex), why. A blank line ends a record.", ""]
for n, e, pk, m, sg, why in out:
    lines += ["name " + n, "expect " + e, "pk " + pk, "msg " + m, "sig " + sg, "why " + why, ""]
open(__import__("os").path.join(__import__("os").path.dirname(__file__) or ".", "..", "ed25519_edge.txt"), "w").write("\n".join(lines))

#!/bin/sh
# Generate a complete trust directory and signer keys for
# tests/unit/test_trust.c, test_auth.c and test_evidence.c with the openssl
# CLI (OpenSSL 3.0; SM2 needs -sigopt/-vfyopt distid).
# Usage: mktrust.sh OUTDIR
#
# Every date is fixed: tests verify at 2030-01-01T00:00Z (1893456000) and
# never depend on the wall clock. Keys are fresh on every run (nothing
# secret is committed). Output:
#   OUTDIR/trust/            a valid trust directory (docs/trust.md) except
#                            config.json and the *.jwks, which the tests
#                            write (their keys are made in the tests)
#   OUTDIR/<name>.pem/.key/.der  signer certificates and private keys
#   OUTDIR/crl2-inst-root.pem    a newer institution CRL revoking
#                                bank-revoked (the reload test)
set -eu

out=${1:?usage: mktrust.sh OUTDIR}
mkdir -p "$out"
cd "$out"

ID=1234567812345678	# GM/T 0009 default SM2 distinguishing ID
WRONG_ID=ABCDEFGH12345678
CA_NAME=none
export CA_NAME
CA_FROM=20200101000000Z
CA_TO=20400101000000Z
LEAF_FROM=20240101000000Z
LEAF_TO=20340101000000Z

cat > ca.cnf <<'CNF'
[ ca ]
default_ca = testca
[ testca ]
dir = .
database = $dir/$ENV::CA_NAME.db
new_certs_dir = $dir/newcerts
serial = $dir/$ENV::CA_NAME.srl
crlnumber = $dir/$ENV::CA_NAME.crlnum
default_md = sha256
policy = policy_any
unique_subject = no
email_in_dn = no
copy_extensions = none
[ policy_any ]
commonName = supplied
[ req ]
distinguished_name = dn
[ dn ]
[ v3_root ]
basicConstraints = critical,CA:TRUE
keyUsage = critical,keyCertSign,cRLSign
subjectKeyIdentifier = hash
[ v3_leaf ]
basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid:always
[ v3_leaf_ka ]
basicConstraints = critical,CA:FALSE
keyUsage = critical,keyAgreement
authorityKeyIdentifier = keyid:always
[ crl_ext ]
authorityKeyIdentifier = keyid:always
CNF
mkdir -p newcerts trust/crl

q() { "$@" >/dev/null 2>&1 || { echo "mktrust: failed: $*" >&2; "$@"; exit 1; }; }

key() {
	case $2 in
	p256) q openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$1.key" ;;
	ed25519) q openssl genpkey -algorithm ED25519 -out "$1.key" ;;
	sm2) q openssl genpkey -algorithm SM2 -out "$1.key" ;;
	esac
}

csr() {
	if [ "${3:-}" = sm2 ]; then
		q openssl req -config ca.cnf -new -key "$1.key" -subj "$2" -sm3 \
		    -sigopt distid:$ID -out "$1.csr"
	else
		q openssl req -config ca.cnf -new -key "$1.key" -subj "$2" -out "$1.csr"
	fi
}

initca() { : > "$1.db"; echo 1000 > "$1.srl"; echo 1000 > "$1.crlnum"; }

# sign CA NAME EXT FROM TO [extra]
sign() {
	ca=$1 name=$2 ext=$3 from=$4 to=$5
	shift 5
	CA_NAME=$ca q openssl ca -batch -config ca.cnf -preserveDN -notext \
	    -cert "$ca.pem" -keyfile "$ca.key" -in "$name.csr" -out "$name.pem" \
	    -extensions "$ext" -startdate "$from" -enddate "$to" "$@"
	q openssl x509 -in "$name.pem" -outform DER -out "$name.der"
}

root() {
	key "$1" "$3"
	initca "$1"
	if [ "$3" = sm2 ]; then
		csr "$1" "$2" sm2
		CA_NAME=$1 q openssl ca -batch -config ca.cnf -preserveDN -notext \
		    -selfsign -keyfile "$1.key" -in "$1.csr" -out "$1.pem" \
		    -extensions v3_root -startdate $CA_FROM -enddate $CA_TO \
		    -md sm3 -sigopt distid:$ID -vfyopt distid:$ID
	else
		csr "$1" "$2"
		CA_NAME=$1 q openssl ca -batch -config ca.cnf -preserveDN -notext \
		    -selfsign -keyfile "$1.key" -in "$1.csr" -out "$1.pem" \
		    -extensions v3_root -startdate $CA_FROM -enddate $CA_TO
	fi
}

crl() {
	ca=$1 o=$2
	shift 2
	CA_NAME=$ca q openssl ca -batch -config ca.cnf -gencrl -cert "$ca.pem" \
	    -keyfile "$ca.key" -crlexts crl_ext -out "$o" \
	    -crl_lastupdate 20240101000000Z -crl_nextupdate 20390101000000Z "$@"
}

# ---- institutions: a P-256 root and an SM2 root --------------------------
root inst-root "/CN=lienlog test institution root CA" p256
root inst-sm2root "/CN=lienlog test institution SM2 root CA" sm2
# Banks A and B are bound to their unified social credit codes
# (docs/certificates.md "Party binding"); bank-sm2 names none.
key bank-ed25519 ed25519
csr bank-ed25519 "/CN=bank-ed25519/O=Test Bank A/organizationIdentifier=NTRCN-91330400MA2B00001P"
sign inst-root bank-ed25519 v3_leaf $LEAF_FROM $LEAF_TO
key bank-p256 p256
csr bank-p256 "/CN=bank-p256/O=Test Bank B/organizationIdentifier=NTRCN-91330400MA2B00002T"
sign inst-root bank-p256 v3_leaf $LEAF_FROM $LEAF_TO
key bank-revoked ed25519; csr bank-revoked "/CN=bank-revoked"
sign inst-root bank-revoked v3_leaf $LEAF_FROM $LEAF_TO
key bank-expired ed25519; csr bank-expired "/CN=bank-expired"
sign inst-root bank-expired v3_leaf 20200101000000Z 20210101000000Z
key bank-future ed25519; csr bank-future "/CN=bank-future"
sign inst-root bank-future v3_leaf 20350101000000Z 20360101000000Z
key bank-keyagree p256; csr bank-keyagree "/CN=bank-keyagree"
sign inst-root bank-keyagree v3_leaf_ka $LEAF_FROM $LEAF_TO
key bank-sm2 sm2; csr bank-sm2 "/CN=bank-sm2/O=Test Bank C" sm2
sign inst-sm2root bank-sm2 v3_leaf $LEAF_FROM $LEAF_TO -md sm3 \
    -sigopt distid:$ID -vfyopt distid:$ID
# the SM2 private key once more, for signing with the wrong ID in tests
cp bank-sm2.key bank-sm2-wrongid.key

# ---- officers, registry, auditors, admins: an Ed25519 root ---------------
root off-root "/CN=lienlog test officer root CA" ed25519
key officer-ed25519 ed25519
csr officer-ed25519 "/CN=officer 0001/serialNumber=officer-0001"
sign off-root officer-ed25519 v3_leaf $LEAF_FROM $LEAF_TO
key admin-ed25519 ed25519; csr admin-ed25519 "/CN=admin 01"
sign off-root admin-ed25519 v3_leaf $LEAF_FROM $LEAF_TO

# ---- an untrusted root ----------------------------------------------------
root evil-root "/CN=untrusted root CA" ed25519
key bank-untrusted ed25519; csr bank-untrusted "/CN=bank-untrusted"
sign evil-root bank-untrusted v3_leaf $LEAF_FROM $LEAF_TO

# ---- CRLs: first empty, then one revoking bank-revoked --------------------
crl inst-root trust/crl/inst-root.pem
crl inst-sm2root trust/crl/inst-sm2root.pem -md sm3 -sigopt distid:$ID
crl off-root trust/crl/off-root.pem
CA_NAME=inst-root q openssl ca -batch -config ca.cnf -revoke bank-revoked.pem \
    -cert inst-root.pem -keyfile inst-root.key -crl_reason keyCompromise
crl inst-root crl2-inst-root.pem
crl evil-root evil-root.crl.pem

# ---- the trust directory --------------------------------------------------
cat inst-root.pem inst-sm2root.pem > trust/institution-roots.pem
cp off-root.pem trust/officer-roots.pem
cp admin-ed25519.pem trust/admins.pem

rm -f ./*.csr ./*.db* ./*.srl* ./*.crlnum* newcerts/* ca.cnf
rmdir newcerts
echo "mktrust: ok"

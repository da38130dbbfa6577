#!/bin/sh
# Generate the test PKI for tests/unit/test_cert.c with the openssl CLI
# (OpenSSL 3.0: SM2 needs -sigopt/-vfyopt distid). Usage: mkcerts.sh OUTDIR
#
# Every date is fixed, so tests verify at a fixed time (2030-01-01T00:00Z)
# and never depend on the wall clock. Keys are fresh on every run: nothing
# secret is committed. What each file is for is listed in README.md next
# to this script; test_cert.c expects exactly these names.
set -eu

out=${1:?usage: mkcerts.sh OUTDIR}
mkdir -p "$out"
cd "$out"

ID=1234567812345678	# GM/T 0009 default SM2 distinguishing ID
WRONG_ID=ABCDEFGH12345678
CA_NAME=none	# read by ca.cnf; set per call below
export CA_NAME

# Validity windows (openssl ca -startdate/-enddate, YYYYMMDDHHMMSSZ)
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
[ v3_int ]
basicConstraints = critical,CA:TRUE,pathlen:0
keyUsage = critical,keyCertSign,cRLSign
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid:always
[ v3_long ]
basicConstraints = critical,CA:TRUE
keyUsage = critical,keyCertSign,cRLSign
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid:always
[ v3_leaf ]
basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid:always
[ v3_leaf_ka ]
basicConstraints = critical,CA:FALSE
keyUsage = critical,keyAgreement
authorityKeyIdentifier = keyid:always
[ v3_leaf_noku ]
basicConstraints = critical,CA:FALSE
authorityKeyIdentifier = keyid:always
[ crl_ext ]
authorityKeyIdentifier = keyid:always
CNF
mkdir -p newcerts

q() { "$@" >/dev/null 2>&1 || { echo "mkcerts: failed: $*" >&2; "$@"; exit 1; }; }

# key NAME ALG: ALG is p256 | ed25519 | sm2
key() {
	case $2 in
	p256) q openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$1.key" ;;
	ed25519) q openssl genpkey -algorithm ED25519 -out "$1.key" ;;
	sm2) q openssl genpkey -algorithm SM2 -out "$1.key" ;;
	esac
}

# csr NAME SUBJECT [sm2]
csr() {
	if [ "${3:-}" = sm2 ]; then
		q openssl req -config ca.cnf -new -key "$1.key" -subj "$2" -sm3 \
		    -sigopt distid:$ID -out "$1.csr"
	else
		q openssl req -config ca.cnf -new -key "$1.key" -subj "$2" -out "$1.csr"
	fi
}

# initca NAME: state files for openssl ca
initca() {
	: > "$1.db"
	echo 1000 > "$1.srl"
	echo 1000 > "$1.crlnum"
}

# sign CA NAME EXT FROM TO [extra openssl ca args]
sign() {
	ca=$1 name=$2 ext=$3 from=$4 to=$5
	shift 5
	CA_NAME=$ca q openssl ca -batch -config ca.cnf -preserveDN -notext \
	    -cert "$ca.pem" -keyfile "$ca.key" -in "$name.csr" -out "$name.pem" \
	    -extensions "$ext" -startdate "$from" -enddate "$to" "$@"
}

# root NAME SUBJECT ALG
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

# crl CA OUT [extra]
crl() {
	ca=$1 o=$2
	shift 2
	CA_NAME=$ca q openssl ca -batch -config ca.cnf -gencrl -cert "$ca.pem" \
	    -keyfile "$ca.key" -crlexts crl_ext -out "$o" "$@"
}

ORG="/O=Test Bank Co., Ltd."

# ---- P-256 hierarchy: root -> intermediate -> leaves -----------------------
root root "/CN=lienlog test root CA" p256
key int p256; csr int "/CN=lienlog test intermediate CA"
initca int
sign root int v3_int $CA_FROM 20390101000000Z

key leaf-ed25519 ed25519
csr leaf-ed25519 "/CN=bank-ed25519$ORG/organizationIdentifier=NTRCN-91440300708461136T"
sign int leaf-ed25519 v3_leaf $LEAF_FROM $LEAF_TO

key leaf-p256 p256
csr leaf-p256 "/CN=bank-p256$ORG/serialNumber=91330100799655058B"
sign int leaf-p256 v3_leaf $LEAF_FROM $LEAF_TO

key leaf-expired p256; csr leaf-expired "/CN=expired"
sign int leaf-expired v3_leaf 20200101000000Z 20210101000000Z

key leaf-future p256; csr leaf-future "/CN=not yet valid"
sign int leaf-future v3_leaf 20350101000000Z 20360101000000Z

key leaf-revoked p256; csr leaf-revoked "/CN=revoked"
sign int leaf-revoked v3_leaf $LEAF_FROM $LEAF_TO

key leaf-keyagree p256; csr leaf-keyagree "/CN=key agreement only"
sign int leaf-keyagree v3_leaf_ka $LEAF_FROM $LEAF_TO

key leaf-noku p256; csr leaf-noku "/CN=no key usage extension"
sign int leaf-noku v3_leaf_noku $LEAF_FROM $LEAF_TO

# a leaf whose subject carries an organizationIdentifier that is not a
# valid credit code (check character wrong)
key leaf-baduscc p256
csr leaf-baduscc "/CN=bad uscc/organizationIdentifier=91440300708461136A"
sign int leaf-baduscc v3_leaf $LEAF_FROM $LEAF_TO

# ---- a chain longer than CERT_CHAIN_DEPTH_MAX (4 intermediates) ----------
prev=root
for i in 1 2 3 4 5; do
	key long$i p256; csr long$i "/CN=long chain CA $i"
	initca long$i
	sign $prev long$i v3_long $CA_FROM 20390101000000Z
	prev=long$i
done
key leaf-long p256; csr leaf-long "/CN=too deep"
sign long5 leaf-long v3_leaf $LEAF_FROM $LEAF_TO
cat long1.pem long2.pem long3.pem long4.pem long5.pem > long-chain.pem

# ---- untrusted root ------------------------------------------------------
root evil "/CN=untrusted root CA" p256
key leaf-untrusted p256; csr leaf-untrusted "/CN=untrusted"
sign evil leaf-untrusted v3_leaf $LEAF_FROM $LEAF_TO

# ---- SM2 with SM3 (GM/T 0015 style): root -> leaves -----------------------
root sm2root "/CN=lienlog test SM2 root CA" sm2
key leaf-sm2 sm2; csr leaf-sm2 "/CN=bank-sm2$ORG/organizationIdentifier=91440300708461136T" sm2
sign sm2root leaf-sm2 v3_leaf $LEAF_FROM $LEAF_TO -md sm3 \
    -sigopt distid:$ID -vfyopt distid:$ID
# signed with another distinguishing ID: must not verify with the default
key leaf-sm2-wrongid sm2; csr leaf-sm2-wrongid "/CN=sm2 wrong id" sm2
sign sm2root leaf-sm2-wrongid v3_leaf $LEAF_FROM $LEAF_TO -md sm3 \
    -sigopt distid:$WRONG_ID -vfyopt distid:$ID

# ---- CRLs (fixed dates: valid over 2024..2039) ----------------------------
CA_NAME=int q openssl ca -batch -config ca.cnf -revoke leaf-revoked.pem \
    -cert int.pem -keyfile int.key -crl_reason keyCompromise
crl root root.crl.pem -crl_lastupdate 20240101000000Z -crl_nextupdate 20390101000000Z
crl int int.crl.pem -crl_lastupdate 20240101000000Z -crl_nextupdate 20390101000000Z
crl sm2root sm2root.crl.pem -crl_lastupdate 20240101000000Z \
    -crl_nextupdate 20390101000000Z -md sm3 -sigopt distid:$ID
# an intermediate CRL already past its nextUpdate at 2030
crl int int-stale.crl.pem -crl_lastupdate 20240101000000Z -crl_nextupdate 20250101000000Z

# ---- bundles and DER forms -----------------------------------------------
cat root.pem sm2root.pem > roots.pem
for f in leaf-ed25519 leaf-p256 leaf-sm2; do
	q openssl x509 -in $f.pem -outform DER -out $f.der
done
rm -f ./*.csr ./*.db* ./*.srl* ./*.crlnum* newcerts/*
rmdir newcerts
echo "mkcerts: ok"

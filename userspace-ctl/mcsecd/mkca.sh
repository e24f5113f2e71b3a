#!/bin/sh
# SPDX-License-Identifier: GPL-2.0 OR MIT
#
# mkca.sh: a small X.509 CA for mcsecd, with openssl only (openssl ca keeps
# the index, so certificates can be revoked into a CRL).
#
#   mkca.sh init DIR                  CA (ca.crt) and the key server's certificate
#                                     (server.crt, CN and DNS name "keyserver")
#   mkca.sh device DIR NAME [IDENT]   a member's certificate NAME.crt / NAME.key,
#                                     CN = IDENT (default NAME), DNS = IDENT
#   mkca.sh revoke DIR NAME           revokes NAME.crt, rewrites DIR/crl.pem
#   mkca.sh crl DIR                   rewrites DIR/crl.pem
#   mkca.sh testset DIR [NAME...]     init, a device per NAME (default: head edge1
#                                     edge2 edge3), an empty CRL, and the bad ones
#                                     the tests need:
#                                       expired.crt   CN edge1, valid 2020-2021
#                                       wrongca.crt   CN edge1, from another CA
#                                       intruder.crt  CN intruder, right CA, no member
#                                       notyet.crt    CN edge1, valid from 2099
#
# Keys are EC P-256, written 0600. Device certificates carry the
# clientAuth extended key usage and the server's serverAuth, as the device
# certificate profile asks; identities are the CN and a subjectAltName.
set -eu
umask 077

die() { echo "mkca.sh: $*" >&2; exit 2; }

ca_conf() {	# DIR
	cat >"$1/ca.cnf" <<CNF
[ca]
default_ca = mcsec
[mcsec]
dir = $1
database = \$dir/index.txt
new_certs_dir = \$dir/newcerts
serial = \$dir/serial
crlnumber = \$dir/crlnumber
certificate = \$dir/ca.crt
private_key = \$dir/ca.key
default_md = sha256
default_days = 825
default_crl_days = 3650
policy = anything
unique_subject = no
copy_extensions = none
[anything]
commonName = supplied
[client]
basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature
extendedKeyUsage = clientAuth
subjectAltName = \$ENV::MKCA_SAN
[server]
basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature
extendedKeyUsage = serverAuth
subjectAltName = \$ENV::MKCA_SAN
CNF
}

new_ca() {	# DIR NAME
	mkdir -p "$1/newcerts"
	: >"$1/index.txt"
	echo 1000 >"$1/serial"
	echo 1000 >"$1/crlnumber"
	ca_conf "$1"
	openssl ecparam -name prime256v1 -genkey -noout -out "$1/ca.key" 2>/dev/null
	openssl req -new -x509 -key "$1/ca.key" -out "$1/ca.crt" -days 3650 -subj "/CN=$2" \
		-addext "basicConstraints=critical,CA:TRUE" \
		-addext "keyUsage=critical,keyCertSign,cRLSign" 2>/dev/null
}

# issue DIR NAME CN EXT [STARTDATE ENDDATE]: NAME.key, NAME.crt signed by DIR's CA
issue() {
	d=$1 name=$2 cn=$3 ext=$4 out=${OUT:-$1}
	openssl ecparam -name prime256v1 -genkey -noout -out "$out/$name.key" 2>/dev/null
	openssl req -new -key "$out/$name.key" -subj "/CN=$cn" -out "$d/$name.csr" 2>/dev/null
	if [ $# -ge 6 ]; then dates="-startdate $5 -enddate $6"; else dates=; fi
	# shellcheck disable=SC2086
	MKCA_SAN="DNS:$cn" openssl ca -batch -config "$d/ca.cnf" -extensions "$ext" $dates \
		-in "$d/$name.csr" -out "$out/$name.crt" -notext >/dev/null 2>&1 ||
		die "signing $name failed"
	rm -f "$d/$name.csr"
	chmod 644 "$out/$name.crt"
}

gencrl() {
	MKCA_SAN=DNS:x openssl ca -batch -config "$1/ca.cnf" -gencrl -out "$1/crl.pem" 2>/dev/null ||
		die "CRL failed"
	chmod 644 "$1/crl.pem"
}

cmd=${1:-}
[ $# -ge 2 ] || die "usage: mkca.sh init|device|revoke|crl|testset DIR ..."
dir=$(mkdir -p "$2" && cd "$2" && pwd)
case $cmd in
init)
	new_ca "$dir" "mcsec test CA"
	chmod 644 "$dir/ca.crt"
	issue "$dir" server keyserver server
	;;
device)
	[ $# -ge 3 ] || die "device DIR NAME [IDENTITY]"
	issue "$dir" "$3" "${4:-$3}" client
	;;
revoke)
	[ $# -ge 3 ] || die "revoke DIR NAME"
	MKCA_SAN=DNS:x openssl ca -batch -config "$dir/ca.cnf" -revoke "$dir/$3.crt" 2>/dev/null ||
		die "revoking $3 failed"
	gencrl "$dir"
	;;
crl)
	gencrl "$dir"
	;;
testset)
	shift 2
	"$0" init "$dir"
	for n in ${*:-head edge1 edge2 edge3}; do
		issue "$dir" "$n" "$n" client
	done
	issue "$dir" intruder intruder client
	issue "$dir" expired edge1 client 20200101000000Z 20210101000000Z
	issue "$dir" notyet edge1 client 20990101000000Z 21001231000000Z
	gencrl "$dir"
	# the same CN from a CA the server does not trust
	mkdir -p "$dir/other"
	new_ca "$dir/other" "some other CA"
	OUT=$dir issue "$dir/other" wrongca edge1 client
	;;
*)
	die "unknown command $cmd"
	;;
esac

#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
# Regenerates the fixed TLS fixtures used by unit tests and scripted servers.
# These keys are public test material: never trust them anywhere else.
# (Real servers started by tests/servers/ get a fresh throwaway CA on every run.)
set -eu
cd "$(dirname "$0")"
days=36500

cat > san.cnf <<CNF
[req]
distinguished_name = dn
[dn]
[ext]
subjectAltName = DNS:localhost,IP:127.0.0.1,IP:::1
basicConstraints = CA:FALSE
keyUsage = digitalSignature,keyEncipherment
extendedKeyUsage = serverAuth
CNF

openssl req -x509 -newkey rsa:2048 -nodes -days "$days" -sha256 \
  -subj "/O=Outpost Tests/CN=Outpost Test CA" \
  -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" \
  -keyout ca-key.pem -out ca.pem

for name in server other; do
  openssl req -newkey rsa:2048 -nodes -sha256 \
    -subj "/O=Outpost Tests/CN=localhost ($name)" \
    -keyout "$name-key.pem" -out "$name.csr"
  openssl x509 -req -in "$name.csr" -CA ca.pem -CAkey ca-key.pem -CAcreateserial \
    -days "$days" -sha256 -extfile san.cnf -extensions ext -out "$name.pem"
  rm -f "$name.csr"
done
rm -f san.cnf ca.srl

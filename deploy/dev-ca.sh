#!/usr/bin/env bash
# Makes a development certificate authority and certificates for Mesh's mutual TLS (MeshOptions.Tls), with openssl.
#
#   deploy/dev-ca.sh OUT_DIR [SPIFFE_ID ...]
#
# OUT_DIR/ca.crt, ca.key     the CA (kept and reused when the script runs again, so new certificates join the mesh)
# OUT_DIR/NAME/tls.crt, tls.key, ca.crt
#                            one certificate per SPIFFE id (default spiffe://cluster.local/ns/shop/sa/mesh, the
#                            manifests' service account), NAME being the id's last path segment; ECDSA P-256,
#                            usable as client and server, valid MESH_DEV_CA_DAYS days (default 30)
#
# The files are what the Deployment mounts from the Secret "mesh-tls"; the script prints the kubectl command that
# creates it. For development only: a production mesh gets its certificates from cert-manager
# (deploy/overlays/cert-manager) or its own PKI.
set -euo pipefail

if [ $# -lt 1 ] || [ "$1" = "-h" ] || [ "$1" = "--help" ]; then
  sed -n '2,14p' "$0" | sed 's/^# \{0,1\}//'
  exit 2
fi
command -v openssl >/dev/null 2>&1 || { echo "dev-ca.sh needs openssl (apt-get install -y openssl)" >&2; exit 1; }

out=$1
shift
ids=("$@")
[ ${#ids[@]} -gt 0 ] || ids=("spiffe://cluster.local/ns/shop/sa/mesh")
days=${MESH_DEV_CA_DAYS:-30}
umask 077
mkdir -p "$out"

if [ ! -f "$out/ca.key" ] || [ ! -f "$out/ca.crt" ]; then
  openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$out/ca.key"
  openssl req -x509 -new -key "$out/ca.key" -sha256 -days 365 -subj "/CN=Mesh development CA" \
    -addext "basicConstraints=critical,CA:TRUE,pathlen:0" \
    -addext "keyUsage=critical,keyCertSign,cRLSign" \
    -addext "subjectKeyIdentifier=hash" \
    -out "$out/ca.crt"
  echo "made a new CA: $out/ca.crt"
fi

for id in "${ids[@]}"; do
  case "$id" in
    *://*) ;;
    *) echo "'$id' is not a URI (e.g. spiffe://cluster.local/ns/shop/sa/mesh)" >&2; exit 2 ;;
  esac
  name=${id##*/}
  name=${name//[^A-Za-z0-9._-]/-}
  [ -n "$name" ] || { echo "'$id' has no last path segment to name its folder" >&2; exit 2; }
  dir="$out/$name"
  mkdir -p "$dir"
  extensions="$dir/extensions.cnf"
  printf '%s\n' \
    "subjectAltName=URI:$id" \
    "basicConstraints=critical,CA:FALSE" \
    "keyUsage=critical,digitalSignature" \
    "extendedKeyUsage=serverAuth,clientAuth" \
    "authorityKeyIdentifier=keyid" \
    "subjectKeyIdentifier=hash" >"$extensions"
  openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$dir/tls.key"
  openssl req -new -key "$dir/tls.key" -subj "/CN=$name" -out "$dir/tls.csr"
  openssl x509 -req -in "$dir/tls.csr" -CA "$out/ca.crt" -CAkey "$out/ca.key" -set_serial "0x$(openssl rand -hex 12)" \
    -days "$days" -sha256 -extfile "$extensions" -out "$dir/tls.crt" 2>/dev/null
  cp "$out/ca.crt" "$dir/ca.crt"
  rm -f "$dir/tls.csr" "$extensions"
  echo "issued $id: $dir/tls.crt"
  echo "  kubectl create secret generic mesh-tls --namespace NAMESPACE --from-file=$dir/tls.crt --from-file=$dir/tls.key --from-file=$dir/ca.crt"
done

#!/bin/sh
# TLS: certificates are checked unless --insecure is given; --cacert trusts a CA bundle.
. "$top_srcdir/tests/lib.sh"
command -v openssl >/dev/null || { echo "Bail out! openssl is needed (Debian package openssl)"; exit 1; }
export XDG_CONFIG_HOME="$TMP/config"
openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=127.0.0.1" -addext "subjectAltName=IP:127.0.0.1" \
	-keyout "$TMP/key.pem" -out "$TMP/cert.pem" 2>/dev/null
check "a self-signed certificate for 127.0.0.1" test -s "$TMP/cert.pem"
fhir_server_start --tls-cert "$TMP/cert.pem" --tls-key "$TMP/key.pem"
S=https://127.0.0.1:$(cat "$TMP/port")/fhir
run env SDSFHIR_SERVER="$S" "$SDSFHIR" search 'Patient?name=x'
is "an unknown certificate: refused, exit 5" "$rc" 5
like "... saying why" "$err" "cannot reach $S/: .*(certificate|SSL)"
run env SDSFHIR_SERVER="$S" "$SDSFHIR" search --cacert "$TMP/cert.pem" 'Patient?name=x'
is "--cacert trusts it: exit 0" "$rc" 0
run env SDSFHIR_SERVER="$S" SDSFHIR_CACERT="$TMP/cert.pem" "$SDSFHIR" push "$top_srcdir/data/sparc_fhir_breast_dataset"
is "SDSFHIR_CACERT: push over TLS" "$rc" 0
run env SDSFHIR_SERVER="$S" "$SDSFHIR" search --insecure 'Patient?name=x'
is "--insecure, asked for explicitly: exit 0" "$rc" 0
printf 'server = %s\ninsecure = yes\n' "$S" >"$TMP/conf"
run "$SDSFHIR" search --config "$TMP/conf" 'ImagingStudy?_count=1'
is "insecure = yes in a config file" "$rc" 0
done_testing

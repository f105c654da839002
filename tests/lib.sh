# Shared helpers for the shell tests: TAP output, temporary folders, assertions.
# Source it; SDSFHIR, top_srcdir and top_builddir come from make check.
set -u
: "${SDSFHIR:?run through make check}"
: "${top_srcdir:?run through make check}"
tap_n=0
tap_failed=0
TMP=$(mktemp -d "${TMPDIR:-/tmp}/sdsfhir-test.XXXXXX")
server_pid=""
orthanc_pid=""
cleanup() {
	[ -z "$server_pid" ] || kill "$server_pid" 2>/dev/null
	[ -z "$orthanc_pid" ] || { kill "$orthanc_pid" 2>/dev/null; wait "$orthanc_pid" 2>/dev/null; }
	chmod -R u+rwx "$TMP" 2>/dev/null
	rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

# pass|fail with a description
tap() {
	tap_n=$((tap_n + 1))
	if [ "$1" = 0 ]; then
		echo "ok $tap_n - $2"
	else
		echo "not ok $tap_n - $2"
		tap_failed=$((tap_failed + 1))
	fi
}

# check DESC CMD...: the command succeeds
check() {
	d=$1; shift
	if "$@" >"$TMP/.out" 2>&1; then tap 0 "$d"; else
		tap 1 "$d"; sed 's/^/#   /' "$TMP/.out" | head -20
	fi
}

# is DESC GOT WANT: equal strings
is() {
	if [ "$2" = "$3" ]; then tap 0 "$1"; else
		tap 1 "$1"; printf '#   got:  %s\n#   want: %s\n' "$2" "$3"
	fi
}

# like DESC TEXT PATTERN: TEXT matches the grep -E pattern
like() {
	if printf '%s\n' "$2" | grep -Eq -- "$3"; then tap 0 "$1"; else
		tap 1 "$1"; printf '%s\n' "$2" | head -20 | sed 's/^/#   /'; echo "#   wanted: /$3/"
	fi
}

# unlike DESC TEXT PATTERN: TEXT does not match
unlike() {
	if printf '%s\n' "$2" | grep -Eq -- "$3"; then
		tap 1 "$1"; printf '%s\n' "$2" | grep -E -- "$3" | head -5 | sed 's/^/#   /'
	else tap 0 "$1"; fi
}

# run CMD...: sets $out (stdout), $err (stderr) and $rc
run() {
	"$@" >"$TMP/.stdout" 2>"$TMP/.stderr"
	rc=$?
	out=$(cat "$TMP/.stdout")
	err=$(cat "$TMP/.stderr")
}

done_testing() {
	server_writes_valid
	echo "1..$tap_n"
	[ "$tap_failed" = 0 ]
}

# A copy of the sample datasets in $TMP/data (tests never touch data/ itself).
sample_data() {
	cp -R "$top_srcdir/data" "$TMP/data"
	chmod -R u+w "$TMP/data"
}

# mkdcm OUT [LINE...]: a real DICOM file written by dump2dcm from a base MR header, with
# lines "(gggg,eeee) VR value" replacing the base line of that tag (or added), "-(gggg,eeee)" removing it.
mkdcm() {
	out=$1; shift
	mkdir -p "$(dirname "$out")"
	cat >"$TMP/.base.dump" <<'DUMP'
(0002,0010) UI =LittleEndianExplicit
(0008,0005) CS [ISO_IR 192]
(0008,0016) UI =MRImageStorage
(0008,0018) UI [1.2.826.0.1.3680043.10.99.1.1.1]
(0008,0020) DA [20240301]
(0008,0030) TM [083000]
(0008,0060) CS [MR]
(0008,1030) LO [MRI TEST]
(0008,103e) LO [T1]
(0010,0010) PN [Test^Person]
(0010,0020) LO [TEST-001]
(0010,0030) DA [19800101]
(0010,0040) CS [M]
(0018,0015) CS [BREAST]
(0020,000d) UI [1.2.826.0.1.3680043.10.99.1]
(0020,000e) UI [1.2.826.0.1.3680043.10.99.1.1]
(0020,0011) IS [1]
(0020,0013) IS [1]
(0028,0002) US 1
(0028,0004) CS [MONOCHROME2]
(0028,0010) US 2
(0028,0011) US 2
(0028,0100) US 16
(0028,0101) US 12
(0028,0102) US 11
(0028,0103) US 0
(7fe0,0010) OW 0001\0002\0003\0004
DUMP
	cp "$TMP/.base.dump" "$TMP/.dump"
	for line in "$@"; do
		tag=$(printf '%s' "$line" | sed 's/^-//' | cut -c1-11)
		LC_ALL=C grep -a -v -i -F "$tag" "$TMP/.dump" >"$TMP/.dump2" || true
		mv "$TMP/.dump2" "$TMP/.dump"
		case $line in -*) ;; *) printf '%s\n' "$line" >>"$TMP/.dump" ;; esac
	done
	dump2dcm -q "$TMP/.dump" "$out"
}

# The test server's mode (see tests/fhir-server/server.js): atomic transactions, or entry by
# entry (batch) as a default Medplum project runs them. make check runs the server tests in both.
FHIR_MODE=${FHIR_MODE:-atomic}
echo "# test FHIR server mode: $FHIR_MODE"

# fhir_server_start [ARGS...]: the test FHIR server on a free loopback port; sets FHIR (base URL).
fhir_server_start() {
	server_writes_valid	# the server this one replaces
	validated=""
	rm -f "$TMP/port"
	NODE_PATH=${FHIR_NODE_MODULES:-} ${NODE:-node} "$top_srcdir/tests/fhir-server/server.js" \
		--port-file "$TMP/port" --mode "$FHIR_MODE" "$@" >"$TMP/server.log" 2>&1 &
	server_pid=$!
	i=0
	while [ ! -s "$TMP/port" ]; do
		if ! kill -0 "$server_pid" 2>/dev/null || [ $i -gt 600 ]; then
			sed 's/^/# /' "$TMP/server.log"
			echo "Bail out! the test FHIR server did not start"
			exit 1
		fi
		sleep 0.1
		i=$((i + 1))
	done
	FHIR=http://127.0.0.1:$(cat "$TMP/port")/fhir
	ADMIN=http://127.0.0.1:$(cat "$TMP/port")/admin
}

# server_writes_valid: every resource sdsfhir wrote to the running test server passed the
# checks of tests/fhir-server/validate.js (a test, once per server; none when sdsfhir wrote nothing)
server_writes_valid() {
	[ -n "$server_pid" ] && [ -z "${validated:-}" ] && kill -0 "$server_pid" 2>/dev/null || return 0
	validated=1
	v=$(curl -s --max-time 10 "$ADMIN/invalid")
	n=$(printf '%s' "$v" | jq -r '.checked' 2>/dev/null)
	[ "$n" != 0 ] || return 0
	is "every resource sdsfhir wrote to the server ($n) passes R4 validation (validate.js)" \
		"$(printf '%s' "$v" | jq -r '.errors[]' 2>&1 | head -20)" ""
}

# orthanc_start: a real DICOMweb server, Debian's Orthanc with its DICOMweb plugin, started as
# a plain process on a free port with authentication on (one user) and nothing but HTTP; it
# listens on all interfaces (Orthanc 1.10 has no bind address) but refuses remote access, and
# the tests talk to 127.0.0.1 only. Sets ORTHANC (its REST base), DICOMWEB (its DICOMweb base)
# and ORTHANC_AUTH (user:password for curl -u), and writes $TMP/dicomweb.netrc for sdsfhir.
# ORTHANC_DICOMWEB_EXTRA: more members of its "DicomWeb" configuration.
orthanc_start() {
	command -v Orthanc >/dev/null && [ -f /usr/share/orthanc/plugins/libOrthancDicomWeb.so ] ||
		{ echo "Bail out! Orthanc and its DICOMweb plugin are needed (Debian packages orthanc, orthanc-dicomweb)"; exit 1; }
	o=$TMP/orthanc
	mkdir -p "$o/db"
	port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
	ORTHANC_AUTH="sdsfhir:pw-$$-$port"
	cat >"$o/orthanc.json" <<JSON
{"Name": "sdsfhir-test", "StorageDirectory": "$o/db", "IndexDirectory": "$o/db", "HttpPort": $port,
 "DicomServerEnabled": false, "RemoteAccessAllowed": false, "AuthenticationEnabled": true,
 "RegisteredUsers": {"sdsfhir": "pw-$$-$port"}, "Plugins": ["/usr/share/orthanc/plugins/libOrthancDicomWeb.so"],
 "DicomWeb": {"Enable": true, "Root": "/dicom-web/"${ORTHANC_DICOMWEB_EXTRA:+, $ORTHANC_DICOMWEB_EXTRA}}, "HttpTimeout": 30}
JSON
	Orthanc "$o/orthanc.json" >"$o/log" 2>&1 &
	orthanc_pid=$!
	ORTHANC=http://127.0.0.1:$port
	DICOMWEB=$ORTHANC/dicom-web
	i=0
	until curl -s -f -u "$ORTHANC_AUTH" "$ORTHANC/system" >/dev/null 2>&1; do
		if ! kill -0 "$orthanc_pid" 2>/dev/null || [ $i -gt 300 ]; then
			sed 's/^/# /' "$o/log" | tail -20
			echo "Bail out! Orthanc did not start"
			exit 1
		fi
		sleep 0.1
		i=$((i + 1))
	done
	printf 'machine 127.0.0.1 login sdsfhir password pw-%s-%s\n' "$$" "$port" >"$TMP/dicomweb.netrc"
	chmod 600 "$TMP/dicomweb.netrc"
}

# fhir_post FILE [PATH]: POST a JSON file; sets $status and the body in $TMP/.resp
fhir_post() {
	status=$(curl -s -o "$TMP/.resp" -w '%{http_code}' -X POST -H 'Content-Type: application/fhir+json' \
		--data-binary @"$1" "$FHIR${2:-}")
}

# fhir_count TYPE [QUERY]: how many TYPE resources the server holds (_summary=count)
fhir_count() {
	curl -s "$FHIR/$1?${2:+$2&}_summary=count" | jq -r .total
}

# bundle_unique FILE DESC: no two entries of the Bundle share a fullUrl or a conditional URL (bdl-7)
bundle_unique() {
	dups=$(jq -r '[.entry[]? | .fullUrl // empty] | group_by(.) | map(select(length > 1) | .[0]) | .[]' "$1" 2>&1)
	is "$2: no fullUrl repeats" "$dups" ""
	dups=$(jq -r '[.entry[]? | .request | select(.url | test("[?]")) | .url] + [.entry[]? | .request | select(.ifNoneExist) | (.url + "?" + .ifNoneExist)]
		| group_by(.) | map(select(length > 1) | .[0]) | .[]' "$1" 2>&1)
	is "$2: no conditional URL repeats" "$dups" ""
}

fhir_reset() {
	curl -s -X POST "$ADMIN/reset" >/dev/null
}

# fault JSON: inject a fault into the test server (see tests/fhir-server/server.js)
fault() {
	curl -s -X POST -d "$1" "$ADMIN/fault" >/dev/null
}

# tmux_session: a tmux server of this test's own, kept while it has no session (so a test can
# end one and start the next without racing the server's exit) and ended with the test; t runs
# tmux on it
tmux_session() {
	command -v tmux >/dev/null || { echo "Bail out! tmux is needed (Debian package tmux)"; exit 1; }
	export TMUX_TMPDIR="$TMP"
	sock="sdsfhir-test-$$"
	trap 't kill-server 2>/dev/null; cleanup' EXIT
	t -f /dev/null start-server \; set-option -g exit-empty off
}
t() { tmux -L "$sock" "$@"; }
tmux_capture() { t capture-pane -p -t ui; }

# tmux_wait PATTERN [TENTHS]: until the pane "ui" matches PATTERN (grep -E; 10 s by default); 1 if never
tmux_wait() {
	i=0
	while ! tmux_capture 2>/dev/null | grep -Eq -- "$1"; do
		i=$((i + 1)); [ $i -gt "${2:-100}" ] && return 1
		sleep 0.1
	done
	return 0
}

# tmux_like DESC PATTERN [TENTHS]: the screen comes to match PATTERN; if it never does, the
# test fails and shows the screen. (A screen is drawn in several writes: one capture can
# catch it half drawn, so a test waits for what it checks.)
tmux_like() {
	if tmux_wait "$2" "${3:-}"; then tap 0 "$1"; else
		tap 1 "$1"; tmux_capture 2>&1 | sed 's/^/#   /'; echo "#   wanted: /$2/"
		[ -s "$TMP/ui.stderr" ] && tail -5 "$TMP/ui.stderr" | sed 's/^/#   stderr: /'
	fi
}

# free_port: a loopback port nobody listens on (for "server down")
free_port() {
	${NODE:-node} -e 'const s=require("net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})'
}

#!/bin/sh
# push --images: the instances go to a real DICOMweb server (Debian's Orthanc with its DICOMweb
# plugin, started here on loopback) by STOW-RS, each confirmed in its answer, before the FHIR
# resources that point at them; read back, they are the files; a second push sends nothing;
# a file the server cannot take is named while the rest land, and its study's resources are
# not written; a server that answers 200 without storing is caught; a push killed mid-upload
# completes on the next one, nothing twice.
. "$top_srcdir/tests/lib.sh"
orthanc_start
fhir_server_start
export SDSFHIR_SERVER="$FHIR" XDG_CACHE_HOME="$TMP/cache" XDG_CONFIG_HOME="$TMP/config"
sample_data
D=$TMP/data
IMG="--images --dicomweb $DICOMWEB --dicomweb-netrc-file $TMP/dicomweb.netrc"
files=$(find "$D" -name '*.dcm' | sort)
nfiles=$(printf '%s\n' "$files" | wc -l | tr -d ' ')
orthanc_count() { curl -s -u "$ORTHANC_AUTH" "$ORTHANC/statistics" | jq -r .CountInstances; }

"$SDSFHIR" push -v $IMG "$D" >"$TMP/out" 2>"$TMP/err"
is "push --images: exit 0" "$?" 0
like "... each study's instances stored" "$(cat "$TMP/out")" "images +sparc_fhir_breast_dataset/sub-Aniyah-breast-1: 9 stored, 0 there already \\(1 request\\)"
like "... all four studies" "$(cat "$TMP/out")" "images: 4 of 4 studies with all their instances on $DICOMWEB"
like "... then the FHIR resources" "$(cat "$TMP/out")" "push: ImagingStudy 4 created"
is "Orthanc holds every file ($nfiles)" "$(orthanc_count)" "$nfiles"
# read back through DICOMweb (QIDO): the SOP Instance UIDs are the files'
want=$(for f in $files; do dcmdump -q +P 0008,0018 "$f" | sed 's/.*\[\(.*\)\].*/\1/'; done | sort)
got=$(curl -s -u "$ORTHANC_AUTH" -H 'Accept: application/dicom+json' "$DICOMWEB/instances?includefield=00080018&limit=1000" |
	jq -r '.[]["00080018"].Value[0]' | sort)
is "QIDO-RS: the server's SOP Instance UIDs are the files'" "$got" "$want"
# and each stored file is byte for byte the file sent
same=0
for f in $files; do
	uid=$(dcmdump -q +P 0008,0018 "$f" | sed 's/.*\[\(.*\)\].*/\1/')
	id=$(curl -s -u "$ORTHANC_AUTH" -X POST --data "$uid" "$ORTHANC/tools/lookup" | jq -r '.[0].ID')
	curl -s -u "$ORTHANC_AUTH" "$ORTHANC/instances/$id/file" -o "$TMP/back.dcm"
	cmp -s "$f" "$TMP/back.dcm" && same=$((same + 1))
done
is "every file read back is the file sent, byte for byte" "$same" "$nfiles"
study=$(dcmdump -q +P 0020,000d "$D/sparc_fhir_breast_dataset/primary/sub-Aniyah-breast-1/sam-1/IM0001.dcm" | sed 's/.*\[\(.*\)\].*/\1/')
ep=$(curl -s "$FHIR/ImagingStudy?identifier=urn:dicom:uid|urn:oid:$study&_include=ImagingStudy:endpoint" |
	jq -r '.entry[] | select(.resource.resourceType == "Endpoint") | .resource.address')
is "the ImagingStudy's Endpoint is the DICOMweb server" "$ep" "$DICOMWEB"
like "STOW-RS went to the study's URL" "$(cat "$TMP/err")" "POST $DICOMWEB/studies/$study -> 200"

# real files other projects publish in Debian (python3-pydicom's): uploaded and read back as they are
P=/usr/lib/python3/dist-packages/pydicom/data/test_files
R=$TMP/real/primary/sub-r
mkdir -p "$R/sam-ct" "$R/sam-mr" "$R/sam-rgb"
cp "$P/CT_small.dcm" "$R/sam-ct/" && cp "$P/MR_small.dcm" "$R/sam-mr/" && cp "$P/SC_rgb_jpeg_dcmtk.dcm" "$R/sam-rgb/" || exit 1
"$SDSFHIR" push $IMG --same-person "$TMP/real" >"$TMP/outr" 2>&1
is "pydicom's CT, MR and a JPEG colour image: pushed (exit 0)" "$?" 0
samer=0
for f in "$R"/*/*.dcm; do
	uid=$(dcmdump -q +P 0008,0018 "$f" | sed 's/.*\[\(.*\)\].*/\1/')
	id=$(curl -s -u "$ORTHANC_AUTH" -X POST --data "$uid" "$ORTHANC/tools/lookup" | jq -r '.[0].ID')
	curl -s -u "$ORTHANC_AUTH" "$ORTHANC/instances/$id/file" -o "$TMP/back.dcm"
	cmp -s "$f" "$TMP/back.dcm" && samer=$((samer + 1))
done
is "... each read back byte for byte" "$samer" 3
"$SDSFHIR" status $IMG "$D" >"$TMP/st1" 2>&1
is "status --images: exit 0 (every instance there)" "$?" 0
is "... each study: all its instances on the DICOMweb server" "$(grep -c 'images .*: \([0-9]*\) of \1 instances on the DICOMweb server$' "$TMP/st1")" 4
"$SDSFHIR" push -v $IMG "$D" >"$TMP/out2" 2>"$TMP/err2"
is "a second push: exit 0" "$?" 0
is "... no instance sent (every study: 0 stored)" "$(grep -c ': 0 stored, [0-9]* there already (0 requests)' "$TMP/out2")" 4
unlike "... no STOW-RS request at all" "$(cat "$TMP/err2")" "POST $DICOMWEB"
is "... Orthanc holds the same, and the 3 real files" "$(orthanc_count)" "$((nfiles + 3))"

# a file Orthanc cannot parse (its pixel data cut short after the header sdsfhir reads): named,
# the rest of its study stored, the study's FHIR resources not written
cp -R "$top_srcdir/data" "$TMP/bad"
chmod -R u+w "$TMP/bad"
b=$TMP/bad/sparc_fhir_heart_dataset/primary/sub-Linman-heart-1/sam-3/IM0002.dcm
/usr/bin/python3 - "$b" <<'PY' || exit 1
import sys
p = sys.argv[1]; d = open(p, "rb").read()
i = d.rfind(b"\xe0\x7f\x10\x00")      # Pixel Data: its header kept, the value cut to 10 bytes
open(p, "wb").write(d[:i + 12] + d[i + 12:i + 22])
PY
curl -s -u "$ORTHANC_AUTH" -X DELETE "$ORTHANC/patients/$(curl -s -u "$ORTHANC_AUTH" "$ORTHANC/patients" | jq -r '.[]' | head -1)" >/dev/null
curl -s -X POST "$ADMIN/reset" >/dev/null
for p in $(curl -s -u "$ORTHANC_AUTH" "$ORTHANC/patients" | jq -r '.[]'); do
	curl -s -u "$ORTHANC_AUTH" -X DELETE "$ORTHANC/patients/$p" >/dev/null
done
"$SDSFHIR" push $IMG "$TMP/bad/sparc_fhir_heart_dataset" >"$TMP/out3" 2>"$TMP/err3"
is "a file the server cannot take: exit 1 (partly done)" "$?" 1
like "... named, with the server's reason" "$(cat "$TMP/out3")" "not stored +$b: "
like "... the rest of its study stored, the study said not whole" "$(cat "$TMP/out3")" \
	"sub-Linman-heart-1: 1 of 9 not on the DICOMweb server: its resources not written"
like "... the other study complete" "$(cat "$TMP/out3")" "sub-Aniyah-heart-1: 6 stored"
lstudy=$(dcmdump -q +P 0020,000d "$TMP/bad/sparc_fhir_heart_dataset/primary/sub-Linman-heart-1/sam-1/IM0001.dcm" | sed 's/.*\[\(.*\)\].*/\1/')
is "... its ImagingStudy not written (no Endpoint to missing images)" \
	"$(curl -s "$FHIR/ImagingStudy?identifier=urn:dicom:uid|urn:oid:$lstudy&_summary=count" | jq -r .total)" 0
is "... Orthanc holds the 14 good files" "$(orthanc_count)" 14
"$SDSFHIR" status $IMG "$TMP/bad/sparc_fhir_heart_dataset" >"$TMP/st2" 2>&1
is "status --images: exit 1 (an instance missing)" "$?" 1
like "... says how many are there" "$(cat "$TMP/st2")" "sub-Linman-heart-1: 8 of 9 instances on the DICOMweb server \(push --images sends the rest\)"

# a server that answers 200 to a store without storing anything (as Orthanc does to a wrong part
# type): caught, nothing is written to the FHIR server (the FHIR test server plays it)
curl -s -X POST "$ADMIN/reset" >/dev/null
curl -s -X POST -H 'Content-Type: application/json' -d '{"path":"/studies","method":"GET","body":[],"count":10}' "$ADMIN/fault" >/dev/null
curl -s -X POST -H 'Content-Type: application/json' -d '{"path":"/studies","method":"POST","body":{"00081199":{"vr":"SQ"}},"count":10}' "$ADMIN/fault" >/dev/null
"$SDSFHIR" push --images --dicomweb "$FHIR" "$D/sparc_fhir_breast_dataset" >"$TMP/out4" 2>&1
is "a 200 that stores nothing: exit 1" "$?" 1
like "... every instance said not stored" "$(cat "$TMP/out4")" "not stored .*IM0001\\.dcm: the DICOMweb server did not say it was stored"
like "... the study's resources not written" "$(cat "$TMP/out4")" "9 of 9 not on the DICOMweb server: its resources not written"
curl -s -X POST -H 'Content-Type: application/json' -d '{"clear":true}' "$ADMIN/fault" >/dev/null
is "... the FHIR server holds no ImagingStudy" "$(fhir_count ImagingStudy)" 0

# the DICOMweb credentials: refused ones said, and never sent to the FHIR server
printf 'machine 127.0.0.1 login sdsfhir password wrong\n' >"$TMP/bad.netrc"
chmod 600 "$TMP/bad.netrc"
"$SDSFHIR" push --images --dicomweb "$DICOMWEB" --dicomweb-netrc-file "$TMP/bad.netrc" "$D" >"$TMP/out5" 2>&1
is "wrong DICOMweb credentials: exit 1" "$?" 1
like "... said: refused" "$(cat "$TMP/out5")" "HTTP 401: the credentials were refused"
is "... the other studies not tried (said once each)" "$(grep -c 'not sent (the DICOMweb server could not be asked)' "$TMP/out5")" 3
"$SDSFHIR" push --images --dicomweb "https://u:p@$(echo "$DICOMWEB" | sed 's|http://||')" "$D" >"$TMP/out6" 2>&1
is "a DICOMweb URL with a password in it: a usage error (exit 2)" "$?" 2
like "... refused, since it goes into every Endpoint" "$(cat "$TMP/out6")" "a URL with a user name or password is refused"

# kill -9 in the middle of an upload, then push again: it completes, nothing twice
/usr/bin/python3 "$top_srcdir/bench/gen-dataset.py" "$TMP/big" 1 2 300 65536 >/dev/null || exit 1
for p in $(curl -s -u "$ORTHANC_AUTH" "$ORTHANC/patients" | jq -r '.[]'); do
	curl -s -u "$ORTHANC_AUTH" -X DELETE "$ORTHANC/patients/$p" >/dev/null
done
curl -s -X POST "$ADMIN/reset" >/dev/null
"$SDSFHIR" push $IMG "$TMP/big" >"$TMP/out7" 2>&1 &
pid=$!
i=0
while [ "$(orthanc_count)" = 0 ] && [ $i -lt 300 ] && kill -0 $pid 2>/dev/null; do sleep 0.05; i=$((i + 1)); done
kill -9 $pid 2>/dev/null
wait $pid 2>/dev/null
part=$(orthanc_count)
check "killed with part of the study stored ($part of 600)" test "$part" -lt 600
is "... and no ImagingStudy written" "$(fhir_count ImagingStudy)" 0
"$SDSFHIR" push $IMG "$TMP/big" >"$TMP/out8" 2>&1
is "pushed again: exit 0" "$?" 0
stored=$(sed -n 's/.*sub-1: \([0-9]*\) stored, \([0-9]*\) there already.*/\1 \2/p' "$TMP/out8")
check "... what was there not sent again, the rest stored (stored, there: $stored; $part seen at the kill)" \
	test "$(echo $stored | awk '{ print $1 + $2 }')" = 600 -a "$(echo $stored | awk '{ print $2 }')" -ge "$part"
is "... Orthanc holds the 600 instances, each once" "$(orthanc_count)" 600
is "... one ImagingStudy" "$(fhir_count ImagingStudy)" 1

# the UI: the push question offers the images (i) when a DICOMweb server is configured
for p in $(curl -s -u "$ORTHANC_AUTH" "$ORTHANC/patients" | jq -r '.[]'); do
	curl -s -u "$ORTHANC_AUTH" -X DELETE "$ORTHANC/patients/$p" >/dev/null
done
curl -s -X POST "$ADMIN/reset" >/dev/null
printf ':wait\nj\np\n:dump %s\ni\n:wait\nL\n:dump %s\nq q\n' "$TMP/ask" "$TMP/log" >"$TMP/script"
SDSFHIR_SCRIPT="$TMP/script" SDSFHIR_SIZE=200x40 "$SDSFHIR" --dicomweb "$DICOMWEB" --dicomweb-netrc-file "$TMP/dicomweb.netrc" \
	"$D/sparc_fhir_breast_dataset" >/dev/null 2>&1
is "the UI, scripted: exit 0" "$?" 0
like "the push question offers the images" "$(cat "$TMP/ask")" "i: push with their images \(to $DICOMWEB\)"
like "i: the images first, said in the log" "$(cat "$TMP/log")" "images: sparc_fhir_breast_dataset/sub-Aniyah-breast-1: 9 stored, 0 there already"
is "... Orthanc holds its 9 instances" "$(orthanc_count)" 9
is "... then its ImagingStudy" "$(fhir_count ImagingStudy)" 1
printf ':wait\n:sleep 300\n:wait\nj 3\n:dump %s\nj j j j\n:dump %s\nq\n' "$TMP/sv1" "$TMP/sv2" >"$TMP/script"
SDSFHIR_SCRIPT="$TMP/script" SDSFHIR_SIZE=200x40 "$SDSFHIR" --images --dicomweb "$DICOMWEB" \
	--dicomweb-netrc-file "$TMP/dicomweb.netrc" "$D/sparc_fhir_breast_dataset" >/dev/null 2>&1
like "the server view (images = yes): a study's instances all on the DICOMweb server" "$(cat "$TMP/sv1")" \
	"Images: 9 of 9 instances on the DICOMweb server"
like "... another's none of them, and how to send them" "$(cat "$TMP/sv2")" \
	"Images: 0 of 6 instances on the DICOMweb server \\(p, then i, sends the rest\\)"
like "the tree's rows say it too: all there" "$(cat "$TMP/sv2")" "sub-Aniyah-breast-1 \\(9\\) \\[9/9 images\\]"
like "... none there" "$(cat "$TMP/sv2")" "sub-Linman-breast-1 \\(6\\) \\[0/6 images\\]"

# Debian's dicomweb.json sets "Host": "localhost": the URLs Orthanc gives drop the port; said
kill "$orthanc_pid" && wait "$orthanc_pid" 2>/dev/null; rm -rf "$TMP/orthanc"	# a new, empty one
ORTHANC_DICOMWEB_EXTRA='"Host": "localhost"' orthanc_start
"$SDSFHIR" push --images --dicomweb "$DICOMWEB" --dicomweb-netrc-file "$TMP/dicomweb.netrc" \
	"$D/sparc_fhir_breast_dataset/primary/sub-Aniyah-breast-1" >"$TMP/out9" 2>&1
is "a server that names itself elsewhere: still pushed (exit 0)" "$?" 0
like "... and said: where it names its studies, and the setting to fix" "$(cat "$TMP/out9")" \
	"warning: the DICOMweb server names its studies at http://localhost/dicom-web/studies/[0-9.]+, not under $DICOMWEB"
done_testing

#!/bin/sh
# Names in character sets with ISO 2022 code extensions (PS3.5 Annex H, I and J examples),
# in files written by dcmtk's dump2dcm: decoded whole before the name is split, the
# ideographic group used when the alphabetic one is empty, undecodable values left out.
. "$top_srcdir/tests/lib.sh"
E=$(printf '\033')
T=$TMP/ds/primary
U=1.2.826.0.1.3680043.10.95
n=0
person() {	# SUBJECT CHARSET NAME: a file of its own study
	n=$((n + 1))
	mkdcm "$T/$1/sam-1/a.dcm" "(0008,0005) CS [$2]" "(0010,0010) PN [$3]" "(0010,0020) LO [CS-$n]" \
		"(0020,000d) UI [$U.$n]" "(0020,000e) UI [$U.$n.1]" "(0008,0018) UI [$U.$n.1.1]"
}
family() {	# SUBJECT: family and given names of its Patient
	"$SDSFHIR" fhir --resource patient "$T/$1" 2>"$TMP/.w" | jq -r '.[0].name[0] | [.family, (.given // [] | join(" "))] | join(" / ")'
}
# PS3.5 H.3.1: Japanese, JIS X 0208 (ISO 2022 IR 87)
person sub-jp '\ISO 2022 IR 87' "Yamada^Tarou=${E}\$B;3ED${E}(B^${E}\$BB@O:${E}(B=${E}\$B\$d\$^\$@${E}(B^${E}\$B\$?\$m\$&${E}(B"
# kanji only: the alphabetic group is empty
person sub-kanji '\ISO 2022 IR 87' "=${E}\$B;3ED${E}(B^${E}\$BB@O:${E}(B=${E}\$B\$d\$^\$@${E}(B^${E}\$B\$?\$m\$&${E}(B"
# PS3.5 H.3.2: half-width katakana (ISO 2022 IR 13) with JIS X 0208
person sub-kana 'ISO 2022 IR 13\ISO 2022 IR 87' "$(printf '\324\317\300\336^\300\333\263')=${E}\$B;3ED${E}(J^${E}\$BB@O:${E}(J=${E}\$B\$d\$^\$@${E}(J^${E}\$B\$?\$m\$&${E}(J"
# PS3.5 I.2: Korean, KS X 1001 (ISO 2022 IR 149)
person sub-kr '\ISO 2022 IR 149' "Hong^Gildong=${E}\$)C$(printf '\373\363')^${E}\$)C$(printf '\321\316\324\327')=${E}\$)C$(printf '\310\253')^${E}\$)C$(printf '\261\346\265\277')"
person sub-kr-only '\ISO 2022 IR 149' "=${E}\$)C$(printf '\310\253')^${E}\$)C$(printf '\261\346\265\277')"
# an escape sequence no character set defines
person sub-bad '\ISO 2022 IR 87' "=${E}\$Z;3ED${E}(B^x"

is "IR 87: the alphabetic group" "$(family sub-jp)" "Yamada / Tarou"
is "IR 87, kanji only: the ideographic group, not dropped" "$(family sub-kanji)" "山田 / 太郎"
is "IR 13 + IR 87: half-width katakana" "$(family sub-kana)" "ﾔﾏﾀﾞ / ﾀﾛｳ"
is "IR 149: the alphabetic group" "$(family sub-kr)" "Hong / Gildong"
is "IR 149, hangul only" "$(family sub-kr-only)" "홍 / 길동"
run "$SDSFHIR" fhir --resource patient "$T/sub-jp"
is "IR 87: a HumanName per group, the ideographic and phonetic ones tagged (iso21090-EN-representation)" \
	"$(printf '%s' "$out" | jq -c '[.[0].name[] | [.family, .given[0], (.extension // [] | map(.valueCode) | join(""))]]')" \
	'[["Yamada","Tarou",""],["山田","太郎","IDE"],["やまだ","たろう","SYL"]]'
printf '%s\n' "$out" >"$TMP/jp.json"
run env NODE_PATH=${FHIR_NODE_MODULES:-} ${NODE:-node} "$top_srcdir/tests/fhir-server/validate.js" "$TMP/jp.json"
like "... valid R4 (the extension's context is HumanName)" "$out" "^1 resources, 0 errors$"
run "$SDSFHIR" tags "$T/sub-jp/sam-1/a.dcm"
like "tags: the whole value decoded" "$out" "PatientName +Yamada\\^Tarou=山田\\^太郎=やまだ\\^たろう"
unlike "no escape sequence left anywhere" "$("$SDSFHIR" fhir "$TMP/ds" 2>/dev/null)" '\$B|\(B|\$\)C'
run "$SDSFHIR" fhir --resource patient "$T/sub-bad"
is "undecodable: no name stored" "$(printf '%s' "$out" | jq -r '.[0] | has("name")')" "false"
like "... with a warning" "$err" "Patient's Name cannot be decoded from Specific Character Set"
done_testing

#!/bin/sh
# ./bootstrap starts fast the second time: npm ci runs only when the lock file changed.
# Run on a copy of the scripts, with an npm that only records its calls.
. "$top_srcdir/tests/lib.sh"
T=$TMP/tree
mkdir -p "$T/tests/fhir-server" "$TMP/bin"
cp "$top_srcdir/bootstrap" "$T/"
cp "$top_srcdir/tests/fhir-server/package.json" "$top_srcdir/tests/fhir-server/package-lock.json" "$T/tests/fhir-server/"
cat >"$TMP/bin/npm" <<EOS
#!/bin/sh
echo "npm \$*" >>"$TMP/npm.calls"
mkdir -p node_modules
EOS
for c in apt-get sudo; do printf '#!/bin/sh\necho "%s $*" >>"%s/other.calls"\n' "$c" "$TMP" >"$TMP/bin/$c"; done
chmod +x "$TMP/bin/"*
deps() { (cd "$T" && PATH="$TMP/bin:$PATH" ./bootstrap deps >/dev/null 2>&1); }
deps
is "first start: npm ci" "$(cat "$TMP/npm.calls" 2>/dev/null)" "npm ci --no-audit --no-fund --loglevel=error"
: >"$TMP/npm.calls"
deps
is "second start: no npm ci (the lock file did not change)" "$(cat "$TMP/npm.calls")" ""
printf '\n' >>"$T/tests/fhir-server/package-lock.json"
deps
like "the lock file changed: npm ci again" "$(cat "$TMP/npm.calls")" "^npm ci"
done_testing

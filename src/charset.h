/* DICOM character sets that use ISO 2022 code extensions (PS3.5 6.1.2.5): Japanese
 * (ISO 2022 IR 13, 87, 159), Korean (IR 149), Chinese (IR 58) and the ISO 8859 parts, which
 * dcmtk built with glibc's iconv refuses ("not supported by the utilized character set
 * conversion library"). Decoded here segment by segment with glibc's iconv (EUC-JP, EUC-KR,
 * GB2312). Core module: no curses. */
#ifndef SDSFHIR_CHARSET_H
#define SDSFHIR_CHARSET_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Does the Specific Character Set value (backslash-separated terms) use ISO 2022 code
 * extensions that charset_decode handles? */
int charset_is_iso2022(const char *specific_charset);

/* Decode in[0..n) written in specific_charset into UTF-8 in out (always terminated). The
 * state returns to the initial sets at each value delimiter ('\\') and, when pn is set, at
 * each '^' and '=' of a person name, as PS3.5 requires. 0, or -1 when a byte or escape
 * sequence cannot be decoded or out is too small (out then holds nothing usable). */
int charset_decode(const char *specific_charset, const char *in, size_t n, int pn, char *out, size_t outlen);

#ifdef __cplusplus
}
#endif
#endif

/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "op-mime"

#include "config.h"

#include <errno.h>
#include <glib/gi18n.h>
#include <string.h>

#include "op-mime-private.h"

G_DEFINE_QUARK (op-mime-error-quark, op_mime_error)

void
op_mime_init (void)
{
  static gsize initialised = 0;

  /* g_mime_init() itself is not thread-safe; after it, GMime's global tables are only
   * read, and its iconv cache has its own lock, so workers may parse in parallel. */
  if (g_once_init_enter (&initialised))
    {
      g_mime_init ();
      g_once_init_leave (&initialised, 1);
    }
}

OpMimeRoot *
_op_mime_root_new (GMimeMessage *message,
                   const char   *fallback_charset)
{
  OpMimeRoot *root = g_atomic_rc_box_new0 (OpMimeRoot);

  g_mutex_init (&root->lock);
  root->message = g_object_ref (message);
  root->fallback_charset = g_strdup (fallback_charset);
  return root;
}

OpMimeRoot *
_op_mime_root_ref (OpMimeRoot *root)
{
  return g_atomic_rc_box_acquire (root);
}

static void
root_clear (gpointer data)
{
  OpMimeRoot *root = data;

  g_mutex_clear (&root->lock);
  g_clear_object (&root->message);
  g_free (root->fallback_charset);
}

void
_op_mime_root_unref (OpMimeRoot *root)
{
  g_atomic_rc_box_release_full (root, root_clear);
}

/* The WHATWG Encoding Standard's lesson: mail labelled with a legacy charset was written
 * with its vendor superset, so decode with the superset (a GB2312 label on GBK text, a
 * Shift_JIS label on Windows-31J text, ISO-8859-1 on windows-1252). */
static const struct
{
  const char *label;
  const char *iconv_name;
} charset_aliases[] = {
  { "gb2312", "GB18030" }, { "gbk", "GB18030" }, { "x-gbk", "GB18030" },
  { "cp936", "GB18030" }, { "ms936", "GB18030" }, { "windows-936", "GB18030" },
  { "euc-cn", "GB18030" }, { "x-euc-cn", "GB18030" }, { "csgb2312", "GB18030" },
  { "gb_2312-80", "GB18030" }, { "chinese", "GB18030" }, { "gb18030", "GB18030" },
  { "big5", "BIG5-HKSCS" }, { "big-5", "BIG5-HKSCS" }, { "cn-big5", "BIG5-HKSCS" },
  { "x-x-big5", "BIG5-HKSCS" }, { "csbig5", "BIG5-HKSCS" }, { "big5-hkscs", "BIG5-HKSCS" },
  { "shift_jis", "CP932" }, { "shift-jis", "CP932" }, { "sjis", "CP932" },
  { "x-sjis", "CP932" }, { "ms_kanji", "CP932" }, { "csshiftjis", "CP932" },
  { "windows-31j", "CP932" }, { "cp932", "CP932" }, { "ms932", "CP932" },
  { "euc-jp", "EUC-JP-MS" }, { "x-euc-jp", "EUC-JP-MS" }, { "cseucpkdfmtjapanese", "EUC-JP-MS" },
  { "iso-2022-jp", "ISO-2022-JP" }, { "csiso2022jp", "ISO-2022-JP" },
  { "ks_c_5601-1987", "CP949" }, { "euc-kr", "CP949" }, { "korean", "CP949" },
  { "ks_c_5601", "CP949" }, { "cp949", "CP949" },
  { "iso-8859-1", "WINDOWS-1252" }, { "iso8859-1", "WINDOWS-1252" }, { "latin1", "WINDOWS-1252" },
  { "l1", "WINDOWS-1252" }, { "us-ascii", "WINDOWS-1252" }, { "ascii", "WINDOWS-1252" },
  { "ansi_x3.4-1968", "WINDOWS-1252" }, { "iso-8859-9", "WINDOWS-1254" },
  { "iso-8859-11", "WINDOWS-874" }, { "tis-620", "WINDOWS-874" },
  { "utf-8", "UTF-8" }, { "utf8", "UTF-8" }, { "unicode-1-1-utf-8", "UTF-8" },
};

/* Converters to UTF-8, kept open between uses. glibc loads a charset's gconv module on
 * iconv_open() and unloads it again soon after the last iconv_close(), so opening a
 * converter per text re-ran dlopen() and dlclose() for every part of every message
 * (five loads per input in the MIME fuzz target, most of its time under ASan). A
 * converter taken from the pool is used by one thread at a time and returned reset;
 * only the names of the alias table and the first few others are pooled, so a message
 * that names hundreds of charsets cannot keep hundreds of modules loaded. */
#define MAX_POOLED_CHARSETS 32
#define MAX_IDLE_PER_CHARSET 4

static GMutex converter_lock;
static GHashTable *idle_converters;   /* iconv name → GPtrArray of idle GIConv */

static GIConv
converter_take (const char *iconv_name)
{
  GIConv cd = (GIConv) -1;

  g_mutex_lock (&converter_lock);
  if (idle_converters != NULL)
    {
      GPtrArray *idle = g_hash_table_lookup (idle_converters, iconv_name);

      if (idle != NULL && idle->len > 0)
        cd = g_ptr_array_steal_index_fast (idle, idle->len - 1);
    }
  g_mutex_unlock (&converter_lock);
  if (cd == (GIConv) -1)
    cd = g_iconv_open ("UTF-8", iconv_name);
  return cd;
}

static void
converter_give_back (const char *iconv_name,
                     GIConv      cd)
{
  GPtrArray *idle;

  /* Back to the initial shift state, for the next text. */
  g_iconv (cd, NULL, NULL, NULL, NULL);
  g_mutex_lock (&converter_lock);
  if (idle_converters == NULL)
    idle_converters = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                             (GDestroyNotify) g_ptr_array_unref);
  idle = g_hash_table_lookup (idle_converters, iconv_name);
  if (idle == NULL && g_hash_table_size (idle_converters) < MAX_POOLED_CHARSETS)
    {
      idle = g_ptr_array_new ();
      g_hash_table_insert (idle_converters, g_strdup (iconv_name), idle);
    }
  if (idle != NULL && idle->len < MAX_IDLE_PER_CHARSET)
    {
      g_ptr_array_add (idle, cd);
      cd = (GIConv) -1;
    }
  g_mutex_unlock (&converter_lock);
  if (cd != (GIConv) -1)
    g_iconv_close (cd);
}

char *
_op_mime_canonical_charset (const char *charset)
{
  g_autofree char *lower = NULL;
  GIConv cd;

  if (charset == NULL || *charset == '\0' || strlen (charset) > 40)
    return NULL;

  lower = g_ascii_strdown (charset, -1);
  g_strstrip (lower);
  for (gsize i = 0; i < G_N_ELEMENTS (charset_aliases); i++)
    if (strcmp (lower, charset_aliases[i].label) == 0)
      return g_strdup (charset_aliases[i].iconv_name);

  /* A label from the message goes to iconv_open() only as a plain name: no "//"
   * options, nothing that is not a charset name. "unknown-8bit", "x-user-defined",
   * typos: decided as for no charset. */
  for (const char *p = lower; *p != '\0'; p++)
    if (!g_ascii_isalnum (*p) && *p != '-' && *p != '_' && *p != '.' && *p != ':')
      return NULL;
  cd = converter_take (lower);
  if (cd == (GIConv) -1)
    return NULL;
  converter_give_back (lower, cd);
  return g_steal_pointer (&lower);
}

/* ISO-2022-JP as Japanese webmail writes it (CP50220/50221) uses the NEC and IBM rows,
 * which glibc's ISO-2022-JP refuses. Its JIS X 0208 bytes with the high bit set are
 * EUC-JP, and EUC-JP-MS has those rows: transcode, then decode as EUC-JP-MS. */
static GByteArray *
iso2022jp_to_eucjp (const guint8 *data,
                    gsize         length)
{
  GByteArray *out = g_byte_array_sized_new (length);
  enum { ASCII, JIS0208, KATAKANA, OTHER } mode = ASCII;

  for (gsize i = 0; i < length; i++)
    {
      guint8 c = data[i];

      if (c == 0x1b && i + 2 < length)
        {
          if (data[i + 1] == '$' && (data[i + 2] == 'B' || data[i + 2] == '@'))
            mode = JIS0208, i += 2;
          else if (data[i + 1] == '(' && (data[i + 2] == 'B' || data[i + 2] == 'J'))
            mode = ASCII, i += 2;
          else if (data[i + 1] == '(' && data[i + 2] == 'I')
            mode = KATAKANA, i += 2;
          else
            mode = OTHER, i += 2;
          continue;
        }
      if (c == '\n' || c == '\r')
        mode = ASCII;

      switch (mode)
        {
        case JIS0208:
          if (c >= 0x21 && c <= 0x7e && i + 1 < length && data[i + 1] >= 0x21 && data[i + 1] <= 0x7e)
            {
              guint8 pair[2] = { c | 0x80, data[i + 1] | 0x80 };

              g_byte_array_append (out, pair, 2);
              i++;
            }
          else
            g_byte_array_append (out, &c, 1);
          break;
        case KATAKANA:
          if (c >= 0x21 && c <= 0x5f)
            {
              guint8 pair[2] = { 0x8e, c | 0x80 };

              g_byte_array_append (out, pair, 2);
            }
          else
            g_byte_array_append (out, &c, 1);
          break;
        case OTHER:
          /* A set we do not map: keep it visible as undecodable rather than as Latin. */
          {
            guint8 bad = 0xff;

            g_byte_array_append (out, c < 0x20 ? &c : &bad, 1);
          }
          break;
        case ASCII:
        default:
          g_byte_array_append (out, &c, 1);
          break;
        }
    }
  return out;
}

/* A second chance for a two-byte sequence @iconv_name refused: glibc's BIG5-HKSCS lacks
 * the rows Microsoft added to Big5 in CP950 (the euro sign at 0xA3E1, the ETEN
 * extensions), which Outlook writes under the label "big5". Appends the character and
 * returns TRUE when CP950 has it. */
static gboolean
convert_vendor_pair (const char *iconv_name,
                     const char *pair,
                     GString    *out)
{
  GIConv cd;
  char *in = (char *) pair;
  gsize in_left = 2;
  char buffer[8];
  char *outp = buffer;
  gsize out_left = sizeof buffer;
  gboolean ok;

  if (strcmp (iconv_name, "BIG5-HKSCS") != 0)
    return FALSE;
  cd = converter_take ("CP950");
  if (cd == (GIConv) -1)
    return FALSE;
  ok = g_iconv (cd, &in, &in_left, &outp, &out_left) != (gsize) -1 && in_left == 0;
  if (ok)
    g_string_append_len (out, buffer, outp - buffer);
  converter_give_back ("CP950", cd);
  return ok;
}

/* Converts with iconv, replacing each undecodable byte with U+FFFD. */
static char *
convert_lossy (const char *data,
               gsize       length,
               const char *iconv_name)
{
  GIConv cd = converter_take (iconv_name);
  GString *out;
  char *in = (char *) data;
  gsize in_left = length;
  char buffer[4096];

  if (cd == (GIConv) -1)
    return NULL;

  out = g_string_sized_new (length + length / 2);
  while (in_left > 0)
    {
      char *outp = buffer;
      gsize out_left = sizeof buffer;
      gsize r = g_iconv (cd, &in, &in_left, &outp, &out_left);

      g_string_append_len (out, buffer, outp - buffer);
      if (r == (gsize) -1)
        {
          if (errno == E2BIG)
            continue;
          /* Back to the initial state, keeping a character a stateful converter
           * (BIG5-HKSCS's combining pairs) still held. */
          outp = buffer;
          out_left = sizeof buffer;
          g_iconv (cd, NULL, NULL, &outp, &out_left);
          g_string_append_len (out, buffer, outp - buffer);
          if (in_left >= 2 && convert_vendor_pair (iconv_name, in, out))
            {
              in += 2;
              in_left -= 2;
              continue;
            }
          /* EILSEQ, or EINVAL (truncated at the end): skip one byte, say so. */
          g_string_append (out, "\xef\xbf\xbd");
          in++;
          in_left--;
        }
    }
  {
    char *outp = buffer;
    gsize out_left = sizeof buffer;

    g_iconv (cd, NULL, NULL, &outp, &out_left);
    g_string_append_len (out, buffer, outp - buffer);
  }
  converter_give_back (iconv_name, cd);

  /* iconv may pass NULs through; they would cut the string short for every reader. */
  for (gsize i = 0; i < out->len; i++)
    if (out->str[i] == '\0')
      out->str[i] = ' ';

  return g_string_free (out, FALSE);
}

static char *
utf8_lossy (const char *data,
            gsize       length)
{
  g_autofree char *copy = g_memdup2 (data, length);

  for (gsize i = 0; i < length; i++)
    if (copy[i] == '\0')
      copy[i] = ' ';
  return g_utf8_make_valid (copy, length);
}

char *
op_mime_decode_text (const char *data,
                     gsize       length,
                     const char *charset,
                     const char *fallback_charset)
{
  g_autofree char *name = _op_mime_canonical_charset (charset);
  char *text = NULL;

  g_return_val_if_fail (data != NULL || length == 0, NULL);

  if (length == 0)
    return g_strdup ("");

  /* A part that declares ASCII or Latin-1 but is valid UTF-8 with 8-bit bytes was
   * written as UTF-8 by a mailer that did not say so: UTF-8 is almost never valid by
   * accident. The same for no charset at all. */
  if (name == NULL || g_strcmp0 (name, "WINDOWS-1252") == 0 || g_strcmp0 (name, "UTF-8") == 0)
    {
      if (g_utf8_validate_len (data, length, NULL))
        return g_strndup (data, length);
      if (g_strcmp0 (name, "UTF-8") == 0)
        return utf8_lossy (data, length);
    }

  if (name == NULL)
    name = _op_mime_canonical_charset (fallback_charset);
  if (name == NULL)
    name = g_strdup ("WINDOWS-1252");

  if (strcmp (name, "ISO-2022-JP") == 0)
    {
      g_autoptr(GByteArray) euc = iso2022jp_to_eucjp ((const guint8 *) data, length);

      text = convert_lossy ((const char *) euc->data, euc->len, "EUC-JP-MS");
    }
  else
    text = convert_lossy (data, length, name);

  if (text == NULL)
    text = utf8_lossy (data, length);
  return text;
}

/* One RFC 2047 encoded word at @p ("=?charset?X?payload?="), found with bounded looks:
 * a hostile header of unclosed words stays linear. RFC 2047 §2 allows 75 characters a
 * word; real mailers write longer ones, never this long. */
typedef struct
{
  const char *q1;   /* the '?' after the charset */
  const char *q2;   /* the '?' after the encoding */
  const char *end;  /* the "?=" that closes it */
} EncodedWord;

static gboolean
find_encoded_word (const char  *p,
                   const char  *raw_end,
                   EncodedWord *word)
{
  if (p[0] != '=' || p[1] != '?')
    return FALSE;
  word->q1 = memchr (p + 2, '?', MIN ((gsize) (raw_end - p - 2), 72));
  word->q2 = word->q1 != NULL && word->q1[1] != '\0' ? (word->q1[2] == '?' ? word->q1 + 2 : NULL) : NULL;
  word->end = word->q2 != NULL ? g_strstr_len (word->q2 + 1, MIN (raw_end - word->q2 - 1, 4096), "?=") : NULL;
  return word->q1 != NULL && word->q2 != NULL && word->end != NULL;
}

/* The canonical charset of the word at @start (RFC 2231 §5: "=?charset*language?…?="),
 * NULL when unknown. */
static char *
word_charset (const char        *start,
              const EncodedWord *word)
{
  g_autofree char *charset = g_strndup (start + 2, word->q1 - start - 2);
  char *star = strchr (charset, '*');

  if (star != NULL)
    *star = '\0';
  return _op_mime_canonical_charset (charset);
}

/* Appends the bytes of the word's payload (B or Q) to @out. */
static void
append_word_bytes (const EncodedWord *word,
                   GByteArray        *out)
{
  g_autofree char *payload = g_strndup (word->q2 + 1, word->end - word->q2 - 1);

  if (g_ascii_toupper (word->q1[1]) == 'B')
    {
      gsize n = 0;
      g_autofree guchar *bytes = NULL;

      g_strdelimit (payload, " \t", '=');  /* never valid base64 inside a word */
      bytes = g_base64_decode (payload, &n);
      g_byte_array_append (out, bytes, n);
      return;
    }
  for (const char *c = payload; *c != '\0'; c++)
    {
      guint8 b = *c;

      if (*c == '_')
        b = ' ';
      else if (*c == '=' && g_ascii_isxdigit (c[1]) && g_ascii_isxdigit (c[2]))
        {
          b = g_ascii_xdigit_value (c[1]) * 16 + g_ascii_xdigit_value (c[2]);
          c += 2;
        }
      g_byte_array_append (out, &b, 1);
    }
}

/* Decodes each run of RFC 2047 encoded words of one known charset in @raw (adjacent, or
 * apart only by white space, which RFC 2047 §6.2 drops) with op_mime_decode_text() and
 * writes it back as one UTF-8 word, for GMime's decoder to read. So a character split
 * across two words is whole again, real-world labels get their superset (GB2312 text read
 * as GB18030, ISO-2022-JP with the NEC rows), and an undecodable byte becomes U+FFFD
 * instead of costing the rest of the header. Words of an unknown charset and everything
 * else are left byte for byte. */
static char *
rewrite_encoded_words (const char *raw)
{
  gsize length = strlen (raw);
  const char *raw_end = raw + length;
  GString *out = g_string_sized_new (length);
  const char *p = raw;

  while (*p != '\0')
    {
      const char *start = strstr (p, "=?");
      EncodedWord word;
      g_autofree char *canonical = NULL;
      g_autoptr(GByteArray) bytes = NULL;
      g_autofree char *text = NULL;
      g_autofree char *b64 = NULL;

      if (start == NULL)
        break;
      g_string_append_len (out, p, start - p);
      if (!find_encoded_word (start, raw_end, &word))
        {
          g_string_append (out, "=?");
          p = start + 2;
          continue;
        }
      canonical = word_charset (start, &word);
      if (canonical == NULL)
        {
          g_string_append_len (out, start, word.end + 2 - start);
          p = word.end + 2;
          continue;
        }

      bytes = g_byte_array_new ();
      append_word_bytes (&word, bytes);
      p = word.end + 2;
      for (;;)
        {
          const char *next = p + strspn (p, " \t\r\n");
          EncodedWord more;
          g_autofree char *charset = NULL;

          if (!find_encoded_word (next, raw_end, &more))
            break;
          charset = word_charset (next, &more);
          if (g_strcmp0 (charset, canonical) != 0)
            break;
          append_word_bytes (&more, bytes);
          p = more.end + 2;
        }
      text = op_mime_decode_text ((const char *) bytes->data, bytes->len, canonical, NULL);
      b64 = g_base64_encode ((const guchar *) text, strlen (text));
      g_string_append_printf (out, "=?UTF-8?B?%s?=", b64);
    }
  g_string_append (out, p);
  return g_string_free (out, FALSE);
}

char *
_op_mime_rewrite_parameter_charsets (const char *raw)
{
  GString *out = g_string_sized_new (strlen (raw));
  const char *p = raw;

  /* RFC 2231 §4: name*=charset'language'%XX…, the charset only on the first section. */
  while (*p != '\0')
    {
      const char *star = strstr (p, "*=");
      const char *start, *quote;
      g_autofree char *charset = NULL;
      g_autofree char *canonical = NULL;

      if (star == NULL)
        break;
      start = star + 2;
      while (*start == ' ' || *start == '\t' || *start == '"')
        start++;
      quote = start;
      while (*quote != '\0' && *quote != '\'' && *quote != ';' && *quote != '"' && quote - start < 40)
        quote++;
      g_string_append_len (out, p, start - p);
      if (*quote != '\'' || quote == start)
        {
          p = start;
          continue;
        }
      charset = g_strndup (start, quote - start);
      canonical = _op_mime_canonical_charset (charset);
      /* ISO-2022-JP needs its escapes; names are never written in it anyway. */
      if (canonical != NULL && strcmp (canonical, "ISO-2022-JP") != 0)
        g_string_append (out, canonical);
      else
        g_string_append (out, charset);
      p = quote;
    }
  g_string_append (out, p);
  return g_string_free (out, FALSE);
}

GMimeParserOptions *
_op_mime_parser_options_new (const char *fallback_charset)
{
  GMimeParserOptions *options = g_mime_parser_options_new ();
  g_autofree char *fallback = _op_mime_canonical_charset (fallback_charset);
  const char *charsets[] = { "UTF-8", fallback != NULL ? fallback : "WINDOWS-1252", NULL };

  g_mime_parser_options_set_address_compliance_mode (options, GMIME_RFC_COMPLIANCE_LOOSE);
  g_mime_parser_options_set_parameter_compliance_mode (options, GMIME_RFC_COMPLIANCE_LOOSE);
  g_mime_parser_options_set_rfc2047_compliance_mode (options, GMIME_RFC_COMPLIANCE_LOOSE);
  g_mime_parser_options_set_allow_addresses_without_domain (options, TRUE);
  g_mime_parser_options_set_fallback_charsets (options, charsets);
  return options;
}

static char *
valid_header_text (char *text)
{
  char *valid;

  if (text == NULL)
    return NULL;
  /* Decoded words may carry control characters; a header shown on one line must not. */
  valid = g_utf8_make_valid (text, -1);
  g_free (text);
  for (char *p = valid; *p != '\0'; p++)
    if ((guchar) *p < 0x20 || *p == 0x7f)
      *p = ' ';
  return valid;
}

char *
_op_mime_decode_header_text (GMimeParserOptions *options,
                             const char         *raw)
{
  g_autofree char *bounded = NULL;
  g_autofree char *rewritten = NULL;
  g_autofree char *unfolded = NULL;

  if (raw == NULL)
    return NULL;
  /* GMime's decoder takes time quadratic in the encoded-word openings of a value: a
   * one-line field is shown cut at OP_MIME_MAX_HEADER_TEXT bytes, before decoding. */
  if (strlen (raw) > OP_MIME_MAX_HEADER_TEXT)
    raw = bounded = g_strndup (raw, OP_MIME_MAX_HEADER_TEXT);
  rewritten = rewrite_encoded_words (raw);
  unfolded = g_mime_utils_header_unfold (rewritten);
  return valid_header_text (g_mime_utils_header_decode_text (options, unfolded));
}

/* GMime converts a mailbox's 8-bit name through the fallback charsets, but leaves a
 * group's name ("Name: a@b, c@d;") as the bytes were: every name is made valid UTF-8,
 * as every other header text is. */
static void
make_names_valid (InternetAddressList *list)
{
  int n = internet_address_list_length (list);

  for (int i = 0; i < n; i++)
    {
      InternetAddress *address = internet_address_list_get_address (list, i);
      const char *name = internet_address_get_name (address);

      if (name != NULL && !g_utf8_validate (name, -1, NULL))
        {
          g_autofree char *valid = g_utf8_make_valid (name, -1);

          internet_address_set_name (address, valid);
        }
      if (INTERNET_ADDRESS_IS_GROUP (address))
        make_names_valid (internet_address_group_get_members (INTERNET_ADDRESS_GROUP (address)));
    }
}

InternetAddressList *
_op_mime_decode_address_list (GMimeParserOptions *options,
                              const char         *raw)
{
  g_autofree char *rewritten = NULL;
  InternetAddressList *list;

  if (raw == NULL)
    return NULL;
  rewritten = rewrite_encoded_words (raw);
  list = internet_address_list_parse (options, rewritten);
  if (list != NULL)
    make_names_valid (list);
  return list;
}

gboolean
op_mime_check_header_value (const char  *value,
                            gssize       length,
                            const char  *what,
                            GError     **error)
{
  gsize n;

  g_return_val_if_fail (value != NULL, FALSE);
  g_return_val_if_fail (what != NULL, FALSE);

  n = length < 0 ? strlen (value) : (gsize) length;
  for (gsize i = 0; i < n; i++)
    {
      guchar c = value[i];

      if (c == '\r' || c == '\n' || c == '\0' || (c < 0x20 && c != '\t') || c == 0x7f)
        {
          g_set_error (error, OP_MIME_ERROR, OP_MIME_ERROR_INVALID_HEADER,
                       /* Translators: %s names a header field, e.g. "subject" */
                       _("The %s contains a line break or a control character, which a mail header cannot carry."),
                       what);
          return FALSE;
        }
    }
  if (!g_utf8_validate_len (value, n, NULL))
    {
      g_set_error (error, OP_MIME_ERROR, OP_MIME_ERROR_INVALID_HEADER,
                   /* Translators: %s names a header field, e.g. "subject" */
                   _("The %s is not valid UTF-8 text."), what);
      return FALSE;
    }
  return TRUE;
}

static gboolean
is_ascii (const char *text,
          gssize      length)
{
  for (gssize i = 0; length < 0 ? text[i] != '\0' : i < length; i++)
    if ((guchar) text[i] >= 0x80)
      return FALSE;
  return TRUE;
}

char *
op_mime_address_to_envelope (const char *address)
{
  const char *at;
  g_autofree char *domain = NULL;

  g_return_val_if_fail (address != NULL, NULL);

  at = strrchr (address, '@');
  if (at == NULL || is_ascii (at + 1, -1))
    return g_strdup (address);
  /* RFC 5890: an internationalised domain travels as its A-label everywhere. */
  domain = g_hostname_to_ascii (at + 1);
  if (domain == NULL)
    return g_strdup (address);
  return g_strdup_printf ("%.*s@%s", (int) (at - address), address, domain);
}

gboolean
op_mime_address_needs_smtputf8 (const char *address)
{
  g_autofree char *envelope = NULL;

  g_return_val_if_fail (address != NULL, FALSE);

  envelope = op_mime_address_to_envelope (address);
  return !is_ascii (envelope, -1);
}

OpMimeRequirements
op_mime_scan_requirements (GBytes *message)
{
  const guint8 *data;
  gsize length;
  OpMimeRequirements needs = OP_MIME_NEEDS_NOTHING;
  gboolean in_header = TRUE;
  gsize line_start = 0;

  g_return_val_if_fail (message != NULL, OP_MIME_NEEDS_NOTHING);

  data = g_bytes_get_data (message, &length);
  for (gsize i = 0; i < length; i++)
    {
      if (data[i] == '\n')
        {
          gsize line_length = i - line_start;

          if (line_length > 0 && data[i - 1] == '\r')
            line_length--;
          if (in_header && line_length == 0)
            in_header = FALSE;
          line_start = i + 1;
        }
      else if (data[i] >= 0x80)
        {
          /* RFC 6532: raw UTF-8 in the top-level header is only allowed over SMTPUTF8;
           * 8-bit body text needs BODY=8BITMIME. */
          needs |= OP_MIME_NEEDS_8BITMIME;
          if (in_header)
            return needs | OP_MIME_NEEDS_SMTPUTF8;
        }
    }
  return needs;
}

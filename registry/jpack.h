/*
 * Packed JSON: the storage encoding of the registry's canonical JSON
 * records (store format v16, docs/storage.md "Packed records").
 *
 * The registry's records are canonical JSON (registry/jcs.h) whose bytes
 * matter: the private record is what an entry's public `private`
 * commitment hashes, and every read path serves or hashes the exact text.
 * Half of those bytes are member names and lowercase hex. A packed record
 * is a token stream that decodes back to exactly the same text: member
 * names and common values become one byte (a fixed dictionary), hex
 * strings their bytes, integers a varint; the commas, colons and quotes
 * are implied. Nothing is normalised: jpack_encode checks that the
 * decoding of what it made equals its input byte for byte and otherwise
 * stores the text as it is, so any text (canonical or not) round-trips.
 *
 * A stored value is either
 *   JPACK_TAG (0x01) || tokens        packed, or
 *   the JSON text itself               (it never starts with 0x01: JSON
 *                                       text starts with '{', '[', '"',
 *                                       a digit, '-', 't', 'f' or 'n').
 *
 * Pure: bytes (or a tree) in, bytes out; no I/O, no global state,
 * thread-safe.
 */
#ifndef LIEN_REGISTRY_JPACK_H
#define LIEN_REGISTRY_JPACK_H

#include <stddef.h>
#include <stdint.h>
#include <jansson.h>
#include "common/status.h"

#define JPACK_TAG 0x01u

/* Encode the JSON text (json, len) for storage. *out is malloc'd (caller
 * frees with free()): the packed form when it decodes back to exactly
 * (json, len) and is shorter, else a copy of the text: a function of the
 * text alone (the audit's replay must store the same bytes), so a failed
 * allocation is LIEN_ENOMEM, never a fallback to the text. LIEN_EINVAL for
 * NULL arguments or len 0 or text starting with JPACK_TAG, LIEN_ENOMEM.
 * On failure *out is NULL and *out_len 0. */
enum lien_status jpack_encode(const uint8_t *json, size_t len, uint8_t **out,
    size_t *out_len) LIEN_MUST_CHECK;

/* What jpack_encode gives for v's canonical text (jcs_serialize), made
 * from the tree without the text: the writer's path (registry/state.c
 * rg_store), where the text was written only to be scanned again. It
 * takes the common case only (ASCII strings without controls, '"' or
 * '\\', integers, small shallow objects: registry/jpack.c says which)
 * and only when the packed form is kept (shorter than the text); for
 * every other tree it returns LIEN_EUNSUPPORTED and the caller takes the
 * text's way, jcs_serialize then jpack_encode. *out is malloc'd (caller
 * frees with free()). LIEN_EINVAL for NULL arguments, LIEN_ENOMEM. On
 * failure *out is NULL and *out_len 0. */
enum lien_status jpack_encode_tree(const json_t *v, uint8_t **out,
    size_t *out_len) LIEN_MUST_CHECK;

/* 1 if every dictionary string (registry/jpack.c dict) has its stated
 * length, 1..DICT_LEN_MAX bytes, and the encoder's lookup finds each at
 * its own index (so no two are equal): what the encoder needs. For
 * tests. */
int jpack_dict_ok(void);

/* 1 if the stored value (p, len) is packed (starts with JPACK_TAG). */
int jpack_is_packed(const uint8_t *p, size_t len);

/* Decode a stored value (untrusted bytes: bounded, strict). *out is
 * malloc'd (caller frees with free()) and NUL-terminated (the NUL not
 * counted): the JSON text. A value that is not packed is copied as it
 * is. LIEN_ECORRUPT for a malformed token stream (unknown token,
 * truncated, a member name that is not a string, unbalanced or over-deep
 * nesting, trailing bytes), LIEN_ETOOBIG when the text would exceed
 * JPACK_TEXT_MAX, LIEN_ENOMEM, LIEN_EINVAL. On failure *out is NULL and
 * *out_len 0. */
enum lien_status jpack_decode(const uint8_t *p, size_t len, uint8_t **out,
    size_t *out_len) LIEN_MUST_CHECK;

/* The tree jcs_parse gives for jpack_decode's text of the stored value
 * (p, len), made from the tokens without the text: the readers' path
 * (registry/state.c registry_record_parse). It takes the common stream
 * only (the strings, integers and nesting jpack_encode_tree takes, no
 * repeated member name, nothing malformed: registry/jpack.c says which)
 * and returns LIEN_EUNSUPPORTED for every other, a value that is not
 * packed and a failed allocation included: the caller then takes the
 * text's way, which gives the verdict. *out: json_decref; NULL on
 * failure. LIEN_EINVAL for NULL arguments or len 0. */
enum lien_status jpack_decode_tree(const uint8_t *p, size_t len,
    json_t **out) LIEN_MUST_CHECK;

/* 1 if the stored value (p, len) decodes (as jpack_decode would) to
 * exactly (text, text_len), else 0 (also for a malformed stream). It
 * decodes against the text, allocating nothing: the encoder's own
 * round-trip check. */
int jpack_decodes_to(const uint8_t *p, size_t len, const uint8_t *text,
    size_t text_len);

#endif

/* token_fixture.h — the sealed token of the fuzz target and its corpus
 * generator: the wire fixture's request and keys, one token, one moment. */
#ifndef MODAL_TESTS_TOKEN_FIXTURE_H
#define MODAL_TESTS_TOKEN_FIXTURE_H

#include "wire_helpers.h"
#include "wire/wire_token.h"

#define TOKEN_FIXTURE_NOW 1700000000
#define TOKEN_FIXTURE_ID "ak-abcdefghijklmnopqrstu"
#define TOKEN_FIXTURE_SECRET "as-0123456789abcdefghijklmnopqrstuvwxyzABCDEF"

#endif

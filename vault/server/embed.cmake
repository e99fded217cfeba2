# Writes OUT, a C file holding IN's bytes as `const char openapi_yml[]` (NUL
# after the last byte) and its length, so the server serves the document it
# was built with and needs no file at run time.
file(READ "${IN}" hex HEX)
string(REGEX REPLACE "([0-9a-f][0-9a-f])" "0x\\1," bytes "${hex}")
file(WRITE "${OUT}.tmp"
  "/* Generated from vault/server/openapi.yml by embed.cmake: do not edit. */\n"
  "#include <stddef.h>\n"
  "const char openapi_yml[] = { ${bytes} 0 };\n"
  "const size_t openapi_yml_len = sizeof(openapi_yml) - 1;\n")
file(RENAME "${OUT}.tmp" "${OUT}")

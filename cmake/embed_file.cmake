# Turns a binary file into a C++ source with one function returning its bytes (used for the descriptor set).
# Usage: cmake -DINPUT=f -DOUTPUT=f.cc -DFUNCTION=Name -P embed_file.cmake
file(READ ${INPUT} hex HEX)
string(LENGTH "${hex}" hex_len)
math(EXPR size "${hex_len} / 2")
string(REGEX REPLACE "([0-9a-f][0-9a-f])" "'\\\\x\\1'," bytes "${hex}")
file(WRITE ${OUTPUT} "// Generated from ${INPUT}; do not edit.\n#include <string_view>\n"
     "namespace oauthd {\nnamespace {\nconst char kBytes[] = {${bytes} 0};\n}  // namespace\n"
     "std::string_view ${FUNCTION}() { return std::string_view(kBytes, ${size}); }\n}  // namespace oauthd\n")

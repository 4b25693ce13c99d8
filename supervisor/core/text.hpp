// Text: user-given bytes at the edges. *Valid UTF-8* is what JSON, the store and every message can hold;
// input is checked once where it is read (spec/), so nothing downstream meets an invalid byte. An
// *escaped* string is one printable line: control characters and invalid bytes become \n, \t, \0, \xHH,
// so a key holding a newline or NUL cannot cut or split the one-line message that names it.
#pragma once
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace sv::core {

/// Offset of the first byte that is not part of well-formed UTF-8 (overlong forms, surrogates and code
/// points past U+10FFFF are not), or nullopt when all of `s` is valid.
std::optional<std::size_t> invalid_utf8_at(std::string_view s);

/// "byte 0xE9 is not UTF-8": what messages say about the byte invalid_utf8_at found.
std::string describe_invalid_byte(std::string_view s, std::size_t at);

/// `s` with control characters and invalid UTF-8 bytes escaped; valid multi-byte characters stay as they are.
std::string escape_line(std::string_view s);

}  // namespace sv::core

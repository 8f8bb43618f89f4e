// What an error message may repeat of a client's input: at most a bounded prefix, on a UTF-8
// boundary and marked as cut, with control characters written out (\xHH) so that no CR/LF or
// terminal escape survives decoding. JSON escaping is left to the serialiser (Boost.JSON).
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace approvald::http {

inline constexpr std::size_t kEchoLimit = 200;

std::string echo(std::string_view input, std::size_t limit = kEchoLimit);

// {"error": message} serialised by Boost.JSON (message is not escaped by hand).
std::string error_json(std::string_view message);

}  // namespace approvald::http

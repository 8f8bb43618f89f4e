// The JSON body of an error response. What a message repeats of a client's input is bounded and
// escaped by rules::echo (rules/echo.h) before it gets here; JSON escaping is left to the
// serialiser (Boost.JSON).
#pragma once

#include <string>
#include <string_view>

namespace approvald::http {

// {"error": message} serialised by Boost.JSON (message is not escaped by hand).
std::string error_json(std::string_view message);

}  // namespace approvald::http

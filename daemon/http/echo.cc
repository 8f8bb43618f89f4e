#include "http/echo.h"

#include <boost/json.hpp>

namespace approvald::http {

std::string error_json(std::string_view message) {
  boost::json::object o;
  o["error"] = message;
  return boost::json::serialize(o);
}

}  // namespace approvald::http

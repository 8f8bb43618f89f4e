#include "web/access.h"

#include <fstream>
#include <sstream>

namespace approvald::web {
namespace {

// A file that is not a token file (a database, /dev/zero) must not be read whole.
constexpr std::size_t kMaxTokenFileBytes = 64u << 10;

std::string read_bounded(const std::string& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) return {};
  std::string text(kMaxTokenFileBytes + 1, '\0');
  in.read(text.data(), static_cast<std::streamsize>(text.size()));
  text.resize(static_cast<std::size_t>(in.gcount()));
  if (text.size() > kMaxTokenFileBytes) return {};
  return text;
}

std::string trim(const std::string& t) {
  const auto b = t.find_first_not_of(" \t\r\n");
  if (b == std::string::npos) return {};
  return t.substr(b, t.find_last_not_of(" \t\r\n") - b + 1);
}

}  // namespace

std::string presented_token(const http::Request& req, bool cookie_too) {
  const std::string prefix = "Bearer ";
  if (req.authorization.rfind(prefix, 0) == 0) return req.authorization.substr(prefix.size());
  if (!cookie_too) return {};
  const std::string name = std::string(kTokenCookie) + "=";
  std::size_t at = 0;
  while (at < req.cookie.size()) {
    const auto end = req.cookie.find(';', at);
    const std::string part =
        trim(req.cookie.substr(at, end == std::string::npos ? std::string::npos : end - at));
    if (part.rfind(name, 0) == 0) return part.substr(name.size());
    if (end == std::string::npos) break;
    at = end + 1;
  }
  return {};
}

std::string read_token(const std::string& file) { return trim(read_bounded(file)); }

bool same_secret(const std::string& a, const std::string& b) {
  unsigned char diff = a.size() == b.size() ? 0 : 1;
  for (std::size_t i = 0; i < a.size(); ++i) {
    diff |= static_cast<unsigned char>(a[i] ^ (i < b.size() ? b[i] : 0));
  }
  return diff == 0;
}

Access check_access(const std::string& file, const std::string& token) {
  Access a;
  std::istringstream in(read_bounded(file));
  std::string line;
  bool any = false;
  while (std::getline(in, line)) {
    std::istringstream words(line);
    std::string role, value;
    if (!(words >> role) || role[0] == '#' || !(words >> value)) continue;
    std::optional<Role> r;
    if (role == "viewer") r = Role::kViewer;
    if (role == "operator") r = Role::kOperator;
    if (!r) continue;  // an unknown role grants nothing
    any = true;
    // Every line is compared, so that the time taken does not say which one matched.
    if (!token.empty() && same_secret(token, value) && (!a.role || *r == Role::kOperator)) {
      a.role = r;
    }
  }
  a.readable = any;
  if (!any) a.role.reset();
  return a;
}

}  // namespace approvald::web

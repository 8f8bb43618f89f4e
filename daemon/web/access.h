// Who may read and who may write over HTTP: the rules token (PUT /api/v1/rules) and the optional
// access tokens file (`ROLE TOKEN` lines; viewer reads the dashboard and the API, operator may
// also PUT /api/v1/rules). Both files are read on every request, so rotation needs no restart.
#pragma once

#include <optional>
#include <string>

#include "http/server.h"

namespace approvald::web {

enum class Role { kViewer, kOperator };

inline constexpr const char* kTokenCookie = "approvald_token";

// The token a request presents: `Authorization: Bearer …`, else the dashboard's cookie.
std::string presented_token(const http::Request& req, bool cookie_too = true);

// The content of a token file without surrounding whitespace; empty if it cannot be read.
std::string read_token(const std::string& file);

// Compares in time independent of where the strings differ.
bool same_secret(const std::string& a, const std::string& b);

// What a token is worth against the access tokens file.
struct Access {
  bool readable = true;      // false: the file is missing, unreadable or names no token
  std::optional<Role> role;  // the token's role, if it is one of the file's
};
Access check_access(const std::string& file, const std::string& token);

}  // namespace approvald::web

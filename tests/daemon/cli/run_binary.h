// Runs the real `approvald` binary, for what lives in main.cc (argument parsing, exit codes,
// signals): to completion, or in the background while the test waits on what it prints.
#pragma once

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <optional>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

extern char** environ;

namespace testing {

// The binary under test: the build's, or $APPROVALD (as in tests/integration) to try another.
inline std::string binary() {
  const char* e = std::getenv("APPROVALD");
  return e != nullptr && *e != '\0' ? e : APPROVALD_BINARY;
}

inline std::string slurp(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

// A running `approvald ARGS...` with stdout and stderr going to files in `dir`.
class Approvald {
 public:
  // `env` entries ("NAME=value") are added to this process's environment.
  Approvald(const std::vector<std::string>& args, const std::filesystem::path& dir,
            const std::vector<std::string>& env = {}, const std::string& stdin_text = "")
      : out_(dir / "stdout"), err_(dir / "stderr") {
    const auto in_path = dir / "stdin";
    std::ofstream(in_path, std::ios::binary) << stdin_text;
    std::vector<std::string> argv_s{binary()};
    argv_s.insert(argv_s.end(), args.begin(), args.end());
    std::vector<char*> argv;
    for (auto& a : argv_s) argv.push_back(a.data());
    argv.push_back(nullptr);
    std::vector<std::string> env_s(env);
    for (char** e = environ; *e != nullptr; ++e) env_s.emplace_back(*e);
    std::vector<char*> envp;
    for (auto& e : env_s) envp.push_back(e.data());
    envp.push_back(nullptr);
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 0, in_path.c_str(), O_RDONLY, 0);
    posix_spawn_file_actions_addopen(&fa, 1, out_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    posix_spawn_file_actions_addopen(&fa, 2, err_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    const int rc = posix_spawn(&pid_, argv[0], &fa, nullptr, argv.data(), envp.data());
    posix_spawn_file_actions_destroy(&fa);
    if (rc != 0) throw std::runtime_error("cannot start " + argv_s[0]);
  }
  ~Approvald() {
    if (running()) {
      ::kill(pid_, SIGKILL);
      wait();
    }
  }
  Approvald(const Approvald&) = delete;
  Approvald& operator=(const Approvald&) = delete;

  std::string out() const { return slurp(out_); }
  std::string err() const { return slurp(err_); }
  void signal(int sig) const { ::kill(pid_, sig); }

  bool running() {
    if (exit_code_) return false;
    int status = 0;
    if (::waitpid(pid_, &status, WNOHANG) == pid_) exit_code_ = decode(status);
    return !exit_code_;
  }

  // Waits until `done(stdout, stderr)` holds; false if the process ended first or `limit` (a
  // bound against hanging, not a verdict on speed) passed.
  bool wait_for(const std::function<bool(const std::string&, const std::string&)>& done,
                std::chrono::seconds limit = std::chrono::seconds(120)) {
    const auto until = std::chrono::steady_clock::now() + limit;
    while (std::chrono::steady_clock::now() < until) {
      if (done(out(), err())) return true;
      if (!running()) return done(out(), err());
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return false;
  }

  // The exit code (128 + N for signal N, as a shell reports it). After `limit` the process is
  // killed and -1 returned: a command that should end at once must not hang the suite.
  int wait(std::chrono::seconds limit = std::chrono::seconds(120)) {
    const auto until = std::chrono::steady_clock::now() + limit;
    while (running()) {
      if (std::chrono::steady_clock::now() >= until) {
        ::kill(pid_, SIGKILL);
        int status = 0;
        ::waitpid(pid_, &status, 0);
        exit_code_ = -1;
        break;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return *exit_code_;
  }

 private:
  static int decode(int status) {
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  }
  std::filesystem::path out_, err_;
  pid_t pid_ = 0;
  std::optional<int> exit_code_;
};

struct Ran {
  int exit_code;
  std::string out, err;
};

// `approvald ARGS...` to completion (killed after `limit`: exit code -1).
inline Ran run_approvald(const std::vector<std::string>& args, const std::filesystem::path& dir,
                         const std::string& stdin_text = "",
                         std::chrono::seconds limit = std::chrono::seconds(60)) {
  Approvald p(args, dir, {}, stdin_text);
  const int rc = p.wait(limit);
  return {rc, p.out(), p.err()};
}

}  // namespace testing

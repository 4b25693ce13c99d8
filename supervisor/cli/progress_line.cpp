#include "cli/progress_line.hpp"

#include <sys/ioctl.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <string>

#include "core/clock.hpp"

namespace sv::cli {

namespace {

int terminal_columns() {
  if (const char* env = std::getenv("SV_PROGRESS_COLUMNS")) {
    int n = std::atoi(env);
    if (n > 0) return n;
  }
  winsize ws{};
  if (ioctl(STDERR_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0) return ws.ws_col;
  return 80;
}

std::string format_rate(double per_s) {
  char buf[32];
  // Trainings take minutes: "0.0/s" would say nothing, so slow runs count per minute.
  if (per_s >= 1 || per_s == 0) std::snprintf(buf, sizeof buf, "%.1f/s", per_s);
  else std::snprintf(buf, sizeof buf, "%.1f/min", per_s * 60);
  return buf;
}

}  // namespace

ProgressLine::ProgressLine(bool tty, double plain_every_s) : tty_(tty), plain_every_s_(plain_every_s) {
  if (tty_) columns_ = terminal_columns();
}

std::string ProgressLine::format(const engine::Progress& p, bool compact) {
  const auto& c = p.counts;
  std::size_t finished = c.done + c.failed;
  double rate = p.elapsed > 0 ? finished / p.elapsed : 0;
  std::string total = p.expected_total ? std::to_string(p.expected_total) : "?";
  char best[32] = "-";
  if (p.best) std::snprintf(best, sizeof best, "%.6g", *p.best);
  std::string eta = "-";
  if (p.expected_total && rate > 0 && finished < p.expected_total)
    eta = core::format_duration((p.expected_total - finished) / rate);
  char line[256];
  std::snprintf(line, sizeof line,
                compact ? "%zu ok %zu run %zu fail /%s best %s %s %s eta %s"
                        : "done %zu  running %zu  failed %zu  of %s  best %s  %s  elapsed %s  eta %s",
                c.done, c.running, c.failed, total.c_str(), best, format_rate(rate).c_str(),
                core::format_duration(p.elapsed).c_str(), eta.c_str());
  return line;
}

std::string ProgressLine::fit(const std::string& text, int columns) {
  // One cell short of the width: writing the last cell makes some terminals wrap at once. The text is
  // ASCII, so bytes are cells.
  std::size_t room = columns > 1 ? static_cast<std::size_t>(columns - 1) : 1;
  return text.size() <= room ? text : text.substr(0, room);
}

void ProgressLine::update(const engine::Progress& p) {
  std::string line = format(p);
  if (tty_) {
    if (line.size() >= static_cast<std::size_t>(columns_)) line = format(p, true);
    std::fprintf(stderr, "\r\033[K%s", fit(line, columns_).c_str());
    drawn_ = true;
  } else if (p.elapsed - last_plain_ >= plain_every_s_) {
    std::fprintf(stderr, "[progress] %s\n", line.c_str());
    last_plain_ = p.elapsed;
  }
  std::fflush(stderr);
}

void ProgressLine::finish() {
  if (tty_ && drawn_) std::fprintf(stderr, "\n");
  std::fflush(stderr);
}

}  // namespace sv::cli

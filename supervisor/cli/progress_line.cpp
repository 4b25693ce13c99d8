#include "cli/progress_line.hpp"

#include <cstdio>
#include <string>

#include "core/clock.hpp"

namespace sv::cli {

void ProgressLine::update(const engine::Progress& p) {
  const auto& c = p.counts;
  std::size_t finished = c.done + c.failed;
  double rate = p.elapsed > 0 ? finished / p.elapsed : 0;
  std::string total = p.expected_total ? std::to_string(p.expected_total) : "?";
  std::string best = p.best ? std::to_string(*p.best) : "-";
  std::string eta = "-";
  if (p.expected_total && rate > 0 && finished < p.expected_total)
    eta = core::format_duration((p.expected_total - finished) / rate);
  char line[256];
  std::snprintf(line, sizeof line, "done %zu  running %zu  failed %zu  / %s  best %s  %.1f/s  %s  eta %s", c.done,
                c.running, c.failed, total.c_str(), best.c_str(), rate, core::format_duration(p.elapsed).c_str(),
                eta.c_str());
  if (tty_) {
    std::fprintf(stderr, "\r\033[K%s", line);
    drawn_ = true;
  } else if (p.elapsed - last_plain_ >= plain_every_s_) {
    std::fprintf(stderr, "[progress] %s\n", line);
    last_plain_ = p.elapsed;
  }
  std::fflush(stderr);
}

void ProgressLine::finish() {
  if (tty_ && drawn_) std::fprintf(stderr, "\n");
  std::fflush(stderr);
}

}  // namespace sv::cli

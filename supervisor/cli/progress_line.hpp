// Progress during `run`: on a terminal one line redrawn in place; in batch logs a plain line every
// `plain_every_s` seconds, so a log shows the campaign moving without drowning in lines.
#pragma once
#include "engine/server.hpp"

namespace sv::cli {

class ProgressLine {
 public:
  explicit ProgressLine(bool tty, double plain_every_s = 30) : tty_(tty), plain_every_s_(plain_every_s) {}
  void update(const engine::Progress& p);
  void finish();

 private:
  bool tty_;
  double plain_every_s_;
  double last_plain_ = 0;  // the first plain line comes after plain_every_s: short runs print only the summary
  bool drawn_ = false;
};

}  // namespace sv::cli

// Progress during `run`: on a terminal one line redrawn in place; in batch logs a plain line every
// `plain_every_s` seconds, so a log shows the campaign moving without drowning in lines.
// Rank 0's stderr is a pipe to mpiexec, which forwards it: the launcher, which still sees the user's
// terminal, passes SV_PROGRESS_TTY=1 and the terminal's width (SV_PROGRESS_COLUMNS) in the environment.
#pragma once
#include <string>

#include "engine/server.hpp"

namespace sv::cli {

class ProgressLine {
 public:
  /// `tty`: redraw one line. The width is SV_PROGRESS_COLUMNS, else stderr's own terminal width, else 80.
  explicit ProgressLine(bool tty, double plain_every_s = 30);
  void update(const engine::Progress& p);
  void finish();

  /// The line's text, without control characters (for tests and the plain log lines); `compact` drops the
  /// labels a narrow terminal has no room for.
  static std::string format(const engine::Progress& p, bool compact = false);
  /// `text` cut to fit `columns` terminal cells (a line that wraps cannot be redrawn in place).
  static std::string fit(const std::string& text, int columns);

 private:
  bool tty_;
  int columns_ = 80;
  double plain_every_s_;
  double last_plain_ = 0;  // the first plain line comes after plain_every_s: short runs print only the summary
  bool drawn_ = false;
};

}  // namespace sv::cli

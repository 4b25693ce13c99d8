// Task files: the per-task directory runs/<run>/tasks/<node>/ and atomic writes into it (a reader never
// sees half a params.json, and a kill mid-write leaves the old file).
#pragma once
#include <filesystem>
#include <string>

namespace sv::shell {

void write_text_atomic(const std::filesystem::path& path, const std::string& text);

}  // namespace sv::shell

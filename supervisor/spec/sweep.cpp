// A sweep's tuples: the grid's cartesian product, the YAML list, or the rows of a CSV/JSONL file. Files
// are read when the sweep is expanded (not at parse time), so errors there name FILE:LINE of the data.
#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include "core/errors.hpp"
#include "core/text.hpp"
#include "spec/parse.hpp"
#include "spec/sweep_tuples.hpp"

namespace sv::spec {

using core::ConfigError;

namespace {

[[noreturn]] void fail_at(const std::string& file, size_t line, const std::string& what) {
  throw ConfigError(core::escape_line(file + ":" + std::to_string(line) + ": " + what));
}

bool ends_with(const std::string& s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

std::string read_text(const std::string& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) throw ConfigError(file + ": cannot read sweep file (" + std::strerror(errno) + ")");
  std::ostringstream text;
  text << in.rdbuf();
  std::string s = text.str();
  if (s.compare(0, 3, "\xEF\xBB\xBF") == 0) s.erase(0, 3);  // spreadsheet exports often start with a BOM
  // Decoded once, here: every cell goes on into JSON, the store and the wire, which hold only UTF-8.
  if (auto at = core::invalid_utf8_at(s)) {
    size_t line = 1 + static_cast<size_t>(std::count(s.begin(), s.begin() + static_cast<std::ptrdiff_t>(*at), '\n'));
    fail_at(file, line, "not UTF-8 text (" + core::describe_invalid_byte(s, *at) +
                            "; save it as UTF-8, e.g. `iconv -f latin1 -t utf-8 " + file + "`)");
  }
  return s;
}

// --- CSV (RFC 4180: quoted fields may hold commas, doubled quotes and newlines) ---

struct CsvRecord {
  size_t line = 0;  // where the record starts, for messages
  std::vector<std::string> cells;
  bool blank = false;  // an empty line: skipped
};

std::string trim(const std::string& s) {
  size_t b = s.find_first_not_of(" \t"), e = s.find_last_not_of(" \t");
  return b == std::string::npos ? "" : s.substr(b, e - b + 1);
}

std::vector<CsvRecord> parse_csv(const std::string& file, const std::string& text) {
  std::vector<CsvRecord> records;
  size_t i = 0, line = 1;
  while (i < text.size()) {
    CsvRecord rec;
    rec.line = line;
    bool any_quoted = false;
    while (true) {  // one cell per turn
      std::string cell;
      size_t lead = i;
      while (lead < text.size() && (text[lead] == ' ' || text[lead] == '\t')) ++lead;
      if (lead < text.size() && text[lead] == '"') {
        any_quoted = true;
        size_t start_line = line;
        i = lead + 1;
        while (true) {
          if (i >= text.size()) fail_at(file, start_line, "a quoted cell is never closed (a \" is missing)");
          if (text[i] == '"') {
            if (i + 1 < text.size() && text[i + 1] == '"') {
              cell += '"', i += 2;
              continue;
            }
            ++i;
            break;
          }
          if (text[i] == '\n') ++line;
          cell += text[i++];
        }
        while (i < text.size() && (text[i] == ' ' || text[i] == '\t')) ++i;
        if (i < text.size() && text[i] != ',' && text[i] != '\n' && text[i] != '\r')
          fail_at(file, line,
                  "text after a closing quote (quote the whole cell and double inner quotes: \"\")");
      } else {
        while (i < text.size() && text[i] != ',' && text[i] != '\n') cell += text[i++];
        if (!cell.empty() && cell.back() == '\r') cell.pop_back();
        cell = trim(cell);
      }
      if (i < text.size() && text[i] == '\r') ++i;
      rec.cells.push_back(std::move(cell));
      if (i < text.size() && text[i] == ',') {
        ++i;
        continue;
      }
      if (i < text.size() && text[i] == '\n') ++i, ++line;
      break;
    }
    rec.blank = !any_quoted && rec.cells.size() == 1 && rec.cells[0].empty();
    records.push_back(std::move(rec));
  }
  return records;
}

// Numbers and booleans become typed so a CSV grid behaves like the same grid written in YAML; anything
// else (including `01`, which JSON does not read as a number) stays the string it was.
Json csv_cell_to_json(const std::string& cell) {
  if (cell == "true") return Json(true);
  if (cell == "false") return Json(false);
  if (!cell.empty() && (cell[0] == '-' || (cell[0] >= '0' && cell[0] <= '9'))) {
    Json v = Json::parse(cell, nullptr, /*allow_exceptions=*/false);
    if (v.is_number()) return v;
  }
  return Json(cell);
}

std::vector<Json> read_csv(const std::string& file) {
  std::vector<CsvRecord> records = parse_csv(file, read_text(file));
  std::vector<Json> out;
  const CsvRecord* header = nullptr;
  for (const CsvRecord& rec : records) {
    if (rec.blank) continue;
    if (!header) {
      header = &rec;
      for (size_t c = 0; c < rec.cells.size(); ++c) {
        if (rec.cells[c].empty())
          fail_at(file, rec.line, "column " + std::to_string(c + 1) + " of the header has no name");
        for (size_t d = 0; d < c; ++d)
          if (rec.cells[d] == rec.cells[c])
            fail_at(file, rec.line, "the header names \"" + rec.cells[c] + "\" twice");
      }
      continue;
    }
    if (rec.cells.size() != header->cells.size())
      fail_at(file, rec.line,
              "row has " + std::to_string(rec.cells.size()) + " cells, the header has " +
                  std::to_string(header->cells.size()));
    Json tuple = Json::object();
    for (size_t c = 0; c < rec.cells.size(); ++c) tuple[header->cells[c]] = csv_cell_to_json(rec.cells[c]);
    out.push_back(std::move(tuple));
  }
  if (out.empty())
    throw ConfigError(file + ": no rows (a CSV sweep needs a header row and at least one row)");
  return out;
}

// --- JSON lines (or one JSON array of objects, for .json files written as such) ---

// nlohmann's messages start with "[json.exception.parse_error.101] "; the rest is what users need.
std::string json_message(const std::exception& e) {
  std::string what = e.what();
  size_t close = what.find("] ");
  return close == std::string::npos ? what : what.substr(close + 2);
}

const char* json_kind(const Json& v) {
  if (v.is_array()) return "an array";
  if (v.is_string()) return "a string";
  if (v.is_number()) return "a number";
  if (v.is_boolean()) return "a boolean";
  return "null";
}

std::vector<Json> read_json_array(const std::string& file, const std::string& text) {
  Json all;
  try {
    all = Json::parse(text);
  } catch (const Json::parse_error& e) {
    size_t line = 1;
    for (size_t i = 0; i < e.byte && i < text.size(); ++i) line += text[i] == '\n';
    fail_at(file, line, "invalid JSON (" + json_message(e) + ")");
  }
  std::vector<Json> out;
  for (size_t k = 0; k < all.size(); ++k) {
    if (!all[k].is_object())
      throw ConfigError(file + ": item " + std::to_string(k) + " is " + json_kind(all[k]) +
                        ", expected a JSON object of parameters");
    out.push_back(all[k]);
  }
  return out;
}

std::vector<Json> read_json_lines(const std::string& file) {
  std::string text = read_text(file);
  size_t first = text.find_first_not_of(" \t\r\n");
  if (first != std::string::npos && text[first] == '[') return read_json_array(file, text);

  std::vector<Json> out;
  std::istringstream lines(text);
  std::string row;
  for (size_t line = 1; std::getline(lines, row); ++line) {
    if (row.find_first_not_of(" \t\r") == std::string::npos) continue;
    Json value;
    try {
      value = Json::parse(row);
    } catch (const Json::parse_error& e) {
      fail_at(file, line, "invalid JSON (" + json_message(e) + "; one object per line)");
    }
    if (!value.is_object())
      fail_at(file, line, std::string("expected a JSON object of parameters, got ") + json_kind(value));
    out.push_back(std::move(value));
  }
  if (out.empty()) throw ConfigError(file + ": no tuples (the file holds no JSON objects)");
  return out;
}

}  // namespace

std::vector<Json> expand_sweep(const WorkflowSpec& spec) {
  const SweepSpec& sweep = spec.sweep;
  switch (sweep.source) {
    case SweepSpec::Source::grid: {
      SweepTuples tuples = sweep_tuples(spec);
      std::vector<Json> out;
      out.reserve(tuples.size());
      for (std::size_t i = 0; i < tuples.size(); ++i) out.push_back(tuples.take(i));
      return out;
    }
    case SweepSpec::Source::list:
      return sweep.list;
    case SweepSpec::Source::file:
      return ends_with(sweep.file, ".csv") ? read_csv(sweep.file) : read_json_lines(sweep.file);
    case SweepSpec::Source::none:
      break;
  }
  std::string origin = spec.source_path.empty() ? spec.name : spec.source_path;
  throw ConfigError(origin + ": sweep: missing (a sweep needs `sweep:` with grid, list or file)");
}

}  // namespace sv::spec

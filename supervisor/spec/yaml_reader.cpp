#include "spec/yaml_reader.hpp"

#include <algorithm>
#include <climits>
#include <cmath>
#include <filesystem>

#include "core/errors.hpp"
#include "core/text.hpp"
#include "spec/yaml_guard.hpp"
#include "spec/yaml_json.hpp"

namespace sv::spec {

namespace fs = std::filesystem;
using core::ConfigError;
using core::Json;

namespace {

// Edit distance, for "did you mean" on a misspelt key: a typo is the commonest unknown key.
size_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<size_t> row(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    size_t diagonal = row[0];
    row[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      size_t above = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diagonal = above;
    }
  }
  return row[b.size()];
}

std::string suggestion(std::string_view key, std::initializer_list<std::string_view> allowed) {
  std::string_view best;
  size_t best_distance = SIZE_MAX;
  for (auto name : allowed) {
    size_t d = edit_distance(key, name);
    if (d < best_distance) best = name, best_distance = d;
  }
  // Two edits catch `worker`/`workers` and `timout`/`timeout` without proposing unrelated words.
  if (best_distance == 0 || best_distance > 2) return "";
  return ", did you mean \"" + std::string(best) + "\"?";
}

std::string join(std::initializer_list<std::string_view> words) {
  std::string out;
  for (auto w : words) {
    if (!out.empty()) out += ", ";
    out += w;
  }
  return out;
}

}  // namespace

std::string Field::child_path(std::string_view key) const {
  return path.empty() ? std::string(key) : path + "." + std::string(key);
}

std::string Field::item_path(size_t index) const { return path + "[" + std::to_string(index) + "]"; }

const Field* Mapping::find(std::string_view key) const {
  for (const auto& f : fields)
    if (f.key == key) return &f;
  return nullptr;
}

YamlReader::YamlReader(std::string origin, std::string base_dir)
    : origin_(std::move(origin)), base_dir_(std::move(base_dir)) {}

std::vector<YAML::Node> YamlReader::load(const std::string& text) const {
  check_yaml_text(*this, text);
  try {
    return YAML::LoadAll(text);
  } catch (const YAML::Exception& e) {
    fail(e.mark, "", "invalid YAML: " + e.msg);
  }
}

Field YamlReader::root(const YAML::Node& doc) const { return Field{doc, "", doc.Mark(), ""}; }

void YamlReader::fail(const YAML::Mark& mark, const std::string& path, const std::string& what) const {
  std::string where = origin_;
  if (mark.line >= 0) where += ":" + std::to_string(mark.line + 1);
  // Escaped: a key holding a newline or NUL must not split or cut the one line (values are quoted by describe).
  throw ConfigError(core::escape_line(where + ": " + (path.empty() ? "" : path + ": ") + what));
}

std::string YamlReader::describe(const YAML::Node& node) {
  if (!node.IsDefined() || node.IsNull()) return "nothing";
  if (node.IsSequence()) return "a list";
  if (node.IsMap()) return "a mapping";
  Json value = yaml_to_json(node);
  if (!value.is_string()) return node.Scalar();
  std::string text = value.get<std::string>();
  if (text.size() > 40) text = text.substr(0, 37) + "...";  // the line must stay readable
  return Json(text).dump();
}

Mapping YamlReader::mapping(const Field& f, std::initializer_list<std::string_view> allowed) const {
  if (!f.node.IsMap()) fail(f, "expected a mapping of keys, got " + describe(f.node));
  Mapping m{f, {}};
  std::map<std::string, int> first_line;
  for (auto it = f.node.begin(); it != f.node.end(); ++it) {
    // A copy: `it->first` lives in a proxy that dies with the statement (ASan caught a reference to it).
    const YAML::Node key = it->first;
    if (!key.IsScalar()) fail(key.Mark(), f.path, "a key must be a plain word, got " + describe(key));
    const std::string& name = key.Scalar();
    std::string path = f.child_path(name);
    if (allowed.size() != 0 && std::find(allowed.begin(), allowed.end(), name) == allowed.end())
      fail(key.Mark(), path, "unknown key" + suggestion(name, allowed) + " (allowed: " + join(allowed) + ")");
    auto [seen, fresh] = first_line.emplace(name, key.Mark().line + 1);
    if (!fresh)
      fail(key.Mark(), path, "duplicate key (first at line " + std::to_string(seen->second) + "; keep one)");
    m.fields.push_back(Field{it->second, path, key.Mark(), name});
  }
  return m;
}

const Field& YamlReader::require(const Mapping& m, std::string_view key, const std::string& hint) const {
  if (const Field* f = m.find(key)) return *f;
  fail(m.self.mark, m.self.child_path(key), "missing" + (hint.empty() ? "" : " (" + hint + ")"));
}

std::string YamlReader::string(const Field& f) const {
  if (!f.node.IsScalar()) fail(f, "expected a string, got " + describe(f.node));
  return f.node.Scalar();
}

double YamlReader::number(const Field& f, double min, const std::string& hint) const {
  Json v = f.node.IsScalar() ? yaml_to_json(f.node) : Json();
  std::string tail = hint.empty() ? "" : " (" + hint + ")";
  if (!v.is_number() || v.get<double>() < min) {
    // No lower bound (-inf) is "a number" (JSON would print the bound as null); bounds are whole numbers
    // in practice, so print 0, not 0.000000.
    std::string bound = !std::isfinite(min) ? ""
                        : min == static_cast<double>(static_cast<long long>(min))
                            ? " ≥ " + std::to_string(static_cast<long long>(min))
                            : " ≥ " + Json(min).dump();
    fail(f, "expected a number" + bound + ", got " + describe(f.node) + tail);
  }
  return v.get<double>();
}

int YamlReader::integer(const Field& f, int min, const std::string& hint) const {
  return integer(f, min, INT_MAX, hint);
}

int YamlReader::integer(const Field& f, int min, int max, const std::string& hint) const {
  Json v = f.node.IsScalar() ? yaml_to_json(f.node) : Json();
  if (!v.is_number_integer() || v.get<std::int64_t>() < min || v.get<std::int64_t>() > max) {
    std::string range = max == INT_MAX ? "≥ " + std::to_string(min)
                                       : "from " + std::to_string(min) + " to " + std::to_string(max);
    fail(f, "expected an integer " + range + ", got " + describe(f.node) + (hint.empty() ? "" : " (" + hint + ")"));
  }
  return static_cast<int>(v.get<std::int64_t>());
}

bool YamlReader::boolean(const Field& f) const {
  Json v = f.node.IsScalar() ? yaml_to_json(f.node) : Json();
  if (!v.is_boolean()) fail(f, "expected true or false, got " + describe(f.node));
  return v.get<bool>();
}

std::vector<Field> YamlReader::items(const Field& f) const {
  if (!f.node.IsSequence()) fail(f, "expected a list, got " + describe(f.node));
  std::vector<Field> out;
  for (size_t i = 0; i < f.node.size(); ++i) {
    const YAML::Node item = f.node[i];
    // An empty item (`- `) has no line of its own; the list's line is the nearest truthful one.
    out.push_back(Field{item, f.item_path(i), item.IsNull() ? f.mark : item.Mark(), ""});
  }
  return out;
}

std::vector<std::string> YamlReader::string_list(const Field& f) const {
  std::vector<std::string> out;
  for (const auto& item : items(f)) out.push_back(string(item));
  return out;
}

std::map<std::string, std::string> YamlReader::string_map(const Field& f) const {
  std::map<std::string, std::string> out;
  for (const auto& entry : mapping(f).fields) out[entry.key] = string(entry);
  return out;
}

void YamlReader::check_unique_keys(const Field& f) const {
  if (f.node.IsMap()) {
    for (const auto& child : mapping(f).fields) check_unique_keys(child);
  } else if (f.node.IsSequence()) {
    for (const auto& item : items(f)) check_unique_keys(item);
  }
}

Json YamlReader::json(const Field& f) const {
  check_unique_keys(f);
  return yaml_to_json(f.node);
}

std::string YamlReader::path(const Field& f) const {
  std::string p = string(f);
  if (p.empty()) fail(f, "expected a path, got an empty string");
  return resolve_path(p, base_dir_);
}

std::string resolve_path(const std::string& p, const std::string& base_dir) {
  fs::path path(p);
  if (path.is_relative()) path = fs::absolute(base_dir.empty() ? fs::path(".") : fs::path(base_dir)) / path;
  path = path.lexically_normal();
  // "/a/b/." normalizes to "/a/b/"; a folder named without its trailing slash compares and prints better.
  if (!path.has_filename() && path.has_relative_path()) path = path.parent_path();
  return path.string();
}

}  // namespace sv::spec

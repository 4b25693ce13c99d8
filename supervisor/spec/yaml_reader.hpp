// Reading a YAML document with located errors. Terms: a *field* is one value together with its key path
// (`model.timeout`, `model.command[2]`) and the line a user should look at; the *reader* knows the
// document's origin (a file name) and folder, and turns every problem into a core::ConfigError of one
// line: `ORIGIN:LINE: PATH: what is wrong (hint)`. Section parsers (model, sweep, space, ...) share it.
#pragma once
#include <yaml-cpp/yaml.h>

#include <initializer_list>
#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/json_util.hpp"

namespace sv::spec {

/// One value and where it is. For a mapping's value `mark` is its key's mark: a missing or empty value
/// has no useful line of its own (yaml-cpp puts it on the next line).
struct Field {
  YAML::Node node;
  std::string path;  // "" for the document itself
  YAML::Mark mark;
  std::string key;  // the last key of `path`; "" for the document and for list items

  std::string child_path(std::string_view key) const;  // `model` + `entry` -> `model.entry`
  std::string item_path(size_t index) const;           // `model.command` + 2 -> `model.command[2]`
};

/// A mapping whose keys were checked: scalars, unique, and (when a list was given) allowed.
struct Mapping {
  Field self;
  std::vector<Field> fields;  // in YAML order

  const Field* find(std::string_view key) const;  // nullptr when absent
};

class YamlReader {
 public:
  YamlReader(std::string origin, std::string base_dir);

  const std::string& origin() const { return origin_; }
  const std::string& base_dir() const { return base_dir_; }

  /// Every document of `text`, after check_yaml_text (UTF-8, bounded aliases); a syntax error fails at its line.
  std::vector<YAML::Node> load(const std::string& text) const;

  /// The whole document as a field with an empty path.
  Field root(const YAML::Node& doc) const;

  [[noreturn]] void fail(const YAML::Mark& mark, const std::string& path, const std::string& what) const;
  [[noreturn]] void fail(const Field& f, const std::string& what) const { fail(f.mark, f.path, what); }

  /// The field as a mapping. With `allowed` non-empty any other key is an error that lists them.
  Mapping mapping(const Field& f, std::initializer_list<std::string_view> allowed = {}) const;
  /// The key's field, or an error at the mapping saying it is missing, followed by `hint`.
  const Field& require(const Mapping& m, std::string_view key, const std::string& hint) const;

  /// Any non-null scalar, as written (a number in an argv list is meant as its text).
  std::string string(const Field& f) const;
  double number(const Field& f, double min, const std::string& hint = "") const;
  int integer(const Field& f, int min, const std::string& hint = "") const;
  int integer(const Field& f, int min, int max, const std::string& hint = "") const;
  bool boolean(const Field& f) const;
  /// The items of a sequence as fields (`path[i]`, each with its own line).
  std::vector<Field> items(const Field& f) const;
  std::vector<std::string> string_list(const Field& f) const;
  std::map<std::string, std::string> string_map(const Field& f) const;
  /// The value as JSON (see yaml_json.hpp); repeated keys anywhere inside are errors.
  core::Json json(const Field& f) const;
  /// A string naming a file or folder, made absolute against base_dir (or the current folder).
  std::string path(const Field& f) const;

  /// One of a fixed set of words, e.g. an enum's YAML spellings: `r.choice<Goal>(f, {{"min", Goal::min}})`.
  template <class E>
  E choice(const Field& f, std::initializer_list<std::pair<std::string_view, E>> choices) const {
    std::string word = f.node.IsScalar() ? f.node.Scalar() : std::string();
    std::string names;
    for (const auto& [name, value] : choices) {
      if (f.node.IsScalar() && word == name) return value;
      names += names.empty() ? "" : ", ";
      names += name;
    }
    fail(f, "expected one of " + names + ", got " + describe(f.node));
  }

  /// A value as messages quote it after "got": `"abc"`, `-1`, `a list`, `a mapping`, `nothing`.
  static std::string describe(const YAML::Node& node);

 private:
  void check_unique_keys(const Field& f) const;

  std::string origin_;
  std::string base_dir_;
};

/// Absolute, normalized form of `p` against `base_dir` (the current folder when base_dir is "").
std::string resolve_path(const std::string& p, const std::string& base_dir);

}  // namespace sv::spec

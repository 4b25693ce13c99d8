#include "spec/yaml_guard.hpp"

#include <yaml-cpp/eventhandler.h>
#include <yaml-cpp/parser.h>

#include <algorithm>
#include <sstream>
#include <unordered_map>
#include <vector>

#include "core/text.hpp"

namespace sv::spec {

namespace {

// Walks the parser's events, keeping for each open node its key path and its expanded size and height,
// and for each finished anchor the same, so an alias adds what it would expand to without expanding it.
class Guard : public YAML::EventHandler {
 public:
  explicit Guard(const YamlReader& r) : r_(r) {}

  void OnDocumentStart(const YAML::Mark&) override {
    anchors_.clear();
    open_.clear();
  }
  void OnDocumentEnd() override {}

  void OnNull(const YAML::Mark& mark, YAML::anchor_t anchor) override { leaf(mark, anchor); }

  void OnScalar(const YAML::Mark& mark, const std::string&, YAML::anchor_t anchor,
                const std::string& value) override {
    if (auto at = core::invalid_utf8_at(value)) {
      const bool key = is_key();
      // The line must stay readable: a binary file can be one long scalar.
      std::string shown = value.size() > 24 ? core::escape_line(value.substr(0, 24)) + "..." : core::escape_line(value);
      r_.fail(mark, path_here(), std::string(key ? "a key" : "the value") + " \"" + shown +
                                     "\" is not UTF-8 text (" + core::describe_invalid_byte(value, *at) +
                                     "; save the file as UTF-8)");
    }
    if (is_key()) open_.back().key = value;
    leaf(mark, anchor);
  }

  void OnAlias(const YAML::Mark& mark, YAML::anchor_t anchor) override {
    auto it = anchors_.find(anchor);
    if (it == anchors_.end())  // named while still open: the node would contain itself
      r_.fail(mark, path_here(), "an alias refers to the list or mapping it is inside (a loop; it would never end)");
    const Extent e = it->second;
    alias_values_ += e.values;
    if (alias_values_ > kMaxAliasValues)
      r_.fail(mark, path_here(),
              "aliases expand to more than " + std::to_string(kMaxAliasValues) +
                  " values in this file (an alias bomb? write the values out, or alias fewer or smaller nodes)");
    if (static_cast<int>(open_.size()) + e.height > kMaxYamlDepth)
      r_.fail(mark, path_here(),
              "aliases nest deeper than " + std::to_string(kMaxYamlDepth) + " levels (alias fewer nested nodes)");
    if (is_key()) open_.back().key = "*";
    add_to_parent(e);
  }

  void OnSequenceStart(const YAML::Mark& mark, const std::string&, YAML::anchor_t anchor,
                       YAML::EmitterStyle::value) override {
    open(mark, anchor, false);
  }
  void OnSequenceEnd() override { close(); }
  void OnMapStart(const YAML::Mark& mark, const std::string&, YAML::anchor_t anchor,
                  YAML::EmitterStyle::value) override {
    open(mark, anchor, true);
  }
  void OnMapEnd() override { close(); }

 private:
  struct Extent {
    std::uint64_t values = 1;  // this node and everything under it, aliases expanded
    int height = 1;            // levels, this one included
  };
  struct Open {
    bool map = false;
    std::string path;          // of this node
    std::size_t children = 0;  // events seen directly inside (a mapping's alternate key, value, ...)
    std::string key;           // a mapping's current key
    YAML::anchor_t anchor = YAML::NullAnchor;
    Extent extent;
  };

  bool is_key() const { return !open_.empty() && open_.back().map && open_.back().children % 2 == 0; }

  // The path messages name for the node the next event starts: a key is reported at its mapping.
  std::string path_here() const {
    if (open_.empty()) return "";
    const Open& o = open_.back();
    if (!o.map) return o.path + "[" + std::to_string(o.children) + "]";
    if (o.children % 2 == 0) return o.path;
    return o.path.empty() ? o.key : o.path + "." + o.key;
  }

  void leaf(const YAML::Mark&, YAML::anchor_t anchor) {
    Extent e;
    if (anchor != YAML::NullAnchor) anchors_[anchor] = e;
    add_to_parent(e);
  }

  void open(const YAML::Mark& mark, YAML::anchor_t anchor, bool map) {
    if (static_cast<int>(open_.size()) >= kMaxYamlDepth)
      r_.fail(mark, path_here(), "nested deeper than " + std::to_string(kMaxYamlDepth) + " levels");
    Open o;
    o.map = map;
    o.path = path_here();
    o.anchor = anchor;
    if (is_key()) open_.back().key = "?";  // a list or mapping as a key; the loader's checks refuse it
    open_.push_back(std::move(o));
  }

  void close() {
    Open o = std::move(open_.back());
    open_.pop_back();
    if (o.anchor != YAML::NullAnchor) anchors_[o.anchor] = o.extent;
    add_to_parent(o.extent);
  }

  void add_to_parent(const Extent& e) {
    if (open_.empty()) return;
    Open& parent = open_.back();
    parent.extent.values += e.values;
    parent.extent.height = std::max(parent.extent.height, e.height + 1);
    ++parent.children;
  }

  const YamlReader& r_;
  std::unordered_map<YAML::anchor_t, Extent> anchors_;
  std::vector<Open> open_;
  std::uint64_t alias_values_ = 0;
};

}  // namespace

void check_yaml_text(const YamlReader& r, const std::string& text) {
  Guard guard(r);
  try {
    std::istringstream in(text);
    YAML::Parser parser(in);
    while (parser.HandleNextDocument(guard)) {
    }
  } catch (const YAML::Exception&) {
    // A syntax error: YAML::LoadAll meets it next and reports it with its line.
  }
  // Bytes outside any value (a comment, a tag) must be UTF-8 too: the text is stored and sent as JSON.
  if (auto at = core::invalid_utf8_at(text)) {
    YAML::Mark mark;
    mark.line = static_cast<int>(std::count(text.begin(), text.begin() + static_cast<std::ptrdiff_t>(*at), '\n'));
    std::size_t line_start = *at == 0 ? std::string::npos : text.rfind('\n', *at - 1);
    std::size_t column = line_start == std::string::npos ? *at + 1 : *at - line_start;
    r.fail(mark, "", "not UTF-8 text (" + core::describe_invalid_byte(text, *at) + ", column " + std::to_string(column) +
                         "; save the file as UTF-8)");
  }
}

}  // namespace sv::spec

#include "spec/yaml_json.hpp"

#include <yaml-cpp/yaml.h>

#include <charconv>
#include <cstdint>
#include <string>

namespace sv::spec {

using core::Json;

namespace {

bool all_of(std::string_view s, bool (*pred)(char)) {
  if (s.empty()) return false;
  for (char c : s)
    if (!pred(c)) return false;
  return true;
}
bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_octal(char c) { return c >= '0' && c <= '7'; }
bool is_hex(char c) { return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'); }

// The core schema's float: [-+]? ( . digits | digits [ . digits? ] ) ( [eE] [-+]? digits )?
bool looks_like_float(std::string_view s) {
  size_t i = 0;
  if (i < s.size() && (s[i] == '-' || s[i] == '+')) ++i;
  size_t int_digits = 0, frac_digits = 0;
  while (i < s.size() && is_digit(s[i])) ++i, ++int_digits;
  if (i < s.size() && s[i] == '.') {
    ++i;
    while (i < s.size() && is_digit(s[i])) ++i, ++frac_digits;
  }
  if (int_digits + frac_digits == 0) return false;
  if (i < s.size() && (s[i] == 'e' || s[i] == 'E')) {
    ++i;
    if (i < s.size() && (s[i] == '-' || s[i] == '+')) ++i;
    size_t exp_digits = 0;
    while (i < s.size() && is_digit(s[i])) ++i, ++exp_digits;
    if (exp_digits == 0) return false;
  }
  return i == s.size();
}

// from_chars is locale-independent (strtod is not, and an embedded interpreter may change the locale);
// it rejects a leading '+', so that is dropped first.
std::string_view drop_plus(std::string_view s) { return !s.empty() && s[0] == '+' ? s.substr(1) : s; }

Json parse_double(std::string_view s) {
  s = drop_plus(s);
  double v = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || end != s.data() + s.size()) return Json(std::string(s));  // e.g. 1e999
  return Json(v);
}

Json parse_int_base(std::string_view digits, int base, bool negative) {
  std::int64_t v = 0;
  auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), v, base);
  if (ec != std::errc() || end != digits.data() + digits.size()) return Json();
  return Json(negative ? -v : v);
}

}  // namespace

Json plain_scalar_to_json(std::string_view s) {
  if (s.empty() || s == "~" || s == "null" || s == "Null" || s == "NULL") return Json(nullptr);
  if (s == "true" || s == "True" || s == "TRUE") return Json(true);
  if (s == "false" || s == "False" || s == "FALSE") return Json(false);

  std::string_view body = drop_plus(s);
  bool negative = false;
  if (!body.empty() && body[0] == '-') negative = true, body.remove_prefix(1);
  if (all_of(body, is_digit)) {
    Json v = parse_int_base(body, 10, negative);
    return v.is_null() ? parse_double(s) : v;  // out of int64 range: keep the magnitude as a double
  }
  if (s.size() > 2 && s[0] == '0' && s[1] == 'x' && all_of(s.substr(2), is_hex)) {
    Json v = parse_int_base(s.substr(2), 16, false);
    if (!v.is_null()) return v;
  }
  if (s.size() > 2 && s[0] == '0' && s[1] == 'o' && all_of(s.substr(2), is_octal)) {
    Json v = parse_int_base(s.substr(2), 8, false);
    if (!v.is_null()) return v;
  }
  if (looks_like_float(s)) return parse_double(s);
  return Json(std::string(s));
}

Json yaml_to_json(const YAML::Node& node) {
  if (!node.IsDefined() || node.IsNull()) return Json(nullptr);
  if (node.IsScalar()) {
    // yaml-cpp tags a plain scalar "?" and a quoted one "!"; anything else is an explicit tag, and only
    // !!str is worth honouring here (others, such as !!float, would only restate what the text says).
    const std::string& tag = node.Tag();
    if (tag == "!" || tag == "tag:yaml.org,2002:str") return Json(node.Scalar());
    return plain_scalar_to_json(node.Scalar());
  }
  if (node.IsSequence()) {
    Json out = Json::array();
    for (const auto& item : node) out.push_back(yaml_to_json(item));
    return out;
  }
  Json out = Json::object();
  for (auto it = node.begin(); it != node.end(); ++it) {
    const YAML::Node key_node = it->first;  // a copy: `it->first` lives in a short-lived proxy
    std::string key = key_node.IsScalar() ? key_node.Scalar() : YAML::Dump(key_node);
    if (!out.contains(key)) out[key] = yaml_to_json(it->second);
  }
  return out;
}

}  // namespace sv::spec

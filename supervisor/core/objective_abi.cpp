#include "core/objective_abi.h"

#include <cstring>
#include <string>

#include "core/json_util.hpp"

namespace {

int answer(int status, const std::string& why, char* error, std::size_t error_size) {
  if (error && error_size > 0) {
    std::size_t n = why.size() < error_size - 1 ? why.size() : error_size - 1;
    std::memcpy(error, why.data(), n);
    error[n] = '\0';
  }
  return status;
}

}  // namespace

extern "C" __attribute__((visibility("default"))) int sv_pick_objective(const char* result_json, size_t len,
                                                                       const char* metric, const char* mode,
                                                                       double* value, char* error,
                                                                       size_t error_size) {
  // No exception may cross into the caller's interpreter.
  try {
    sv::core::ObjectiveMode m;
    const std::string mode_text = mode ? mode : "";
    if (mode_text == "last") m = sv::core::ObjectiveMode::last;
    else if (mode_text == "min") m = sv::core::ObjectiveMode::min;
    else if (mode_text == "max") m = sv::core::ObjectiveMode::max;
    else return answer(-1, "objective mode '" + mode_text + "' is not one of last, min, max", error, error_size);
    // Ordered: a missing objective's message lists the keys as the model wrote them.
    sv::core::OrderedJson result =
        sv::core::parse_result_json_ordered(std::string(result_json ? result_json : "", len));
    if (result.is_discarded()) return answer(-1, "the model's answer is not JSON", error, error_size);
    sv::core::PickedObjective picked = sv::core::pick_objective(result, metric ? metric : "", m);
    if (!picked.value) return answer(0, picked.error, error, error_size);
    *value = *picked.value;
    return answer(1, "", error, error_size);
  } catch (const std::exception& e) {
    return answer(-1, e.what(), error, error_size);
  }
}

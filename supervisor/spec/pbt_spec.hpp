// Population-based training (optimizer `name: pbt`, issue 16). Terms: a *population* of members trains
// side by side in *segments* of `interval_epochs` epochs each; after each segment a member in the bottom
// `quantile` of the latest finished scores *exploits* (takes a top member's weights and hyperparameters)
// and *explores* (perturbs them); the others continue their own. Every member trains `segments` segments.
#pragma once
#include <vector>

namespace sv::spec {

struct PbtSpec {
  int population = 8;                       // members trained side by side
  int interval_epochs = 5;                  // epochs per segment
  int segments = 10;                        // segments per member (max_epochs / interval_epochs)
  double quantile = 0.25;                   // bottom (and top) fraction of the ranked members, in (0, 0.5]
  std::vector<double> factors{0.8, 1.2};    // explore: a numeric value is multiplied by one of these
  double resample_probability = 0.25;       // explore: a value is drawn afresh from the space instead
  int max_epochs() const { return interval_epochs * segments; }
};

}  // namespace sv::spec

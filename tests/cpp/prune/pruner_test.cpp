// Pruners' decisions as rules: who goes on at a rung, who stops, and that nobody waits for a rung to fill.
#include <catch2/catch.hpp>

#include "prune/asha.hpp"
#include "prune/median.hpp"
#include "prune/rung_rule.hpp"

using namespace sv::prune;

namespace {
PrunerOptions asha_options(int min_epochs = 1, int eta = 3) {
  PrunerOptions o;
  o.kind = PrunerKind::asha;
  o.metrics = {{"loss", Goal::minimize}};
  o.min_epochs = min_epochs;
  o.reduction_factor = eta;
  return o;
}
}  // namespace

TEST_CASE("asha rungs are at min_epochs times powers of the reduction factor") {
  Asha asha(asha_options(2, 3));
  CHECK(asha.rung_epoch(0) == 2);
  CHECK(asha.rung_epoch(1) == 6);
  CHECK(asha.rung_epoch(2) == 18);
}

TEST_CASE("asha judges a trial the moment it reaches a rung, against what the rung holds so far") {
  Asha asha(asha_options(1, 3));
  CHECK_FALSE(asha.on_report("a", 0, {0.5}).has_value());  // before the first rung: no decision
  auto first = asha.on_report("a", 1, {0.5});
  REQUIRE(first);
  CHECK_FALSE(first->stop);  // alone at its rung: goes on, nobody waited for others
  CHECK(first->rung == 0);
  auto worse = asha.on_report("b", 1, {0.9});
  REQUIRE(worse);
  CHECK(worse->stop);  // 2 at the rung keep 1, and the other is better
  CHECK(worse->rung_values == std::vector<std::vector<double>>{{0.5}});
  auto better = asha.on_report("c", 1, {0.1});
  REQUIRE(better);
  CHECK_FALSE(better->stop);
  CHECK_FALSE(asha.on_report("a", 1, {0.4}).has_value());  // one decision per rung and trial
  CHECK_FALSE(asha.on_report("a", 2, {0.4}).has_value());  // between rungs
}

TEST_CASE("asha keeps a newcomer only while it is among the best n / reduction_factor at its rung") {
  Asha worsening(asha_options(1, 2)), mixed(asha_options(1, 2));
  int stopped = 0;
  for (int i = 0; i < 8; ++i) stopped += worsening.on_report("t" + std::to_string(i), 1, {double(i)})->stop;
  CHECK(stopped == 7);  // each newcomer is the worst so far
  // 4 at the rung keep 2: a newcomer second-best of 4 goes on.
  for (double v : {0.1, 0.5, 0.9}) mixed.on_report(std::to_string(v), 1, {v});
  CHECK_FALSE(mixed.on_report("second", 1, {0.3})->stop);
  CHECK(mixed.on_report("third of 5", 1, {0.4})->stop);
}

TEST_CASE("a maximized metric keeps the highest values") {
  PrunerOptions o = asha_options(1, 3);
  o.metrics = {{"acc", Goal::maximize}};
  Asha asha(o);
  CHECK_FALSE(asha.on_report("a", 1, {0.9})->stop);
  CHECK(asha.on_report("b", 1, {0.2})->stop);
  CHECK_FALSE(asha.on_report("c", 1, {0.95})->stop);
}

TEST_CASE("a report that skips rungs is judged at the highest one it reaches") {
  Asha asha(asha_options(1, 3));
  auto d = asha.on_report("a", 10, {0.3});
  REQUIRE(d);
  CHECK(d->rung == 2);  // rungs 1, 3, 9
  CHECK(d->rung_epoch == 9);
}

TEST_CASE("min_trials: a rung with fewer reports prunes nothing") {
  PrunerOptions o = asha_options(1, 3);
  o.min_trials = 3;
  Asha asha(o);
  CHECK_FALSE(asha.on_report("a", 1, {0.1})->stop);
  CHECK_FALSE(asha.on_report("b", 1, {0.9})->stop);  // 2 < 3
  CHECK(asha.on_report("c", 1, {0.8})->stop);
}

TEST_CASE("hyperband spreads trials over brackets whose first rungs grow by the reduction factor") {
  PrunerOptions o = asha_options(1, 3);
  o.kind = PrunerKind::hyperband;
  o.max_epochs = 27;
  Hyperband hb(o);
  CHECK(hb.brackets() == 3);  // first rungs 1, 3, 9
  std::size_t seen[3] = {0, 0, 0};
  for (int i = 0; i < 60; ++i) ++seen[hb.bracket_of("t" + std::to_string(i))];
  CHECK(seen[0] > 0);
  CHECK(seen[1] > 0);
  CHECK(seen[2] > 0);
  // A trial in the bracket that starts at epoch 9 is not judged at epoch 1.
  std::string late;
  for (int i = 0; late.empty(); ++i)
    if (hb.bracket_of("t" + std::to_string(i)) == 2) late = "t" + std::to_string(i);
  CHECK_FALSE(hb.on_report(late, 1, {0.5}).has_value());
  REQUIRE(hb.on_report(late, 9, {0.5}).has_value());
}

TEST_CASE("median stops a trial whose best so far is worse than the others' median at that epoch") {
  PrunerOptions o;
  o.kind = PrunerKind::median;
  o.metrics = {{"loss", Goal::minimize}};
  o.min_epochs = 2;
  o.min_trials = 2;
  Median median(o);
  for (const char* t : {"a", "b", "c"}) CHECK_FALSE(median.on_report(t, 1, {1.0}).has_value());  // warm-up
  CHECK_FALSE(median.on_report("a", 2, {0.2}).has_value());  // no others at epoch 2 yet
  CHECK_FALSE(median.on_report("b", 2, {0.4}).has_value());  // one other < min_trials
  auto worse = median.on_report("c", 2, {0.9});
  REQUIRE(worse);
  CHECK(worse->stop);  // 0.9 > median(0.2, 0.4)
  CHECK(worse->rung_values.size() == 2);
  auto good = median.on_report("d", 2, {0.1});
  REQUIRE(good);
  CHECK_FALSE(good->stop);
}

TEST_CASE("with several metrics a trial on the Pareto front is never pruned, dominated ones are") {
  PrunerOptions o = asha_options(1, 3);
  o.metrics = {{"loss", Goal::minimize}, {"latency", Goal::minimize}};
  Asha asha(o);
  CHECK_FALSE(asha.on_report("fast", 1, {0.9, 0.1})->stop);
  CHECK_FALSE(asha.on_report("accurate", 1, {0.1, 0.9})->stop);  // trades off with fast: both on the front
  CHECK(asha.on_report("dominated", 1, {0.95, 0.95})->stop);      // worse than both in both
  CHECK_FALSE(asha.on_report("middle", 1, {0.5, 0.5})->stop);     // on the front too
  CHECK(asha.on_report("behind", 1, {0.6, 0.6})->stop);           // dominated by middle
}

TEST_CASE("non-dominated sorting keeps whole fronts until about n / reduction_factor are kept") {
  // Minimized values; front 1 = {0, 1}, front 2 = {2}, front 3 = {3}.
  std::vector<std::vector<double>> rung = {{0, 1}, {1, 0}, {1, 1}, {2, 2}};
  CHECK(promoted(rung, 0, 2));
  CHECK(promoted(rung, 1, 2));
  CHECK_FALSE(promoted(rung, 2, 2));  // keep 2: the first front already holds 2
  CHECK_FALSE(promoted(rung, 3, 2));
  CHECK(promoted(rung, 2, 1));  // keep all 4
  CHECK(dominates({0, 0}, {0, 1}));
  CHECK_FALSE(dominates({0, 1}, {0, 1}));
}

TEST_CASE("no rung at or past max_epochs: a finished training is not judged") {
  PrunerOptions o = asha_options(1, 3);
  o.max_epochs = 9;
  Asha asha(o);
  CHECK(asha.on_report("a", 3, {0.5}).has_value());
  CHECK_FALSE(asha.on_report("a", 9, {0.5}).has_value());
}

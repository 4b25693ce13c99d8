#include "cli/status_view.hpp"

#include <algorithm>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <map>
#include <string>

#include "core/clock.hpp"
#include "core/run_dir.hpp"

namespace sv::cli {

namespace {

using core::Json;

/// Times of 0 mean "not yet" in the store; JSON says so with null.
Json time_or_null(double t) { return t > 0 ? Json(t) : Json(nullptr); }
// A task's device as the store has it (its worker's visible GPUs); null when unknown or none.
Json device_or_null(const std::string& devices) { return devices.empty() ? Json(nullptr) : Json(devices); }

std::string first_line(const std::string& text, std::size_t limit) {
  std::string line = text.substr(0, text.find('\n'));
  return line.size() <= limit ? line : line.substr(0, limit - 3) + "...";
}

Json params_json(const std::string& text) {
  Json j = Json::parse(text, nullptr, false);
  return j.is_discarded() ? Json(text) : j;
}

std::string clip(const std::string& s, std::size_t n) { return s.size() <= n ? s : s.substr(0, n - 3) + "..."; }

std::string fmt(const char* format, double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, format, v);
  return buf;
}

std::string local_time(double t) {
  if (t <= 0) return "-";
  std::time_t s = static_cast<std::time_t>(t);
  std::tm tm{};
  localtime_r(&s, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M:%S", &tm);
  return buf;
}

std::string num(const Json& j) { return j.is_number() ? fmt("%.6g", j.get<double>()) : "-"; }

// One entry per (host, GPU): its latest reading, and the mean busy fraction over the run.
Json gpu_status(const std::vector<store::GpuSampleRow>& samples) {
  std::map<std::pair<std::string, int>, std::pair<const store::GpuSampleRow*, std::pair<double, long long>>> by_gpu;
  for (const auto& r : samples) {
    auto& [latest, sum] = by_gpu[{r.host, r.gpu}];
    latest = &r;  // samples come by time
    sum.first += r.busy;
    sum.second += 1;
  }
  Json out = Json::array();
  for (const auto& [key, value] : by_gpu) {
    const auto& [latest, sum] = value;
    out.push_back({{"host", key.first}, {"gpu", key.second}, {"uuid", latest->uuid}, {"busy", latest->busy},
                   {"mean_busy", sum.first / static_cast<double>(sum.second)},
                   {"memory_used", latest->memory_used}, {"memory_total", latest->memory_total},
                   {"samples", sum.second}, {"time", latest->time}});
  }
  return out;
}

// Pruned trials and the worker time they did not spend: each one's run time short of the mean full
// training (the done tasks'); null saving before any training finished. An estimate, said as one.
Json pruning_summary(const store::Store& store, const store::StatusCounts& counts) {
  if (counts.pruned == 0) return nullptr;
  auto duration = [](const store::TaskRow& t) { return t.end_time >= t.start_time ? t.end_time - t.start_time : 0.0; };
  double full = 0;
  std::size_t n = 0;
  for (const auto& t : store.tasks_with_status(store::TaskStatus::done)) {
    if (t.start_time <= 0) continue;
    full += duration(t);
    ++n;
  }
  Json saved = nullptr;
  if (n > 0) {
    const double mean = full / static_cast<double>(n);
    double sum = 0;
    for (const auto& t : store.tasks_with_status(store::TaskStatus::pruned))
      if (t.start_time > 0) sum += std::max(0.0, mean - duration(t));
    saved = sum;
  }
  return {{"pruned", counts.pruned}, {"worker_s_saved", saved}};
}

}  // namespace

// Keys: run{name, workflow, status, dir, store, spec_path, created, updated, elapsed_s},
// objective{metric, goal}, counts{pending, running, done, failed, canceled, pruned, recorded, expected},
// rate{finished_per_s, eta_s}, pruning{pruned, worker_s_saved} (null without pruned trials),
// running[{node_id, task_id, worker, host, device, attempt, started, elapsed_s, epoch, metrics}],
// running_total, best[{node_id, objective, params, duration_s}],
// failures[{node_id, attempts, worker, host, device, error}], failures_total,
// submissions[{id, time, scheduler, job_id, script, site, resubmits_left}],
// sessions[{id, started, ended, workers, host, job_id, status}],
// gpus[{host, gpu, uuid, busy, mean_busy, memory_used, memory_total, samples, time}] (latest reading and
// the run's mean busy fraction per GPU; empty without GPU telemetry). Unknown values are null.
Json collect_status(const store::Store& store, const StatusInputs& in) {
  const store::RunInfo run = store.run();
  const store::StatusCounts counts = store.counts();
  const auto sessions = store.sessions();
  const bool live = run.status == "running";
  const double end = live ? in.now : run.updated;
  const bool killed = live && in.now - run.updated > kProbablyKilledS;

  Json out;
  out["run"] = {{"name", run.name},           {"workflow", run.workflow},       {"status", run.status},
                {"dir", in.run_dir},          {"store", core::RunDir(in.run_dir).store()}, {"spec_path", run.spec_path},
                {"created", run.created},     {"updated", run.updated},
                {"elapsed_s", std::max(0.0, end - run.created)},
                // A live server stamps `updated` every 10 s; much longer silence means the job is gone.
                {"quiet_s", live ? Json(std::max(0.0, in.now - run.updated)) : Json()},
                {"probably_killed", killed}};
  out["objective"] = {{"metric", in.metric}, {"goal", in.minimize ? "minimize" : "maximize"}};
  out["counts"] = {{"pending", counts.pending}, {"running", counts.running}, {"done", counts.done},
                   {"failed", counts.failed},   {"canceled", counts.canceled}, {"pruned", counts.pruned},
                   {"recorded", counts.total()},
                   {"expected", in.expected_total ? Json(in.expected_total) : Json(nullptr)}};

  // Rate over the time jobs actually ran (the sum of sessions), so the gap before a resume does not count.
  double job_time = 0;
  for (const auto& s : sessions) {
    double s_end = s.ended > 0 ? s.ended : (live ? in.now : run.updated);
    job_time += std::max(0.0, s_end - s.started);
  }
  const std::int64_t finished = counts.done + counts.failed + counts.pruned;
  Json rate = {{"finished_per_s", nullptr}, {"eta_s", nullptr}};
  if (job_time > 0 && finished > 0) {
    double per_s = finished / job_time;
    rate["finished_per_s"] = per_s;
    if (live && in.expected_total > static_cast<std::size_t>(finished))
      rate["eta_s"] = (static_cast<double>(in.expected_total) - static_cast<double>(finished)) / per_s;
  }
  out["rate"] = rate;

  out["running"] = Json::array();
  for (const auto& t : store.tasks_with_status(store::TaskStatus::running, in.running_limit)) {
    double started = t.start_time > 0 ? t.start_time : t.dispatch_time;
    Json r = {{"node_id", t.node_id}, {"task_id", t.id},       {"worker", t.worker},
              {"host", t.host},       {"device", device_or_null(store.task_device(t.id))},
              {"attempt", t.attempts}, {"started", time_or_null(started)},
              {"elapsed_s", started > 0 ? Json(std::max(0.0, in.now - started)) : Json(nullptr)},
              {"epoch", nullptr},     {"metrics", nullptr}};
    // The latest epoch the model reported for this attempt, if it reports any.
    auto history = store.metrics(t.node_id);
    if (!history.empty() && history.back().attempt == t.attempts) {
      r["epoch"] = history.back().epoch;
      r["metrics"] = params_json(history.back().metrics);
    }
    out["running"].push_back(std::move(r));
  }
  out["running_total"] = counts.running;

  out["pruning"] = pruning_summary(store, counts);

  out["best"] = Json::array();
  for (const auto& t : store.best_tasks(in.best_limit, in.minimize)) {
    double duration = t.start_time > 0 && t.end_time >= t.start_time ? t.end_time - t.start_time : -1;
    out["best"].push_back({{"node_id", t.node_id},
                           {"objective", t.objective ? Json(*t.objective) : Json(nullptr)},
                           {"params", params_json(t.params)},
                           {"duration_s", duration >= 0 ? Json(duration) : Json(nullptr)}});
  }

  out["failures"] = Json::array();
  for (const auto& t : store.tasks_with_status(store::TaskStatus::failed, in.failure_limit)) {
    out["failures"].push_back({{"node_id", t.node_id},
                               {"attempts", t.attempts},
                               {"worker", t.worker >= 0 ? Json(t.worker) : Json(nullptr)},
                               {"host", t.host},
                               {"device", device_or_null(store.task_device(t.id))},
                               {"error", first_line(t.error, 300)}});
  }
  out["failures_total"] = counts.failed;

  // The job chain: the batch jobs `supervisor submit` handed to a scheduler, and the sessions (MPI jobs)
  // that actually ran.
  out["submissions"] = Json::array();
  for (const auto& s : store.submissions()) {
    out["submissions"].push_back({{"id", s.id},
                                  {"time", time_or_null(s.time)},
                                  {"scheduler", s.scheduler},
                                  {"job_id", s.job_id},
                                  {"script", s.script},
                                  {"site", s.site},
                                  {"resubmits_left", s.resubmits_left}});
  }
  out["gpus"] = gpu_status(store.gpu_samples());
  out["sessions"] = Json::array();
  for (const auto& s : sessions) {
    out["sessions"].push_back({{"id", s.id},
                               {"started", time_or_null(s.started)},
                               {"ended", time_or_null(s.ended)},
                               {"workers", s.workers},
                               {"host", s.host},
                               {"job_id", s.job_id.empty() ? Json(nullptr) : Json(s.job_id)},
                               // A session left running by a silent run is the killed job's.
                               {"status", killed && s.status == "running" ? "probably killed" : s.status}});
  }
  return out;
}

bool probably_killed(const Json& st) {
  const Json& run = st["run"];
  return run.contains("probably_killed") && run["probably_killed"].get<bool>();
}

std::string render_job_chain(const Json& st) {
  std::string out;
  for (const auto& s : st["submissions"]) {
    out += "  submitted " + local_time(s["time"].is_null() ? 0 : s["time"].get<double>()) + "  " +
           s["scheduler"].get<std::string>() + " job " + s["job_id"].get<std::string>() + " (site " +
           s["site"].get<std::string>() + ", " + std::to_string(s["resubmits_left"].get<int>()) +
           " resubmissions left)  " + s["script"].get<std::string>() + "\n";
  }
  for (const auto& s : st["sessions"]) {
    out += "  session " + std::to_string(s["id"].get<long long>()) + "  " + local_time(s["started"].is_null() ? 0 : s["started"].get<double>()) +
           " -> " + (s["ended"].is_null() ? std::string("now") : local_time(s["ended"].get<double>())) + "  " +
           std::to_string(s["workers"].get<int>()) + " workers on " + s["host"].get<std::string>() +
           (s["job_id"].is_null() ? std::string() : ", job " + s["job_id"].get<std::string>()) + ", " +
           s["status"].get<std::string>() + "\n";
  }
  return out;
}

std::string render_status_text(const Json& st) {
  const Json& run = st["run"];
  const Json& c = st["counts"];
  std::string out;
  auto line = [&out](const std::string& s) { out += s + "\n"; };
  auto i = [](const Json& j) { return std::to_string(j.get<long long>()); };

  line("run " + run["name"].get<std::string>() + " (" + run["workflow"].get<std::string>() + "): " +
       run["status"].get<std::string>() + ", elapsed " + core::format_duration(run["elapsed_s"].get<double>()) +
       "  [" + run["dir"].get<std::string>() + "]");
  if (probably_killed(st)) {
    line("  nothing written for " + core::format_duration(run["quiet_s"].get<double>()) +
         " (a running server stamps its store every 10 s): the job was probably killed; continue it with "
         "`supervisor resume " + run["dir"].get<std::string>() + "`");
  }
  std::string tasks = "tasks: " + i(c["done"]) + " done, " + i(c["running"]) + " running, " + i(c["pending"]) +
                      " pending, " + i(c["failed"]) + " failed";
  if (c["canceled"].get<long long>() > 0) tasks += ", " + i(c["canceled"]) + " canceled";
  if (c.value("pruned", 0LL) > 0) tasks += ", " + i(c["pruned"]) + " pruned";
  tasks += " (" + i(c["recorded"]) + " recorded";
  if (!c["expected"].is_null())
    tasks += std::string(run["workflow"] == "hpo" ? " of a budget of " : " of ") + i(c["expected"]);
  line(tasks + ")");
  if (st.contains("pruning") && st["pruning"].is_object()) {
    const Json& p = st["pruning"];
    char saved[160] = "no full training finished yet to compare with";
    if (!p["worker_s_saved"].is_null())
      std::snprintf(saved, sizeof saved, "about %.0f worker-s saved (each short of the mean full training)",
                    p["worker_s_saved"].get<double>());
    line("pruning: " + i(p["pruned"]) + " trials stopped early, " + std::string(saved));
  }
  const Json& rate = st["rate"];
  if (!rate["finished_per_s"].is_null()) {
    double per_s = rate["finished_per_s"].get<double>();
    std::string r = per_s >= 1 ? fmt("%.2f/s", per_s) : fmt("%.2f/min", per_s * 60);
    line("rate: " + r + (rate["eta_s"].is_null() ? "" : ", eta " + core::format_duration(rate["eta_s"].get<double>())));
  }

  if (!st["running"].empty()) {
    line("running (" + i(st["running_total"]) + "):");
    char buf[512];
    std::snprintf(buf, sizeof buf, "  %-14s %-7s %-16s %-7s %-9s %-8s %s", "node", "worker", "host", "device", "elapsed",
                  "attempt", "last epoch");
    line(buf);
    for (const auto& r : st["running"]) {
      std::string epoch = r["epoch"].is_null() ? "-" : i(r["epoch"]) + " " + clip(r["metrics"].dump(), 60);
      std::snprintf(buf, sizeof buf, "  %-14s %-7s %-16s %-7s %-9s %-8s %s", clip(r["node_id"].get<std::string>(), 14).c_str(),
                    i(r["worker"]).c_str(), clip(r["host"].get<std::string>(), 16).c_str(),
                    r.value("device", Json()).is_null() ? "-" : clip(r["device"].get<std::string>(), 7).c_str(),
                    r["elapsed_s"].is_null() ? "-" : core::format_duration(r["elapsed_s"].get<double>()).c_str(),
                    i(r["attempt"]).c_str(), epoch.c_str());
      line(buf);
    }
    long long more = st["running_total"].get<long long>() - static_cast<long long>(st["running"].size());
    if (more > 0) line("  ... and " + std::to_string(more) + " more");
  }

  const Json& obj = st["objective"];
  if (st["best"].empty()) {
    line("best: no results with an objective yet");
  } else {
    line("best by " + obj["metric"].get<std::string>() + " (" + obj["goal"].get<std::string>() + "):");
    char buf[512];
    std::snprintf(buf, sizeof buf, "  %-14s %-14s %-9s %s", "node", "objective", "duration", "parameters");
    line(buf);
    for (const auto& b : st["best"]) {
      std::snprintf(buf, sizeof buf, "  %-14s %-14s %-9s %s", clip(b["node_id"].get<std::string>(), 14).c_str(),
                    num(b["objective"]).c_str(),
                    b["duration_s"].is_null() ? "-" : core::format_duration(b["duration_s"].get<double>()).c_str(),
                    clip(b["params"].is_string() ? b["params"].get<std::string>() : b["params"].dump(), 90).c_str());
      line(buf);
    }
  }

  if (!st["failures"].empty()) {
    line("failures (" + i(st["failures_total"]) + "):");
    for (const auto& f : st["failures"]) {
      std::string where = f["worker"].is_null() ? "" : " on worker " + i(f["worker"]);
      if (!f.value("device", Json()).is_null()) where += " (gpu " + f["device"].get<std::string>() + ")";
      line("  " + f["node_id"].get<std::string>() + " (attempts " + i(f["attempts"]) + where + "): " +
           clip(f["error"].get<std::string>(), 150));
    }
    long long more = st["failures_total"].get<long long>() - static_cast<long long>(st["failures"].size());
    if (more > 0) line("  ... and " + std::to_string(more) + " more (supervisor export lists them all)");
  }

  if (st.contains("gpus") && !st["gpus"].empty()) {
    line("gpus (busy now / mean over the run, memory in use):");
    for (const auto& g : st["gpus"]) {
      const double gib = 1024.0 * 1024.0 * 1024.0;
      char buf[256];
      std::snprintf(buf, sizeof buf, "  %s gpu %d: %3.0f%% / %3.0f%%, %.1f of %.1f GiB",
                    g["host"].get<std::string>().c_str(), g["gpu"].get<int>(), 100 * g["busy"].get<double>(),
                    100 * g["mean_busy"].get<double>(), g["memory_used"].get<double>() / gib,
                    g["memory_total"].get<double>() / gib);
      line(buf);
    }
  }
  if (!st["sessions"].empty() || !st["submissions"].empty()) {
    std::size_t n = st["sessions"].size(), m = st["submissions"].size();
    line("jobs (" + std::to_string(n) + " session" + (n == 1 ? "" : "s") +
         (m ? ", " + std::to_string(m) + " submission" + (m == 1 ? "" : "s") : std::string()) + "):");
    out += render_job_chain(st);
  }
  return out;
}

}  // namespace sv::cli

// Workflow YAML → WorkflowSpec. One function per section; each reads its keys through YamlReader, so
// every error carries file, line and key path. Sections owned by later components (space, optimizer,
// sublearning, uq, nodes) are accepted here and parsed by them.
#include "spec/parse.hpp"

#include <csignal>

#include <cctype>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "core/build_features.hpp"
#include "core/errors.hpp"
#include "core/ids.hpp"
#include "spec/gpu_parse.hpp"
#include "spec/dataflow_parse.hpp"
#include "spec/search_parse.hpp"
#include "spec/yaml_reader.hpp"

namespace sv::spec {

namespace fs = std::filesystem;

namespace {

bool is_identifier(std::string_view s) {
  if (s.empty() || !(std::isalpha(static_cast<unsigned char>(s[0])) || s[0] == '_')) return false;
  for (char c : s)
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '_')) return false;
  return true;
}

// `a.b.c`: what Python's importlib and getattr accept, checked here so a typo fails before any rank starts.
bool is_dotted_identifier(std::string_view s) {
  while (true) {
    size_t dot = s.find('.');
    if (!is_identifier(s.substr(0, dot))) return false;
    if (dot == std::string_view::npos) return true;
    s.remove_prefix(dot + 1);
  }
}

// R syntactic names: letters, digits, '.', '_'; start with a letter or a '.' not followed by a digit.
bool is_r_name(std::string_view s) {
  if (s.empty() || !(std::isalpha(static_cast<unsigned char>(s[0])) || s[0] == '.')) return false;
  if (s[0] == '.' && s.size() > 1 && std::isdigit(static_cast<unsigned char>(s[1]))) return false;
  for (char c : s)
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '_')) return false;
  return true;
}

bool ends_with(const std::string& s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

std::string python_entry(const YamlReader& r, const Field& f) {
  std::string entry = r.string(f);
  size_t colon = entry.find(':');
  if (colon == std::string::npos || !is_dotted_identifier(std::string_view(entry).substr(0, colon)) ||
      !is_dotted_identifier(std::string_view(entry).substr(colon + 1)))
    r.fail(f,
           "expected \"pkg.module:function\", got " + YamlReader::describe(f.node) +
               " (the module is imported from python_path, then the function is called with the parameters)");
  return entry;
}

// The R file is made absolute here because a worker runs in its task directory, not beside the YAML.
std::string r_entry(const YamlReader& r, const Field& f) {
  std::string entry = r.string(f);
  size_t colon = entry.rfind(':');
  std::string file = colon == std::string::npos ? "" : entry.substr(0, colon);
  if (file.empty() || !(ends_with(file, ".R") || ends_with(file, ".r")) ||
      !is_r_name(std::string_view(entry).substr(colon + 1)))
    r.fail(f, "expected \"file.R:function\", got " + YamlReader::describe(f.node) +
                  " (the file is sourced once per worker, then the function is called with the parameters)");
  return resolve_path(file, r.base_dir()) + entry.substr(colon);
}

ModelSpec parse_model(const YamlReader& r, const Field& f) {
  Mapping m = r.mapping(f, {"kind", "entry", "command", "env", "cwd", "result_file", "python_path",
                            "defaults", "timeout", "retries", "task_files", "stop_signal", "stop_grace_s"});
  ModelSpec model;
  // The kind first, whatever the key order: it decides which other keys are required or refused.
  if (const Field* kind = m.find("kind"))
    model.kind = r.choice<ModelKind>(*kind, {{"python", ModelKind::python},
                                             {"r", ModelKind::r},
                                             {"app", ModelKind::app},
                                             {"noop", ModelKind::noop}});
  if (model.kind == ModelKind::r && !core::built_with_r())
    r.fail(*m.find("kind"), core::without_r_message("kind r"));

  const Field* entry = m.find("entry");
  const Field* command = m.find("command");
  if (model.kind == ModelKind::python)
    model.entry =
        python_entry(r, entry ? *entry : r.require(m, "entry", "kind python needs \"pkg.module:function\""));
  if (model.kind == ModelKind::r)
    model.entry = r_entry(r, entry ? *entry : r.require(m, "entry", "kind r needs \"file.R:function\""));
  if (model.kind == ModelKind::app) {
    if (entry) r.fail(*entry, "not used by kind app (it runs `command`; remove entry or change kind)");
    const Field& cmd =
        command ? *command
                : r.require(m, "command", "kind app needs an argv list, e.g. [./train, --lr, \"{lr}\"]");
    model.command = r.string_list(cmd);
    if (model.command.empty()) r.fail(cmd, "expected a non-empty argv list, got an empty list");
  } else if (command && model.kind != ModelKind::noop) {
    r.fail(*command, std::string("only used by kind app, not ") + to_string(model.kind) +
                         " (remove it, or set kind: app)");
  }

  for (const Field& field : m.fields) {
    const std::string& key = field.key;
    if (key == "env") {
      model.env = r.string_map(field);
      for (const auto& [name, value] : model.env)
        if (name.empty() || name.find('=') != std::string::npos)
          r.fail(field, "\"" + name + "\" is not an environment variable name");
    } else if (key == "cwd") {
      model.cwd = r.string(field);
    } else if (key == "result_file") {
      model.result_file = r.string(field);
    } else if (key == "python_path") {
      for (const Field& item : r.items(field)) model.python_path.push_back(r.path(item));
    } else if (key == "defaults") {
      if (!field.node.IsMap())
        r.fail(field,
               "expected a mapping of parameter names to values, got " + YamlReader::describe(field.node));
      model.defaults = r.json(field);
    } else if (key == "timeout") {
      model.timeout_s = r.number(field, 0, "seconds; 0 means no limit");
    } else if (key == "retries") {
      model.retries = r.integer(field, 0, "extra attempts after a failure");
    } else if (key == "task_files") {
      model.task_files = r.boolean(field);
    } else if (key == "stop_signal" || key == "stop_grace_s") {
      if (model.kind != ModelKind::app)
        r.fail(field, "only used by kind app (Python and R models stop at ctx.should_stop())");
      if (key == "stop_signal")
        model.stop_signal = r.choice<int>(field, {{"TERM", SIGTERM}, {"INT", SIGINT}, {"HUP", SIGHUP},
                                                  {"USR1", SIGUSR1}, {"USR2", SIGUSR2}});
      else
        model.stop_grace_s = r.number(field, 0, "seconds between the stop signal and SIGKILL");
    }
  }
  return model;
}

ResourcesSpec parse_resources(const YamlReader& r, const Field& f) {
  Mapping m = r.mapping(f, {"workers", "preload", "shell", "python", "heartbeat_s", "lost_after_s", "timeout_grace_s",
                            "drain_grace_s", "gpus_per_worker", "workers_per_gpu", "gpus_per_node", "gpu_sharing"});
  ResourcesSpec resources;
  resources.gpu = parse_gpu_placement(r, m);
  for (const Field& field : m.fields) {
    if (field.key == "workers") resources.workers = r.integer(field, 1, kMaxWorkers);
    if (field.key == "preload") resources.preload = r.string_list(field);
    if (field.key == "shell")
      resources.shell = r.choice<ShellMode>(field, {{"embedded", ShellMode::embedded}, {"isolated", ShellMode::isolated}});
    if (field.key == "python") resources.python = r.string(field);
    if (field.key == "heartbeat_s") resources.heartbeat_s = r.number(field, 0, "seconds; 0 turns heartbeats off");
    if (field.key == "timeout_grace_s") resources.timeout_grace_s = r.number(field, 0, "seconds after a model.timeout interrupt");
    if (field.key == "drain_grace_s") resources.drain_grace_s = r.number(field, 0, "seconds a drain waits for models to stop");
    if (field.key == "lost_after_s") resources.lost_after_s = r.number(field, 0, "seconds; 0 never declares a worker lost");
  }
  if (resources.heartbeat_s > 0 && resources.lost_after_s > 0 && resources.lost_after_s < 2 * resources.heartbeat_s) {
    r.fail(*m.find("lost_after_s"), "must be at least twice heartbeat_s (" + core::Json(resources.heartbeat_s).dump() +
                                       " s), or one late heartbeat would lose a healthy worker");
  }
  if (const Field* python = m.find("python")) {
    if (resources.shell != ShellMode::isolated)
      r.fail(*python, "only used with `shell: isolated` (embedded Python is the one the supervisor was built with)");
  }
  return resources;
}

SweepSpec parse_sweep(const YamlReader& r, const Field& f) {
  Mapping m = r.mapping(f, {"grid", "list", "file"});
  if (m.fields.size() != 1) {
    std::string found = m.fields.empty() ? "none" : m.fields[0].key + " and " + m.fields[1].key;
    r.fail(f, "give exactly one of grid, list, file (found " + found + ")");
  }
  SweepSpec sweep;
  const Field& source = m.fields[0];
  if (source.key == "grid") {
    sweep.source = SweepSpec::Source::grid;
    Mapping grid = r.mapping(source);
    if (grid.fields.empty()) r.fail(source, "no parameters (write e.g. `lr: [0.1, 0.01]`)");
    for (const Field& param : grid.fields) {
      if (!param.node.IsSequence())
        r.fail(param, "expected a list of values, got " + YamlReader::describe(param.node) +
                          " (write e.g. `" + param.key + ": [1, 2]`)");
      std::vector<Json> values;
      for (const Field& item : r.items(param)) values.push_back(r.json(item));
      if (values.empty()) r.fail(param, "expected a non-empty list of values, got an empty list");
      sweep.grid.emplace_back(param.key, std::move(values));
    }
  } else if (source.key == "list") {
    sweep.source = SweepSpec::Source::list;
    for (const Field& item : r.items(source)) {
      if (!item.node.IsMap())
        r.fail(item,
               "expected a mapping of parameter names to values, got " + YamlReader::describe(item.node));
      sweep.list.push_back(r.json(item));
    }
    if (sweep.list.empty())
      r.fail(source, "expected a non-empty list of parameter mappings, got an empty list");
  } else {
    sweep.source = SweepSpec::Source::file;
    sweep.file = r.path(source);
    if (!(ends_with(sweep.file, ".csv") || ends_with(sweep.file, ".jsonl") || ends_with(sweep.file, ".json")))
      r.fail(source, "expected a .csv, .jsonl or .json file, got " + YamlReader::describe(source.node));
    std::error_code ec;
    if (!fs::is_regular_file(sweep.file, ec))
      r.fail(source, "cannot find " + sweep.file + " (relative paths start at the workflow file's folder)");
  }
  return sweep;
}

// `models:` (dag): name -> model, each parsed like `model:`; the names are what nodes' `model:` says.
std::vector<ModelSpec> parse_model_table(const YamlReader& r, const Field& f) {
  std::vector<ModelSpec> table;
  for (const Field& entry : r.mapping(f).fields) {
    if (!core::is_valid_node_id(entry.key))
      r.fail(entry, "model names use letters, digits, _ . - (got \"" + entry.key + "\")");
    table.push_back(parse_model(r, entry));
    table.back().name = entry.key;
  }
  if (table.empty()) r.fail(f, "no models (name each: `train: {kind: python, entry: pkg.mod:run}`)");
  return table;
}

}  // namespace

WorkflowSpec parse_workflow(const std::string& text, const std::string& origin, const std::string& base_dir) {
  YamlReader r(origin, base_dir);

  // Step 1: one YAML document holding a mapping.
  std::vector<YAML::Node> docs = r.load(text);
  if (docs.empty() || (docs.size() == 1 && docs[0].IsNull()))
    r.fail(YAML::Mark::null_mark(), "", "the workflow is empty (write at least `workflow:` and `model:`)");
  if (docs.size() > 1)
    r.fail(docs[1].Mark(), "",
           "a second YAML document starts here (a workflow file holds one; remove the `---` before it)");
  Mapping top = r.mapping(r.root(docs[0]), {"name", "workflow", "model", "objective", "sweep", "resources",
                                            "site", "space", "optimizer", "sublearning", "uq", "nodes", "models"});

  // Step 2: the sections this component owns.
  WorkflowSpec spec;
  spec.kind = r.choice<WorkflowKind>(r.require(top, "workflow", "one of sweep, hpo, uq, sublearning, dag"),
                                     {{"sweep", WorkflowKind::sweep},
                                      {"hpo", WorkflowKind::hpo},
                                      {"uq", WorkflowKind::uq},
                                      {"sublearning", WorkflowKind::sublearning},
                                      {"dag", WorkflowKind::dag}});
  spec.name = fs::path(origin).stem().string();
  if (spec.name.empty()) spec.name = "workflow";
  spec.model = parse_model(
      r, r.require(top, "model", "what each task runs: kind and entry, or kind: app and command"));
  if (spec.kind == WorkflowKind::sweep)
    r.require(top, "sweep", "a sweep workflow needs `sweep:` with grid, list or file");
  for (const Field& field : top.fields) {
    if (field.key == "name") {
      spec.name = r.string(field);
      if (spec.name.empty()) r.fail(field, "expected a name, got an empty string");
    } else if (field.key == "site") {
      spec.site = r.string(field);
      if (spec.site.empty()) r.fail(field, "expected a site name, got an empty string");
    } else if (field.key == "objective") {
      parse_objectives(r, field, spec);
    } else if (field.key == "space") {
      spec.space = parse_space(r, field);
    } else if (field.key == "optimizer") {
      spec.optimizer = parse_optimizer(r, field);
    } else if (field.key == "resources") {
      spec.resources = parse_resources(r, field);
    } else if (field.key == "sweep") {
      spec.sweep = parse_sweep(r, field);
    } else if (field.key == "models") {
      spec.models = parse_model_table(r, field);
    }
  }

  if (spec.objectives.empty()) spec.objectives = {spec.objective};
  check_search(r, top, spec);
  spec.models.insert(spec.models.begin(), spec.model);
  parse_dataflow(r, top, spec);

  spec.source_dir = resolve_path(base_dir.empty() ? "." : base_dir, "");
  spec.source_text = text;
  return spec;
}

WorkflowSpec load_workflow(const std::string& path) {
  std::error_code ec;
  if (fs::is_directory(path, ec))
    throw core::ConfigError(path + ": cannot read workflow file (it is a folder; give the .yaml inside it)");
  std::ifstream in(path, std::ios::binary);
  if (!in) throw core::ConfigError(path + ": cannot read workflow file (" + std::strerror(errno) + ")");
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad()) throw core::ConfigError(path + ": cannot read workflow file (" + std::strerror(errno) + ")");

  std::string absolute = resolve_path(path, "");
  std::string dir = fs::path(absolute).parent_path().string();
  WorkflowSpec spec = parse_workflow(text.str(), path, dir);
  spec.source_path = absolute;
  return spec;
}

}  // namespace sv::spec

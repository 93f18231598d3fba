#include "jq_filter.hpp"

extern "C" {
#include <jq.h>
#include <jv.h>
}

#include <CLI/CLI.hpp>
#include <iostream>
#include <memory>

#include "exit_codes.hpp"

namespace slab5cli {
namespace {

// jq_state with its error messages collected instead of printed.
class JqProgram {
 public:
  JqProgram() : jq_(jq_init()) {
    if (!jq_) throw std::runtime_error("cannot initialise jq");
    jq_set_error_cb(jq_, &JqProgram::on_error, this);
  }
  ~JqProgram() { jq_teardown(&jq_); }
  JqProgram(const JqProgram&) = delete;
  JqProgram& operator=(const JqProgram&) = delete;

  bool compile(const std::string& filter) { return jq_compile(jq_, filter.c_str()) != 0; }
  jq_state* get() { return jq_; }
  std::string errors() const {
    std::string all;
    for (const auto& e : errors_) all += (all.empty() ? "" : "\n") + e;
    return all;
  }

 private:
  static void on_error(void* self, jv msg) {
    jv text = jq_format_error(msg);  // consumes msg
    if (jv_get_kind(text) == JV_KIND_STRING) static_cast<JqProgram*>(self)->errors_.emplace_back(jv_string_value(text));
    jv_free(text);
  }
  jq_state* jq_;
  std::vector<std::string> errors_;
};

// A jv's text as gh prints it: strings raw, the rest compact JSON (re-read by nlohmann so
// numbers print in their shortest form: 1.1, not jq 1.6's 1.1000000000000001).
std::string result_line(jv value) {
  if (jv_get_kind(value) == JV_KIND_STRING) {
    std::string s(jv_string_value(value), std::size_t(jv_string_length_bytes(jv_copy(value))));
    jv_free(value);
    return s;
  }
  jv dumped = jv_dump_string(value, 0);  // consumes value
  std::string text = jv_string_value(dumped);
  jv_free(dumped);
  auto j = nlohmann::json::parse(text, nullptr, false);
  return j.is_discarded() ? text : j.dump();
}

std::string invalid_message(jv invalid) {
  jv msg = jv_invalid_get_msg(invalid);  // consumes invalid
  std::string text;
  if (jv_get_kind(msg) == JV_KIND_STRING) {
    text = jv_string_value(msg);
    jv_free(msg);
  } else {
    jv dumped = jv_dump_string(msg, 0);
    text = jv_string_value(dumped);
    jv_free(dumped);
  }
  return text;
}

}  // namespace

std::string jq_compile_error(const std::string& filter) {
  JqProgram p;
  if (p.compile(filter)) return "";
  auto e = p.errors();
  return e.empty() ? "jq: error: the filter does not compile" : e;
}

tl::expected<std::vector<std::string>, JqFailure> jq_apply(const std::string& filter, const nlohmann::json& input) {
  JqProgram p;
  if (!p.compile(filter)) {
    auto e = p.errors();
    return tl::unexpected(JqFailure{true, e.empty() ? "jq: error: the filter does not compile" : e});
  }
  std::string text = input.dump();
  jv value = jv_parse_sized(text.data(), int(text.size()));
  if (!jv_is_valid(value)) {
    jv_free(value);
    return tl::unexpected(JqFailure{false, "jq: error: the input is not JSON"});
  }
  jq_start(p.get(), value, 0);  // consumes value
  std::vector<std::string> lines;
  for (;;) {
    jv r = jq_next(p.get());
    if (jv_is_valid(r)) {
      lines.push_back(result_line(r));
      continue;
    }
    if (jv_invalid_has_msg(jv_copy(r))) {
      if (jq_halted(p.get())) {  // halt_error: its message, as jq prints it
        jv_free(r);
        jv m = jq_get_error_message(p.get());
        std::string msg = jv_get_kind(m) == JV_KIND_STRING ? jv_string_value(m) : "halted";
        jv_free(m);
        return tl::unexpected(JqFailure{false, "jq: error: " + msg});
      }
      return tl::unexpected(JqFailure{false, "jq: error (at <stdin>): " + invalid_message(r)});
    }
    jv_free(r);
    break;
  }
  return lines;
}

int run_jq(Context& ctx, const nlohmann::json& input, const std::string& filter) {
  auto lines = jq_apply(filter, input);
  if (!lines) return ctx.fail(lines.error().compile ? kUsage : kFailure, lines.error().message);
  for (const auto& l : *lines) std::cout << l << '\n';
  std::cout.flush();
  return kOk;
}

void install_jq(CLI::App& app) {
  set_jq_runner([](Context& ctx, const Json& input, const std::string& filter) { return run_jq(ctx, input, filter); });
  if (auto* opt = app.get_option_no_throw("--jq")) {
    opt->check(CLI::Validator(
        [](std::string& filter) {
          auto err = jq_compile_error(filter);
          return err.empty() ? std::string() : "the jq filter does not compile:\n" + err;
        },
        "EXPR", "jq filter"));
  }
}

}  // namespace slab5cli

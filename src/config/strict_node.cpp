#include "ddcpim/config/strict_node.hpp"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstring>
#include <chrono>
#include <cerrno>
#include <csignal>
#include <thread>

#include <sys/wait.h>
#include <unistd.h>
#include <memory>
#include <fstream>
#include <map>
#include <sstream>

#include <fmt/format.h>
#include <yaml-cpp/depthguard.h>

namespace ddcpim {

StrictNode::StrictNode(YAML::Node node, std::string file, std::string path, std::string layer)
    : m_node(std::move(node)),
      m_file(std::move(file)),
      m_path(std::move(path)),
      m_layer(std::move(layer)),
      m_read_keys(std::make_shared<std::set<std::string>>()) {}

SourceLocation StrictNode::location() const {
    SourceLocation loc;
    auto mark = m_node.Mark();
    if (mark.is_null()) {
        // Nodes created by --set have no position in the file.
        loc.file = m_file.empty() ? "--set" : m_file + " (in --set)";
    } else {
        loc.file = m_file;
        loc.line = mark.line + 1;
        loc.column = mark.column + 1;
    }
    loc.layer = m_layer;
    loc.key = m_path;
    return loc;
}

void StrictNode::fail(const std::string& what) const { throw UserError(location(), what); }

StrictNode StrictNode::with_layer(const std::string& layer) const {
    StrictNode n = *this;
    n.m_layer = layer;
    return n;
}

std::string StrictNode::child_path(const std::string& key) const {
    return m_path.empty() ? key : m_path + "." + key;
}

void StrictNode::expect_map() const {
    if (!m_node.IsMap()) fail("expected a mapping of keys to values");
}

bool StrictNode::has(const std::string& key) const {
    return m_node.IsMap() && m_node[key].IsDefined() && !m_node[key].IsNull();
}

StrictNode StrictNode::child(const std::string& key) const {
    expect_map();
    if (!m_node[key].IsDefined()) fail(fmt::format("missing required key '{}'", key));
    m_read_keys->insert(key);
    return StrictNode(m_node[key], m_file, child_path(key), m_layer);
}

std::optional<StrictNode> StrictNode::optional_child(const std::string& key) const {
    expect_map();
    m_read_keys->insert(key);
    if (!m_node[key].IsDefined() || m_node[key].IsNull()) return std::nullopt;
    return StrictNode(m_node[key], m_file, child_path(key), m_layer);
}

StrictNode StrictNode::element(size_t index) const {
    if (!m_node.IsSequence()) fail("expected a list");
    return StrictNode(m_node[index], m_file, fmt::format("{}[{}]", m_path, index), m_layer);
}

int64_t StrictNode::as_int(int64_t min, int64_t max) const {
    if (!m_node.IsScalar()) fail(fmt::format("expected an integer in [{}, {}]", min, max));
    int64_t v = 0;
    try {
        v = m_node.as<int64_t>();
    } catch (const YAML::Exception&) {
        fail(fmt::format("expected an integer in [{}, {}], got '{}'", min, max, m_node.Scalar()));
    }
    if (v < min || v > max) fail(fmt::format("expected an integer in [{}, {}], got {}", min, max, v));
    return v;
}

double StrictNode::as_double(double min, double max) const {
    if (!m_node.IsScalar()) fail(fmt::format("expected a number in [{}, {}]", min, max));
    double v = 0;
    try {
        v = m_node.as<double>();
    } catch (const YAML::Exception&) {
        fail(fmt::format("expected a number in [{}, {}], got '{}'", min, max, m_node.Scalar()));
    }
    if (!std::isfinite(v) || v < min || v > max)
        fail(fmt::format("expected a number in [{}, {}], got {}", min, max, m_node.Scalar()));
    return v;
}

bool StrictNode::as_bool() const {
    if (m_node.IsScalar()) {
        const std::string& s = m_node.Scalar();
        if (s == "true") return true;
        if (s == "false") return false;
    }
    fail(fmt::format("expected true or false, got '{}'", m_node.IsScalar() ? m_node.Scalar() : "a non-scalar"));
}

std::string StrictNode::as_string() const {
    if (!m_node.IsScalar()) fail("expected a string");
    return m_node.Scalar();
}

std::string StrictNode::as_choice(const std::vector<std::string>& choices) const {
    std::string v = m_node.IsScalar() ? m_node.Scalar() : "";
    for (auto& c : choices)
        if (c == v) return v;
    fail(fmt::format("expected one of {}, got '{}'", fmt::join(choices, ", "),
                     m_node.IsScalar() ? v : std::string("a non-scalar")));
}

int64_t StrictNode::get_int(const std::string& key, int64_t fallback, int64_t min, int64_t max) const {
    auto c = optional_child(key);
    return c ? c->as_int(min, max) : fallback;
}

int64_t StrictNode::require_int(const std::string& key, int64_t min, int64_t max) const {
    return child(key).as_int(min, max);
}

bool StrictNode::get_bool(const std::string& key, bool fallback) const {
    auto c = optional_child(key);
    return c ? c->as_bool() : fallback;
}

double StrictNode::get_double(const std::string& key, double fallback, double min, double max) const {
    auto c = optional_child(key);
    return c ? c->as_double(min, max) : fallback;
}

std::string StrictNode::get_string(const std::string& key, const std::string& fallback) const {
    auto c = optional_child(key);
    return c ? c->as_string() : fallback;
}

std::string StrictNode::require_string(const std::string& key) const { return child(key).as_string(); }

void StrictNode::reject_unknown_keys() const {
    if (!m_node.IsMap()) return;
    for (auto it = m_node.begin(); it != m_node.end(); ++it) {
        std::string key = it->first.Scalar();
        if (m_read_keys->count(key)) continue;
        StrictNode bad(it->first, m_file, child_path(key), m_layer);
        std::vector<std::string> known(m_read_keys->begin(), m_read_keys->end());
        bad.fail(fmt::format("unknown key (known keys here: {})", fmt::join(known, ", ")));
    }
}

namespace {
size_t edit_distance(const std::string& a, const std::string& b) {
    std::vector<size_t> row(b.size() + 1);
    for (size_t j = 0; j <= b.size(); ++j) row[j] = j;
    for (size_t i = 1; i <= a.size(); ++i) {
        size_t diag = row[0];
        row[0] = i;
        for (size_t j = 1; j <= b.size(); ++j) {
            size_t up = row[j];
            row[j] = std::min({row[j] + 1, row[j - 1] + 1, diag + (a[i - 1] == b[j - 1] ? 0 : 1)});
            diag = up;
        }
    }
    return row[b.size()];
}
}  // namespace

void StrictNode::reject_keys_outside(const std::vector<std::string>& known) const {
    if (!m_node.IsMap()) return;
    for (auto it = m_node.begin(); it != m_node.end(); ++it) {
        const std::string key = it->first.IsScalar() ? it->first.Scalar() : "";
        if (std::find(known.begin(), known.end(), key) != known.end()) continue;
        std::string closest;
        size_t best = 0;
        for (const auto& k : known) {
            const size_t d = std::min(edit_distance(key, k), key.find(k) != std::string::npos ? size_t(1) : size_t(-1));
            if (closest.empty() || d < best) closest = k, best = d;
        }
        StrictNode bad(it->first, m_file, child_path(key), m_layer);
        const bool near = !closest.empty() && best <= std::max<size_t>(2, closest.size() / 3);
        bad.fail(fmt::format("unknown key{} (known keys here: {})", near ? fmt::format(", did you mean '{}'?", closest) : "",
                             fmt::join(known, ", ")));
    }
}

namespace {
constexpr int kMaxDepth = 64;  // far deeper than any config; well inside yaml-cpp's own limit

void check_tree(const YAML::Node& n, const std::string& file, int depth) {
    auto where = [&](const YAML::Node& at) {
        const YAML::Mark m = at.Mark();
        return m.is_null() ? SourceLocation{file} : SourceLocation{file, m.line + 1, m.column + 1};
    };
    if (depth > kMaxDepth)
        throw UserError(where(n), fmt::format("nested more than {} levels deep (a config is a few levels)", kMaxDepth));
    if (n.IsMap()) {
        std::map<std::string, YAML::Mark> seen;
        for (auto it = n.begin(); it != n.end(); ++it) {
            const std::string key = it->first.IsScalar() ? it->first.Scalar() : "";
            if (!it->first.IsScalar())
                throw UserError(where(it->first), "expected a plain key (a name), got a mapping or a list as a key");
            auto [at, fresh] = seen.emplace(key, it->first.Mark());
            if (!fresh)
                throw UserError(where(it->first),
                                fmt::format("duplicate key '{}' (first at line {}); a key may appear once in a mapping",
                                            key, at->second.line + 1));
            check_tree(it->second, file, depth + 1);
        }
    } else if (n.IsSequence()) {
        for (const auto& e : n) check_tree(e, file, depth + 1);
    }
}
}  // namespace

void check_yaml_tree(const YAML::Node& root, const std::string& file) { check_tree(root, file, 0); }

void check_yaml_text(const std::string& text, const std::string& path) {
    // yaml-cpp 0.7 loops forever on a ',' outside any flow collection where a
    // line starts ("- a\n,\n") or right after a quoted scalar or a closed flow
    // collection ("\"a\",b", "[a],"); found by tests/fuzz. Neither is valid YAML:
    // refuse it before parsing.
    int depth = 0, line = 1;
    size_t line_begin = 0;
    char quote = 0;
    bool line_start = true, comment = false, after_flow_node = false;
    char prev = 0;  // the last character on this line outside quotes and spaces
    auto refuse = [&](size_t i, const char* what) {
        throw UserError({path, line, int(i - line_begin + 1)}, fmt::format("malformed YAML: {}", what));
    };
    for (size_t i = 0; i < text.size(); ++i) {
        const char c = text[i];
        if (c == '\n') {
            ++line;
            line_begin = i + 1;
            line_start = true;
            comment = false;
            after_flow_node = false;
            prev = 0;
            continue;
        }
        if (comment) continue;
        if (quote) {
            if (c == quote && (quote == '\'' || text[i - 1] != '\\')) {
                quote = 0;
                after_flow_node = depth == 0;
            }
            line_start = false;
            continue;
        }
        if (c == ' ' || c == '\t') continue;
        if (c == ',' && depth == 0 && (line_start || after_flow_node))
            refuse(i, line_start ? "a line starts with ',' outside a [list] or {mapping}"
                                 : "',' after a quoted value or a closed [list] or {mapping}, outside any");
        line_start = false;
        after_flow_node = false;
        // A quote opens a quoted scalar only where a scalar starts (an apostrophe inside a plain one does not).
        const bool scalar_start = prev == 0 || std::strchr(":[{,-?", prev) != nullptr;
        prev = c;
        if (c == '#' && (i == 0 || text[i - 1] == ' ' || text[i - 1] == '\t' || text[i - 1] == '\n')) comment = true;
        else if ((c == '\'' || c == '"') && scalar_start) quote = c;
        else if (c == '[' || c == '{') ++depth;
        else if ((c == ']' || c == '}') && depth > 0) after_flow_node = --depth == 0;
    }
}

YAML::Node load_yaml_file(const std::string& path) {
    std::ifstream f(path, std::ios::binary);
    if (!f) throw UserError({path}, "config file not found or not readable");
    std::ostringstream text;
    text << f.rdbuf();
    return load_yaml_text(text.str(), path);
}

bool finishes_in_child(const std::function<void()>& work, std::chrono::milliseconds deadline) {
    const pid_t pid = ::fork();
    if (pid < 0) return true;  // no child to be had: the caller parses in process, as before processes
    if (pid == 0) {
        try {
            work();
        } catch (...) {
        }
        ::_exit(0);
    }
    // Poll: a config parses in milliseconds, so the first checks come quickly.
    const auto end = std::chrono::steady_clock::now() + deadline;
    auto pause = std::chrono::microseconds(200);
    for (;;) {
        int status = 0;
        const pid_t r = ::waitpid(pid, &status, WNOHANG);
        if (r == pid) return WIFEXITED(status) && WEXITSTATUS(status) == 0;
        if (r < 0 && errno != EINTR) return true;  // reaped elsewhere (a SIGCHLD handler): assume it finished
        if (std::chrono::steady_clock::now() >= end) break;
        std::this_thread::sleep_for(pause);
        pause = std::min(pause * 2, std::chrono::microseconds(20000));
    }
    ::kill(pid, SIGKILL);
    while (::waitpid(pid, nullptr, 0) < 0 && errno == EINTR) {
    }
    return false;
}

std::vector<YAML::Node> load_all_bounded(const std::string& text, const std::string& path) {
    // yaml-cpp 0.7 loops forever on some malformed inputs (tests/fuzz keeps finding new ones). The text is
    // parsed first in a child process with a deadline, which is killed when it runs over: nothing is left
    // spinning in a long-lived process (a notebook, a sweep driving ddcpim.Model). A text that parses there
    // parses here too (the parser is deterministic), so it is then parsed in process for its nodes.
    constexpr int kSeconds = 10;
    // A plain scalar (a --set value such as 128, toeplitz or 0.5) has none of the flow and block structure
    // on which the parser has been seen to loop: parsed in process, with no child to pay for.
    const bool plain = text.size() < 256 && std::all_of(text.begin(), text.end(), [](char c) {
                           return std::isalnum(static_cast<unsigned char>(c)) || (c != 0 && std::strchr("._+-", c) != nullptr);
                       });
    if (plain) return YAML::LoadAll(text);
    if (!finishes_in_child([&] { YAML::LoadAll(text); }, std::chrono::seconds(kSeconds)))
        throw UserError({path}, fmt::format("malformed YAML: the parser did not finish in {} s (yaml-cpp 0.7 loops "
                                            "forever on some malformed files)",
                                            kSeconds));
    return YAML::LoadAll(text);
}

YAML::Node load_yaml_text(const std::string& text, const std::string& path) {
    check_yaml_text(text, path);
    std::vector<YAML::Node> docs;
    try {
        docs = load_all_bounded(text, path);
    } catch (const YAML::DeepRecursion& e) {
        throw UserError({path, e.mark.line + 1, e.mark.column + 1},
                        fmt::format("nested more than {} levels deep (a config is a few levels)", kMaxDepth));
    } catch (const YAML::ParserException& e) {
        SourceLocation loc{path, e.mark.line + 1, e.mark.column + 1};
        throw UserError(loc, fmt::format("malformed YAML: {}", e.msg));
    } catch (const YAML::Exception& e) {
        throw UserError({path}, fmt::format("cannot read YAML: {}", e.msg));
    }
    if (docs.size() > 1) {
        const YAML::Mark m = docs[1].Mark();
        throw UserError(m.is_null() ? SourceLocation{path} : SourceLocation{path, m.line + 1, m.column + 1},
                        "a second YAML document (after '---'); a config is one document");
    }
    YAML::Node root = docs.empty() ? YAML::Node() : docs[0];
    check_yaml_tree(root, path);
    return root;
}

}  // namespace ddcpim

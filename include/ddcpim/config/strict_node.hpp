// A read-only view of a YAML node that remembers which keys were read, so that
// a key nobody read (a typo, a parameter of another block) is reported as an
// error naming the file, line and key path. Every accessor that fails throws
// UserError saying what was expected.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <set>
#include <chrono>
#include <functional>
#include <string>
#include <vector>

#include <yaml-cpp/yaml.h>

#include "ddcpim/common/error.hpp"

namespace ddcpim {

class StrictNode {
public:
    // `path` is the dotted key path of this node ("" for the document root);
    // `layer` names the layer the node belongs to, for error messages.
    StrictNode(YAML::Node node, std::string file, std::string path = "", std::string layer = "");

    bool has(const std::string& key) const;
    // Required child; error if absent. Marks the key as read.
    StrictNode child(const std::string& key) const;
    std::optional<StrictNode> optional_child(const std::string& key) const;

    bool is_map() const { return m_node.IsMap(); }
    bool is_sequence() const { return m_node.IsSequence(); }
    bool is_scalar() const { return m_node.IsScalar(); }
    size_t size() const { return m_node.size(); }
    StrictNode element(size_t index) const;  // of a sequence

    // Typed scalar reads of this node.
    int64_t as_int(int64_t min, int64_t max) const;
    double as_double(double min, double max) const;
    bool as_bool() const;
    std::string as_string() const;
    std::string as_choice(const std::vector<std::string>& choices) const;

    // Typed reads of a child, with a default when absent.
    int64_t get_int(const std::string& key, int64_t fallback, int64_t min, int64_t max) const;
    int64_t require_int(const std::string& key, int64_t min, int64_t max) const;
    bool get_bool(const std::string& key, bool fallback) const;
    double get_double(const std::string& key, double fallback, double min, double max) const;
    std::string get_string(const std::string& key, const std::string& fallback) const;
    std::string require_string(const std::string& key) const;

    // Throws if this mapping has a key that no accessor read.
    void reject_unknown_keys() const;
    // Throws if this mapping has a key outside `known`, naming the closest known
    // one; called before required keys are read, so that a misspelt key is
    // reported as such rather than as the missing key it was meant to be.
    void reject_keys_outside(const std::vector<std::string>& known) const;
    void expect_map() const;

    [[noreturn]] void fail(const std::string& what) const;
    SourceLocation location() const;
    const std::string& path() const { return m_path; }
    const std::string& file() const { return m_file; }
    StrictNode with_layer(const std::string& layer) const;
    const YAML::Node& raw() const { return m_node; }

private:
    std::string child_path(const std::string& key) const;

    YAML::Node m_node;
    std::string m_file;
    std::string m_path;
    std::string m_layer;
    std::shared_ptr<std::set<std::string>> m_read_keys;
};

// Loads a YAML file; a missing file, a syntax error, a second document, a
// duplicate key or nesting deeper than a config needs is a UserError with the
// file and line.
YAML::Node load_yaml_file(const std::string& path);
// The same on a file's text (`path` names it in errors).
YAML::Node load_yaml_text(const std::string& text, const std::string& path);
// yaml-cpp's LoadAll with a deadline (see the definition); throws what the parser throws.
std::vector<YAML::Node> load_all_bounded(const std::string& text, const std::string& path);

// Runs `work` in a forked child and waits for it at most `deadline`: true when it finished (its exceptions
// are its own), false when it ran over, in which case the child is killed and reaped, so that nothing of it
// is left running. What yaml-cpp parses runs so (load_all_bounded).
bool finishes_in_child(const std::function<void()>& work, std::chrono::milliseconds deadline);
// The duplicate-key and depth checks on a tree already parsed (a --set value).
void check_yaml_tree(const YAML::Node& root, const std::string& file);
// Refuses text that hangs the YAML parser (see the definition); call before parsing.
void check_yaml_text(const std::string& text, const std::string& path);

}  // namespace ddcpim

#include "ddcpim/config/overrides.hpp"

#include <yaml-cpp/depthguard.h>

#include "ddcpim/config/strict_node.hpp"

#include <cctype>

#include <fmt/format.h>

#include "ddcpim/common/error.hpp"

namespace ddcpim {

namespace {

// Splits "network.layers[3].stride" into {"network", "layers", "[3]", "stride"}.
std::vector<std::string> split_path(const std::string& key) {
    std::vector<std::string> parts;
    std::string cur;
    for (size_t i = 0; i < key.size(); ++i) {
        char c = key[i];
        if (c == '.') {
            if (!cur.empty()) parts.push_back(cur);
            cur.clear();
        } else if (c == '[') {
            if (!cur.empty()) parts.push_back(cur);
            auto end = key.find(']', i);
            if (end == std::string::npos) return {};
            parts.push_back(key.substr(i, end - i + 1));
            cur.clear();
            i = end;
        } else {
            cur += c;
        }
    }
    if (!cur.empty()) parts.push_back(cur);
    return parts;
}

bool all_digits(const std::string& s) {
    if (s.empty()) return false;
    for (char c : s)
        if (!std::isdigit(static_cast<unsigned char>(c))) return false;
    return true;
}

// Finds the element of a sequence that `part` names: "[3]", "3", or a layer name.
YAML::Node sequence_element(YAML::Node seq, const std::string& part, const std::string& key) {
    std::string index_text = part;
    if (part.front() == '[') index_text = part.substr(1, part.size() - 2);
    if (all_digits(index_text)) {
        size_t i = std::stoul(index_text);
        if (i >= seq.size())
            throw UserError({"--set", 0, 0, "", key},
                            fmt::format("index {} is past the end of a list of {}", i, seq.size()));
        return seq[i];
    }
    for (size_t i = 0; i < seq.size(); ++i)
        if (seq[i].IsMap() && seq[i]["name"] && seq[i]["name"].Scalar() == index_text) return seq[i];
    throw UserError({"--set", 0, 0, "", key}, fmt::format("no list element is named '{}'", index_text));
}

// A copy of a --set value without positions: a parsed node's line and column
// are inside the value's text, and an error would point them into the config
// file. Without them, errors say the value came from --set.
YAML::Node without_marks(const YAML::Node& n) {
    if (n.IsScalar()) return YAML::Node(n.Scalar());
    if (n.IsSequence()) {
        YAML::Node s(YAML::NodeType::Sequence);
        for (const auto& e : n) s.push_back(without_marks(e));
        return s;
    }
    if (n.IsMap()) {
        YAML::Node m(YAML::NodeType::Map);
        for (auto it = n.begin(); it != n.end(); ++it) m[it->first.Scalar()] = without_marks(it->second);
        return m;
    }
    return YAML::Node();
}

}  // namespace

Override parse_override(const std::string& text) {
    auto eq = text.find('=');
    if (eq == std::string::npos || eq == 0)
        throw UserError({"--set"}, fmt::format("expected KEY=VALUE, got '{}'", text));
    return {text.substr(0, eq), text.substr(eq + 1)};
}

void apply_overrides(YAML::Node& root, const std::vector<Override>& overrides) {
    for (const auto& o : overrides) {
        auto parts = split_path(o.key);
        if (parts.empty()) throw UserError({"--set", 0, 0, "", o.key}, "malformed key path");
        YAML::Node value;
        try {
            check_yaml_text(o.value, "--set " + o.key);
            std::vector<YAML::Node> docs = load_all_bounded(o.value, "--set " + o.key);
            if (docs.size() > 1)
                throw UserError({"--set", 0, 0, "", o.key}, "the value holds more than one YAML document");
            value = docs.empty() ? YAML::Node() : docs[0];
            check_yaml_tree(value, "--set " + o.key);
            value = without_marks(value);
        } catch (const YAML::DeepRecursion&) {
            throw UserError({"--set", 0, 0, "", o.key}, "value nested too deep");
        } catch (const YAML::Exception& e) {
            throw UserError({"--set", 0, 0, "", o.key}, fmt::format("value '{}' is not valid YAML: {}", o.value, e.msg));
        }
        YAML::Node cur = root;
        for (size_t i = 0; i + 1 < parts.size(); ++i) {
            const std::string& p = parts[i];
            if (cur.IsSequence()) {
                // reset(), not operator=: assigning a yaml-cpp node would
                // overwrite the referenced node's content.
                cur.reset(sequence_element(cur, p, o.key));
                continue;
            }
            if (cur.IsScalar())
                throw UserError({"--set", 0, 0, "", o.key},
                                i ? fmt::format("'{}' is a value, not a section", parts[i - 1])
                                  : std::string("the config is a single value, not a mapping"));
            if (!cur[p] || cur[p].IsNull()) cur[p] = YAML::Node(YAML::NodeType::Map);
            cur.reset(cur[p]);
        }
        const std::string& last = parts.back();
        if (cur.IsSequence()) {
            YAML::Node el = sequence_element(cur, last, o.key);
            el = value;
        } else if (cur.IsScalar()) {
            throw UserError({"--set", 0, 0, "", o.key}, "the parent of this key is a value, not a section");
        } else {
            cur[last] = value;
        }
    }
}

}  // namespace ddcpim

// Helpers shared by the tests: temporary directories, writing files, and
// building small networks in code.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "ddcpim/network/network.hpp"

namespace ddcpim::test {

// A fresh empty directory under the system temp dir, removed at exit of the object.
class TempDir {
public:
    TempDir();
    ~TempDir();
    const std::string& path() const { return m_path; }
    std::string file(const std::string& name) const { return m_path + "/" + name; }

private:
    std::string m_path;
};

void write_text(const std::string& path, const std::string& text);
std::string source_path(const std::string& relative);  // under the source tree

// Parses config text as if it were the file `name`.
ConfigFile parse_config_text(const std::string& yaml, const std::string& name = "test.yaml");

// Runs a shell command, returns its exit status; stdout+stderr into `output`.
int run_command(const std::string& command, std::string* output = nullptr);

// The value of component `name` of an area or energy breakdown (cost/macro_cost.hpp: pairs of name and
// value); a test failure, and 0, when there is none.
double component(const std::vector<std::pair<std::string, double>>& breakdown, const std::string& name);

}  // namespace ddcpim::test

// Two kinds of failure, kept apart on purpose (see docs/config.md):
//  - UserError: a mistake in a config, an input file or a command line. It
//    carries where (file, line, layer, key) and what was expected; tools print
//    it and exit with status 2.
//  - internal invariants: DDCPIM_ASSERT, a simulator bug, aborts.
#pragma once

#include <stdexcept>
#include <string>
#include <utility>

namespace ddcpim {

// Where in the user's input a problem is. Empty fields are left out of the
// message; line is 1-based, 0 means unknown.
struct SourceLocation {
    SourceLocation() = default;
    SourceLocation(std::string f, int l = 0, int c = 0, std::string lay = "", std::string k = "")
        : file(std::move(f)), line(l), column(c), layer(std::move(lay)), key(std::move(k)) {}

    std::string file;
    int line = 0;
    int column = 0;
    std::string layer;
    std::string key;
};

class UserError : public std::runtime_error {
public:
    UserError(const SourceLocation& where, const std::string& what_expected);
    const SourceLocation& where() const { return m_where; }
    const std::string& detail() const { return m_detail; }

private:
    SourceLocation m_where;
    std::string m_detail;
};

// Formats "file:line:col: layer 'x': key 'y': detail".
std::string format_user_error(const SourceLocation& where, const std::string& detail);

[[noreturn]] void assertion_failed(const char* expr, const char* file, int line);

}  // namespace ddcpim

#define DDCPIM_ASSERT(expr) \
    ((expr) ? (void)0 : ::ddcpim::assertion_failed(#expr, __FILE__, __LINE__))

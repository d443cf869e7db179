#include "scenarios/live/event_log.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>
#include <stdexcept>

namespace scenarios::live {

namespace {

std::string escape(std::string_view s) {
  std::string out;
  for (const char c : s) {
    if (c == '\\') out += "\\\\";
    else if (c == '\t') out += "\\t";
    else if (c == '\n') out += "\\n";
    else out += c;
  }
  return out;
}

std::string unescape(std::string_view s) {
  std::string out;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] != '\\' || i + 1 == s.size()) {
      out += s[i];
      continue;
    }
    const char c = s[++i];
    out += c == 't' ? '\t' : c == 'n' ? '\n' : c;
  }
  return out;
}

}  // namespace

const std::string& Event::at(const std::string& key) const {
  const auto it = fields.find(key);
  if (it == fields.end()) throw std::runtime_error(fmt::format("live event log: a {} event without {}", kind, key));
  return it->second;
}

std::int64_t Event::integer(const std::string& key) const { return std::stoll(at(key)); }
std::uint64_t Event::unsigned_integer(const std::string& key) const { return std::stoull(at(key)); }

EventWriter::EventWriter(const std::string& path) : fd_(::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644)) {
  if (fd_ < 0) throw std::runtime_error(fmt::format("{}: cannot open the live event log: {}", path, std::strerror(errno)));
}

EventWriter::~EventWriter() { ::close(fd_); }

void EventWriter::write(std::string_view kind, std::int64_t t, const std::vector<std::pair<std::string, std::string>>& fields) {
  std::string line = fmt::format("{}\tt={}", kind, t);
  for (const auto& [key, value] : fields) line += fmt::format("\t{}={}", key, escape(value));
  line += '\n';
  std::string_view rest = line;
  while (!rest.empty()) {
    const ssize_t n = ::write(fd_, rest.data(), rest.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      throw std::runtime_error(fmt::format("live event log: write failed: {}", std::strerror(errno)));
    }
    rest.remove_prefix(static_cast<std::size_t>(n));
  }
}

std::vector<Event> read_events(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::vector<Event> events;
  if (!in) return events;
  std::stringstream buffer;
  buffer << in.rdbuf();
  const std::string text = buffer.str();
  std::size_t at = 0;
  for (std::size_t end; (end = text.find('\n', at)) != std::string::npos; at = end + 1) {
    const std::string_view line(text.data() + at, end - at);
    Event e;
    std::size_t pos = 0;
    for (bool first = true; pos <= line.size(); first = false) {
      const std::size_t tab = std::min(line.find('\t', pos), line.size());
      const std::string_view part = line.substr(pos, tab - pos);
      if (first) {
        e.kind = std::string(part);
      } else {
        const std::size_t eq = part.find('=');
        if (eq == std::string_view::npos) throw std::runtime_error(fmt::format("{}: malformed live event line: {}", path, line));
        e.fields[std::string(part.substr(0, eq))] = unescape(part.substr(eq + 1));
      }
      pos = tab + 1;
    }
    e.t = e.integer("t");
    events.push_back(std::move(e));
  }
  return events;
}

}  // namespace scenarios::live

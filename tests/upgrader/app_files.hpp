#pragma once
// Reads the sample app shipped under scenarios/apps/shop.
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

namespace testing_support {

inline std::string read_text(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

inline std::string app_dir() { return std::string(HOTSIM_SOURCE_DIR) + "/scenarios/apps/shop"; }

inline const std::vector<std::string>& v1_files() {
  static const std::vector<std::string> f{"Shop-Kernel-1.pkg", "Shop-Model-1.pkg", "Shop-Web-1.pkg"};
  return f;
}
inline const std::vector<std::string>& v2_files() {
  static const std::vector<std::string> f{"Shop-Kernel-2.pkg", "Shop-Model-2.pkg", "Shop-Promo-1.pkg", "Shop-Web-2.pkg"};
  return f;
}

}  // namespace testing_support

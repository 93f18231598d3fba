// lib/slab5/api/resource_docs: docs/resources.md is what the resource table says.
#include <doctest/doctest.h>

#include <cstdlib>
#include <fstream>
#include <sstream>

#include "slab5/api/resource_docs.hpp"

TEST_CASE("docs/resources.md is written from the resource table") {
  std::string path = std::string(SLAB5_SOURCE_DIR) + "/docs/resources.md";
  auto want = slab5::api::resources_markdown();
  if (std::getenv("SLAB5_UPDATE_DOCS")) {
    std::ofstream(path) << want;
  }
  std::ifstream in(path);
  std::stringstream have;
  have << in.rdbuf();
  CHECK_MESSAGE(
      have.str() == want,
      "docs/resources.md is out of date: SLAB5_UPDATE_DOCS=1 build/dev/tests/unit_tests -tc='docs/resources.md*'");
}

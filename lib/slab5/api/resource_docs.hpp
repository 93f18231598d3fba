// docs/resources.md, written from the resource table (a unit test keeps the file equal to it).
#pragma once
#include <string>

namespace slab5::api {

std::string resources_markdown();

}  // namespace slab5::api

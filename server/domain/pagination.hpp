// Moved: ?limit=, ?cursor= and cursors belong to the web layer (api/page_params.hpp); the
// rules take a PageRequest and return a Page (domain/page.hpp). This header only forwards,
// for the handlers that still include it; include api/page_params.hpp instead.
#pragma once
#include "api/page_params.hpp"

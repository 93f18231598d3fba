// GET /v1/events/stream (api.md §8.3): the workspace's events as Server-Sent Events, as they
// commit. The body is pulled by the connection one piece at a time (http/message.hpp's
// BodySource): each piece is the events committed since the last one, or a heartbeat comment
// every 15 s; a reader that stops reading is disconnected by the write deadline.
#pragma once
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "http/message.hpp"

namespace slab5d {

class App;

// The Last-Event-ID of the start of a workspace's log: what the opening frame of a stream names
// while the workspace has no event yet (event ids all sort after it).
inline constexpr std::string_view kStreamStartId = "0";

// Ends the streams of the App of this generation (and older ones): they send nothing more
// and touch neither the App nor their connection again. App::shutdown calls it.
void stop_event_streams(std::uint64_t app_generation);

// Events of `workspace_id` after `after_id`, of the given type patterns (empty: every type).
// With `announce_start` (the client named no Last-Event-ID) the opening frame names
// `after_id`, so the client can resume from there even before its first event.
std::shared_ptr<BodySource> make_event_stream(App& app, std::string workspace_id, std::vector<std::string> types,
                                              std::string after_id, bool announce_start);

}  // namespace slab5d

// The web side of the asset upload protocol (api.md §8.2), shared by the asset routes and
// the generic resource routes: signed URLs added to an asset as a client reads it, the body
// router that streams uploads to disk, and the bytes removed with a deleted asset.
#pragma once
#include "app.hpp"
#include "http/message.hpp"
#include "store/asset_files.hpp"

namespace slab5d {

// Fills an asset's upload_url, upload_method, upload_headers and upload_expires_at (while its
// bytes have not arrived) and download_url (once it is available), each signed for 1 hour.
slab5::Status present_asset(Ctx& ctx, slab5::Json& asset);

// Streams the body of `PUT /v1/assets/{id}/upload` to a temporary file beside the assets,
// after checking what the head tells (signature, expiry, the asset, its state, Content-Type,
// Content-Length), so that a refused upload is refused before its body is read. Every other
// request is left to the usual in-memory body.
BodyRouter asset_body_router(App& app);

}  // namespace slab5d

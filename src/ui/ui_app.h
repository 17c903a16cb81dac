// ui/ui_app.h: the web UI as a RequestHandler.
//
// GET and HEAD only. A path naming a file of the build gets that file; any other path gets
// index.html, so the page's own router shows /repository/acme/app and the like, except under
// /assets/ (the build's hashed files), where a missing file is 404. Hashed assets may be cached
// for a year; index.html is revalidated each time, so a new build shows at the next load.
// Pages are sent with a Content-Security-Policy that allows only this server's own scripts.
#pragma once

#include <memory>

#include "common/request_handler.h"
#include "ui/asset_source.h"

namespace pier::ui {

class UiApp final : public RequestHandler {
 public:
  explicit UiApp(std::unique_ptr<AssetSource> assets) : assets_(std::move(assets)) {}

  Result<RequestPlan> plan(Request& request) override;
  Result<Reply> handle(Request& request) override;
  void decorate(const Request&, Response&) const override {}

 private:
  std::unique_ptr<AssetSource> assets_;
};

}  // namespace pier::ui

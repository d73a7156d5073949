// Test fixture base for app/render: a lavapipe renderer with validation and synchronisation checks, checked clean.
#pragma once

#include <gtest/gtest.h>

#include <memory>

#include "rivet/render/renderer.hpp"

namespace rivet::render::test {

// Creates the renderer in SetUp (validation + sync validation, software device); TearDown fails the test on any
// validation message, including those raised while destroying it (objects left alive at vkDestroyDevice).
// `beforeDestroy()` runs first (a fixture with a UI shuts its backend down there).
class ValidatedRendererTest : public ::testing::Test {
 protected:
  void SetUp() override {
    RendererOptions options;
    options.enable_validation = true;
    options.prefer_software = true;
    options.enable_sync_validation = true;
    auto created = Renderer::create(options);
    ASSERT_TRUE(created.ok()) << created.error().describe();
    renderer_ = std::move(*created);
  }
  void TearDown() override {
    if (renderer_) {
      beforeDestroy();
      EXPECT_EQ(renderer_->validationMessageCount(), 0u) << "Vulkan validation reported problems (see log)";
      renderer_.reset();
    }
    afterDestroy();
    EXPECT_EQ(processValidationMessageCount(), 0u);
  }
  virtual void beforeDestroy() {}
  virtual void afterDestroy() {}

  std::unique_ptr<Renderer> renderer_;
};

}  // namespace rivet::render::test

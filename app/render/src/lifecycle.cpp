// Frame lifecycle: frame slots (two in flight), renderFrame on its own or inside beginFrame/endFrame, retiring targets.
#include <algorithm>
#include <cmath>
#include <cstring>

#include "imgui.h"
#include "renderer_impl.hpp"
#include "rivet/core/log.hpp"

namespace rivet::render {

bool Renderer::Impl::isComplete(std::uint64_t serial) {
  if (serial == 0) return true;
  FrameSlot& slot = slots[serial % kFramesInFlight];
  if (slot.serial != serial) return true;  // the slot was reused since, which waited for this frame
  if (slot.state == SlotState::Recording) return false;
  if (slot.state == SlotState::Idle) return true;
  if (vkGetFenceStatus(ctx.device, slot.fence.get()) != VK_SUCCESS) return false;
  slot.state = SlotState::Idle;
  return true;
}

core::Status Renderer::Impl::waitSerial(std::uint64_t serial) {
  if (isComplete(serial)) return {};
  FrameSlot& slot = slots[serial % kFramesInFlight];
  if (slot.state != SlotState::Submitted) {
    return core::makeError("internal: waiting for a frame that is still being recorded", "render",
                           "call endFrame() first");
  }
  const VkFence fence = slot.fence.get();
  RIVET_VK_TRY(vkWaitForFences(ctx.device, 1, &fence, VK_TRUE, UINT64_MAX));
  slot.state = SlotState::Idle;
  return {};
}

core::Status Renderer::Impl::waitAllSlots() {
  for (FrameSlot& slot : slots) {
    if (slot.state == SlotState::Submitted) {
      if (auto s = waitSerial(slot.serial); !s) return s;
    }
  }
  return {};
}

core::Result<FrameSlot*> Renderer::Impl::startSlot(std::uint64_t serial) {
  FrameSlot& slot = slots[serial % kFramesInFlight];
  if (slot.state == SlotState::Submitted) {
    if (auto s = waitSerial(slot.serial); !s) return s.error();
  }
  RIVET_VK_TRY(vkResetCommandBuffer(slot.cmd, 0));
  VkCommandBufferBeginInfo begin{VK_STRUCTURE_TYPE_COMMAND_BUFFER_BEGIN_INFO};
  begin.flags = VK_COMMAND_BUFFER_USAGE_ONE_TIME_SUBMIT_BIT;
  RIVET_VK_TRY(vkBeginCommandBuffer(slot.cmd, &begin));
  slot.serial = serial;
  slot.state = SlotState::Recording;
  return &slot;
}

core::Status Renderer::Impl::submitSlot(FrameSlot& slot, const std::vector<VkSemaphore>& waits,
                                        const std::vector<VkSemaphore>& signals) {
  slot.state = SlotState::Idle;  // unless the submit below goes through
  RIVET_VK_TRY(vkEndCommandBuffer(slot.cmd));
  const VkFence fence = slot.fence.get();
  RIVET_VK_TRY(vkResetFences(ctx.device, 1, &fence));
  const std::vector<VkPipelineStageFlags> stages(waits.size(), VK_PIPELINE_STAGE_TRANSFER_BIT);
  VkSubmitInfo submit{VK_STRUCTURE_TYPE_SUBMIT_INFO};
  submit.waitSemaphoreCount = static_cast<std::uint32_t>(waits.size());
  submit.pWaitSemaphores = waits.data();
  submit.pWaitDstStageMask = stages.data();
  submit.commandBufferCount = 1;
  submit.pCommandBuffers = &slot.cmd;
  submit.signalSemaphoreCount = static_cast<std::uint32_t>(signals.size());
  submit.pSignalSemaphores = signals.data();
  RIVET_VK_TRY(vkQueueSubmit(ctx.queue, 1, &submit, fence));
  slot.state = SlotState::Submitted;
  return {};
}

core::Status Renderer::Impl::validateFrame(const FrameDesc& frame) const {
  if (frame.views.empty()) {
    return core::makeError("frame has no views", "render: renderFrame", "add one ViewSetup per target to draw");
  }
  std::vector<int> seen;
  for (const auto& view : frame.views) {
    const RenderTarget* t = findTarget(view.target);
    if (t == nullptr) {
      return core::makeError("view refers to a render target that does not exist", targetWhere(view.target),
                             "create the target with createOffscreenTarget/importTarget/createSwapchainTarget first");
    }
    if (std::find(seen.begin(), seen.end(), view.target) != seen.end()) {
      return core::makeError("two views render into the same target", targetWhere(view.target),
                             "give each view its own target");
    }
    seen.push_back(view.target);
    if (t->swapchain && !open_frame.open) {
      return core::makeError("a swapchain target is drawn only inside beginFrame()/endFrame()",
                             targetWhere(view.target), "call beginFrame() before renderFrame() and endFrame() after");
    }
    const auto finite = [](const core::Mat4f& matrix) {
      return std::all_of(matrix.m.begin(), matrix.m.end(), [](float v) { return std::isfinite(v); });
    };
    if (!finite(view.T_view_model) || !finite(view.projection)) {
      return core::makeError("view matrix contains NaN or infinity", targetWhere(view.target),
                             "check the pose (T_camera_machine) and camera intrinsics before rendering");
    }
  }
  if (has_model && frame.part_styles.size() > parts.size()) {
    return core::makeError("frame has " + std::to_string(frame.part_styles.size()) + " part styles but the model has " +
                               std::to_string(parts.size()) + " parts",
                           "render: renderFrame", "pass at most one style per model part");
  }
  if (frame.draw_ui) {
    if (!ui_ready) {
      return core::makeError("draw_ui is set but the UI is not initialised", "render: renderFrame",
                             "call Renderer::initUi() once after creating the ImGui context");
    }
    const ImDrawData* draw_data = ImGui::GetCurrentContext() != nullptr ? ImGui::GetDrawData() : nullptr;
    if (draw_data == nullptr || !draw_data->Valid) {
      return core::makeError("draw_ui is set but there is no ImGui draw data", "render: renderFrame",
                             "call ImGui::Render() before renderFrame()");
    }
    if (frame.ui_width < 0 || frame.ui_height < 0 || (frame.ui_width == 0) != (frame.ui_height == 0) ||
        frame.ui_width > kMaxTargetSize || frame.ui_height > kMaxTargetSize) {
      return core::makeError("UI size " + std::to_string(frame.ui_width) + "x" + std::to_string(frame.ui_height) +
                                 " is out of range",
                             "render: renderFrame", "use 0x0 (the first view's target size) or 1x1 to 16384x16384");
    }
    if (frame.ui_placement == UiPlacement::WorldQuad) {
      const UiQuad& q = frame.ui_quad;
      const bool finite = std::all_of(q.T_world_quad.m.begin(), q.T_world_quad.m.end(),
                                      [](float v) { return std::isfinite(v); });
      if (!finite || !std::isfinite(q.width_m) || !std::isfinite(q.height_m) || q.width_m <= 0 ||
          q.height_m <= 0) {
        return core::makeError("UI world quad has a non-finite pose or a size that is not positive",
                               "render: renderFrame", "set ui_quad.T_world_quad and a positive width_m/height_m");
      }
    }
  }
  return {};
}

// Records the frame's uploads and views into `cmd` (the slot's previous frame has finished).
core::Status Renderer::Impl::recordFrame(VkCommandBuffer cmd, FrameSlot& slot, const FrameDesc& frame) {
  writeStyles(frame.part_styles);
  const bool any_highlight =
      std::any_of(styles.begin(), styles.end(), [](PartStyle s) { return s == PartStyle::Highlight; });
  const bool any_ghost = std::any_of(styles.begin(), styles.end(), [](PartStyle s) { return s == PartStyle::Ghost; });
  const FrameParams params{{frame.model_opacity, static_cast<float>(frame.time_s), any_highlight ? 1.0f : 0.0f, 0.0f}};
  if (auto s = uploadFrameData(slot, params); !s) return s;
  const bool draw_model = frame.model_visible && has_model;
  ui_frame = {};
  if (frame.draw_ui) {  // once per frame, before the views that place it
    if (auto s = recordUiTexture(cmd, slot, frame); !s) return s;
  }
  stats.ui_width = static_cast<int>(ui_frame.width);
  stats.ui_height = static_cast<int>(ui_frame.height);
  std::vector<RenderTarget*> drawn;
  for (const auto& view : frame.views) {
    RenderTarget* t = findTarget(view.target);
    if (t->swapchain && !t->swapchain->acquired) continue;  // minimised, or no image this frame
    drawn.push_back(t);
    if (t->pending_staging >= 0) {
      if (auto s = recordBackgroundUpload(cmd, *t, slot.serial); !s) return s;
    }
  }
  for (const auto& view : frame.views) {
    RenderTarget* t = findTarget(view.target);
    if (std::find(drawn.begin(), drawn.end(), t) == drawn.end()) continue;
    recordView(cmd, slot, *t, view, frame, draw_model && !view.ui_only, any_highlight, any_ghost);
    t->last_used_serial = slot.serial;
  }
  return {};
}

core::Status Renderer::renderFrame(const FrameDesc& frame) {
  Impl& m = *impl_;
  const core::Stopwatch total;
  if (m.open_frame.open && m.open_frame.recorded) {
    return core::makeError("renderFrame() was already called in this frame", "render: renderFrame",
                           "call endFrame() and beginFrame() before the next renderFrame()");
  }
  if (auto s = m.validateFrame(frame); !s) return s;
  if (m.open_frame.open) {
    FrameSlot& slot = m.slots[m.open_frame.serial % kFramesInFlight];
    const core::Stopwatch record;
    m.open_frame.recorded = true;
    const core::Status recorded = m.recordFrame(slot.cmd, slot, frame);
    m.open_frame.record_ms = record.elapsedMs();
    return recorded;
  }
  // A frame of its own: record, submit and wait.
  m.collectRetired();
  auto slot = m.startSlot(++m.last_serial);
  if (!slot) return slot.error();
  const core::Stopwatch record;
  if (auto s = m.recordFrame((*slot)->cmd, **slot, frame); !s) {
    vkEndCommandBuffer((*slot)->cmd);
    (*slot)->state = SlotState::Idle;
    return s;
  }
  m.stats.record_ms = record.elapsedMs();
  const core::Stopwatch wait;
  if (auto s = m.submitSlot(**slot, {}, {}); !s) return s;
  if (auto s = m.waitSerial((*slot)->serial); !s) return s;
  m.stats.submit_wait_ms = wait.elapsedMs();
  m.stats.total_ms = total.elapsedMs();
  return {};
}

core::Result<FrameBegin> Renderer::beginFrame() {
  Impl& m = *impl_;
  if (m.open_frame.open) {
    return core::makeError("beginFrame() called twice", "render: beginFrame", "call endFrame() after each beginFrame()");
  }
  m.frame_clock.reset();
  m.collectRetired();
  const core::Stopwatch wait;
  auto slot = m.startSlot(++m.last_serial);  // waits for the frame two back, not the previous one
  if (!slot) return slot.error();
  m.open_frame = {};
  m.open_frame.open = true;
  m.open_frame.serial = (*slot)->serial;
  FrameBegin begun;
  begun.frame_index = m.open_frame.serial;
  for (size_t id = 0; id < m.targets.size(); ++id) {
    RenderTarget* t = m.targets[id].get();
    if (t == nullptr) continue;
    AcquiredTarget a;
    a.target = static_cast<int>(id);
    a.acquired = true;
    if (t->swapchain) {
      a.acquired = m.acquireImage(*t, **slot);
      if (a.acquired) m.open_frame.acquired.push_back(t);
    }
    a.width = t->width;
    a.height = t->height;
    begun.targets.push_back(a);
  }
  m.open_frame.wait_ms = wait.elapsedMs();
  return begun;
}

core::Status Renderer::endFrame() { return impl_->endFrame(); }

core::Status Renderer::Impl::endFrame() {
  if (!open_frame.open) {
    return core::makeError("endFrame() without beginFrame()", "render: endFrame", "call beginFrame() first");
  }
  FrameSlot& slot = slots[open_frame.serial % kFramesInFlight];
  std::vector<VkSemaphore> waits;
  std::vector<VkSemaphore> signals;
  for (RenderTarget* t : open_frame.acquired) {
    SwapchainState& sc = *t->swapchain;
    if (!sc.drawn) recordPresentCopy(slot.cmd, *t);  // not in this frame's views: show the last picture again
    t->last_used_serial = open_frame.serial;
    waits.push_back(sc.image_available[open_frame.serial % kFramesInFlight].get());
    signals.push_back(sc.render_finished[sc.image_index].get());
  }
  const core::Stopwatch wait;
  core::Status result = submitSlot(slot, waits, signals);
  if (result && !open_frame.acquired.empty()) result = present(open_frame.acquired);
  for (RenderTarget* t : open_frame.acquired) {
    t->swapchain->acquired = false;
    t->swapchain->drawn = false;
  }
  open_frame.wait_ms += wait.elapsedMs();
  stats.record_ms = open_frame.record_ms;
  stats.submit_wait_ms = open_frame.wait_ms;
  stats.total_ms = frame_clock.elapsedMs();
  open_frame = {};
  collectRetired();
  return result;
}

void Renderer::destroyTarget(int target) {
  Impl& m = *impl_;
  if (m.findTarget(target) == nullptr) {
    core::log::warn("render: destroyTarget(" + std::to_string(target) + "): no such target");
    return;
  }
  std::unique_ptr<RenderTarget> t = std::move(m.targets[static_cast<size_t>(target)]);
  const bool in_open_frame =
      m.open_frame.open && (t->last_used_serial == m.open_frame.serial ||
                       std::find(m.open_frame.acquired.begin(), m.open_frame.acquired.end(), t.get()) != m.open_frame.acquired.end());
  const std::uint64_t until = in_open_frame ? m.open_frame.serial : t->last_used_serial;
  m.retired.emplace_back(until, std::move(t));
  while (!m.targets.empty() && m.targets.back() == nullptr) m.targets.pop_back();
  m.collectRetired();
}

// Frees retired targets whose last frame has finished. A swapchain's presents are not fenced: the queue must be
// idle before its swapchain, semaphores and surface go.
void Renderer::Impl::collectRetired() {
  bool idle = false;
  for (auto it = retired.begin(); it != retired.end();) {
    if (!isComplete(it->first)) {
      ++it;
      continue;
    }
    if (it->second->swapchain && !idle) {
      vkQueueWaitIdle(ctx.queue);
      idle = true;
    }
    releaseTarget(std::move(it->second));
    it = retired.erase(it);
  }
}

}  // namespace rivet::render

// Offscreen Vulkan renderer for the AR overlay: camera background, model parts (normal/highlight/ghost), outlines, ImGui.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "rivet/content/model.hpp"
#include "rivet/core/image.hpp"
#include "rivet/core/pose.hpp"
#include "rivet/core/result.hpp"

namespace rivet::render {

enum class PartStyle : std::uint8_t { Normal, Highlight, Ghost, Hidden };

// VK_MAKE_API_VERSION(0, 1, 1, 0): the Vulkan version the renderer itself needs.
inline constexpr std::uint32_t kVulkanApiVersion1_1 = (1u << 22) | (1u << 12);

// What a caller (desktop window, OpenXR runtime) needs from the Vulkan instance and device. Handles travel as
// integers so no Vulkan type leaks out of app/render. Whichever way the instance and device were created, the
// renderer owns them and destroys them (XR_KHR_vulkan_enable2 hands that duty to the application).
struct DeviceRequirements {
  std::vector<std::string> instance_extensions;  // e.g. platform::Window::requiredInstanceExtensions(); naming
                                                 // VK_KHR_surface also makes VK_KHR_swapchain a device requirement
  std::vector<std::string> device_extensions;    // e.g. what xrGetVulkanDeviceExtensionsKHR lists
  std::uint32_t min_api_version = kVulkanApiVersion1_1;  // instance and device; never below 1.1
  // VkPhysicalDevice to use, one of the instance's devices (so only meaningful with create_instance returning an
  // instance the caller already knows); 0 = the renderer picks (or select_physical_device does). Set at most one.
  std::uint64_t physical_device = 0;
  // Called once right after the instance exists, with the VkInstance; returns the VkPhysicalDevice to use
  // (xrGetVulkanGraphicsDevice2KHR). Returning 0 fails Renderer::create().
  std::function<std::uint64_t(std::uint64_t instance)> select_physical_device;
  // Creates the instance instead of vkCreateInstance (xrCreateVulkanInstanceKHR): called once with the renderer's
  // fully filled VkInstanceCreateInfo (layers, extensions, validation pNext chain); returns the VkInstance.
  std::function<core::Result<std::uint64_t>(const void* vk_instance_create_info)> create_instance;
  // Creates the device instead of vkCreateDevice (xrCreateVulkanDeviceKHR): called once with the chosen
  // VkPhysicalDevice and the renderer's fully filled VkDeviceCreateInfo (one graphics queue, extensions).
  std::function<core::Result<std::uint64_t>(std::uint64_t physical_device, const void* vk_device_create_info)>
      create_device;
};

struct RendererOptions {
  bool enable_validation = true;  // VK_LAYER_KHRONOS_validation + debug messenger (tests: always on)
  bool prefer_software = false;   // pick lavapipe even if a GPU exists (for reproducible tests)
  bool enable_sync_validation = false;  // also the layer's synchronization checks (hazards); slower, tests use it
  int msaa_samples = 4;  // 4 (anti-aliased) or 1 (cheaper on CPU rasterisers); falls back to 1 if unsupported
  DeviceRequirements requirements;  // extensions, version, device choice, instance/device creation hooks
};

struct ViewSetup {
  core::Mat4f T_view_model;  // Mat4f::fromPose(T_camera_machine): OpenCV camera frame (x right, y down, z fwd)
  core::Mat4f projection;    // core::vulkanProjection(camera, near, far)
  int target = 0;            // which target this view renders into (one view per target per frame)
  // Only the frame's UI texture, as a screen overlay, on a transparent clear (premultiplied alpha): no background,
  // no model. For a headset's panel layer (XrCompositionLayerQuad) whose swapchain image is an imported target.
  bool ui_only = false;
  bool no_ui = false;  // leave the UI out of this view (a headset's eyes: the panel is its own layer)
};

// Where the frame's UI texture (see FrameDesc::draw_ui) appears in each view.
enum class UiPlacement : std::uint8_t {
  ScreenOverlay,  // composited over the view's whole target (stretched if the UI size differs from the target's)
  WorldQuad,      // a textured quad in 3D (FrameDesc::ui_quad), depth-tested against the model, in every view
};

// The UI as a rectangle in the scene (a floating panel for a headset). Quad coordinates: centre at the origin,
// x along the texture's rows (left to right), y down the texture (top to bottom), readable when seen looking
// along +z, like a camera image seen by the camera (so T_world_quad = T_world_camera * translation(0, 0, d)
// puts it upright, d metres in front of that camera, filling width_m x height_m).
struct UiQuad {
  core::Mat4f T_world_quad;  // pose of the quad's centre; "world" is the frame ViewSetup::T_view_model maps from
  float width_m = 0.4f;      // size of the quad (the texture is stretched to it: keep the aspect of the UI size)
  float height_m = 0.3f;
};

struct FrameDesc {
  std::vector<ViewSetup> views;        // N views, each with its own view+projection (stereo/XR later)
  std::vector<PartStyle> part_styles;  // one per content::Model part; missing => Normal. A Normal part takes
                                       // the style of its nearest styled ancestor that has no triangles of its
                                       // own (an assembly node: style "gearbox" to style its pieces); parts with
                                       // geometry pass nothing down (a robot link does not restyle the next).
  bool model_visible = true;           // false when tracking is lost: background + UI only
  float model_opacity = 0.55f;         // Normal parts: shaded, semi-transparent so the photo reads through
  // Draw ImGui::GetDrawData(): rendered once per frame into the renderer's UI texture (ui_width x ui_height,
  // R8G8B8A8 holding sRGB-encoded colour with premultiplied alpha, transparent where there is no UI, ImGui's
  // blending in sRGB space as before), then placed in every view as ui_placement says. Set the ImGui display
  // size (io.DisplaySize * io.DisplayFramebufferScale) to the UI size.
  bool draw_ui = false;
  int ui_width = 0;                    // UI texture size; 0 x 0 = the size of the first view's target
  int ui_height = 0;
  UiPlacement ui_placement = UiPlacement::ScreenOverlay;
  UiQuad ui_quad;                      // ui_placement == WorldQuad: where the quad is
  double time_s = 0;                   // animates the highlight hatching; keep 0 for reproducible images
  bool transparent_background = false; // targets without a background image clear to (0,0,0,0) instead of dark grey
};

// Native Vulkan handles (as integers) for an OpenXR graphics binding; the renderer keeps ownership.
struct NativeHandles {
  std::uint64_t instance = 0;         // VkInstance
  std::uint64_t physical_device = 0;  // VkPhysicalDevice
  std::uint64_t device = 0;           // VkDevice
  std::uint32_t queue_family = 0;
  std::uint32_t queue_index = 0;
};

// Per-frame timing of the last frame (CPU wall time; on lavapipe the GPU work is CPU work too). For a
// renderFrame() on its own: recording, then submit until its fence signals, then the whole call. For a
// beginFrame()/renderFrame()/endFrame() frame: recording, the time spent blocked on the GPU (waiting for the
// frame two back to finish, acquiring images, submit and present), and beginFrame() to the end of endFrame().
struct FrameStats {
  double record_ms = 0;  // building the command buffer (includes ImGui vertex upload)
  double submit_wait_ms = 0;  // blocked on the GPU: queue submit until the fence signals (see above)
  double total_ms = 0;
  int ui_width = 0;   // UI texture size of the last frame (0 x 0 without UI)
  int ui_height = 0;
  std::uint64_t ui_textures_created = 0;  // since create(): one per frame slot and UI size change, not per frame
};

// One target as beginFrame() found it. Offscreen and imported targets are always acquired; a swapchain target is
// not when its window is minimised (size 0) or its image could not be acquired this frame: leave it out of the
// frame's views (a view of it is skipped). width/height is the size to render at this frame (a swapchain follows
// its window, so it may change from frame to frame).
struct AcquiredTarget {
  int target = -1;
  int width = 0;
  int height = 0;
  bool acquired = false;
};

struct FrameBegin {
  std::uint64_t frame_index = 0;        // increases by one per frame (a renderFrame() on its own counts too)
  std::vector<AcquiredTarget> targets;  // every live target, ascending ids
};

class Renderer {
 public:
  static core::Result<std::unique_ptr<Renderer>> create(const RendererOptions& options);
  ~Renderer();
  Renderer(const Renderer&) = delete;
  Renderer& operator=(const Renderer&) = delete;

  // R8G8B8A8_SRGB colour + depth, owned. Returns the target id used in ViewSetup::target.
  core::Result<int> createOffscreenTarget(int width, int height);
  // A target whose colour image comes from outside (OpenXR swapchain image later): VkImage as uint64, VkFormat as
  // uint32 (R8G8B8A8 or B8G8R8A8, _SRGB or _UNORM), size. The image needs TRANSFER_DST usage (and TRANSFER_SRC
  // for readback). The renderer draws into its own image and blits into this one at the end of renderFrame()
  // (colour-correct: an _SRGB image receives sRGB-encoded values, a _UNORM one linear values, as OpenXR
  // compositors expect); afterwards the image is in VK_IMAGE_LAYOUT_COLOR_ATTACHMENT_OPTIMAL. Its previous
  // contents are discarded. The caller keeps ownership and must keep it alive while the target is used.
  core::Result<int> importTarget(std::uint64_t vk_image, std::uint32_t vk_format, int width, int height);
  // Points an imported target at another image of the same format and size (the OpenXR swapchain image acquired
  // this frame), so one set of the renderer's images serves every image of a swapchain. Call before the
  // renderFrame() that draws it; readback() then reads the new image. Refused between renderFrame() and endFrame().
  core::Status setImportedImage(int target, std::uint64_t vk_image);
  // A window's swapchain (needs VK_KHR_surface and the window's surface extension in
  // RendererOptions::requirements.instance_extensions). Takes ownership of the VkSurfaceKHR (as uint64, created on
  // nativeHandles().instance) and destroys it with the target, also when this call fails. Colour format
  // B8G8R8A8_SRGB (else R8G8B8A8_SRGB, B8G8R8A8_UNORM, R8G8B8A8_UNORM), sRGB colour space; what reaches the
  // screen equals readback() (a _UNORM swapchain receives the sRGB-encoded bytes, as desktop compositors expect).
  // vsync: FIFO; else MAILBOX, IMMEDIATE, FIFO, whichever the surface offers first. The size is the surface's
  // current extent where it has one, else width x height. Drawn between beginFrame() and endFrame() only; after
  // endFrame() its images are in VK_IMAGE_LAYOUT_PRESENT_SRC_KHR and presented.
  core::Result<int> createSwapchainTarget(std::uint64_t vk_surface, int width, int height, bool vsync);
  // Recreates the swapchain (and the target's images) for a new window size; call between frames, e.g. on a
  // framebuffer resize event. 0 x 0 means minimised: beginFrame() reports the target not acquired until a later
  // resize with a real size. Out-of-date or suboptimal swapchains found while acquiring or presenting are
  // recreated by the renderer itself, at the surface's current extent.
  core::Status resizeSwapchain(int target, int width, int height);
  // Whether this renderer's queue can present to the surface (false without VK_KHR_surface on the instance).
  bool supportsPresent(std::uint64_t vk_surface) const;
  // Offscreen, imported or swapchain target; its id becomes free for reuse. GPU work still using it is left to
  // finish first (a swapchain waits for the queue to go idle, presentation included); inside a frame it stays
  // alive until that frame's work is done. Unknown ids are ignored.
  void destroyTarget(int target);
  core::Status setModel(const content::Model& model);  // uploads once; parts drawn per style
  // Camera image (Rgba8 or Bgr8, sRGB-encoded) stretched to the target; none => dark grey. The pixels are copied
  // now (the caller may reuse `image`) and reach the GPU inside the next renderFrame() that draws the target.
  core::Status setBackground(int target, const core::Image& image);
  void clearBackground(int target);
  // Call once after the ImGui context exists and fonts are added: uploads the font atlas (ImGui Vulkan backend).
  // The ImGui backend is process-global: only one Renderer may have the UI initialised at a time.
  core::Status initUi();
  // Releases the ImGui backend; call between frames and before ImGui::DestroyContext() (the destructor calls it
  // too, which is only safe while the ImGui context that was current at initUi() still exists).
  void shutdownUi();
  // Frame lifecycle, two frames in flight: beginFrame() waits until the frame two back has finished on the GPU
  // (not the previous one) and acquires every swapchain target's next image; renderFrame() records the frame
  // (once per frame); endFrame() submits it and presents the swapchain targets (an acquired swapchain target that
  // renderFrame() did not draw shows its previous picture again). Offscreen and imported targets are written when
  // the frame's work runs: call endFrame() before handing an imported image back (xrReleaseSwapchainImage); a
  // readback() after endFrame() waits for that work. Between renderFrame() and endFrame(), readback(),
  // setModel() and resizeSwapchain() are refused; setBackground() then applies to the next frame.
  core::Result<FrameBegin> beginFrame();
  // Outside beginFrame()/endFrame(): records, submits and waits, as a frame of its own (headless runs, tests);
  // swapchain targets cannot be drawn that way. Inside: records into the frame begun (call from one thread).
  core::Status renderFrame(const FrameDesc& frame);
  core::Status endFrame();
  core::Result<core::Image> readback(int target);    // Rgba8, sRGB-encoded, top row first (swapchains too)
  // Model coverage mask (Gray8: 255 where any part not Hidden in the last frame's styles covers the pixel
  // centre, else 0), for silhouette IoU tests. No multisampling.
  core::Result<core::Image> renderMask(const ViewSetup& view, int width, int height);
  // Blocks until the GPU has finished all submitted work and frees retired targets (before handing images back).
  void waitIdle();
  std::uint64_t validationMessageCount() const;  // validation/loader warnings and errors seen since create()
  std::string deviceName() const;                // e.g. "llvmpipe (LLVM 15.0.6, 256 bits)"
  int msaaSamples() const;                       // 4 where supported, else 1
  NativeHandles nativeHandles() const;
  FrameStats lastFrameStats() const;

  // Test hook: creates a device image like an OpenXR swapchain image (colour attachment + transfer src/dst),
  // owned and destroyed by the renderer, to pass to importTarget(). Not for production use.
  core::Result<std::uint64_t> createExternalImageForTest(int width, int height, std::uint32_t vk_format);

  struct Impl;

 private:
  explicit Renderer(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// Validation messages seen by every Renderer in this process so far, including those raised while a Renderer is
// destroyed (objects left alive at vkDestroyDevice); tests check it after destroying their renderers.
std::uint64_t processValidationMessageCount();

}  // namespace rivet::render
